import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { MasterKey } from '../../../platform/keys.js';
import { HashPool } from '../../../platform/hashing.js';

/** What a finished write left on disk, recorded in the image row. */
export interface StoredData {
  file: string;
  /** The file's data key wrapped by the master key; null for clear-text files. */
  key: string | null;
  size: number;
  md5: string;
  sha512: string;
}

/** Thrown by a write whose source breaks a limit; the partial file is already gone. */
export class WriteLimitError extends Error {
  constructor(
    readonly reason: 'quota' | 'size',
    message: string,
  ) {
    super(message);
  }
}

const MAGIC = Buffer.from('SCSIMG01');
const HEADER = MAGIC.length + 4;
const CHUNK = 1024 * 1024;
const TAG = 16;
const ALG = 'aes-256-gcm';

/** Each file has its own key, so the chunk index is a unique IV; the AAD pins index and end. */
function iv(index: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeBigUInt64BE(BigInt(index), 4);
  return b;
}
const aad = (id: string, index: number, last: boolean) => Buffer.from(`${id}:${index}:${last ? 1 : 0}`);
const keyContext = (id: string) => `image:${id}`;

/**
 * Image bytes on local disk, encrypted at rest by default: envelope encryption (a random data key
 * per file, wrapped by the master key) and AES-256-GCM in 1 MiB chunks, so any size streams in
 * constant memory and a truncated or reordered file fails authentication. A write goes to a
 * `.part` file that is renamed only when complete, so a file under its final name is whole.
 */
export class LocalImageStore {
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly masterKey: MasterKey,
    private readonly encrypt: boolean,
    private readonly hashes = new HashPool(),
  ) {
    this.dir = join(dataDir, 'images');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /**
   * Streams `source` into a new file named `<imageId>.<token>`, computing size, md5 and sha512 of
   * the plain bytes. `maxBytes` stops the write early (quota); `expectedSize` must match exactly.
   */
  async write(imageId: string, token: string, source: AsyncIterable<Buffer>, opts: { maxBytes?: number; expectedSize?: number } = {}): Promise<StoredData> {
    const file = `${imageId}.${token}`;
    const part = join(this.dir, `${file}.part`);
    // 'w': a retried import of the same transfer starts its part file over.
    const fh = await open(part, 'w', 0o600);
    const out = new FileWriter(fh);
    const hash = this.hashes.start(['md5', 'sha512']);
    const dataKey = this.encrypt ? this.masterKey.newDataKey(keyContext(imageId)) : undefined;
    let size = 0;
    let index = 0;
    let chunk = Buffer.allocUnsafeSlow(CHUNK);
    let filled = 0;
    const flush = async (last: boolean) => {
      const plain = filled === CHUNK ? chunk : chunk.subarray(0, filled);
      // The hash takes its own copy; the write of clear text keeps `chunk`, so that one is replaced.
      await hash.update(plain);
      if (dataKey) {
        const c = createCipheriv(ALG, dataKey.key, iv(index));
        c.setAAD(aad(imageId, index, last));
        await out.write([c.update(plain), c.final(), c.getAuthTag()]);
      } else {
        await out.write([plain]);
        chunk = Buffer.allocUnsafeSlow(CHUNK);
      }
      index++;
      filled = 0;
    };
    try {
      if (dataKey) {
        const header = Buffer.alloc(HEADER);
        MAGIC.copy(header);
        header.writeUInt32BE(CHUNK, MAGIC.length);
        await out.write([header]);
      }
      for await (const raw of source) {
        const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
        size += buf.length;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) throw new WriteLimitError('quota', 'The image exceeds the storage quota of its project.');
        if (opts.expectedSize !== undefined && size > opts.expectedSize) throw new WriteLimitError('size', 'More data than announced was sent.');
        let off = 0;
        while (off < buf.length) {
          // A full chunk is written only once more data arrives: the end of the stream decides which chunk is last.
          if (filled === CHUNK) await flush(false);
          const n = Math.min(CHUNK - filled, buf.length - off);
          buf.copy(chunk, filled, off, off + n);
          filled += n;
          off += n;
        }
      }
      if (opts.expectedSize !== undefined && size !== opts.expectedSize) throw new WriteLimitError('size', `Expected ${opts.expectedSize} bytes, received ${size}.`);
      await flush(true);
      const digests = await hash.digest();
      await out.finish();
      await fh.close();
      await rename(part, join(this.dir, file));
      await syncDir(this.dir);
      return { file, key: dataKey?.wrapped ?? null, size, ...digests };
    } catch (e) {
      hash.abort();
      await out.settle();
      await fh.close().catch(() => undefined);
      await unlink(part).catch(() => undefined);
      throw e;
    }
  }

  /** The plain bytes of a stored file, optionally the inclusive byte range [start, end]. */
  read(imageId: string, data: { file: string; key: string | null; size: number }, range?: { start: number; end: number }): Readable {
    const path = join(this.dir, data.file);
    const start = range?.start ?? 0;
    const end = range?.end ?? data.size - 1;
    if (!data.key) return Readable.from(plainChunks(path, start, end));
    const key = this.masterKey.unwrap(data.key, keyContext(imageId));
    return Readable.from(decryptedChunks(path, imageId, key, start, end));
  }

  async close(): Promise<void> {
    await this.hashes.close();
  }

  async remove(file: string | null | undefined): Promise<void> {
    if (file) await unlink(join(this.dir, file)).catch(() => undefined);
  }

  /**
   * Deletes what no image references: files of deleted images, or renamed just before a crash
   * that kept the row from switching to active, and `.part` files of transfers no longer running.
   * Files younger than `minAgeMs` are left alone.
   */
  async sweep(referenced: Set<string>, liveTokens: Set<string>, minAgeMs: number): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.dir)) {
      const base = name.endsWith('.part') ? name.slice(0, -5) : name;
      const token = base.slice(base.indexOf('.') + 1);
      if (referenced.has(base) || liveTokens.has(token)) continue;
      const st = await stat(join(this.dir, name)).catch(() => undefined);
      // Recently written files may belong to a transfer that started after the row query.
      if (!st?.isFile() || Date.now() - st.mtimeMs < minAgeMs) continue;
      await unlink(join(this.dir, name)).catch(() => undefined);
      removed.push(name);
    }
    return removed;
  }
}

