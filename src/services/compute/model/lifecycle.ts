import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, conflict } from '../../../platform/errors.js';
import { DriverError, type GuestSpec } from '../drivers/driver.js';
import type { MigrationRow, ServerRow } from '../store/tables.js';
import type { ComputeModel } from './context.js';
import type { Flavor } from './flavors.js';
import { flavorResources, NoValidHost } from './scheduler.js';
import { guestOf, injectedFiles } from './guest.js';
import type { ServerService } from './servers.js';
import type { BlockDevice } from './volumes.js';
import { ACTION_JOB, POWER } from './states.js';


export interface BuildPayload {
  serverId: string;
  requestId: string;
}

export interface ActionPayload {
  serverId: string;
  action: string;
  actionId: string;
  params: Record<string, unknown>;
}

/** One guest operation: the states it starts from, its task state, the driver call and where it ends. */
interface ActionSpec {
  vmStates: string[];
  taskStates?: Array<string | null>;
  task: string;
  event: string;
  run(m: ComputeModel, guest: GuestSpec, row: ServerRow, params: Record<string, unknown>): Promise<Partial<ServerRow> | void>;
  final: (row: ServerRow) => Partial<ServerRow>;
}

const active = { vm_state: 'active', power_state: POWER.RUNNING };

export const ACTIONS: Record<string, ActionSpec> = {
  stop: { vmStates: ['active', 'error'], task: 'powering-off', event: 'compute_stop_instance', run: (m, g) => m.driver.powerOff(g), final: () => ({ vm_state: 'stopped', power_state: POWER.SHUTDOWN }) },
  start: { vmStates: ['stopped'], task: 'powering-on', event: 'compute_start_instance', run: (m, g) => m.driver.powerOn(g), final: () => active },
  reboot: {
    vmStates: ['active', 'stopped', 'paused', 'suspended', 'error'],
    task: 'rebooting',
    event: 'compute_reboot_instance',
    run: (m, g, _r, p) => m.driver.reboot(g, p.hard === true),
    final: () => active,
  },
  pause: { vmStates: ['active'], task: 'pausing', event: 'compute_pause_instance', run: (m, g) => m.driver.pause(g), final: () => ({ vm_state: 'paused', power_state: POWER.PAUSED }) },
  unpause: { vmStates: ['paused'], task: 'unpausing', event: 'compute_unpause_instance', run: (m, g) => m.driver.unpause(g), final: () => active },
  suspend: { vmStates: ['active'], task: 'suspending', event: 'compute_suspend_instance', run: (m, g) => m.driver.suspend(g), final: () => ({ vm_state: 'suspended', power_state: POWER.SUSPENDED }) },
  resume: { vmStates: ['suspended'], task: 'resuming', event: 'compute_resume_instance', run: (m, g) => m.driver.resume(g), final: () => active },
  rebuild: {
    vmStates: ['active', 'stopped', 'error'],
    task: 'rebuilding',
    event: 'compute_rebuild_instance',
    async run(m, g, _r, p) {
      const patch = (p.patch ?? {}) as Partial<ServerRow>;
      await m.driver.rebuild({ ...g, imageId: patch.image_id ?? g.imageId, name: patch.name ?? g.name, files: injectedFiles(patch.personality) });
      return patch;
    },
    final: (r) => (r.vm_state === 'stopped' ? { vm_state: 'stopped', power_state: POWER.SHUTDOWN } : active),
  },
  resize: {
    vmStates: ['active', 'stopped'],
    task: 'resize_prep',
    event: 'compute_resize_instance',
    async run(m, _g, r, p) {
      const patch = await moveTo(m, r, p.flavor as Flavor, p.exclude === true);
      await recordMove(m, r, p.exclude === true ? 'migration' : 'resize', patch, 'finished');
      return { ...patch, ...(typeof p.diskConfig === 'string' ? { disk_config: p.diskConfig } : {}) };
    },
    final: () => ({ vm_state: 'resized' }),
  },
  rescue: {
    vmStates: ['active', 'stopped', 'error'],
    task: 'rescuing',
    event: 'compute_rescue_instance',
    // The simulated guest restarts from its rescue image; a real driver boots the rescue image with the root disk attached.
    run: (m, g, _r, p) => m.driver.reboot({ ...g, imageId: typeof p.imageId === 'string' ? p.imageId : g.imageId }, true),
    final: () => ({ vm_state: 'rescued', power_state: POWER.RUNNING }),
  },
  unrescue: { vmStates: ['rescued'], task: 'unrescuing', event: 'compute_unrescue_instance', run: (m, g) => m.driver.reboot(g, true), final: () => active },
  liveMigrate: {
    vmStates: ['active', 'paused'],
    task: 'migrating',
    event: 'compute_live_migration',
    async run(m, g, r, p) {
      // The guest keeps running: claim on the target, move, and there is nothing to confirm.
      const patch = await moveTo(m, r, JSON.parse(r.flavor) as Flavor, true, typeof p.host === 'string' ? p.host : undefined);
      await m.driver.liveMigrate(g, patch.host!);
      await recordMove(m, r, 'live-migration', patch, 'completed');
      return { ...patch, old_flavor: null };
    },
    final: (r) => ({ vm_state: r.vm_state }),
  },
  revertResize: {
    vmStates: ['resized'],
    task: 'resize_reverting',
    event: 'compute_revert_resize',
    async run(m, _g, r) {
      const old = JSON.parse(r.old_flavor ?? r.flavor) as Flavor & { host?: string };
      const back = await m.peers().placement.claim(r.id, (await providerOf(m, old.host ?? r.host!)) ?? '', flavorResources(old), { projectId: r.project_id, userId: r.user_id });
      if (!back) throw new DriverError('Reverting the resize failed: the original host has no room any more.');
      await m.migrations.finish(r.id, 'finished', 'reverted');
      return { host: old.host ?? r.host, flavor: JSON.stringify(stripHost(old)), flavor_id: old.id, vcpus: old.vcpus, memory_mb: old.ram, root_gb: old.disk, old_flavor: null };
    },
    final: (r) => (r.power_state === POWER.SHUTDOWN ? { vm_state: 'stopped' } : active),
  },
  createImage: {
    vmStates: ['active', 'stopped', 'paused', 'suspended'],
    task: 'image_snapshot',
    event: 'compute_snapshot_instance',
    async run(m, g, r, p) {
      const image = m.peers().image;
      if (!image) throw new DriverError('The image service is not available.');
      const auth = await m.peers().identity.contextForUserProject(String(p.userId), r.project_id);
      try {
        await image.uploadData(auth, String(p.imageId), await m.driver.snapshot(g));
      } catch (e) {
        // An image deleted while it was saved ends the snapshot; the guest is fine (Nova's ImageNotFound path).
        if (e instanceof ApiError && e.status === 404) return;
        await image.deleteImage(auth, String(p.imageId)).catch(() => undefined);
        throw e;
      }
    },
    final: () => ({}),
  },
  shelve: {
    vmStates: ['active', 'stopped', 'paused', 'suspended'],
    task: 'shelving',
    event: 'compute_shelve_offload_instance',
    async run(m, g, r) {
      // An image-backed guest is kept as a snapshot image `<name>-shelved` (Nova's shelve); then,
      // as with shelved_offload_time = 0 (Nova's default), it leaves its host at once.
      const req = JSON.parse(r.request) as Record<string, unknown>;
      const image = m.peers().image;
      if (image && r.image_id && !req.shelvedImageId) {
        const auth = await m.peers().identity.contextForUserProject(r.user_id, r.project_id);
        const snap = await image.createImage(auth, { name: `${r.name}-shelved`, disk_format: 'raw', container_format: 'bare', properties: { image_type: 'snapshot', instance_uuid: r.id, base_image_ref: r.image_id } });
        await image.uploadData(auth, snap.id, await m.driver.snapshot(g));
        req.shelvedImageId = snap.id;
      }
      await m.driver.destroy(g);
      await m.peers().placement.release(r.id);
      return { host: null, request: JSON.stringify(req) };
    },
    final: () => ({ vm_state: 'shelved_offloaded', power_state: POWER.SHUTDOWN }),
  },
  unshelve: {
    vmStates: ['shelved', 'shelved_offloaded'],
    task: 'unshelving',
    event: 'compute_unshelve_instance',
    async run(m, _g, r, p) {
      const flavor = JSON.parse(r.flavor) as Flavor;
      const req = JSON.parse(r.request) as Record<string, unknown>;
      const zone = p.zone === undefined ? r.requested_az : (p.zone as string | null);
      const forcedHost = typeof p.host === 'string' ? p.host : undefined;
      const host = await m.scheduler.select({ serverId: r.id, projectId: r.project_id, userId: r.user_id, resources: flavorResources(flavor), zone, forcedHost, group: await groupOf(m, r) });
      const shelved = typeof req.shelvedImageId === 'string' ? req.shelvedImageId : undefined;
      await m.driver.spawn({ ...guestOf(r, host.host), imageId: shelved ?? r.image_id });
      if (shelved) {
        // The guest runs again from its snapshot; Nova then deletes the shelved image.
        const auth = await m.peers().identity.contextForUserProject(r.user_id, r.project_id);
        await m.peers().image?.deleteImage(auth, shelved).catch((e) => m.log.warn({ err: e, image: shelved }, 'deleting the shelved image failed'));
        delete req.shelvedImageId;
      }
      return { host: host.host, availability_zone: host.zone, requested_az: zone, request: JSON.stringify(req) };
    },
    final: () => active,
  },
};

