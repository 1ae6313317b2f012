import type { Kysely } from 'kysely';
import type { ComputeTables } from './tables.js';

/**
 * Named counters advanced by compare-and-set, safe across API processes on PostgreSQL: aggregate
 * ids that are never reused, and per-server-group versions that serialise group scheduling.
 */
export class SequenceStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  /** The counter's value, created at `initial()` on first use. */
  async current(name: string, initial: () => Promise<number> = async () => 0): Promise<number> {
    const row = await this.db.selectFrom('compute_sequences').select('next').where('name', '=', name).executeTakeFirst();
    if (row) return Number(row.next);
    await this.db.insertInto('compute_sequences').values({ name, next: await initial() }).onConflict((oc) => oc.column('name').doNothing()).execute();
    return this.current(name, initial);
  }

  /** Moves the counter from `from` to `from + 1`; false when someone else moved it first. */
  async advance(name: string, from: number): Promise<boolean> {
    const r = await this.db.updateTable('compute_sequences').set({ next: from + 1 }).where('name', '=', name).where('next', '=', from).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Takes the next value (for ids). */
  async take(name: string, initial?: () => Promise<number>): Promise<number> {
    for (;;) {
      const value = await this.current(name, initial);
      if (await this.advance(name, value)) return value;
    }
  }

  async drop(name: string): Promise<void> {
    await this.db.deleteFrom('compute_sequences').where('name', '=', name).execute();
  }
}
