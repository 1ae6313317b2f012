import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Database } from '../../src/platform/db/database.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { JobRunner, jobMigrations } from '../../src/platform/jobs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('platform: durable jobs', () => {
  it('keeps the lease of a long job, so another process never runs it twice', async () => {
    const db = Database.open('sqlite::memory:');
    await migrate(db.kysely, db.dialect, { platform: jobMigrations });
    const log = pino({ level: 'silent' });
    const opts = { leaseMs: 300, pollMs: 50, concurrency: 4 };
    const a = new JobRunner(db, log, opts);
    const b = new JobRunner(db, log, opts);
    const runs: string[] = [];
    const handler = (who: string) => ({
      async run() {
        runs.push(who);
        await sleep(1200); // four lease periods
      },
    });
    a.register('long', handler('a'));
    b.register('long', handler('b'));
    b.start();
    await a.enqueue('long', {});
    await sleep(1500);
    await a.drain();
    await b.stop();
    await a.stop();
    assert.deepEqual(runs, ['a']);
    await db.close();
  });

  it('retries a failing job and gives up after maxAttempts', async () => {
    const db = Database.open('sqlite::memory:');
    await migrate(db.kysely, db.dialect, { platform: jobMigrations });
    const runner = new JobRunner(db, pino({ level: 'silent' }), { leaseMs: 5000, pollMs: 50, concurrency: 4 });
    let attempts = 0;
    let gaveUp = '';
    runner.register('flaky', {
      maxAttempts: 2,
      async run() {
        attempts++;
        throw new Error('boom');
      },
      async onGiveUp(_p: unknown, err: Error) {
        gaveUp = err.message;
      },
    });
    await runner.enqueue('flaky', {});
    for (let i = 0; i < 50 && !gaveUp; i++) await sleep(50);
    await runner.stop();
    assert.equal(attempts, 2);
    assert.equal(gaveUp, 'boom');
    await db.close();
  });
});
