import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Database } from './db/database.js';
import type { ServiceMigration } from './db/migrate.js';
import type { Logger } from './logging.js';

interface JobTables {
  platform_jobs: {
    id: string;
    kind: string;
    payload: string;
    state: string; // queued | running | done | failed
    attempts: number;
    run_after: string;
    lease_owner: string | null;
    lease_until: string | null;
    last_error: string | null;
    created_at: string;
    updated_at: string;
  };
}

export interface JobHandler<P = any> {
  /** Does the work; must be idempotent, because a crash can run it again. */
  run(payload: P, job: { id: string; attempt: number }): Promise<void>;
  /** Called once when the job gives up (after maxAttempts): put the resource into ERROR here. */
  onGiveUp?(payload: P, error: Error): Promise<void>;
  maxAttempts?: number;
}

/**
 * Durable jobs: long work is a row first, so a process that dies mid-way leaves it to be picked
 * up again once its lease expires. Any process may run any job; the lease makes sure only one does.
 */
export class JobRunner {
  private readonly db: Kysely<JobTables>;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly owner = randomUUID();
  private timer?: NodeJS.Timeout;
  private running = 0;
  private stopped = false;
  private readonly idle: Array<() => void> = [];

  constructor(
    database: Database,
    private readonly log: Logger,
    private readonly opts = { leaseMs: 60_000, pollMs: 500, concurrency: 16 },
  ) {
    this.db = database.typed<JobTables>();
  }

  register<P>(kind: string, handler: JobHandler<P>): void {
    this.handlers.set(kind, handler as JobHandler);
  }

  /** Stores a job and, unless delayed, starts it in this process at once. */
  async enqueue(kind: string, payload: unknown, opts: { delayMs?: number } = {}): Promise<string> {
    const id = randomUUID();
    const now = new Date();
    await this.db
      .insertInto('platform_jobs')
      .values({
        id,
        kind,
        payload: JSON.stringify(payload),
        state: 'queued',
        attempts: 0,
        run_after: new Date(now.getTime() + (opts.delayMs ?? 0)).toISOString(),
        lease_owner: null,
        lease_until: null,
        last_error: null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .execute();
    if (!opts.delayMs) setImmediate(() => this.launch(id));
    else setTimeout(() => this.launch(id), opts.delayMs).unref();
    return id;
  }

  /** Payloads of the jobs of `kind` still queued or running (reconcilers check that work is not lost). */
  async open<P = unknown>(kind: string): Promise<P[]> {
    const rows = await this.db.selectFrom('platform_jobs').select('payload').where('kind', '=', kind).where('state', 'in', ['queued', 'running']).execute();
    return rows.map((r) => JSON.parse(r.payload) as P);
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.running > 0) await new Promise<void>((r) => this.idle.push(r));
  }

  /** Resolves when no job of this process is running (tests). */
  async drain(): Promise<void> {
    while (this.running > 0) await new Promise<void>((r) => this.idle.push(r));
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.running >= this.opts.concurrency) return;
    const now = new Date().toISOString();
    try {
      const due = await this.db
        .selectFrom('platform_jobs')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'queued'), eb('run_after', '<=', now)]),
            eb.and([eb('state', '=', 'running'), eb('lease_until', '<', now)]),
          ]),
        )
        .orderBy('run_after')
        .limit(this.opts.concurrency - this.running)
        .execute();
      for (const { id } of due) this.launch(id);
    } catch (e) {
      this.log.warn({ err: e }, 'job poll failed');
    }
  }

  /** Runs a job in the background; what fails there (the database closing under it at stop) is logged. */
  private launch(id: string): void {
    this.tryRun(id).catch((e) => this.log.warn({ err: e, job: id }, 'job run failed'));
  }

  /** Claims the job with a compare-and-set on its state and lease, then runs it. */
  private async tryRun(id: string): Promise<void> {
    if (this.stopped) return;
    const now = new Date();
    const claimed = await this.db
      .updateTable('platform_jobs')
      .set((eb) => ({
        state: 'running',
        lease_owner: this.owner,
        lease_until: new Date(now.getTime() + this.opts.leaseMs).toISOString(),
        attempts: eb('attempts', '+', 1),
        updated_at: now.toISOString(),
      }))
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'queued'), eb('run_after', '<=', now.toISOString())]),
          eb.and([eb('state', '=', 'running'), eb('lease_until', '<', now.toISOString())]),
        ]),
      )
      .returningAll()
      .executeTakeFirst()
      .catch((e) => {
        this.log.warn({ err: e, job: id }, 'job claim failed');
        return undefined;
      });
    // Stopped while claiming: the lease lapses and the job runs after a restart or in another process.
    if (!claimed || this.stopped) return;
    const handler = this.handlers.get(claimed.kind);
    if (!handler) {
      await this.finish(id, 'failed', `no handler for ${claimed.kind}`);
      return;
    }
    this.running++;
    const heartbeat = this.keepLease(id);
    const payload = JSON.parse(claimed.payload);
    try {
      await handler.run(payload, { id, attempt: claimed.attempts });
      await this.finish(id, 'done', null);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const max = handler.maxAttempts ?? 3;
      if (claimed.attempts >= max) {
        this.log.warn({ err, job: id, kind: claimed.kind }, 'job gave up');
        await handler.onGiveUp?.(payload, err).catch((ge) => this.log.error({ err: ge, job: id }, 'job give-up hook failed'));
        await this.finish(id, 'failed', err.message);
      } else {
        const delay = 200 * 2 ** claimed.attempts;
        await this.db
          .updateTable('platform_jobs')
          .set({
            state: 'queued',
            lease_owner: null,
            lease_until: null,
            last_error: err.message,
            run_after: new Date(Date.now() + delay).toISOString(),
            updated_at: new Date().toISOString(),
          })
          .where('id', '=', id)
          .execute();
        setTimeout(() => this.launch(id), delay).unref();
      }
    } finally {
      clearInterval(heartbeat);
      this.running--;
      if (this.running === 0) this.idle.splice(0).forEach((r) => r());
    }
  }

  /** Renews the lease while the handler runs, so long work is never taken over by another process. */
  private keepLease(id: string): NodeJS.Timeout {
    const timer = setInterval(() => {
      void this.db
        .updateTable('platform_jobs')
        .set({ lease_until: new Date(Date.now() + this.opts.leaseMs).toISOString() })
        .where('id', '=', id)
        .where('lease_owner', '=', this.owner)
        .execute()
        .catch((e) => this.log.warn({ err: e, job: id }, 'lease renewal failed'));
    }, this.opts.leaseMs / 3);
    timer.unref();
    return timer;
  }

  private async finish(id: string, state: 'done' | 'failed', error: string | null): Promise<void> {
    if (state === 'done') {
      await this.db.deleteFrom('platform_jobs').where('id', '=', id).execute();
      return;
    }
    await this.db
      .updateTable('platform_jobs')
      .set({ state, last_error: error, lease_owner: null, lease_until: null, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
  }
}

export const jobMigrations: ServiceMigration[] = [
  {
    name: '0002_jobs',
    async up(db) {
      await db.schema
        .createTable('platform_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('run_after', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('platform_jobs_due').on('platform_jobs').columns(['state', 'run_after']).execute();
    },
  },
];
