import type { AssignmentRow, AssignmentType, IdentityDb, RoleRow } from './tables.js';

export interface AssignmentFilter {
  types?: AssignmentType[];
  actorIds?: string[];
  targetIds?: string[];
  roleId?: string;
  inherited?: boolean;
}

/** Roles, implied roles and role assignments. */
export class RoleStore {
  constructor(private readonly db: IdentityDb) {}

  getRole(id: string): Promise<RoleRow | undefined> {
    return this.db.selectFrom('id_roles').selectAll().where('id', '=', id).executeTakeFirst();
  }
  getRoleByName(name: string, domainId = ''): Promise<RoleRow | undefined> {
    return this.db
      .selectFrom('id_roles')
      .selectAll()
      .where('name', '=', name)
      .where('domain_id', '=', domainId)
      .executeTakeFirst();
  }
  listRoles(f: { name?: string; domainId?: string } = {}): Promise<RoleRow[]> {
    let q = this.db.selectFrom('id_roles').selectAll().orderBy('name');
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    q = q.where('domain_id', '=', f.domainId ?? '');
    return q.execute();
  }
  async insertRole(row: RoleRow): Promise<void> {
    await this.db.insertInto('id_roles').values(row).execute();
  }
  async updateRole(id: string, patch: Partial<RoleRow>): Promise<void> {
    await this.db.updateTable('id_roles').set(patch).where('id', '=', id).execute();
  }
  async deleteRole(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('id_assignments').where('role_id', '=', id).execute();
      await trx
        .deleteFrom('id_implied_roles')
        .where((eb) => eb.or([eb('prior_role_id', '=', id), eb('implied_role_id', '=', id)]))
        .execute();
      await trx.deleteFrom('id_roles').where('id', '=', id).execute();
    });
  }

  listImplied(): Promise<Array<{ prior_role_id: string; implied_role_id: string }>> {
    return this.db.selectFrom('id_implied_roles').selectAll().execute();
  }
  async addImplied(prior: string, implied: string): Promise<void> {
    await this.db
      .insertInto('id_implied_roles')
      .values({ prior_role_id: prior, implied_role_id: implied })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  async removeImplied(prior: string, implied: string): Promise<number> {
    const r = await this.db
      .deleteFrom('id_implied_roles')
      .where('prior_role_id', '=', prior)
      .where('implied_role_id', '=', implied)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  listAssignments(f: AssignmentFilter = {}): Promise<AssignmentRow[]> {
    let q = this.db.selectFrom('id_assignments').selectAll();
    if (f.types) q = q.where('type', 'in', f.types);
    if (f.actorIds) q = f.actorIds.length ? q.where('actor_id', 'in', f.actorIds) : q.where('actor_id', '=', '');
    if (f.targetIds) q = f.targetIds.length ? q.where('target_id', 'in', f.targetIds) : q.where('target_id', '=', '');
    if (f.roleId) q = q.where('role_id', '=', f.roleId);
    if (f.inherited !== undefined) q = q.where('inherited', '=', f.inherited ? 1 : 0);
    return q.execute();
  }
  async addAssignment(a: AssignmentRow): Promise<void> {
    await this.db.insertInto('id_assignments').values(a).onConflict((oc) => oc.doNothing()).execute();
  }
  async removeAssignment(a: AssignmentRow): Promise<number> {
    const r = await this.db
      .deleteFrom('id_assignments')
      .where('type', '=', a.type)
      .where('actor_id', '=', a.actor_id)
      .where('target_id', '=', a.target_id)
      .where('role_id', '=', a.role_id)
      .where('inherited', '=', a.inherited)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
  async removeAssignmentsOfTarget(targetId: string): Promise<void> {
    await this.db.deleteFrom('id_assignments').where('target_id', '=', targetId).execute();
  }
}
