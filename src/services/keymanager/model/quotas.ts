import type { Kysely } from 'kysely';
import { ApiError } from '../../../platform/errors.js';
import type { KeyManagerTables } from '../store/tables.js';
import { json, QUOTA_RESOURCES, type KeyManagerSettings, type QuotaResource } from './common.js';

export type Quotas = Record<QuotaResource, number>;

/** Per-project limits: configured defaults overridden by `project-quotas`; -1 is unlimited. */
export class QuotaService {
  constructor(
    private readonly db: Kysely<KeyManagerTables>,
    private readonly settings: KeyManagerSettings,
  ) {}

  async overrides(projectId: string): Promise<Partial<Quotas> | undefined> {
    const row = await this.db.selectFrom('km_project_quotas').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    return row ? json<Partial<Quotas>>(row.quotas) : undefined;
  }

  async effective(projectId: string): Promise<Quotas> {
    return { ...this.settings.quotas, ...(await this.overrides(projectId)) };
  }

  async listOverrides(): Promise<Array<{ projectId: string; quotas: Partial<Quotas> }>> {
    const rows = await this.db.selectFrom('km_project_quotas').selectAll().orderBy('project_id').execute();
    return rows.map((r) => ({ projectId: r.project_id, quotas: json<Partial<Quotas>>(r.quotas) }));
  }

  async set(projectId: string, quotas: Partial<Quotas>): Promise<void> {
    const text = JSON.stringify(quotas);
    await this.db
      .insertInto('km_project_quotas')
      .values({ project_id: projectId, quotas: text })
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ quotas: text }))
      .execute();
  }

  async delete(projectId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('km_project_quotas').where('project_id', '=', projectId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Refuses one more `resource` when the project is at its limit (Barbican answers 403). */
  async check(projectId: string, resource: QuotaResource): Promise<void> {
    const limit = (await this.effective(projectId))[resource];
    if (limit < 0) return;
    const used = await this.count(projectId, resource);
    if (used >= limit) {
      throw new ApiError('overQuota', `Quota reached for project ${projectId}. Only ${limit} ${resource} are allowed.`);
    }
  }

  private async count(projectId: string, resource: QuotaResource): Promise<number> {
    const db = this.db;
    switch (resource) {
      case 'secrets':
      case 'orders':
      case 'containers': {
        const table = resource === 'secrets' ? 'km_secrets' : resource === 'orders' ? 'km_orders' : 'km_containers';
        const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirst();
        return Number(r?.n ?? 0);
      }
      case 'consumers': {
        const r = await db
          .selectFrom('km_container_consumers')
          .innerJoin('km_containers', 'km_containers.id', 'km_container_consumers.container_id')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('km_containers.project_id', '=', projectId)
          .executeTakeFirst();
        return Number(r?.n ?? 0);
      }
      case 'cas':
        return 0;
    }
  }
}

export const isQuotaResource = (k: string): k is QuotaResource => (QUOTA_RESOURCES as readonly string[]).includes(k);
