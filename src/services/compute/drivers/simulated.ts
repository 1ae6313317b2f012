import { createHash, randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GuestAccountStore } from '../store/guest-accounts.js';
import type { HostStateStore } from '../store/hosts.js';
import { DriverError, type ComputeDriver, type GuestSpec, type HostReport } from './driver.js';

export interface SimulatedHostConfig {
  name: string;
  zone?: string;
  vcpus?: number;
  memoryMb?: number;
  diskGb?: number;
}

export interface SimulatedConfig {
  hosts: SimulatedHostConfig[];
  /** Delay of a build and of every other guest operation, in ms. */
  buildDelayMs: number;
  actionDelayMs: number;
  /**
   * Delay of a guest OS restart (reboot, rebuild, rescue), in ms: long enough that clients polling
   * once a second (gophercloud, tempest) see REBOOT or REBUILD, as on a real hypervisor.
   */
  restartDelayMs: number;
  allocationRatios: { VCPU: number; MEMORY_MB: number; DISK_GB: number };
}

const scryptAsync = promisify(scrypt);

/** A stable uuid per host name, so a restarted cloud finds its resource providers again. */
function hostUuid(name: string): string {
  const h = createHash('sha256').update(`scs-simulated-host:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The embedded data plane: no guest really runs. Hosts and capacity come from configuration; faults
 * injected by an admin (fail builds, latency, host down) live in the database so that every
 * process sees them.
 */
export class SimulatedDriver implements ComputeDriver {
  readonly capabilities = {
    supportsPause: true,
    supportsSuspend: true,
    supportsSnapshot: true,
    supportsConsoleLog: true,
    supportsVolumeAttach: true,
    supportsInterfaceAttach: true,
    supportsLiveMigration: true,
    supportsSetAdminPassword: true,
  };

  constructor(
    private readonly config: SimulatedConfig,
    private readonly state: HostStateStore,
    private readonly accounts: GuestAccountStore,
  ) {}

  async hosts(): Promise<HostReport[]> {
    const states = new Map((await this.state.all()).map((s) => [s.host, s]));
    return this.config.hosts.map((h, i) => ({
      host: h.name,
      uuid: hostUuid(h.name),
      zone: states.get(h.name)?.zone ?? h.zone ?? 'nova',
      vcpus: h.vcpus ?? 64,
      memoryMb: h.memoryMb ?? 262144,
      diskGb: h.diskGb ?? 2000,
      allocationRatios: this.config.allocationRatios,
      hypervisorType: 'simulated',
      hypervisorVersion: 1000,
      hostIp: `192.0.2.${i + 10}`,
      up: !states.get(h.name)?.down,
    }));
  }

  /** Waits the configured delay plus injected latency; fails when the host is down. */
  private async step(guest: GuestSpec, ms: number): Promise<void> {
    const s = await this.state.get(guest.host);
    if (s?.down) throw new DriverError(`Compute host ${guest.host} is down (simulated fault).`);
    const wait = ms + (s?.latency_ms ?? 0);
    if (wait > 0) await sleep(wait);
  }

  async spawn(guest: GuestSpec): Promise<void> {
    if (await this.state.takeBuildFailure(guest.host)) {
      throw new DriverError(`Build of instance ${guest.id} aborted: simulated build failure injected on host ${guest.host}.`);
    }
    await this.step(guest, this.config.buildDelayMs);
  }

  /** Nothing runs, so only the guest's accounts are left to forget; a down host must not block deletion. */
  async destroy(guest: GuestSpec): Promise<void> {
    await this.accounts.forget(guest.id);
  }

  powerOn = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  powerOff = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  reboot = (g: GuestSpec) => this.step(g, this.config.restartDelayMs);
  /** A fresh root disk: passwords set in the old one are gone. */
  async rebuild(guest: GuestSpec): Promise<void> {
    await this.step(guest, this.config.restartDelayMs);
    await this.accounts.forget(guest.id);
  }
  pause = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  unpause = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  suspend = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  resume = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  /** Fails like a real migration when the target host is down. */
  async liveMigrate(guest: GuestSpec, targetHost: string): Promise<void> {
    await this.step(guest, this.config.actionDelayMs);
    if ((await this.state.get(targetHost))?.down) throw new DriverError(`Live migration to ${targetHost} failed: the host is down (simulated fault).`);
  }
  attachVolume = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  detachVolume = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  extendVolume = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  attachInterface = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);
  detachInterface = (g: GuestSpec) => this.step(g, this.config.actionDelayMs);

  async snapshot(guest: GuestSpec): Promise<Readable> {
    await this.step(guest, this.config.actionDelayMs);
    const text =
      `SCS simulated snapshot of server ${guest.id} (${guest.name}) on host ${guest.host}.\n` +
      `This is not a disk image: the simulated hypervisor runs no guest and has no disk contents.\n` +
      `source image: ${guest.imageId ?? 'none (boot from volume)'}\n`;
    return Readable.from([Buffer.from(text)]);
  }

  /**
   * The simulated guest runs an agent (as a QEMU guest agent) that sets the account's password; the
   * guest keeps only a salted scrypt hash of it, and its console log tells when it changed.
   */
  async setAdminPassword(guest: GuestSpec, user: string, password: string): Promise<void> {
    await this.step(guest, this.config.actionDelayMs);
    const salt = randomBytes(16);
    const hash = (await scryptAsync(password, salt, 32)) as Buffer;
    await this.accounts.setPassword(guest.id, user, `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`);
  }

  async consoleOutput(guest: GuestSpec, lines?: number): Promise<string> {
    const log = [
      `[    0.000000] SCS simulated hypervisor: this is a simulated guest, no operating system is running.`,
      `[    0.000001] instance ${guest.id} (${guest.name}) on host ${guest.host}`,
      `[    0.000002] flavor: ${guest.vcpus} vCPU, ${guest.ramMb} MiB RAM, ${guest.diskGb} GB disk; image ${guest.imageId ?? 'none'}`,
      `[    0.000003] user data: ${guest.userData ? `${Buffer.from(guest.userData, 'base64').length} bytes (not executed)` : 'none'}`,
      `[    0.000004] ssh key: ${guest.keyData ? 'injected (simulated)' : 'none'}`,
      `[    0.000005] injected files: ${guest.files.length ? `${guest.files.map((f) => f.path).join(', ')} (not written: no guest disk)` : 'none'}`,
      `[    0.000006] simulated guest reached the running state.`,
      ...(await this.accounts.list(guest.id)).map((a) => `[    0.000007] guest agent: password of user ${a.user_name} set at ${a.updated_at}`),
    ];
    // Nova tails the log text (which ends with a newline) by lines, as `'\n'.join(text.split('\n')[-n:])`.
    const text = `${log.join('\n')}\n`;
    return lines !== undefined ? text.split('\n').slice(-lines).join('\n') : text;
  }
}
