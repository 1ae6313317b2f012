import type { Kysely } from 'kysely';
import type { ComputeTables, GuestAccountRow } from './tables.js';

/** Accounts inside simulated guests whose password was set through the guest agent, shared by all processes. */
export class GuestAccountStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  async setPassword(serverId: string, user: string, passwordHash: string): Promise<void> {
    const updated_at = new Date().toISOString();
    await this.db
      .insertInto('compute_guest_accounts')
      .values({ server_id: serverId, user_name: user, password_hash: passwordHash, updated_at })
      .onConflict((oc) => oc.columns(['server_id', 'user_name']).doUpdateSet({ password_hash: passwordHash, updated_at }))
      .execute();
  }

  list(serverId: string): Promise<GuestAccountRow[]> {
    return this.db.selectFrom('compute_guest_accounts').selectAll().where('server_id', '=', serverId).orderBy('user_name').execute();
  }

  async forget(serverId: string): Promise<void> {
    await this.db.deleteFrom('compute_guest_accounts').where('server_id', '=', serverId).execute();
  }
}
