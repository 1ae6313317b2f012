import type { Kysely } from 'kysely';
import type { Database } from './db/database.js';
import { autoIdType, type ServiceMigration } from './db/migrate.js';
import type { Logger } from './logging.js';

interface EventTables {
  platform_events: { id?: number; topic: string; payload: string; created_at: string };
}

type Handler = (payload: unknown) => void;

/**
 * A durable broadcast between the processes sharing one database: a process applies its own
 * events at once and picks up the others' by polling. Used to invalidate in-memory caches
 * (revocations, catalog) so the hot paths need no database read.
 */
export class EventFeed {
  private readonly db: Kysely<EventTables>;
  private readonly handlers = new Map<string, Handler[]>();
  private lastId = 0;
  private timer?: NodeJS.Timeout;
  private readonly ownIds = new Set<number>();
  private polling?: Promise<void>;

  constructor(
    database: Database,
    private readonly log: Logger,
  ) {
    this.db = database.typed<EventTables>();
  }

  on(topic: string, handler: Handler): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  /** Stores the event, applies it locally at once, and lets other processes see it. */
  async publish(topic: string, payload: unknown): Promise<void> {
    const row = await this.db
      .insertInto('platform_events')
      .values({ topic, payload: JSON.stringify(payload), created_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    this.ownIds.add(row.id!);
    this.dispatch(topic, payload);
  }

  /** Starts after the newest existing event (state is loaded by the owners at start-up). */
  async start(pollMs = 1000): Promise<void> {
    const row = await this.db
      .selectFrom('platform_events')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirst();
    this.lastId = Number(row?.max ?? 0);
    this.timer = setInterval(() => {
      this.polling ??= this.poll()
        .catch((e) => this.log.warn({ err: e }, 'event poll failed'))
        .finally(() => (this.polling = undefined));
    }, pollMs);
    this.timer.unref();
  }

  /** Stops polling; resolves once a poll in flight has finished, so the database can close after it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  async poll(): Promise<void> {
    const rows = await this.db
      .selectFrom('platform_events')
      .selectAll()
      .where('id', '>', this.lastId)
      .orderBy('id')
      .execute();
    for (const r of rows) {
      this.lastId = Math.max(this.lastId, r.id!);
      if (this.ownIds.delete(r.id!)) continue;
      this.dispatch(r.topic, JSON.parse(r.payload));
    }
  }

  private dispatch(topic: string, payload: unknown): void {
    for (const h of this.handlers.get(topic) ?? []) h(payload);
  }
}

export const platformMigrations: ServiceMigration[] = [
  {
    name: '0001_events',
    async up(db, dialect) {
      await db.schema
        .createTable('platform_events')
        .addColumn('id', autoIdType(dialect), (c) => c.primaryKey())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
];
