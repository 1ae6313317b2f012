import type { GroupRow, IdentityDb, UserRow } from './tables.js';

/** Users, groups and group membership. */
export class UserStore {
  constructor(private readonly db: IdentityDb) {}

  getUser(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('id_users').selectAll().where('id', '=', id).executeTakeFirst();
  }
  getUserByName(domainId: string, name: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('id_users')
      .selectAll()
      .where('domain_id', '=', domainId)
      .where('name', '=', name)
      .executeTakeFirst();
  }
  listUsers(f: { name?: string; domainId?: string; enabled?: boolean; ids?: string[] } = {}): Promise<UserRow[]> {
    let q = this.db.selectFrom('id_users').selectAll().orderBy('name');
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId);
    if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled ? 1 : 0);
    if (f.ids) q = f.ids.length ? q.where('id', 'in', f.ids) : q.where('id', '=', '');
    return q.execute();
  }
  async insertUser(row: UserRow): Promise<void> {
    await this.db.insertInto('id_users').values(row).execute();
  }
  async updateUser(id: string, patch: Partial<UserRow>): Promise<void> {
    await this.db.updateTable('id_users').set(patch).where('id', '=', id).execute();
  }
  async deleteUser(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('id_group_members').where('user_id', '=', id).execute();
      await trx.deleteFrom('id_assignments').where('actor_id', '=', id).execute();
      await trx.deleteFrom('id_app_credentials').where('user_id', '=', id).execute();
      await trx.deleteFrom('id_credentials').where('user_id', '=', id).execute();
      // The trusts the user was party to go with it (their tokens fall with the user's revocation).
      await trx
        .deleteFrom('id_trusts')
        .where((eb) => eb.or([eb('trustor_user_id', '=', id), eb('trustee_user_id', '=', id)]))
        .execute();
      await trx.deleteFrom('id_users').where('id', '=', id).execute();
    });
  }

  getGroup(id: string): Promise<GroupRow | undefined> {
    return this.db.selectFrom('id_groups').selectAll().where('id', '=', id).executeTakeFirst();
  }
  getGroupByName(domainId: string, name: string): Promise<GroupRow | undefined> {
    return this.db
      .selectFrom('id_groups')
      .selectAll()
      .where('domain_id', '=', domainId)
      .where('name', '=', name)
      .executeTakeFirst();
  }
  listGroups(f: { name?: string; domainId?: string; ids?: string[] } = {}): Promise<GroupRow[]> {
    let q = this.db.selectFrom('id_groups').selectAll().orderBy('name');
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId);
    if (f.ids) q = f.ids.length ? q.where('id', 'in', f.ids) : q.where('id', '=', '');
    return q.execute();
  }
  async insertGroup(row: GroupRow): Promise<void> {
    await this.db.insertInto('id_groups').values(row).execute();
  }
  async updateGroup(id: string, patch: Partial<GroupRow>): Promise<void> {
    await this.db.updateTable('id_groups').set(patch).where('id', '=', id).execute();
  }
  async deleteGroup(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('id_group_members').where('group_id', '=', id).execute();
      await trx.deleteFrom('id_assignments').where('actor_id', '=', id).execute();
      await trx.deleteFrom('id_groups').where('id', '=', id).execute();
    });
  }
  async groupIdsOfUser(userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('id_group_members').select('group_id').where('user_id', '=', userId).execute();
    return rows.map((r) => r.group_id);
  }
  async userIdsOfGroup(groupId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('id_group_members').select('user_id').where('group_id', '=', groupId).execute();
    return rows.map((r) => r.user_id);
  }
  async addMember(groupId: string, userId: string): Promise<void> {
    await this.db
      .insertInto('id_group_members')
      .values({ group_id: groupId, user_id: userId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  async removeMember(groupId: string, userId: string): Promise<number> {
    const r = await this.db
      .deleteFrom('id_group_members')
      .where('group_id', '=', groupId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