/** Resize and migrate: claim the flavor on a host (another one for migrate), keeping the old for revert. */
async function moveTo(m: ComputeModel, r: ServerRow, flavor: Flavor, exclude: boolean, forcedHost?: string): Promise<Partial<ServerRow>> {
  const host = await m.scheduler.select({
    forcedHost,
    serverId: r.id,
    projectId: r.project_id,
    userId: r.user_id,
    resources: flavorResources(flavor),
    zone: r.requested_az,
    group: await groupOf(m, r),
    exclude: exclude && r.host ? [r.host] : undefined,
    ...hintsOf(r),
  });
  const old = { ...(JSON.parse(r.flavor) as Flavor), host: r.host };
  return { host: host.host, availability_zone: host.zone, old_flavor: JSON.stringify(old), flavor: JSON.stringify(flavor), flavor_id: flavor.id, vcpus: flavor.vcpus, memory_mb: flavor.ram, root_gb: flavor.disk };
}

/** The `os-migrations` record of a finished move (`patch` is the server's new host and flavor). */
async function recordMove(m: ComputeModel, r: ServerRow, type: MigrationRow['migration_type'], patch: Partial<ServerRow>, status: string): Promise<void> {
  await m.migrations.record({ server_id: r.id, project_id: r.project_id, user_id: r.user_id, migration_type: type, status, source_compute: r.host, dest_compute: patch.host ?? r.host, old_flavor_id: r.flavor_id, new_flavor_id: patch.flavor_id ?? r.flavor_id });
}

