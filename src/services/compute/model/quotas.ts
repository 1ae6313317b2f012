import type { Kysely } from 'kysely';
import { ApiError, badRequest } from '../../../platform/errors.js';
import type { ComputeTables } from '../store/tables.js';

export type QuotaUsage = Record<string, number>;

/** Rows of the `default` quota class share the table with projects under this key (no project id looks like it). */
const DEFAULT_CLASS = 'class:default';

/** Network quotas Nova keeps (and ignores: the network service enforces its own) before 2.36. */
const LEGACY_NETWORK: Record<string, number> = { fixed_ips: -1, floating_ips: 10, security_group_rules: 20, security_groups: 10 };

/** Nova's quotas: per-project limits over defaults, usage counted from the servers themselves. */
export class QuotaService {
  private readonly stored: Record<string, number>;

  constructor(
    private readonly db: Kysely<ComputeTables>,
    private readonly defaults: Record<string, number>,
  ) {
    this.stored = { ...LEGACY_NETWORK, ...defaults };
  }

  /** The resources compute enforces. */
  get resources(): string[] {
    return Object.keys(this.defaults);
  }

  /** The defaults of every project: configuration, overridden by the `default` quota class. */
  async classLimits(): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('compute_quotas').selectAll().where('project_id', '=', DEFAULT_CLASS).execute();
    const out = { ...this.stored };
    for (const r of rows) if (r.resource in out) out[r.resource] = r.hard_limit;
    return out;
  }

  async limits(projectId: string): Promise<Record<string, number>> {
    const [base, rows] = await Promise.all([this.classLimits(), this.db.selectFrom('compute_quotas').selectAll().where('project_id', '=', projectId).execute()]);
    for (const r of rows) if (r.resource in base) base[r.resource] = r.hard_limit;
    return base;
  }

  /** Changes the `default` quota class (the defaults of every project without its own limit). */
  async updateClass(values: Record<string, number>): Promise<void> {
    await this.update(DEFAULT_CLASS, values);
  }

  async limit(projectId: string, resource: string): Promise<number> {
    return (await this.limits(projectId))[resource];
  }

  async update(projectId: string, values: Record<string, number>): Promise<void> {
    for (const [resource, hard_limit] of Object.entries(values)) {
      if (!(resource in this.stored)) throw badRequest(`Invalid input for field/attribute quota_set. Additional properties are not allowed ('${resource}' was unexpected)`);
      await this.db
        .insertInto('compute_quotas')
        .values({ project_id: projectId, resource, hard_limit })
        .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit }))
        .execute();
    }
  }

  async revert(projectId: string): Promise<void> {
    await this.db.deleteFrom('compute_quotas').where('project_id', '=', projectId).execute();
  }

  async usage(projectId: string, userId?: string): Promise<QuotaUsage> {
    const servers = await this.db
      .selectFrom('compute_servers')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('vcpus').as('cores'), eb.fn.sum<number>('memory_mb').as('ram')])
      .where('project_id', '=', projectId)
      .where('deleted', '=', 0)
      .executeTakeFirstOrThrow();
    const groups = await this.db.selectFrom('compute_server_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    const keypairs = userId
      ? await this.db.selectFrom('compute_keypairs').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()
      : { n: 0 };
    return {
      instances: Number(servers.n),
      cores: Number(servers.cores ?? 0),
      ram: Number(servers.ram ?? 0),
      server_groups: Number(groups.n),
      key_pairs: Number(keypairs.n),
    };
  }

  /** Throws Nova's 403 when adding `delta` would pass a limit (-1 is unlimited). */
  async check(projectId: string, delta: Partial<QuotaUsage>): Promise<void> {
    const [limits, used] = await Promise.all([this.limits(projectId), this.usage(projectId)]);
    const over = Object.entries(delta).filter(([r, n]) => n && limits[r] >= 0 && (used[r] ?? 0) + n > limits[r]);
    if (!over.length) return;
    const names = over.map(([r]) => r).sort();
    const [r, n] = over[0];
    throw new ApiError(
      'overQuota',
      `Quota exceeded for ${names.join(', ')}: Requested ${n}, but already used ${used[r] ?? 0} of ${limits[r]} ${r}`,
      { code: 'OverQuota' },
    );
  }
}
