import { sql } from 'kysely';
import type { DomainRow, IdentityDb, ProjectRow } from './tables.js';

/** Domains and projects. */
export class ProjectStore {
  constructor(private readonly db: IdentityDb) {}

  getDomain(id: string): Promise<DomainRow | undefined> {
    return this.db.selectFrom('id_domains').selectAll().where('id', '=', id).executeTakeFirst();
  }
  /**
   * The exact name first, else the one domain whose name differs only in case: Keystone on MySQL
   * (the usual deployment) matches names case-insensitively, and clients rely on `default`.
   */
  async getDomainByName(name: string): Promise<DomainRow | undefined> {
    const exact = await this.db.selectFrom('id_domains').selectAll().where('name', '=', name).executeTakeFirst();
    if (exact) return exact;
    const folded = await this.db.selectFrom('id_domains').selectAll().where(sql<string>`lower(name)`, '=', name.toLowerCase()).limit(2).execute();
    return folded.length === 1 ? folded[0] : undefined;
  }
  listDomains(f: { name?: string; enabled?: boolean; ids?: string[] } = {}): Promise<DomainRow[]> {
    let q = this.db.selectFrom('id_domains').selectAll().orderBy('name');
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled ? 1 : 0);
    if (f.ids) q = f.ids.length ? q.where('id', 'in', f.ids) : q.where('id', '=', '');
    return q.execute();
  }
  async insertDomain(row: DomainRow): Promise<void> {
    await this.db.insertInto('id_domains').values(row).execute();
  }
  async updateDomain(id: string, patch: Partial<DomainRow>): Promise<void> {
    await this.db.updateTable('id_domains').set(patch).where('id', '=', id).execute();
  }
  async deleteDomain(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('id_limits').where('domain_id', '=', id).execute();
      await trx.deleteFrom('id_domains').where('id', '=', id).execute();
    });
  }

  getProject(id: string): Promise<ProjectRow | undefined> {
    return this.db.selectFrom('id_projects').selectAll().where('id', '=', id).executeTakeFirst();
  }
  getProjectByName(domainId: string, name: string): Promise<ProjectRow | undefined> {
    return this.db
      .selectFrom('id_projects')
      .selectAll()
      .where('domain_id', '=', domainId)
      .where('name', '=', name)
      .executeTakeFirst();
  }
  listProjects(
    f: { name?: string; domainId?: string; parentId?: string; enabled?: boolean; ids?: string[] } = {},
  ): Promise<ProjectRow[]> {
    let q = this.db.selectFrom('id_projects').selectAll().orderBy('name');
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId);
    if (f.parentId !== undefined) q = q.where('parent_id', '=', f.parentId);
    if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled ? 1 : 0);
    if (f.ids) q = f.ids.length ? q.where('id', 'in', f.ids) : q.where('id', '=', '');
    return q.execute();
  }
  async insertProject(row: ProjectRow): Promise<void> {
    await this.db.insertInto('id_projects').values(row).execute();
  }
  async updateProject(id: string, patch: Partial<ProjectRow>): Promise<void> {
    await this.db.updateTable('id_projects').set(patch).where('id', '=', id).execute();
  }
  async deleteProject(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('id_project_endpoints').where('project_id', '=', id).execute();
      await trx.deleteFrom('id_project_endpoint_groups').where('project_id', '=', id).execute();
      await trx.deleteFrom('id_limits').where('project_id', '=', id).execute();
      await trx.deleteFrom('id_projects').where('id', '=', id).execute();
    });
  }
  async countChildren(id: string): Promise<number> {
    const r = await this.db
      .selectFrom('id_projects')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('parent_id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
  /** The chain of ancestors, nearest first. */
  async ancestors(project: ProjectRow): Promise<ProjectRow[]> {
    const out: ProjectRow[] = [];
    let cur = project;
    while (cur.parent_id) {
      const p = await this.getProject(cur.parent_id);
      if (!p || out.length > 64) break;
      out.push(p);
      cur = p;
    }
    return out;
  }
}
