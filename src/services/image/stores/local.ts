import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { MasterKey } from '../../../platform/keys.js';

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
    const fh = await open(part, 'wx', 0o600);
    const md5 = createHash('md5');
    const sha = createHash('sha512');
    const dataKey = this.encrypt ? this.masterKey.newDataKey(keyContext(imageId)) : undefined;
    let size = 0;
    let index = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    const seal = (plain: Buffer, last: boolean): Buffer[] => {
      const c = createCipheriv(ALG, dataKey!.key, iv(index));
      c.setAAD(aad(imageId, index, last));
      index++;
      return [c.update(plain), c.final(), c.getAuthTag()];
    };
    const flush = async (plain: Buffer, last: boolean) => {
      await fh.writev(dataKey ? seal(plain, last) : [plain]);
    };
    try {
      if (dataKey) {
        const header = Buffer.alloc(HEADER);
        MAGIC.copy(header);
        header.writeUInt32BE(CHUNK, MAGIC.length);
        await fh.write(header);
      }
      for await (const raw of source) {
        const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
        size += buf.length;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) throw new WriteLimitError('quota', 'The image exceeds the storage quota of its project.');
        if (opts.expectedSize !== undefined && size > opts.expectedSize) throw new WriteLimitError('size', 'More data than announced was sent.');
        md5.update(buf);
        sha.update(buf);
        pending.push(buf);
        pendingLen += buf.length;
        // Keep at least one byte back: only the end of the stream knows which chunk is last.
        while (pendingLen > CHUNK) {
          const all = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingLen);
          await flush(all.subarray(0, CHUNK), false);
          pending = [all.subarray(CHUNK)];
          pendingLen -= CHUNK;
        }
      }
      if (opts.expectedSize !== undefined && size !== opts.expectedSize) throw new WriteLimitError('size', `Expected ${opts.expectedSize} bytes, received ${size}.`);
      await flush(Buffer.concat(pending, pendingLen), true);
      await fh.sync();
      await fh.close();
      await rename(part, join(this.dir, file));
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlink(part).catch(() => undefined);
      throw e;
    }
    return { file, key: dataKey?.wrapped ?? null, size, md5: md5.digest('hex'), sha512: sha.digest('hex') };
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

  async remove(file: string | null | undefined): Promise<void> {
    if (file) await unlink(join(this.dir, file)).catch(() => undefined);
  }

  /**
   * Deletes what no image references: files of deleted images, or renamed just before a crash
   * that kept the row from switching to active, and `.part` files of transfers no longer running.
   */
  async sweep(referenced: Set<string>, liveTokens: Set<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.dir)) {
      const base = name.endsWith('.part') ? name.slice(0, -5) : name;
      const token = base.slice(base.indexOf('.') + 1);
      if (referenced.has(base) || liveTokens.has(token)) continue;
      const st = await stat(join(this.dir, name)).catch(() => undefined);
      if (!st?.isFile()) continue;
      await unlink(join(this.dir, name)).catch(() => undefined);
      removed.push(name);
    }
    return removed;
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

async function* decryptedChunks(path: string, imageId: string, key: Buffer, start: number, end: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const header = Buffer.alloc(HEADER);
    await fh.read(header, 0, HEADER, 0);
    if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('image file has no encryption header');
    const chunk = header.readUInt32BE(MAGIC.length);
    const body = (await fh.stat()).size - HEADER;
    const count = Math.max(1, Math.ceil(body / (chunk + TAG)));
    const first = Math.floor(start / chunk);
    const cipher = Buffer.allocUnsafe(chunk + TAG);
    for (let i = first; i < count && i * chunk <= end; i++) {
      const last = i === count - 1;
      const len = last ? body - i * (chunk + TAG) : chunk + TAG;
      const { bytesRead } = await fh.read(cipher, 0, len, HEADER + i * (chunk + TAG));
      if (bytesRead !== len || len < TAG) throw new Error('image file is truncated');
      const d = createDecipheriv(ALG, key, iv(i));
      d.setAAD(aad(imageId, i, last));
      d.setAuthTag(cipher.subarray(len - TAG, len));
      const plain = Buffer.concat([d.update(cipher.subarray(0, len - TAG)), d.final()]);
      const from = i === first ? start - i * chunk : 0;
      const to = Math.min(plain.length, end - i * chunk + 1);
      if (to > from) yield plain.subarray(from, to);
    }
  } finally {
    await fh.close();
  }
}

/** A fresh token naming one transfer's files. */
export const transferToken = (): string => randomBytes(8).toString('hex');
