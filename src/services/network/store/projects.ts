import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../platform/db/database.js';
import type { NetworkTables } from './tables.js';

/** Per-project rows: the project's default security group and its quota overrides. */
export class ProjectStateStore {
  constructor(private readonly db: Kysely<NetworkTables>) {}

  /** Records the default security group of a project; when another request won the race, returns its group. */
  async claimDefaultGroup(projectId: string, groupId: string): Promise<string> {
    try {
      await this.db.insertInto('net_default_groups').values({ project_id: projectId, security_group_id: groupId }).execute();
      return groupId;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const row = await this.db.selectFrom('net_default_groups').select('security_group_id').where('project_id', '=', projectId).executeTakeFirstOrThrow();
      return row.security_group_id;
    }
  }

  async defaultGroup(projectId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('net_default_groups').select('security_group_id').where('project_id', '=', projectId).executeTakeFirst();
    return row?.security_group_id;
  }

  async forgetDefaultGroup(projectId: string): Promise<void> {
    await this.db.deleteFrom('net_default_groups').where('project_id', '=', projectId).execute();
  }

  async quotas(projectId: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('net_quotas').selectAll().where('project_id', '=', projectId).execute();
    return Object.fromEntries(rows.map((r) => [r.resource, r.hard_limit]));
  }

  async quotaProjects(): Promise<string[]> {
    const rows = await this.db.selectFrom('net_quotas').select('project_id').distinct().execute();
    return rows.map((r) => r.project_id);
  }

  async setQuota(projectId: string, resource: string, limit: number): Promise<void> {
    await this.db.deleteFrom('net_quotas').where('project_id', '=', projectId).where('resource', '=', resource).execute();
    await this.db.insertInto('net_quotas').values({ project_id: projectId, resource, hard_limit: limit }).execute();
  }

  async resetQuotas(projectId: string): Promise<void> {
    await this.db.deleteFrom('net_quotas').where('project_id', '=', projectId).execute();
  }
}
