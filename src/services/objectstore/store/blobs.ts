import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable, type Transform } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';

/** Written bytes after which a write starts flushing them to disk in the background. */
const FLUSH_EVERY = 16 << 20;

/**
 * Writes into an open file handle, so the same handle is synced and closed by the caller. Every
 * FLUSH_EVERY bytes it starts a `datasync` without waiting for it: the disk writes while the body
 * still streams in, and the final sync before the rename has little left to do.
 */
function fileSink(fh: FileHandle): Writable {
  let unflushed = 0;
  let flushing: Promise<void> | undefined;
  let failed: unknown;
  const wrote = (n: number) => {
    unflushed += n;
    if (unflushed < FLUSH_EVERY || flushing) return;
    unflushed = 0;
    flushing = fh.datasync().then(
      () => void (flushing = undefined),
      (e) => void ((failed = e), (flushing = undefined)),
    );
  };
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      fh.write(chunk).then(() => (wrote(chunk.length), cb()), cb);
    },
    writev(chunks, cb) {
      const bufs = chunks.map((c) => c.chunk as Buffer);
      fh.writev(bufs).then(() => (wrote(bufs.reduce((n, b) => n + b.length, 0)), cb()), cb);
    },
    final(cb) {
      Promise.resolve(flushing).then(() => cb(failed as Error | undefined), cb);
    },
  });
}

/** A blob written to a temp file and synced, not yet visible. */
export interface PendingBlob {
  id: string;
  tmp: string;
}

/**
 * The bytes of objects and parts: one file per blob under `<root>/blobs`, written to `<root>/tmp`
 * first, synced, then renamed into place before the metadata that names it is committed. A file
 * no metadata names (a crash between rename and commit) is removed by `sweep`.
 */
export class BlobStore {
  private readonly blobs: string;
  private readonly tmpDir: string;
  /** Fan-out folders known to exist (at most 256). */
  private readonly dirs = new Set<string>();

  constructor(root: string) {
    this.blobs = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
  }

  /** A fresh blob id (also the file name). */
  static newId(): string {
    return randomBytes(16).toString('hex');
  }

  async init(): Promise<void> {
    await mkdir(this.blobs, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  private path(id: string): string {
    return join(this.blobs, id.slice(0, 2), id);
  }

  /** Streams `source` through `transforms` into a synced temp file. */
  async write(id: string, source: Readable, transforms: Transform[]): Promise<PendingBlob> {
    const tmp = join(this.tmpDir, id);
    const fh = await open(tmp, 'w');
    try {
      await pipeline([source, ...transforms, fileSink(fh)]);
      await fh.sync();
      return { id, tmp };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    } finally {
      await fh.close();
    }
  }

  /** Moves a synced temp file into place; the caller commits the metadata next. */
  async place(p: PendingBlob): Promise<void> {
    const dir = p.id.slice(0, 2);
    if (!this.dirs.has(dir)) {
      await mkdir(join(this.blobs, dir), { recursive: true });
      this.dirs.add(dir);
    }
    await rename(p.tmp, this.path(p.id));
  }

  async discard(p: PendingBlob): Promise<void> {
    await rm(p.tmp, { force: true });
  }

  /**
   * Raw file bytes [start, end] (inclusive) of a small blob (the caller bounds the size), read
   * synchronously: handing open, read and close to the thread pool costs the event loop several
   * times more than the read of a few cached pages itself (measured in bench/s3.ts).
   */
  readSmall(id: string, start: number, end: number): Buffer {
    const fd = openSync(this.path(id), 'r');
    try {
      const buf = Buffer.allocUnsafe(end - start + 1);
      return buf.subarray(0, readSync(fd, buf, 0, buf.length, start));
    } finally {
      closeSync(fd);
    }
  }

  /** Raw file bytes [start, end] (inclusive) of a blob, in reads of `highWaterMark` bytes. */
  read(id: string, start: number, end: number, highWaterMark = 1 << 20): Readable {
    return createReadStream(this.path(id), { start, end, highWaterMark });
  }

  async remove(ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => unlink(this.path(id)).catch(() => undefined)));
  }

  /**
   * Removes temp files and blobs that no metadata names. Only files older than `graceMs` are
   * touched, so uploads in flight in this or another process are safe.
   */
  async sweep(referenced: Set<string>, graceMs: number): Promise<number> {
    const cutoff = Date.now() - graceMs;
    let removed = 0;
    const old = async (p: string) => (await stat(p).catch(() => undefined))?.mtimeMs ?? Infinity;
    for (const f of await readdir(this.tmpDir)) {
      const p = join(this.tmpDir, f);
      if ((await old(p)) < cutoff) {
        await rm(p, { force: true });
        removed++;
      }
    }
    for (const dir of await readdir(this.blobs)) {
      for (const f of await readdir(join(this.blobs, dir))) {
        const p = join(this.blobs, dir, f);
        if (!referenced.has(f) && (await old(p)) < cutoff) {
          await rm(p, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}