/** Writes in flight behind the producer (bounded memory: WRITES_IN_FLIGHT chunks). */
const WRITES_IN_FLIGHT = 4;
/** Bytes after which the file's writeback is started (fdatasync in the background). */
const WRITEBACK_EVERY = 64 * 1024 * 1024;

/**
 * Appends to a file with positional writes that run while the next chunk is received, hashed and
 * sealed. The kernel is told to write the file back as it grows (one fdatasync at a time, in the
 * background), so the final fsync finds little left to do instead of the whole file: receiving
 * and disk writeback overlap rather than follow each other.
 */
class FileWriter {
  private pos = 0;
  private readonly inFlight: Array<Promise<void>> = [];
  private written = 0;
  private syncedUpTo = 0;
  private syncing?: Promise<void>;

  constructor(private readonly fh: FileHandle) {}

  async write(bufs: Buffer[]): Promise<void> {
    if (this.inFlight.length >= WRITES_IN_FLIGHT) await this.inFlight.shift();
    const len = bufs.reduce((n, b) => n + b.length, 0);
    const done = this.fh.writev(bufs, this.pos).then(({ bytesWritten }) => {
      if (bytesWritten !== len) throw new Error(`short write: ${bytesWritten} of ${len} bytes`);
      this.written += len;
      this.startWriteback();
    });
    done.catch(() => undefined); // rethrown when awaited
    this.inFlight.push(done);
    this.pos += len;
  }

