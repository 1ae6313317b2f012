/**
 * Entry of a load balancer worker process (see WorkerPool): serves the listening sockets it is
 * handed with the spec and member health it is sent, and reports its counters.
 */
import type { Server } from 'node:net';
import { NO_TRAFFIC } from './driver.js';
import { ListenerRuntime } from './listener.js';
import { STATS_INTERVAL_MS, type FromWorker, type ToWorker } from './workers.js';

const listeners = new Map<string, ListenerRuntime>();
/** Members the health checkers hold down, by listener key. */
const down = new Map<string, Set<string>>();
const send = (m: FromWorker) => process.send?.(m);

// Handled at once (no awaiting before the handler is on the socket): a received socket already
// accepts connections.
process.on('message', (m: ToWorker, server?: Server) => {
  const current = listeners.get(m.key);
  if (m.op === 'listen' && server) {
    const key = m.key;
    const runtime = new ListenerRuntime(m.spec, (id) => !down.get(key)?.has(id));
    listeners.set(key, runtime);
    down.set(key, new Set(m.down));
    runtime.listen({ handle: server }).catch((e: unknown) => console.error('loadbalancer worker:', e));
  } else if (m.op === 'update' && current) {
    current.update(m.spec);
    down.set(m.key, new Set(m.down));
  } else if (m.op === 'close') {
    listeners.delete(m.key);
    down.delete(m.key);
    const closed = current ? current.close().then(() => current.snapshot()) : Promise.resolve({ ...NO_TRAFFIC });
    void closed.then((stats) => send({ op: 'closed', key: m.key, stats }));
  }
});
process.on('disconnect', () => process.exit(0));
setInterval(() => {
  for (const [key, runtime] of listeners) send({ op: 'stats', key, stats: runtime.snapshot() });
}, STATS_INTERVAL_MS).unref();
// Messages sent before this module ran would be lost: the pool holds them until this.
send({ op: 'ready', key: '', stats: { ...NO_TRAFFIC } });
