import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { uuid } from '../../../platform/ids.js';
import type { ComputeTables, MigrationRow } from './tables.js';

export interface MigrationFilter {
  host?: string;
  status?: string;
  serverId?: string;
  type?: string;
  projectId?: string;
  userId?: string;
}

/** Resizes and migrations of servers (`os-migrations`), numbered like Nova's. */
export class MigrationStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  async record(m: Omit<MigrationRow, 'id' | 'uuid' | 'created_at' | 'updated_at'>): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const max = await this.db.selectFrom('compute_migrations').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
      try {
        await this.db.insertInto('compute_migrations').values({ ...m, id: Number(max?.m ?? 0) + 1, uuid: uuid(), created_at: new Date().toISOString(), updated_at: null }).execute();
        return;
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
    }
  }

  /** Moves the server's latest migration from `from` to `to` (confirm, revert). */
  async finish(serverId: string, from: string, to: string): Promise<void> {
    const last = await this.db.selectFrom('compute_migrations').select('id').where('server_id', '=', serverId).where('status', '=', from).orderBy('id', 'desc').executeTakeFirst();
    if (last) await this.db.updateTable('compute_migrations').set({ status: to, updated_at: new Date().toISOString() }).where('id', '=', last.id).execute();
  }

  list(f: MigrationFilter): Promise<MigrationRow[]> {
    let q = this.db.selectFrom('compute_migrations').selectAll();
    if (f.host) q = q.where((eb) => eb.or([eb('source_compute', '=', f.host!), eb('dest_compute', '=', f.host!)]));
    if (f.status) q = q.where('status', '=', f.status);
    if (f.serverId) q = q.where('server_id', '=', f.serverId);
    if (f.type) q = q.where('migration_type', '=', f.type as MigrationRow['migration_type']);
    if (f.projectId) q = q.where('project_id', '=', f.projectId);
    if (f.userId) q = q.where('user_id', '=', f.userId);
    return q.orderBy('id', 'desc').execute();
  }
}
