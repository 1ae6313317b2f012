import type { Kysely } from 'kysely';
import type { ComputeTables, ControlServiceRow } from './tables.js';

/**
 * Heartbeats of the control services every compute process runs (Nova's nova-scheduler and
 * nova-conductor: here the scheduler and the job runner), one row per binary and host, so that
 * os-services lists them as Nova does.
 */
export class ControlServiceStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  async beat(binary: string, host: string, id: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('compute_control_services')
      .values({ id, binary, host, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['binary', 'host']).doUpdateSet({ updated_at: now }))
      .execute();
  }

  all(): Promise<ControlServiceRow[]> {
    return this.db.selectFrom('compute_control_services').selectAll().orderBy('created_at').orderBy('binary').orderBy('host').execute();
  }
}
