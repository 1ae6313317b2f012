import type { Readable } from 'node:stream';

/** What a driver needs to know about a guest: no API fields, only what the data plane uses. */
export interface GuestSpec {
  id: string;
  name: string;
  host: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  imageId: string | null;
  userData: string | null;
  keyData: string | null;
  /** Files to write into the guest (Nova's personality), contents base64. */
  files: Array<{ path: string; contents: string }>;
}

/** A compute host as the driver reports it (one placement resource provider each). */
export interface HostReport {
  host: string;
  /** Stable uuid of the host's resource provider and hypervisor. */
  uuid: string;
  zone: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  allocationRatios: { VCPU: number; MEMORY_MB: number; DISK_GB: number };
  hypervisorType: string;
  hypervisorVersion: number;
  hostIp: string;
  /** False when the host does not answer (down). */
  up: boolean;
}

/** A failure of the data plane that puts the guest (not the request) into ERROR. */
export class DriverError extends Error {}

/**
 * The hypervisor seam: everything compute asks of a data plane. Every method is idempotent for
 * the same guest, because a durable job may run it again after a crash.
 */
export interface ComputeDriver {
  readonly capabilities: {
    supportsPause: boolean;
    supportsSuspend: boolean;
    supportsSnapshot: boolean;
    supportsConsoleLog: boolean;
    supportsVolumeAttach: boolean;
    supportsInterfaceAttach: boolean;
    supportsLiveMigration: boolean;
    /** A guest agent can set the password of an account in the guest (Nova's changePassword). */
    supportsSetAdminPassword: boolean;
  };
  /** The hosts this driver manages, with their capacity. */
  hosts(): Promise<HostReport[]>;
  spawn(guest: GuestSpec): Promise<void>;
  /** Re-creates the guest with a fresh root disk from `guest.imageId` (Nova's rebuild). */
  rebuild(guest: GuestSpec): Promise<void>;
  destroy(guest: GuestSpec): Promise<void>;
  powerOn(guest: GuestSpec): Promise<void>;
  powerOff(guest: GuestSpec): Promise<void>;
  reboot(guest: GuestSpec, hard: boolean): Promise<void>;
  pause(guest: GuestSpec): Promise<void>;
  unpause(guest: GuestSpec): Promise<void>;
  suspend(guest: GuestSpec): Promise<void>;
  resume(guest: GuestSpec): Promise<void>;
  /** The guest's root disk as a byte stream (for createImage). */
  snapshot(guest: GuestSpec): Promise<Readable>;
  consoleOutput(guest: GuestSpec, lines?: number): Promise<string>;
  /** Sets the password of `user` inside the running guest through its agent (only when `supportsSetAdminPassword`). */
  setAdminPassword(guest: GuestSpec, user: string, password: string): Promise<void>;
  /** Moves a running guest to another host (only when `supportsLiveMigration`). */
  liveMigrate(guest: GuestSpec, targetHost: string): Promise<void>;
  attachVolume(guest: GuestSpec, volumeId: string, device: string): Promise<void>;
  detachVolume(guest: GuestSpec, volumeId: string): Promise<void>;
  /** Makes the guest see the new size of an attached volume that block storage has grown. */
  extendVolume(guest: GuestSpec, volumeId: string, sizeBytes: number): Promise<void>;
  attachInterface(guest: GuestSpec, portId: string, mac: string): Promise<void>;
  detachInterface(guest: GuestSpec, portId: string): Promise<void>;
}
