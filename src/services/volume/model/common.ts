import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { JobRunner } from '../../../platform/jobs.js';
import type { MasterKey } from '../../../platform/keys.js';
import type { Logger } from '../../../platform/logging.js';
import type { ComputeClient } from '../../compute/client.js';
import type { ImageClient } from '../../image/client.js';
import type { VolumeDriver } from '../drivers/driver.js';
import { KEY_BYTES } from '../drivers/sectors.js';
import type { VolumeStores } from '../store/rows.js';

export interface VolumeSettings {
  availabilityZone: string;
  /** Name of the type volumes get when none is asked for. */
  defaultType: string;
  quotas: Record<string, number>;
  /** How often transient states are checked for lost jobs. */
  reconcileIntervalMs: number;
  /** Name of the group type `/group_types/default` shows (Cinder's `default_group_type`); none by default. */
  defaultGroupType: string | null;
}

export const DEFAULT_SETTINGS: VolumeSettings = {
  availabilityZone: 'nova',
  defaultType: '__DEFAULT__',
  quotas: { volumes: 10, snapshots: 10, gigabytes: 1000, backups: 10, backup_gigabytes: 1000, groups: 10, per_volume_gigabytes: -1 },
  reconcileIntervalMs: 60_000,
  defaultGroupType: null,
};

/**
 * Data keys of encrypted volumes, wrapped by the cloud's master key and stored in the row.
 * This is the seam for a key manager: once the key-manager service exists, `create` stores the
 * key there and returns its id as `keyId`, and `unwrap` fetches it.
 */
export class VolumeKeys {
  private static readonly CONTEXT = 'volume-data-key';
  constructor(private readonly master: MasterKey) {}
  /** A new data key of `bits` (the encryption type's key size). */
  create(bits = KEY_BYTES * 8): { wrapped: string; keyId: string } {
    const key = randomBytes(bits / 8);
    return { wrapped: this.master.wrap(key, VolumeKeys.CONTEXT), keyId: uuid() };
  }
  unwrap(wrapped: string | null): Buffer | undefined {
    return wrapped ? this.master.unwrap(wrapped, VolumeKeys.CONTEXT) : undefined;
  }
}

/** Everything the model works with, built once in plugin.ts. */
export interface ModelDeps {
  stores: VolumeStores;
  driver: VolumeDriver;
  jobs: JobRunner;
  keys: VolumeKeys;
  settings: VolumeSettings;
  log: Logger;
  image(): ImageClient | undefined;
  /** Compute, told when an attached volume grows (Cinder's `volume-extended` event to Nova). */
  compute(): ComputeClient | undefined;
}

export const isAdmin = (auth: AuthContext): boolean => auth.roles.includes('admin');

/** A row the caller may see: own project, or any for admins; otherwise not found (never forbidden). */
export function visible<R extends { project_id: string }>(auth: AuthContext, row: R | undefined, what: string, id: string): R {
  if (!row || (!isAdmin(auth) && row.project_id !== auth.projectId)) throw notFound(`${what} ${id} could not be found.`);
  return row;
}

export function requireProject(auth: AuthContext): string {
  if (!auth.projectId) throw badRequest('A project-scoped token is required.');
  return auth.projectId;
}

/** Cinder's InvalidVolume: a 400 with "Invalid volume: ...". */
export const invalidVolume = (why: string) => badRequest(`Invalid volume: ${why}`);
export const invalidSnapshot = (why: string) => badRequest(`Invalid snapshot: ${why}`);
export const invalidBackup = (why: string) => badRequest(`Invalid backup: ${why}`);

export const json = <T>(text: string | null | undefined, fallback: T): T => (text ? (JSON.parse(text) as T) : fallback);

/** Auth stored in a job payload: who asked, without the token itself. */
export const jobAuth = (auth: AuthContext): AuthContext => ({ ...auth, token: '' });

export const now = (): string => new Date().toISOString();

export function messageOf(e: unknown): string {
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}