const stripHost = (f: Flavor & { host?: string }): Flavor => {
  const { host: _host, ...rest } = f;
  return rest;
};

async function providerOf(m: ComputeModel, host: string): Promise<string | undefined> {
  return (await m.driver.hosts()).find((h) => h.host === host)?.uuid;
}

/** The create request's `same_host`/`different_host` hints, which (as Nova's request spec) also guide later moves. */
function hintsOf(r: ServerRow): { sameHostAs?: string[]; differentHostFrom?: string[] } {
  const req = JSON.parse(r.request) as { sameHost?: string[]; differentHost?: string[] };
  return { sameHostAs: req.sameHost, differentHostFrom: req.differentHost };
}

async function groupOf(m: ComputeModel, r: ServerRow) {
  if (!r.server_group_id) return undefined;
  return m.groups.get(r.server_group_id);
}

const fault = (code: number, message: string, details = '') => JSON.stringify({ code, message, details, created: new Date().toISOString() });

/** The state machine of guests: API-side compare-and-set transitions and the durable jobs that finish them. */
export class Lifecycle {
  constructor(
    private readonly m: ComputeModel,
    private readonly servers: ServerService,
  ) {}

  /** Starts an action: checks lock and state, sets the task state (compare-and-set) and queues the job. */
  async start(auth: AuthContext, row: ServerRow, action: string, requestId: string, params: Record<string, unknown> = {}, apiName = action): Promise<void> {
    const spec = ACTIONS[action];
    this.servers.checkLock(auth, row);
    const taskStates = spec.taskStates ?? [null];
    const task = action === 'reboot' && params.hard === true ? 'rebooting_hard' : spec.task;
    if (!spec.vmStates.includes(row.vm_state) || !taskStates.includes(row.task_state)) throw stateConflict(apiName, row);
    if (!(await this.m.servers.update(row.id, { task_state: task }, { vmStates: spec.vmStates, taskStates }))) {
      const now = await this.m.servers.get(row.id);
      throw stateConflict(apiName, now ?? row);
    }
    const actionId = await this.servers.recordAction(auth, row, apiName, requestId);
    await this.m.jobs.enqueue(ACTION_JOB, { serverId: row.id, action, actionId, params } satisfies ActionPayload);
  }

