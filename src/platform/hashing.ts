import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Several digests (hex, by algorithm name) of one byte stream, fed in order. */
export interface MultiHash<A extends string> {
  /** Takes the bytes of `buf` (copied or consumed before it resolves: the caller may reuse the buffer afterwards). */
  update(buf: Buffer): Promise<void>;
  digest(): Promise<Record<A, string>>;
  abort(): void;
}

declare global {
  /** ES2024, in Node since 16; the project's TypeScript lib predates it. */
  interface Atomics {
    waitAsync(typedArray: Int32Array, index: number, value: number): { async: boolean; value: Promise<'ok' | 'not-equal' | 'timed-out'> | 'not-equal' | 'timed-out' };
  }
}

/** Ring geometry per stream: SLOTS slots of SLOT bytes bound memory when a worker falls behind. */
const SLOT = 1024 * 1024;
const SLOTS = 8;
/** Slot lengths that are not data: the end of the stream, and an abort. */
const END = -1;
const ABORT = -2;
/**
 * Control words: head, one tail and one "asleep" flag per worker of the stream, one length per
 * slot; padded to a cache line.
 */
const MAX_WORKERS_PER_STREAM = 4;
const TAIL = 1;
const ASLEEP = TAIL + MAX_WORKERS_PER_STREAM;
const LENS = ASLEEP + MAX_WORKERS_PER_STREAM;
const CTRL_WORDS = LENS + SLOTS;
const CTRL_BYTES = 64 * Math.ceil((CTRL_WORDS * 4) / 64);

/**
 * A hash worker computes one digest of one stream at a time. md5, sha256 and sha512 each cost
 * more CPU than AES-GCM, so a large upload hashes on other threads while the request thread
 * receives, encrypts and writes. The bytes travel through a ring of shared memory that all the
 * workers of a stream read (one copy for any number of digests, no message per slot): the
 * producer fills a slot and bumps `head` (waking only workers that sleep: a wake-up is a
 * syscall); each worker hashes the slot in place and bumps its own `tail`. Plain JS (eval) so it runs the same from src/ and dist/.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ algorithm, ring, me }) => {
  const ctrl = new Int32Array(ring, 0, ${CTRL_WORDS});
  const lens = ctrl.subarray(${LENS});
  const h = createHash(algorithm);
  let seen = 0;
  for (;;) {
    while (Atomics.load(ctrl, 0) === seen) {
      Atomics.store(ctrl, ${ASLEEP} + me, 1);
      if (Atomics.load(ctrl, 0) === seen) Atomics.wait(ctrl, 0, seen);
      Atomics.store(ctrl, ${ASLEEP} + me, 0);
    }
    const i = seen % ${SLOTS};
    const n = lens[i];
    if (n < 0) { parentPort.postMessage(n === ${END} ? h.digest('hex') : null); return; }
    h.update(new Uint8Array(ring, ${CTRL_BYTES} + i * ${SLOT}, n));
    seen++;
    Atomics.store(ctrl, ${TAIL} + me, seen);
    Atomics.notify(ctrl, ${TAIL} + me);
  }
});
`;

/** The digests of one stream computed by pooled workers reading a shared ring. */
class RingHash<A extends string> implements MultiHash<A> {
  private readonly ring = new SharedArrayBuffer(CTRL_BYTES + SLOTS * SLOT);
  private readonly ctrl = new Int32Array(this.ring, 0, CTRL_WORDS);
  private readonly lens = this.ctrl.subarray(LENS);
  private readonly data = Buffer.from(this.ring, CTRL_BYTES);
  private readonly results: Array<Promise<string | null>>;
  private head = 0;
  private fill = 0;
  private ended = false;

