import { badRequest, notFound } from '../../../platform/errors.js';
import type { ServiceRow } from '../store/tables.js';
import { now, type ModelDeps } from './common.js';

/** The one back end: the file driver on this process's host, as Cinder names hosts and pools. */
export const BACKEND = { host: 'localhost', backend: 'file', pool: 'file', vendor: 'SCS', driverVersion: '1.0', protocol: 'file' } as const;
export const VOLUME_HOST = `${BACKEND.host}@${BACKEND.backend}`;
export const POOL_NAME = `${VOLUME_HOST}#${BACKEND.pool}`;

/** Cinder's service binaries and the host each one runs on here (one process hosts them all). */
export const SERVICES = [
  { binary: 'cinder-scheduler', host: BACKEND.host },
  { binary: 'cinder-volume', host: VOLUME_HOST },
  { binary: 'cinder-backup', host: BACKEND.host },
] as const;

export type ServiceState = ServiceRow;

/**
 * The admin state of the services (`os-services` enable/disable, freeze/thaw). What it changes:
 * while `cinder-volume` is disabled or its host frozen, new volumes find no back end and go to
 * `error`, as Cinder's scheduler leaves them. Disabling the scheduler or backup service is
 * recorded and shown only.
 */
export class ServiceAdmin {
  constructor(private readonly d: ModelDeps) {}

  async list(): Promise<ServiceState[]> {
    const rows = await this.d.stores.services.list();
    return SERVICES.map(({ binary, host }) => rows.find((r) => r.binary === binary && r.host === host) ?? { binary, host, disabled: 0, disabled_reason: null, frozen: 0, updated_at: '' });
  }

  async setDisabled(binary: string, host: string, disabled: boolean, reason: string | null): Promise<ServiceState> {
    const s = (await this.list()).find((x) => x.binary === binary && x.host === host);
    if (!s) throw notFound(`Service ${binary} on host ${host} could not be found.`);
    const next = { ...s, disabled: disabled ? 1 : 0, disabled_reason: disabled ? reason : null, updated_at: now() };
    await this.d.stores.services.set(next);
    return next;
  }

  /** freeze/thaw name a volume back end (`host@backend`, or the bare host). */
  async setFrozen(host: string, frozen: boolean): Promise<void> {
    const targets = (await this.list()).filter((s) => s.binary === 'cinder-volume' && (s.host === host || s.host.startsWith(`${host}@`)));
    if (!targets.length) throw badRequest(`Invalid input received: Host ${host} is not a volume back end.`);
    for (const s of targets) await this.d.stores.services.set({ ...s, frozen: frozen ? 1 : 0, updated_at: now() });
  }

  /** Why no back end takes new volumes, if none does. */
  async noBackend(): Promise<string | undefined> {
    const vol = (await this.list()).find((s) => s.binary === 'cinder-volume');
    if (vol?.disabled) return `No valid backend was found. The cinder-volume service on ${vol.host} is disabled${vol.disabled_reason ? `: ${vol.disabled_reason}` : ''}.`;
    if (vol?.frozen) return `No valid backend was found. The back end ${vol.host} is frozen.`;
    return undefined;
  }
}