  /** Runs a queued action; a driver failure puts the guest into ERROR with a fault, as Nova does. */
  async runAction(p: ActionPayload): Promise<void> {
    const row = await this.m.servers.get(p.serverId);
    const spec = ACTIONS[p.action];
    if (!row || !spec || row.task_state === null) return;
    const started = new Date().toISOString();
    const event = { event: spec.event, start_time: started, host: row.host, traceback: null };
    await this.m.servers.recordEvent(p.actionId, { ...event, finish_time: null, result: null });
    try {
      const patch = (await spec.run(this.m, guestOf(row, row.host ?? ''), row, p.params)) ?? {};
      const done = { ...row, ...patch };
      await this.m.servers.update(row.id, { ...patch, ...spec.final(done), task_state: null, fault: null }, { taskStates: [row.task_state] });
      await this.m.servers.recordEvent(p.actionId, { ...event, finish_time: new Date().toISOString(), result: 'Success' });
    } catch (e) {
      if (!(e instanceof DriverError || e instanceof NoValidHost || e instanceof ApiError)) throw e;
      const msg = e.message;
      // A failed resize/migrate/live-migrate/unshelve scheduling leaves the guest as it was; other failures are ERROR.
      const recoverable = e instanceof NoValidHost && ['resize', 'unshelve', 'liveMigrate'].includes(p.action);
      await this.m.servers.update(
        row.id,
        recoverable ? { task_state: null, fault: fault(500, msg, e instanceof NoValidHost ? e.details : '') } : { vm_state: 'error', task_state: null, fault: fault(500, msg) },
        { taskStates: [row.task_state] },
      );
      await this.m.servers.recordEvent(p.actionId, { ...event, finish_time: new Date().toISOString(), result: 'Error', traceback: msg });
    }
  }

  async giveUpAction(p: ActionPayload, err: Error): Promise<void> {
    await this.m.servers.update(p.serverId, { vm_state: 'error', task_state: null, fault: fault(500, err.message) });
  }

