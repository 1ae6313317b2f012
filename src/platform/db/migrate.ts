import { Migrator, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './database.js';

/** One schema change of one service. Names sort in order within a service (`0001_init`). */
export interface ServiceMigration {
  name: string;
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

/**
 * Runs every service's migrations. Names are prefixed with the service (`identity/0001_init`), so
 * services own their migrations and never depend on another's.
 */
export async function migrate(
  db: Kysely<any>,
  dialect: Dialect,
  byService: Record<string, ServiceMigration[]>,
): Promise<void> {
  const all: Record<string, Migration> = {};
  for (const [service, list] of Object.entries(byService)) {
    for (const m of list) all[`${service}/${m.name}`] = { up: (d) => m.up(d, dialect) };
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => all },
    // Services are added over time: a new service's first migration sorts before older ones.
    allowUnorderedMigrations: true,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/** An auto-incrementing integer primary key on either dialect. */
export function autoIdType(dialect: Dialect): 'serial' | 'integer' {
  return dialect === 'postgres' ? 'serial' : 'integer';
}