  private startWriteback(): void {
    if (this.syncing || this.written - this.syncedUpTo < WRITEBACK_EVERY) return;
    const upTo = this.written;
    const sync = this.fh.datasync().then(() => {
      this.syncedUpTo = upTo;
      this.syncing = undefined;
      this.startWriteback();
    });
    sync.catch(() => undefined); // rethrown by finish()
    this.syncing = sync;
  }

  /** Waits for every write, then makes the file durable. */
  async finish(): Promise<void> {
    while (this.inFlight.length) await this.inFlight.shift();
    while (this.syncing) await this.syncing;
    await this.fh.sync();
  }

  /** Waits for what is in flight without failing (before the file is closed and removed). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight, this.syncing]);
  }
}

/** Makes a rename in `dir` durable. */
async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

async function* plainChunks(path: string, start: number, end: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    let pos = start;
    while (pos <= end) {
      const n = Math.min(CHUNK, end - pos + 1);
      const buf = Buffer.allocUnsafe(n);
      const { bytesRead } = await fh.read(buf, 0, n, pos);
      if (bytesRead !== n) throw new Error('image file is shorter than its recorded size');
      yield buf;
      pos += n;
    }
  } finally {
    await fh.close();
  }
}

/** Chunks read and decrypted ahead of the one being sent (bounded memory: DEPTH MiB per download). */
const DEPTH = 4;

/** AES-256-GCM decryption of one chunk (ciphertext followed by its tag). */
function decryptChunk(key: Buffer, index: number, aadBytes: Buffer, sealed: Buffer): Buffer {
  const d = createDecipheriv(ALG, key, iv(index));
  d.setAAD(aadBytes);
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  const plain = d.update(sealed.subarray(0, sealed.length - TAG));
  d.final();
  return plain;
}

/*
 * Decryption stays on the request thread: measured on 2 cores, a worker pool for AES-GCM was
 * slower than this (the cores are busy with the socket copies of the download).
 */
async function* decryptedChunks(path: string, imageId: string, key: Buffer, start: number, end: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  const inFlight: Array<Promise<Buffer>> = [];
  try {
    const header = Buffer.alloc(HEADER);
    await fh.read(header, 0, HEADER, 0);
    if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('image file has no encryption header');
    const chunk = header.readUInt32BE(MAGIC.length);
    const body = (await fh.stat()).size - HEADER;
    const count = Math.max(1, Math.ceil(body / (chunk + TAG)));
    const first = Math.floor(start / chunk);
    const last = Math.min(count - 1, Math.floor(end / chunk));
    // Ciphertext buffers are reused: a fresh buffer per chunk costs page faults worth more than the AES.
    const spare: Buffer[] = [];
    const decrypt = async (i: number): Promise<Buffer> => {
      const len = i === count - 1 ? body - i * (chunk + TAG) : chunk + TAG;
      const buf = spare.pop() ?? Buffer.allocUnsafeSlow(chunk + TAG);
      try {
        const { bytesRead } = await fh.read(buf, 0, len, HEADER + i * (chunk + TAG));
        if (bytesRead !== len || len < TAG) throw new Error('image file is truncated');
        return decryptChunk(key, i, aad(imageId, i, i === count - 1), buf.subarray(0, len));
      } finally {
        spare.push(buf);
      }
    };
    let queued = first;
    for (let i = first; i <= last; i++) {
      while (queued <= last && inFlight.length < DEPTH) {
        const next = decrypt(queued++);
        next.catch(() => undefined); // handled when its turn comes; a failure ahead must not go unhandled
        inFlight.push(next);
      }
      const plain = await inFlight.shift()!;
      const from = i === first ? start - i * chunk : 0;
      const to = Math.min(plain.length, end - i * chunk + 1);
      if (to > from) yield plain.subarray(from, to);
    }
  } finally {
    // Let reads still in flight finish before the file closes (their results are dropped).
    await Promise.allSettled(inFlight);
    await fh.close();
  }
}

/** A fresh token naming one transfer's files. */
export const transferToken = (): string => randomBytes(8).toString('hex');
