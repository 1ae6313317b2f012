import type { Kysely } from 'kysely';
import { fromDbBool, toDbBool } from '../../../platform/db/database.js';
import { nowIso } from '../../../platform/ids.js';
import type { AclRow, KeyManagerTables } from '../store/tables.js';
import { json } from './common.js';

export interface Acl {
  projectAccess: boolean;
  users: string[];
  created?: string;
  updated?: string;
}

/** The `read` ACL of a secret or container; without a row, project access is on and no users are listed. */
export class Acls {
  constructor(private readonly db: Kysely<KeyManagerTables>) {}

  private static from(row: AclRow | undefined): Acl | undefined {
    if (!row) return undefined;
    return { projectAccess: fromDbBool(row.project_access), users: json<string[]>(row.users), created: row.created_at, updated: row.updated_at };
  }

  async get(entityId: string): Promise<Acl | undefined> {
    return Acls.from(await this.db.selectFrom('km_acls').selectAll().where('entity_id', '=', entityId).executeTakeFirst());
  }

  /** PUT replaces the ACL; PATCH (`merge`) keeps what the request leaves out. */
  async set(entityId: string, change: { projectAccess?: boolean; users?: string[] }, merge: boolean): Promise<void> {
    const now = nowIso();
    const old = await this.get(entityId);
    const base = merge && old ? old : { projectAccess: true, users: [] as string[] };
    const users = [...new Set(change.users ?? base.users)];
    const values = { project_access: toDbBool(change.projectAccess ?? base.projectAccess), users: JSON.stringify(users), updated_at: now };
    await this.db
      .insertInto('km_acls')
      .values({ entity_id: entityId, created_at: old?.created ?? now, ...values })
      .onConflict((oc) => oc.column('entity_id').doUpdateSet(values))
      .execute();
  }

  async delete(entityId: string): Promise<void> {
    await this.db.deleteFrom('km_acls').where('entity_id', '=', entityId).execute();
  }
}