  /** Builds a server: schedule (claim), ports, spawn. Each step is idempotent and resumes after a crash. */
  async build(p: BuildPayload): Promise<void> {
    let row = await this.m.servers.get(p.serverId);
    if (!row || row.vm_state !== 'building') return;
    const action = (await this.m.servers.action(row.id, p.requestId))?.id;
    const started = new Date().toISOString();
    const event = { event: 'compute__do_build_and_run_instance', start_time: started, traceback: null };
    const fail = async (message: string, details = '') => {
      await this.releaseBuild(row!);
      await this.m.servers.update(row!.id, { vm_state: 'error', task_state: null, power_state: POWER.NOSTATE, fault: fault(500, message, details) }, { vmStates: ['building'] });
      if (action) await this.m.servers.recordEvent(action, { ...event, host: row!.host, finish_time: new Date().toISOString(), result: 'Error', traceback: message });
    };
    const req = JSON.parse(row.request) as { networks: 'auto' | 'none' | Array<Record<string, string>>; networksIfAvailable?: boolean; securityGroups: string[]; forcedHost?: string; blockDevices?: BlockDevice[] };
    if (!row.host) {
      try {
        const flavor = JSON.parse(row.flavor) as Flavor;
        const host = await this.m.scheduler.select({
          serverId: row.id,
          projectId: row.project_id,
          userId: row.user_id,
          // A server booted from a volume keeps its root disk in block storage, not on the host.
          resources: { ...flavorResources(flavor), ...(req.blockDevices?.some((d) => d.bootIndex === 0) ? { DISK_GB: flavor.ephemeral + Math.ceil(flavor.swap / 1024) } : {}) },
          zone: row.requested_az,
          forcedHost: req.forcedHost,
          group: await groupOf(this.m, row),
          ...hintsOf(row),
        });
        if (!(await this.m.servers.update(row.id, { host: host.host, availability_zone: host.zone, task_state: 'networking' }, { vmStates: ['building'] }))) {
          await this.m.peers().placement.release(row.id);
          return;
        }
      } catch (e) {
        if (e instanceof NoValidHost) return fail(e.message, e.details);
        throw e;
      }
      row = (await this.m.servers.get(row.id))!;
      if (!row) return;
    }
    if (action) await this.m.servers.recordEvent(action, { ...event, host: row.host, finish_time: null, result: null });
    const network = this.m.peers().network;
    try {
      if (network && req.networks !== 'none' && !(await network.serverPorts(row.id)).length) {
        await network.allocateServerPorts(await this.m.peers().identity.contextForUserProject(row.user_id, row.project_id), {
          serverId: row.id,
          networks: req.networks,
          ifAvailable: req.networksIfAvailable,
          securityGroups: req.securityGroups.length ? req.securityGroups : undefined,
          host: row.host!,
        });
      }
      await this.m.servers.update(row.id, { task_state: 'block_device_mapping' }, { vmStates: ['building'] });
      await this.m.volumes.attachForBuild(row, req.blockDevices ?? []);
      await this.m.servers.update(row.id, { task_state: 'spawning' }, { vmStates: ['building'] });
      await this.m.driver.spawn(guestOf(row, row.host!));
    } catch (e) {
      if (e instanceof DriverError || e instanceof ApiError) return fail(`Build of instance ${row.id} aborted: ${e.message}`);
      throw e;
    }
    const now = new Date().toISOString();
    const ok = await this.m.servers.update(row.id, { vm_state: 'active', task_state: null, power_state: POWER.RUNNING, launched_at: now }, { vmStates: ['building'] });
    if (!ok) {
      // Deleted or timed out while building: whoever moved it released what it saw; make sure nothing is left.
      const gone = await this.m.servers.getAny(row.id);
      if (gone?.deleted) await this.servers.teardown(gone);
      else if (gone?.vm_state === 'error') await this.releaseBuild(gone);
      return;
    }
    if (action) await this.m.servers.recordEvent(action, { ...event, host: row.host, finish_time: now, result: 'Success' });
  }

  /** Gives back what a failed build holds: allocations, ports, volumes. */
  private async releaseBuild(row: ServerRow): Promise<void> {
    await this.m.peers().placement.release(row.id);
    await this.m.peers().network?.releaseServerPorts(row.id);
    await this.m.volumes.releaseAll(row).catch((e) => this.m.log.warn({ err: e, server: row.id }, 'releasing volumes of a failed build failed'));
  }

  async giveUpBuild(p: BuildPayload, err: Error): Promise<void> {
    const row = await this.m.servers.get(p.serverId);
    if (!row || row.vm_state !== 'building') return;
    await this.releaseBuild(row);
    await this.m.servers.update(row.id, { vm_state: 'error', task_state: null, fault: fault(500, `Build of instance ${row.id} failed: ${err.message}`) }, { vmStates: ['building'] });
  }

  /** Nothing stays BUILD forever: a build whose job was lost times out into ERROR (Nova's instance_build_timeout). */
  async expireStaleBuilds(): Promise<void> {
    const before = new Date(Date.now() - this.m.settings.buildTimeoutMs).toISOString();
    for (const row of await this.m.servers.staleBuilds(before)) {
      await this.releaseBuild(row);
      await this.m.servers.update(row.id, { vm_state: 'error', task_state: null, fault: fault(500, `Build of instance ${row.id} timed out.`) }, { vmStates: ['building'] });
    }
  }

  /** Confirms a resize: the old host's hold is already gone; the guest keeps running on the new one. */
  async confirmResize(auth: AuthContext, row: ServerRow, requestId: string): Promise<void> {
    this.servers.checkLock(auth, row);
    if (row.vm_state !== 'resized' || row.task_state !== null) throw stateConflict('confirmResize', row);
    const vm = row.power_state === POWER.SHUTDOWN ? 'stopped' : 'active';
    if (!(await this.m.servers.update(row.id, { vm_state: vm, old_flavor: null }, { vmStates: ['resized'], taskStates: [null] }))) throw stateConflict('confirmResize', row);
    await this.m.migrations.finish(row.id, 'finished', 'confirmed');
    await this.servers.recordAction(auth, row, 'confirmResize', requestId);
  }

