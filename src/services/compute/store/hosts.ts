import type { Kysely } from 'kysely';
import type { ComputeTables, HostStateRow } from './tables.js';

/** Operator state of compute hosts (`os-services` disable, forced down) and injected faults, shared by all processes. */
export class HostStateStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  async ensure(hosts: string[]): Promise<void> {
    const have = new Set((await this.db.selectFrom('compute_hosts').select('host').execute()).map((r) => r.host));
    const now = new Date().toISOString();
    const rows = hosts
      .filter((h) => !have.has(h))
      .map((host) => ({ host, disabled: 0, disabled_reason: null, forced_down: 0, fail_builds: 0, latency_ms: 0, down: 0, updated_at: now, zone: null }));
    if (rows.length) await this.db.insertInto('compute_hosts').values(rows).onConflict((oc) => oc.column('host').doNothing()).execute();
  }

  all(): Promise<HostStateRow[]> {
    return this.db.selectFrom('compute_hosts').selectAll().orderBy('host').execute();
  }

  get(host: string): Promise<HostStateRow | undefined> {
    return this.db.selectFrom('compute_hosts').selectAll().where('host', '=', host).executeTakeFirst();
  }

  async update(host: string, patch: Partial<Omit<HostStateRow, 'host'>>): Promise<void> {
    await this.db.updateTable('compute_hosts').set({ ...patch, updated_at: new Date().toISOString() }).where('host', '=', host).execute();
  }

  /** Takes one injected build failure, if any is left (compare-and-set, so each is used once). */
  async takeBuildFailure(host: string): Promise<boolean> {
    const row = await this.get(host);
    if (!row || row.fail_builds <= 0) return false;
    const r = await this.db
      .updateTable('compute_hosts')
      .set({ fail_builds: row.fail_builds - 1 })
      .where('host', '=', host)
      .where('fail_builds', '=', row.fail_builds)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? true : this.takeBuildFailure(host);
  }
}
