import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Several digests (hex, by algorithm name) of one byte stream, fed in order. */
export interface MultiHash<A extends string> {
  /** Hands the buffer over: the caller must not reuse it. */
  update(buf: Buffer): Promise<void>;
  digest(): Promise<Record<A, string>>;
  abort(): void;
}

/**
 * A hash worker computes one digest of one stream at a time. md5, sha256 and sha512 each cost
 * more CPU than AES-GCM, so a large upload hashes on other threads while the request thread
 * receives, encrypts and writes. Plain JS (eval) so it runs the same from src/ and dist/.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let h;
parentPort.on('message', (m) => {
  if (m.type === 'start') { h = createHash(m.algorithm); return; }
  if (m.type === 'data') { h.update(Buffer.from(m.buf)); parentPort.postMessage({ type: 'ack' }); return; }
  if (m.type === 'end') { parentPort.postMessage({ type: 'digest', hex: h.digest('hex') }); h = undefined; }
});
`;

/** Buffers in flight per stream: bounds memory when a worker falls behind the network. */
const MAX_IN_FLIGHT = 8;

interface StreamHash {
  update(ab: ArrayBuffer): Promise<void>;
  digest(): Promise<string>;
  abort(): void;
}

class WorkerStreamHash implements StreamHash {
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private done?: (hex: string) => void;
  private finished = false;
  private readonly onMessage = (m: { type: string; hex?: string }) => {
    if (m.type === 'ack') {
      this.inFlight--;
      this.waiters.shift()?.();
    } else if (m.type === 'digest') this.done?.(m.hex!);
  };

  constructor(
    private readonly worker: Worker,
    algorithm: string,
    private readonly release: (w: Worker) => void,
  ) {
    worker.on('message', this.onMessage);
    worker.postMessage({ type: 'start', algorithm });
  }

  async update(ab: ArrayBuffer): Promise<void> {
    while (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
    this.worker.postMessage({ type: 'data', buf: ab }, [ab]);
  }

  digest(): Promise<string> {
    return new Promise((resolve) => {
      this.done = (hex) => {
        this.finish();
        resolve(hex);
      };
      this.worker.postMessage({ type: 'end' });
    });
  }

  abort(): void {
    if (this.finished || this.done) return;
    // End the worker's stream and drop the result before the worker goes back to the pool.
    this.done = () => this.finish();
    this.worker.postMessage({ type: 'end' });
  }

  private finish(): void {
    this.finished = true;
    this.worker.off('message', this.onMessage);
    this.release(this.worker);
  }
}

class InlineStreamHash implements StreamHash {
  private readonly h;
  constructor(algorithm: string) {
    this.h = createHash(algorithm);
  }
  async update(ab: ArrayBuffer): Promise<void> {
    this.h.update(Buffer.from(ab));
  }
  async digest(): Promise<string> {
    return this.h.digest('hex');
  }
  abort(): void {}
}

/** Long-lived hash workers; a stream that finds none free hashes inline. */
export class HashPool {
  private readonly idle: Worker[] = [];
  private created = 0;

  /** One worker per algorithm of each concurrent upload. */
  constructor(private readonly size = 4) {}

  private one(algorithm: string): StreamHash {
    let w = this.idle.pop();
    if (!w && this.created < this.size) {
      w = new Worker(WORKER, { eval: true });
      w.unref();
      this.created++;
    }
    return w ? new WorkerStreamHash(w, algorithm, (done) => this.idle.push(done)) : new InlineStreamHash(algorithm);
  }

  start<A extends string>(algorithms: readonly A[]): MultiHash<A> {
    const hashes = algorithms.map((a) => this.one(a));
    return {
      async update(buf: Buffer) {
        // Each worker but the last gets a copy, the last the buffer itself (or a copy when it is a view).
        const copy = () => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
        const own = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer;
        await Promise.all(hashes.map((h, i) => h.update(i === hashes.length - 1 && own ? (buf.buffer as ArrayBuffer) : copy())));
      },
      async digest() {
        const hex = await Promise.all(hashes.map((h) => h.digest()));
        return Object.fromEntries(algorithms.map((a, i) => [a, hex[i]])) as Record<A, string>;
      },
      abort() {
        for (const h of hashes) h.abort();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }
}
