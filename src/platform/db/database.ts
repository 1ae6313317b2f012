import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The one database handle of a process. Services see it through `typed<T>()` with their own table
 * interfaces; tables of different services never reference each other.
 *
 * Portable column conventions (same migrations on both dialects): ids and timestamps are `text`
 * (ISO-8601 UTC), booleans are `integer` 0/1, JSON documents are `text`.
 */
export class Database {
  private constructor(
    readonly kysely: Kysely<any>,
    readonly dialect: Dialect,
  ) {}

  static open(url: string): Database {
    if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
      // Return BIGINT/NUMERIC counts as numbers, like SQLite does.
      pg.types.setTypeParser(20, (v) => Number(v));
      const pool = new pg.Pool({ connectionString: url, max: 20 });
      // An idle connection the server closes (restart, terminated backend, a client still closing
      // after pool.end()) is dropped by the pool; without a listener it would crash the process.
      // Errors of running queries still reach their callers.
      pool.on('error', () => undefined);
      return new Database(new Kysely({ dialect: new PostgresDialect({ pool }) }), 'postgres');
    }
    const file = url.replace(/^sqlite:/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new SQLite(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    cacheStatements(db);
    return new Database(new Kysely({ dialect: new SqliteDialect({ database: db }) }), 'sqlite');
  }

  typed<T>(): Kysely<T> {
    return this.kysely as unknown as Kysely<T>;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.kysely);
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

/**
 * Kysely prepares every query anew; on hot paths (S3 small objects, token validation) preparing
 * costs more than running. Statements are reused by SQL text; the cache is bounded.
 */
function cacheStatements(db: SQLite.Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, SQLite.Statement>();
  db.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (cache.size >= 1000) cache.clear();
      cache.set(source, stmt);
    }
    return stmt;
  }) as typeof db.prepare;
}

/** Booleans are stored as 0/1 on both dialects. */
export const toDbBool = (b: boolean): number => (b ? 1 : 0);
export const fromDbBool = (v: number | boolean | null | undefined): boolean => v === 1 || v === true;

/** True when an error is a unique-constraint violation on either dialect. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
