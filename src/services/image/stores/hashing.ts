import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** md5 (Glance's checksum) and sha512 (os_hash_value) of a byte stream, fed in order. */
export interface DualHash {
  update(buf: Buffer): Promise<void>;
  digest(): Promise<{ md5: string; sha512: string }>;
  abort(): void;
}

/**
 * The hash worker: md5 and sha512 cost more CPU than AES-GCM, so a large upload hashes on another
 * core while the request thread receives, encrypts and writes. Plain JS (eval) so it runs the same
 * from src/ and dist/.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let md5, sha;
parentPort.on('message', (m) => {
  if (m.type === 'start') { md5 = createHash('md5'); sha = createHash('sha512'); return; }
  if (m.type === 'data') { const b = Buffer.from(m.buf); md5.update(b); sha.update(b); parentPort.postMessage({ type: 'ack' }); return; }
  if (m.type === 'end') { parentPort.postMessage({ type: 'digest', md5: md5.digest('hex'), sha512: sha.digest('hex') }); md5 = sha = undefined; }
});
`;

/** In flight per stream: bounds memory when the worker falls behind the network. */
const MAX_IN_FLIGHT = 8;

class WorkerHash implements DualHash {
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private done?: (d: { md5: string; sha512: string }) => void;
  private finished = false;
  private readonly onMessage = (m: { type: string; md5?: string; sha512?: string }) => {
    if (m.type === 'ack') {
      this.inFlight--;
      this.waiters.shift()?.();
    } else if (m.type === 'digest') this.done?.({ md5: m.md5!, sha512: m.sha512! });
  };

  constructor(
    private readonly worker: Worker,
    private readonly release: (w: Worker) => void,
  ) {
    worker.on('message', this.onMessage);
    worker.postMessage({ type: 'start' });
  }

  async update(buf: Buffer): Promise<void> {
    while (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
    // Transfer the bytes when the buffer owns its whole ArrayBuffer, else copy them once.
    const own = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer;
    const ab = own ? (buf.buffer as ArrayBuffer) : buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    this.worker.postMessage({ type: 'data', buf: ab }, [ab as ArrayBuffer]);
  }

  digest(): Promise<{ md5: string; sha512: string }> {
    return new Promise((resolve) => {
      this.done = (d) => {
        this.finish();
        resolve(d);
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

class InlineHash implements DualHash {
  private readonly md5 = createHash('md5');
  private readonly sha = createHash('sha512');
  async update(buf: Buffer): Promise<void> {
    this.md5.update(buf);
    this.sha.update(buf);
  }
  async digest() {
    return { md5: this.md5.digest('hex'), sha512: this.sha.digest('hex') };
  }
  abort(): void {}
}

/** A few long-lived hash workers; when all are busy a stream hashes inline. */
export class HashPool {
  private readonly idle: Worker[] = [];
  private created = 0;

  constructor(private readonly size = 2) {}

  start(): DualHash {
    let w = this.idle.pop();
    if (!w && this.created < this.size) {
      w = new Worker(WORKER, { eval: true });
      w.unref();
      this.created++;
    }
    if (!w) return new InlineHash();
    // Bytes handed to a worker leave this thread: buffers passed to update() must not be reused.
    return new WorkerHash(w, (done) => this.idle.push(done));
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }
}