  async setLock(auth: AuthContext, row: ServerRow, locked: boolean, reason: string | null, requestId: string): Promise<void> {
    if (!locked && row.locked && row.locked_by === 'admin' && !auth.roles.includes('admin')) throw badRequest(`Instance ${row.id} was locked by an administrator and can only be unlocked by one.`);
    await this.m.servers.update(row.id, { locked: locked ? 1 : 0, locked_by: locked ? (auth.roles.includes('admin') && auth.projectId !== row.project_id ? 'admin' : 'owner') : null, locked_reason: locked ? reason : null });
    await this.servers.recordAction(auth, row, locked ? 'lock' : 'unlock', requestId);
  }

  /**
   * Nova's changePassword: synchronous, as Nova's RPC call to the compute host, so the password never
   * sits in a queued job. `updating_password` guards the guest meanwhile; failures are 409s.
   */
  async setAdminPassword(auth: AuthContext, row: ServerRow, password: string, requestId: string): Promise<void> {
    this.servers.checkLock(auth, row);
    if (row.vm_state !== 'active' || row.task_state !== null) throw stateConflict('changePassword', row);
    if (!(await this.m.servers.update(row.id, { task_state: 'updating_password' }, { vmStates: ['active'], taskStates: [null] }))) {
      throw stateConflict('changePassword', (await this.m.servers.get(row.id)) ?? row);
    }
    const actionId = await this.servers.recordAction(auth, row, 'changePassword', requestId);
    const event = { event: 'compute_set_admin_password', start_time: new Date().toISOString(), host: row.host, traceback: null };
    const failed = (reason: string) => conflict(`Failed to set admin password on ${row.id} because ${reason}`);
    let error: ApiError | undefined;
    try {
      if (row.power_state !== POWER.RUNNING || !row.host) error = failed(`instance ${row.id} is not running`);
      else if (!this.m.driver.capabilities.supportsSetAdminPassword) error = new ApiError('notImplemented', 'Unable to set password on instance');
      else await this.m.driver.setAdminPassword(guestOf(row, row.host), await this.adminUser(auth, row), password);
    } catch (e) {
      if (!(e instanceof DriverError)) throw e;
      // As Nova: the driver's reason is logged, never shown (it could echo the password).
      this.m.log.warn({ err: e, server: row.id }, 'setting the admin password failed');
      error = failed('error setting admin password');
    } finally {
      await this.m.servers.update(row.id, { task_state: null }, { taskStates: ['updating_password'] });
    }
    await this.m.servers.recordEvent(actionId, { ...event, finish_time: new Date().toISOString(), result: error ? 'Error' : 'Success', traceback: error ? error.message : null });
    if (error) throw error;
  }

  /** The account changePassword sets, as Nova's libvirt driver: the image's `os_admin_user`, else Administrator on Windows, else root. */
  private async adminUser(auth: AuthContext, row: ServerRow): Promise<string> {
    const image = row.image_id ? await this.m.peers().image?.getImage(auth, row.image_id) : undefined;
    return image?.properties.os_admin_user || (image?.properties.os_type === 'windows' ? 'Administrator' : 'root');
  }

  /** Console output straight from the driver (no state change). */
  async consoleOutput(row: ServerRow, length?: number): Promise<string> {
    if (!row.host || !['active', 'stopped', 'paused', 'suspended', 'resized', 'error'].includes(row.vm_state)) {
      throw conflict(`Instance ${row.id} is not ready`);
    }
    return this.m.driver.consoleOutput(guestOf(row, row.host), length);
  }
}

/** Nova's 409 for an action in the wrong state. */
export function stateConflict(action: string, row: ServerRow): ApiError {
  if (row.task_state) return conflict(`Cannot '${action}' instance ${row.id} while it is in task_state ${row.task_state}`);
  return conflict(`Cannot '${action}' instance ${row.id} while it is in vm_state ${row.vm_state}`);
}