  constructor(
    private readonly algorithms: readonly A[],
    private readonly workers: Worker[],
    release: (w: Worker) => void,
    lost: (w: Worker) => void,
  ) {
    this.results = workers.map(
      (w, me) =>
        new Promise((resolve, reject) => {
          const onError = (e: Error) => {
            lost(w);
            reject(e);
          };
          w.once('error', onError);
          w.once('message', (hex: string | null) => {
            w.off('error', onError);
            release(w);
            resolve(hex);
          });
          w.postMessage({ algorithm: algorithms[me], ring: this.ring, me });
        }),
    );
    // A worker's failure surfaces in digest(); after an abort nobody waits for it.
    for (const r of this.results) r.catch(() => undefined);
  }

  /** Waits until every worker is done with the slot the next write goes to. */
  private async slotFree(): Promise<void> {
    for (let k = 0; k < this.workers.length; k++) {
      for (;;) {
        const tail = Atomics.load(this.ctrl, TAIL + k);
        if (this.head - tail < SLOTS) break;
        await Atomics.waitAsync(this.ctrl, TAIL + k, tail).value;
      }
    }
  }

  private publish(len: number): void {
    this.lens[this.head % SLOTS] = len;
    this.head++;
    this.fill = 0;
    Atomics.store(this.ctrl, 0, this.head);
    for (let k = 0; k < this.workers.length; k++) {
      if (Atomics.load(this.ctrl, ASLEEP + k) === 1) {
        Atomics.notify(this.ctrl, 0);
        break;
      }
    }
  }

  async update(buf: Buffer): Promise<void> {
    for (let off = 0; off < buf.length; ) {
      if (this.fill === 0) await this.slotFree();
      // Aborted (maybe while waiting): the workers are gone, nothing more goes to the ring.
      if (this.ended) return;
      const n = buf.copy(this.data, (this.head % SLOTS) * SLOT + this.fill, off, Math.min(buf.length, off + SLOT - this.fill));
      this.fill += n;
      off += n;
      if (this.fill === SLOT) this.publish(SLOT);
    }
  }

  async digest(): Promise<Record<A, string>> {
    if (this.fill > 0) this.publish(this.fill);
    await this.slotFree();
    this.ended = true;
    this.publish(END);
    const hex = await Promise.all(this.results);
    return Object.fromEntries(this.algorithms.map((a, i) => [a, hex[i]!])) as Record<A, string>;
  }

  abort(): void {
    if (this.ended) return;
    this.ended = true;
    // The workers may still be busy with filled slots: the marker goes to the next slot once it is free.
    void this.slotFree().then(() => this.publish(ABORT));
  }
}

/** Hashing on the calling thread, when no worker is free. */
class InlineHash<A extends string> implements MultiHash<A> {
  private readonly hashes;
  constructor(private readonly algorithms: readonly A[]) {
    this.hashes = algorithms.map((a) => createHash(a));
  }
  async update(buf: Buffer): Promise<void> {
    for (const h of this.hashes) h.update(buf);
  }
  async digest(): Promise<Record<A, string>> {
    return Object.fromEntries(this.algorithms.map((a, i) => [a, this.hashes[i].digest('hex')])) as Record<A, string>;
  }
  abort(): void {}
}

/** Long-lived hash workers; a stream that cannot get one worker per algorithm hashes inline. */
export class HashPool {
  private readonly idle: Worker[] = [];
  private created = 0;

  /** One worker per algorithm of each concurrent upload. */
  constructor(private readonly size = 4) {}

  private take(): Worker | undefined {
    let w = this.idle.pop();
    if (!w && this.created < this.size) {
      w = new Worker(WORKER, { eval: true });
      w.unref();
      this.created++;
    }
    return w;
  }

  start<A extends string>(algorithms: readonly A[]): MultiHash<A> {
    if (algorithms.length > MAX_WORKERS_PER_STREAM) return new InlineHash(algorithms);
    const workers: Worker[] = [];
    for (const _ of algorithms) {
      const w = this.take();
      if (!w) break;
      workers.push(w);
    }
    if (workers.length < algorithms.length) {
      this.idle.push(...workers);
      return new InlineHash(algorithms);
    }
    return new RingHash(
      algorithms,
      workers,
      (w) => this.idle.push(w),
      () => this.created--,
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }
}
