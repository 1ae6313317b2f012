import { ApiError, badRequest } from '../../../platform/errors.js';
import type { ModelDeps } from './common.js';

export const QUOTA_RESOURCES = ['volumes', 'snapshots', 'gigabytes', 'backups', 'backup_gigabytes', 'groups', 'per_volume_gigabytes'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

export interface Usage {
  in_use: number;
  limit: number;
  reserved: number;
  allocated: number;
}

const CINDER_MESSAGES: Partial<Record<QuotaResource, string>> = {
  volumes: 'VolumeLimitExceeded: Maximum number of volumes allowed ({limit}) exceeded for quota \'volumes\'.',
  snapshots: 'SnapshotLimitExceeded: Maximum number of snapshots allowed ({limit}) exceeded',
  backups: 'BackupLimitExceeded: Maximum number of backups allowed ({limit}) exceeded',
  gigabytes: 'VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested {req}G, quota is {limit}G and {used}G has been consumed.',
  backup_gigabytes: 'VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested {req}G, quota is {limit}G and {used}G has been consumed.',
};

/**
 * Quotas counted from the rows themselves (no reservation table): a create checks the project's
 * usage plus the request against its limit; Cinder answers an exceeded quota with 413 overLimit.
 */
export class QuotaService {
  constructor(private readonly d: ModelDeps) {}

  defaults(): Record<QuotaResource, number> {
    return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, this.d.settings.quotas[r] ?? -1])) as Record<QuotaResource, number>;
  }

  async limits(projectId: string): Promise<Record<QuotaResource, number>> {
    return { ...this.defaults(), ...(await this.d.stores.quotas.limits(projectId)) };
  }

  async usage(projectId: string): Promise<Record<QuotaResource, number>> {
    const vols = await this.d.stores.volumes.where({ project_id: projectId });
    const snaps = await this.d.stores.snapshots.where({ project_id: projectId });
    const backups = await this.d.stores.backups.where({ project_id: projectId });
    const sum = (rows: Array<{ size: number }>) => rows.reduce((n, r) => n + r.size, 0);
    return {
      volumes: vols.length,
      snapshots: snaps.length,
      gigabytes: sum(vols) + sum(snaps),
      backups: backups.length,
      backup_gigabytes: sum(backups),
      groups: 0,
      per_volume_gigabytes: 0,
    };
  }

  async detail(projectId: string): Promise<Record<QuotaResource, Usage>> {
    const [limits, used] = [await this.limits(projectId), await this.usage(projectId)];
    return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, { in_use: used[r], limit: limits[r], reserved: 0, allocated: 0 }])) as Record<QuotaResource, Usage>;
  }

  async update(projectId: string, values: Record<string, number>): Promise<void> {
    for (const [r, v] of Object.entries(values)) {
      if (!(QUOTA_RESOURCES as readonly string[]).includes(r)) throw badRequest(`Bad key(s) in quota set: ${r}`);
      if (!Number.isInteger(v) || v < -1) throw badRequest(`Quota limit ${v} for ${r} must be -1 or greater.`);
    }
    for (const [r, v] of Object.entries(values)) await this.d.stores.quotas.set(projectId, r, v);
  }

  async reset(projectId: string): Promise<void> {
    await this.d.stores.quotas.clear(projectId);
  }

  /** Throws 413 overLimit when adding `delta` to the project's usage passes a limit. */
  async check(projectId: string, delta: Partial<Record<QuotaResource, number>>): Promise<void> {
    const limits = await this.limits(projectId);
    const perVolume = limits.per_volume_gigabytes;
    if (delta.gigabytes && perVolume >= 0 && delta.gigabytes > perVolume) {
      throw over(`VolumeSizeExceedsLimit: Requested volume size ${delta.gigabytes}G is larger than maximum allowed limit ${perVolume}G.`);
    }
    const used = await this.usage(projectId);
    for (const [r, n] of Object.entries(delta) as Array<[QuotaResource, number]>) {
      if (!n || limits[r] < 0 || used[r] + n <= limits[r]) continue;
      const msg = (CINDER_MESSAGES[r] ?? `Quota exceeded for resources: ['${r}']`).replace('{limit}', String(limits[r])).replace('{req}', String(n)).replace('{used}', String(used[r]));
      throw over(msg);
    }
  }
}

const over = (msg: string) => new ApiError('overQuota', msg, { status: 413 });
