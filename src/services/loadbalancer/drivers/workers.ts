import { fork, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { NO_TRAFFIC, type ListenerSpec, type TrafficStats } from './driver.js';

/** From the process that applied a load balancer to a worker process. */
export type ToWorker =
  | { op: 'listen'; key: string; spec: ListenerSpec; down: string[] }
  | { op: 'update'; key: string; spec: ListenerSpec; down: string[] }
  | { op: 'close'; key: string };

/** From a worker process back. */
export type FromWorker = { op: 'ready' | 'stats' | 'closed'; key: string; stats: TrafficStats };

/** How often a worker reports its counters (stats lag by up to this much). */
export const STATS_INTERVAL_MS = 500;
const CLOSE_WAIT_MS = 3000;

/** Counters added up. */
export function sum(all: Iterable<TrafficStats | undefined>): TrafficStats {
  const total = { ...NO_TRAFFIC };
  for (const s of all) if (s) for (const k of Object.keys(total) as (keyof TrafficStats)[]) total[k] += s[k];
  return total;
}

interface Worker {
  child: ChildProcess;
  /** Messages held until the worker's handler is in place (earlier ones would be lost). */
  backlog: [ToWorker, Server | undefined][] | null;
  /** Close acknowledgements awaited (with the final counters), by listener key. */
  closing: Map<string, (last?: TrafficStats) => void>;
}

/**
 * Processes that serve listening sockets of this process besides it (each accepts connections of
 * the same socket; the kernel hands each connection to one of them). They balance with the spec
 * and member health this process sends, and report their counters, which `stats` adds up.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly reports = new Map<string, Map<ChildProcess, TrafficStats>>();

  constructor(count: number) {
    const entry = fileURLToPath(import.meta.url).replace(/workers(\.\w+)$/, 'worker$1');
    // Run from source (tsx), the worker needs the same loader.
    const execArgv = entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
    for (let i = 0; i < count; i++) this.spawn(entry, execArgv);
  }

  private spawn(entry: string, execArgv: string[]): void {
    const child = fork(entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const worker: Worker = { child, backlog: [], closing: new Map() };
    child.on('message', (m: FromWorker) => {
      if (m.op === 'ready') {
        const held = worker.backlog ?? [];
        worker.backlog = null;
        for (const [msg, handle] of held) child.send(msg, handle);
      } else if (m.op === 'stats') {
        const byChild = this.reports.get(m.key);
        if (byChild) byChild.set(child, m.stats);
      } else worker.closing.get(m.key)?.(m.stats);
    });
    child.once('exit', () => {
      this.workers.splice(this.workers.indexOf(worker), 1);
      for (const byChild of this.reports.values()) byChild.delete(child);
      for (const done of worker.closing.values()) done();
    });
    this.workers.push(worker);
  }

  private send(m: ToWorker, handle?: Server): void {
    for (const w of this.workers) {
      if (w.backlog) w.backlog.push([m, handle]);
      else if (w.child.connected) w.child.send(m, handle);
    }
  }

  /** The workers start serving `server` too. */
  share(key: string, spec: ListenerSpec, down: string[], server: Server): void {
    this.reports.set(key, new Map());
    this.send({ op: 'listen', key, spec, down }, server);
  }

  update(key: string, spec: ListenerSpec, down: string[]): void {
    this.send({ op: 'update', key, spec, down });
  }

  /**
   * The workers close their copies of the socket and its connections; resolves (once they did, so
   * the port is free) with their final counters added up.
   */
  async unshare(key: string): Promise<TrafficStats> {
    const reported = this.reports.get(key);
    this.reports.delete(key);
    const finals = await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<TrafficStats | undefined>((resolve) => {
            const done = (last?: TrafficStats) => {
              clearTimeout(timer);
              w.closing.delete(key);
              resolve(last ?? reported?.get(w.child));
            };
            const timer = setTimeout(done, CLOSE_WAIT_MS);
            w.closing.set(key, done);
            // Not handed over yet: it never will be.
            if (w.backlog) {
              w.backlog = w.backlog.filter(([msg]) => msg.key !== key);
              done();
            } else if (w.child.connected) w.child.send({ op: 'close', key } satisfies ToWorker);
          }),
      ),
    );
    return sum(finals);
  }

  /** The workers' counters of a listener, added up. */
  stats(key: string): TrafficStats {
    return sum(this.reports.get(key)?.values() ?? []);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill();
          }),
      ),
    );
  }
}
