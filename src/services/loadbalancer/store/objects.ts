import type { Kysely } from 'kysely';
import type { LbTables } from './tables.js';

export type Kind = 'loadbalancer' | 'listener' | 'pool' | 'member' | 'healthmonitor' | 'l7policy' | 'l7rule';

/** One stored Octavia object: the columns plus its attribute document. */
export interface Obj<D = Record<string, any>> {
  id: string;
  kind: Kind;
  project_id: string;
  lb_id: string;
  parent_id: string | null;
  provisioning_status: string;
  operating_status: string;
  doc: D;
  created_at: string;
  updated_at: string;
}

type Row = LbTables['lb_objects'];
const fromRow = (r: Row): Obj => ({ ...r, kind: r.kind as Kind, doc: JSON.parse(r.doc) });

export class ObjectStore {
  constructor(private readonly db: Kysely<LbTables>) {}

  async insert(o: Obj): Promise<void> {
    await this.db.insertInto('lb_objects').values({ ...o, doc: JSON.stringify(o.doc) }).execute();
  }

  async get(kind: Kind, id: string): Promise<Obj | undefined> {
    const r = await this.db.selectFrom('lb_objects').selectAll().where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
    return r && fromRow(r);
  }

  async list(kind: Kind, where: { projectId?: string; lbId?: string; parentId?: string } = {}): Promise<Obj[]> {
    let q = this.db.selectFrom('lb_objects').selectAll().where('kind', '=', kind);
    if (where.projectId !== undefined) q = q.where('project_id', '=', where.projectId);
    if (where.lbId !== undefined) q = q.where('lb_id', '=', where.lbId);
    if (where.parentId !== undefined) q = q.where('parent_id', '=', where.parentId);
    return (await q.orderBy('created_at').orderBy('id').execute()).map(fromRow);
  }

  /** Every object of one load balancer (the tree a driver applies). */
  async tree(lbId: string): Promise<Obj[]> {
    return (await this.db.selectFrom('lb_objects').selectAll().where('lb_id', '=', lbId).orderBy('created_at').orderBy('id').execute()).map(fromRow);
  }

  async count(kind: Kind, projectId: string): Promise<number> {
    const r = await this.db.selectFrom('lb_objects').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', kind).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(id: string, set: Partial<Pick<Obj, 'provisioning_status' | 'operating_status' | 'doc' | 'parent_id'>>): Promise<void> {
    const { doc, ...cols } = set;
    await this.db
      .updateTable('lb_objects')
      .set({ ...cols, ...(doc ? { doc: JSON.stringify(doc) } : {}), updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  /** Sets the operating status without touching `updated_at` (health results are not user changes). */
  async setOperating(id: string, status: string): Promise<void> {
    await this.db.updateTable('lb_objects').set({ operating_status: status }).where('id', '=', id).execute();
  }

  /**
   * Compare-and-set of a load balancer's provisioning status: succeeds only when it is not in a
   * PENDING_* state, so two racing changes cannot both lock it.
   */
  async lockLb(lbId: string, to: string): Promise<boolean> {
    const r = await this.db
      .updateTable('lb_objects')
      .set({ provisioning_status: to, updated_at: new Date().toISOString() })
      .where('id', '=', lbId)
      .where('kind', '=', 'loadbalancer')
      .where('provisioning_status', 'not like', 'PENDING_%')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async setProvisioning(ids: string[], status: string): Promise<void> {
    if (!ids.length) return;
    await this.db.updateTable('lb_objects').set({ provisioning_status: status, updated_at: new Date().toISOString() }).where('id', 'in', ids).execute();
  }

  async delete(ids: string[]): Promise<void> {
    if (ids.length) await this.db.deleteFrom('lb_objects').where('id', 'in', ids).execute();
  }

  /** Load balancers in a steady state, for the data plane to rebuild after a restart. */
  async steadyLbs(): Promise<string[]> {
    const rows = await this.db.selectFrom('lb_objects').select('id').where('kind', '=', 'loadbalancer').where('provisioning_status', 'in', ['ACTIVE']).execute();
    return rows.map((r) => r.id);
  }

  async quota(projectId: string): Promise<Record<string, number> | undefined> {
    const r = await this.db.selectFrom('lb_quotas').select('doc').where('project_id', '=', projectId).executeTakeFirst();
    return r ? JSON.parse(r.doc) : undefined;
  }

  async quotas(): Promise<Array<{ project_id: string; doc: Record<string, number> }>> {
    return (await this.db.selectFrom('lb_quotas').selectAll().orderBy('project_id').execute()).map((r) => ({ project_id: r.project_id, doc: JSON.parse(r.doc) }));
  }

  async setQuota(projectId: string, doc: Record<string, number>): Promise<void> {
    await this.db
      .insertInto('lb_quotas')
      .values({ project_id: projectId, doc: JSON.stringify(doc) })
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ doc: JSON.stringify(doc) }))
      .execute();
  }

  async deleteQuota(projectId: string): Promise<void> {
    await this.db.deleteFrom('lb_quotas').where('project_id', '=', projectId).execute();
  }
}
