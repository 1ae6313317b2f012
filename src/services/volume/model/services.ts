import { badRequest, notFound } from '../../../platform/errors.js';
import type { ServiceRow } from '../store/tables.js';
import { now, type ModelDeps } from './common.js';

/** The one back end: the file driver on this process's host, as Cinder names hosts and pools. */
export const BACKEND = { host: 'localhost', backend: 'file', pool: 'file', vendor: 'SCS', driverVersion: '1.0', protocol: 'file' } as const;
export const VOLUME_HOST = `${BACKEND.host}@${BACKEND.backend}`;
export const POOL_NAME = `${VOLUME_HOST}#${BACKEND.pool}`;
/** Whether `host` selects the volume back end as Cinder's host filter matches hosts: `host`, `host@backend` or its pool. */
export const selectsVolumeHost = (host: string) => host === BACKEND.host || host === VOLUME_HOST || host === POOL_NAME;

/** Cinder's service binaries and the host each one runs on here (one process hosts them all). */
export const SERVICES = [
  { binary: 'cinder-scheduler', host: BACKEND.host },
  { binary: 'cinder-volume', host: VOLUME_HOST },
  { binary: 'cinder-backup', host: BACKEND.host },
] as const;

/** The capabilities the scheduler reports for the pool (`get_pools?detail=true`) and matches type extra specs against. */
export const POOL_CAPABILITIES: Record<string, string | boolean> = {
  volume_backend_name: BACKEND.backend,
  vendor_name: BACKEND.vendor,
  driver_version: BACKEND.driverVersion,
  storage_protocol: BACKEND.protocol,
  pool_name: BACKEND.pool,
  thin_provisioning_support: true,
  thick_provisioning_support: false,
  online_extend_support: true,
  multiattach: true,
  replication_enabled: false,
  QoS_support: false,
};

/** One requirement of Cinder's extra specs operators (`<is>`, `<in>`, `<or>`, `==`, `>=`, `s==`, ...) against a capability. */
function matches(cap: string | boolean, req: string): boolean {
  const [op, ...rest] = req.trim().split(/\s+/);
  const arg = rest.join(' ');
  const num = (x: unknown) => Number(x);
  switch (op) {
    case '<is>':
      return String(cap).toLowerCase() === arg.toLowerCase();
    case '<in>':
      return String(cap).includes(arg);
    case '<or>':
      return req.split('<or>').map((x) => x.trim()).filter(Boolean).includes(String(cap));
    case '=':
    case '>=':
      return num(cap) >= num(arg);
    case '<=':
      return num(cap) <= num(arg);
    case '==':
      return num(cap) === num(arg);
    case '!=':
      return num(cap) !== num(arg);
    case 's==':
      return String(cap) === arg;
    case 's!=':
      return String(cap) !== arg;
    default:
      return cap === req;
  }
}

/** Cinder's capabilities filter: unscoped (or `capabilities:`) extra specs must be met by the back end. */
export function unmetSpec(extraSpecs: Record<string, string>): string | undefined {
  for (const [key, req] of Object.entries(extraSpecs)) {
    const scope = key.split(':');
    if (scope.length > 1 && scope[0] !== 'capabilities') continue;
    const name = scope[0] === 'capabilities' ? scope.slice(1).join(':') : key;
    const cap = POOL_CAPABILITIES[name];
    if (cap === undefined || !matches(cap, req)) return key;
  }
  return undefined;
}

export type ServiceState = ServiceRow;

/**
 * The admin state of the services (`os-services` enable/disable, freeze/thaw) and the scheduler's
 * verdict: while `cinder-volume` is disabled or its host frozen, or when a type's extra specs ask
 * for capabilities the back end lacks, new volumes find no back end and go to `error` (with a user
 * message), as Cinder's scheduler leaves them. Disabling the scheduler or backup service is
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

  /** Why no back end takes a new volume of a type with these extra specs, if none does. */
  async noBackend(extraSpecs: Record<string, string>): Promise<string | undefined> {
    const vol = (await this.list()).find((s) => s.binary === 'cinder-volume');
    if (vol?.disabled) return `No valid backend was found. The cinder-volume service on ${vol.host} is disabled${vol.disabled_reason ? `: ${vol.disabled_reason}` : ''}.`;
    if (vol?.frozen) return `No valid backend was found. The back end ${vol.host} is frozen.`;
    const spec = unmetSpec(extraSpecs);
    if (spec) return `No valid backend was found. The back end does not meet the volume type's extra spec ${spec}.`;
    return undefined;
  }
}
