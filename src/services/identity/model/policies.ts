import { notFound } from '../../../platform/errors.js';
import { hexId } from '../../../platform/ids.js';
import type { IdentityDb, PolicyRow } from '../store/tables.js';

/**
 * Keystone's policy API (deprecated upstream since Queens, still served): opaque policy blobs
 * stored for other services to fetch. Keystone does not enforce them and neither do we.
 */
export class Policies {
  constructor(private readonly db: IdentityDb) {}

  list(type?: string): Promise<PolicyRow[]> {
    let q = this.db.selectFrom('id_policies').selectAll().orderBy('id');
    if (type !== undefined) q = q.where('type', '=', type);
    return q.execute();
  }

  async get(id: string): Promise<PolicyRow> {
    const row = await this.db.selectFrom('id_policies').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Could not find policy: ${id}.`);
    return row;
  }

  async create(input: Omit<PolicyRow, 'id'>): Promise<PolicyRow> {
    const row = { id: hexId(), ...input };
    await this.db.insertInto('id_policies').values(row).execute();
    return row;
  }

  async update(id: string, patch: Partial<Omit<PolicyRow, 'id'>>): Promise<PolicyRow> {
    const next = { ...(await this.get(id)), ...patch };
    await this.db.updateTable('id_policies').set(patch).where('id', '=', id).execute();
    return next;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('id_policy_associations').where('policy_id', '=', id).execute();
      await trx.deleteFrom('id_policies').where('id', '=', id).execute();
    });
  }
}
