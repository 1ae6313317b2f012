import { ApiError, badRequest } from '../../../platform/errors.js';
import type { ModelDeps } from './common.js';

export const QUOTA_RESOURCES = ['volumes', 'snapshots', 'gigabytes', 'backups', 'backup_gigabytes', 'groups', 'per_volume_gigabytes'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
/** Cinder's per volume type resources: `volumes_<type name>`, `snapshots_<type name>`, `gigabytes_<type name>`. */
const TYPED = ['volumes', 'snapshots', 'gigabytes'] as const;
/** The quota class every project's defaults come from (Cinder's `os-quota-class-sets/default`). */
export const DEFAULT_CLASS = 'default';

export interface Usage {
  in_use: number;
  limit: number;
  reserved: number;
  allocated: number;
}

const CINDER_MESSAGES: Partial<Record<QuotaResource, string>> = {
  volumes: 'VolumeLimitExceeded: Maximum number of volumes allowed ({limit}) exceeded for quota \'volumes\'.',
  snapshots: 'SnapshotLimitExceeded: Maximum number of snapshots allowed ({limit}) exceeded',
  groups: 'GroupLimitExceeded: Maximum number of groups allowed ({limit}) exceeded',
  backups: 'BackupLimitExceeded: Maximum number of backups allowed ({limit}) exceeded',
  gigabytes: 'VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested {req}G, quota is {limit}G and {used}G has been consumed.',
  backup_gigabytes: 'VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested {req}G, quota is {limit}G and {used}G has been consumed.',
};

type Limits = Record<QuotaResource, number> & Record<string, number>;

/**
 * Quotas counted from the rows themselves (no reservation table): a create checks the project's
 * usage plus the request against its limit; Cinder answers an exceeded quota with 413 overLimit.
 * A project's limit is its own, else the default quota class's, else the configured default; the
 * per type resources default to unlimited.
 */
export class QuotaService {
  constructor(private readonly d: ModelDeps) {}

  private async typeNames(): Promise<Map<string, string>> {
    return new Map((await this.d.stores.types.where()).map((t) => [t.id, t.name]));
  }

  /** Every resource name that exists now: the fixed ones and three per volume type. */
  async resources(): Promise<string[]> {
    const typed = [...(await this.typeNames()).values()].flatMap((n) => TYPED.map((r) => `${r}_${n}`));
    return [...QUOTA_RESOURCES, ...typed];
  }

  async defaults(): Promise<Limits> {
    const resources = await this.resources();
    const set = await this.d.stores.quotaClasses.limits(DEFAULT_CLASS);
    return Object.fromEntries(resources.map((r) => [r, set[r] ?? this.d.settings.quotas[r] ?? -1])) as Limits;
  }

  async limits(projectId: string): Promise<Limits> {
    return this.overDefaults(await this.d.stores.quotas.limits(projectId));
  }

  /** Limits set for a project or a class, the defaults for the rest. */
  private async overDefaults(own: Record<string, number>): Promise<Limits> {
    const defaults = await this.defaults();
    return Object.fromEntries(Object.entries(defaults).map(([r, v]) => [r, own[r] ?? v])) as Limits;
  }

  async usage(projectId: string): Promise<Limits> {
    const vols = await this.d.stores.volumes.where({ project_id: projectId });
    const snaps = await this.d.stores.snapshots.where({ project_id: projectId });
    const backups = await this.d.stores.backups.where({ project_id: projectId });
    const groups = await this.d.stores.groups.where({ project_id: projectId });
    const sum = (rows: Array<{ size: number }>) => rows.reduce((n, r) => n + r.size, 0);
    const used: Record<string, number> = {
      volumes: vols.length,
      snapshots: snaps.length,
      gigabytes: sum(vols) + sum(snaps),
      backups: backups.length,
      backup_gigabytes: sum(backups),
      groups: groups.length,
      per_volume_gigabytes: 0,
    };
    const names = await this.typeNames();
    const typeOfVolume = new Map(vols.map((v) => [v.id, v.volume_type_id]));
    for (const [id, name] of names) {
      const tv = vols.filter((v) => v.volume_type_id === id);
      const ts = snaps.filter((s) => typeOfVolume.get(s.volume_id) === id);
      Object.assign(used, { [`volumes_${name}`]: tv.length, [`snapshots_${name}`]: ts.length, [`gigabytes_${name}`]: sum(tv) + sum(ts) });
    }
    return used as Limits;
  }

  async detail(projectId: string): Promise<Record<string, Usage>> {
    const [limits, used] = [await this.limits(projectId), await this.usage(projectId)];
    return Object.fromEntries(Object.keys(limits).map((r) => [r, { in_use: used[r] ?? 0, limit: limits[r], reserved: 0, allocated: 0 }]));
  }

  private async validate(values: Record<string, number>): Promise<void> {
    const known = await this.resources();
    for (const [r, v] of Object.entries(values)) {
      if (!known.includes(r)) throw badRequest(`Bad key(s) in quota set: ${r}`);
      if (!Number.isInteger(v) || v < -1) throw badRequest(`Quota limit ${v} for ${r} must be -1 or greater.`);
    }
  }

  async update(projectId: string, values: Record<string, number>): Promise<void> {
    await this.validate(values);
    for (const [r, v] of Object.entries(values)) await this.d.stores.quotas.set(projectId, r, v);
  }

  /** `os-quota-class-sets/{class}`: the class's own limits over the defaults (Cinder's `get_class_quotas`). */
  async classLimits(name: string): Promise<Limits> {
    return name === DEFAULT_CLASS ? this.defaults() : this.overDefaults(await this.d.stores.quotaClasses.limits(name));
  }

  async updateClass(name: string, values: Record<string, number>): Promise<void> {
    await this.validate(values);
    for (const [r, v] of Object.entries(values)) await this.d.stores.quotaClasses.set(name, r, v);
  }

  async reset(projectId: string): Promise<void> {
    await this.d.stores.quotas.clear(projectId);
  }

  /** Throws 413 overLimit when adding `delta` (on a volume of type `typeId`) to the project's usage passes a limit. */
  async check(projectId: string, base: Partial<Record<QuotaResource, number>>, typeId?: string): Promise<void> {
    const delta: Record<string, number | undefined> = { ...base };
    const typeName = typeId ? (await this.typeNames()).get(typeId) : undefined;
    if (typeName) for (const r of TYPED) if (base[r]) delta[`${r}_${typeName}`] = base[r];
    const limits = await this.limits(projectId);
    const perVolume = limits.per_volume_gigabytes;
    if (delta.gigabytes && perVolume >= 0 && delta.gigabytes > perVolume) {
      throw over(`VolumeSizeExceedsLimit: Requested volume size ${delta.gigabytes}G is larger than maximum allowed limit ${perVolume}G.`);
    }
    const used = await this.usage(projectId);
    for (const [r, n] of Object.entries(delta) as Array<[QuotaResource, number | undefined]>) {
      if (!n || limits[r] === undefined || limits[r] < 0 || used[r] + n <= limits[r]) continue;
      const msg = (CINDER_MESSAGES[r] ?? `Quota exceeded for resources: ['${r}']`).replace('{limit}', String(limits[r])).replace('{req}', String(n)).replace('{used}', String(used[r]));
      throw over(msg);
    }
  }
}

const over = (msg: string) => new ApiError('overQuota', msg, { status: 413 });
