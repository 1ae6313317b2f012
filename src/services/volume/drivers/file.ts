import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { badRequest } from '../../../platform/errors.js';
import { GiB, type BlockRef, type VolumeDriver } from './driver.js';
import { SECTOR, decryptSector, encryptSector, isZero } from './sectors.js';

const BATCH = 1024 * 1024;
/** Glance disk formats qemu-img converts, by qemu's name for them; raw-like formats are copied as they are. */
const QEMU_FORMATS: Record<string, string> = { qcow2: 'qcow2', vmdk: 'vmdk', vdi: 'vdi', vhd: 'vpc', vhdx: 'vhdx', qed: 'qed', ploop: 'parallels' };
const RAW_FORMATS = ['raw', 'iso', 'ami', 'img'];
const tooLarge = (bytes: number) => badRequest(`Image virtual size is larger than the volume of ${Math.ceil(bytes / GiB)}G.`);

const run = promisify(execFile);
const CHUNK = 1024 * 1024;

/**
 * The default driver: one sparse file per volume in `<dataDir>/volumes`, snapshots in
 * `<dataDir>/volumes/snapshots`, backups in `<dataDir>/backups`. Files are written under a
 * temporary name and renamed, so a crash never leaves a half-written block under its real name.
 */
export class FileVolumeDriver implements VolumeDriver {
  readonly capabilities = { sparse: true, encryption: true };
  private readonly dirs: Record<BlockRef['kind'], string>;

  constructor(dataDir: string) {
    this.dirs = {
      volume: join(dataDir, 'volumes'),
      snapshot: join(dataDir, 'volumes', 'snapshots'),
      backup: join(dataDir, 'backups'),
    };
  }

  localPath(ref: BlockRef): string {
    return join(this.dirs[ref.kind], `${ref.id}.img`);
  }

  /** A fresh temporary name per run: a job that runs twice (a lease taken over) never shares a half-written file. */
  private async tempPath(ref: BlockRef): Promise<string> {
    await mkdir(this.dirs[ref.kind], { recursive: true, mode: 0o700 });
    return `${this.localPath(ref)}.${randomUUID()}.part`;
  }

  async create(ref: BlockRef, bytes: number): Promise<void> {
    const tmp = await this.tempPath(ref);
    const fh = await open(tmp, 'w', 0o600);
    await fh.truncate(bytes);
    await fh.close();
    await rename(tmp, this.localPath(ref));
  }

  async importData(ref: BlockRef, data: Readable, bytes: number, key?: Buffer, format?: string | null): Promise<void> {
    const qemuFormat = format ? QEMU_FORMATS[format] : undefined;
    if (qemuFormat) return this.importConverted(ref, data, bytes, key, qemuFormat);
    if (format && !RAW_FORMATS.includes(format)) throw badRequest(`Image disk format ${format} cannot be written to a volume.`);
    const tmp = await this.tempPath(ref);
    const fh = await open(tmp, 'w', 0o600);
    try {
      const written = key ? await importSealed(fh, data, bytes, key) : await importPlain(fh, data, bytes);
      if (written > bytes) throw tooLarge(bytes);
      await fh.truncate(bytes);
    } finally {
      await fh.close();
    }
    await rename(tmp, this.localPath(ref));
  }

  /** Disk images in another format go through `qemu-img convert` to raw (as Cinder does), then in as raw. */
  private async importConverted(ref: BlockRef, data: Readable, bytes: number, key: Buffer | undefined, format: string): Promise<void> {
    const tmp = await this.tempPath(ref);
    const src = `${tmp}.src`;
    const raw = `${tmp}.raw`;
    try {
      await pipeline(data, createWriteStream(src, { mode: 0o600 }));
      const { stdout } = await run('qemu-img', ['info', '-f', format, '--output=json', src]).catch((e: Error) => {
        throw new Error(`qemu-img (Debian package qemu-utils) is needed to convert ${format} images: ${e.message}`);
      });
      const virtual = (JSON.parse(stdout) as { 'virtual-size': number })['virtual-size'];
      if (virtual > bytes) throw tooLarge(bytes);
      await run('qemu-img', ['convert', '-f', format, '-O', 'raw', src, raw]);
      await this.importData(ref, createReadStream(raw, { highWaterMark: CHUNK }), bytes, key, 'raw');
    } finally {
      await rm(src, { force: true });
      await rm(raw, { force: true });
    }
  }

  async exportData(ref: BlockRef, key?: Buffer, format?: string): Promise<Readable> {
    const path = this.localPath(ref);
    await stat(path);
    const qemuFormat = format ? QEMU_FORMATS[format] : undefined;
    if (format && !qemuFormat && !RAW_FORMATS.includes(format)) throw badRequest(`Volumes cannot be uploaded as disk format ${format}.`);
    const stored = () => createReadStream(path, { highWaterMark: CHUNK });
    if (!qemuFormat) return key ? Readable.from(decrypted(stored(), key)) : stored();
    // Converted images are made in temporary files, removed once the stream is done.
    const tmp = `${path}.export-${randomUUID()}`;
    const temps = [`${tmp}.raw`, `${tmp}.${format}`];
    const cleanup = () => Promise.all(temps.map((f) => rm(f, { force: true })));
    try {
      let raw = path;
      if (key) {
        await pipeline(Readable.from(decrypted(stored(), key)), createWriteStream(temps[0], { mode: 0o600 }));
        raw = temps[0];
      }
      await run('qemu-img', ['convert', '-f', 'raw', '-O', qemuFormat, raw, temps[1]]);
      const out = createReadStream(temps[1], { highWaterMark: CHUNK });
      out.once('close', () => void cleanup());
      return out;
    } catch (e) {
      await cleanup();
      throw e;
    }
  }

  async copy(from: BlockRef, to: BlockRef, bytes: number): Promise<void> {
    const tmp = await this.tempPath(to);
    // GNU cp copies only the data extents (SEEK_DATA/SEEK_HOLE), in the kernel or by reflink where it can.
    await run('cp', ['--sparse=auto', '--reflink=auto', this.localPath(from), tmp]);
    const size = (await stat(tmp)).size;
    if (bytes > size) await truncate(tmp, bytes);
    await rename(tmp, this.localPath(to));
  }

  async resize(ref: BlockRef, bytes: number): Promise<void> {
    const path = this.localPath(ref);
    if ((await stat(path)).size < bytes) await truncate(path, bytes);
  }

  async remove(ref: BlockRef): Promise<void> {
    await rm(this.localPath(ref), { force: true });
    // Temporary files a crashed run left behind.
    const prefix = `${ref.id}.img.`;
    const dir = this.dirs[ref.kind];
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith('.part')).map((n) => rm(join(dir, n), { force: true })));
  }
}

/**
 * Clear text: chunks are written as they come, batched into one writev per MiB; all-zero
 * chunks are skipped so the file stays sparse. Returns the number of bytes consumed.
 */
async function importPlain(fh: FileHandle, data: Readable, bytes: number): Promise<number> {
  let pos = 0;
  let batch: Buffer[] = [];
  let batchAt = 0;
  let batchLen = 0;
  // One write in flight while the next chunks are read: reading and writing overlap.
  let inflight: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    if (!batchLen) return;
    const [bufs, at] = [batch, batchAt];
    batch = [];
    batchLen = 0;
    await inflight;
    inflight = fh.writev(bufs, at);
  };
  for await (const chunk of data as AsyncIterable<Buffer>) {
    if (pos + chunk.length > bytes) throw tooLarge(bytes);
    if (isZero(chunk)) {
      await flush();
    } else {
      if (!batchLen) batchAt = pos;
      batch.push(chunk);
      batchLen += chunk.length;
      if (batchLen >= BATCH) await flush();
    }
    pos += chunk.length;
  }
  await flush();
  await inflight;
  return pos;
}

/** Encrypted: whole sectors, each sealed with its number as the tweak; zero sectors stay holes. */
async function importSealed(fh: FileHandle, data: Readable, bytes: number, key: Buffer): Promise<number> {
  let pos = 0;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  // Sealed sectors are gathered into runs between holes, one write per run.
  const flush = async (buf: Buffer) => {
    if (pos + buf.length > bytes) throw tooLarge(bytes);
    let run: Buffer[] = [];
    let runAt = 0;
    const write = async () => {
      if (run.length) await fh.writev(run, runAt);
      run = [];
    };
    for (let off = 0; off < buf.length; off += SECTOR) {
      const sealed = encryptSector(key, (pos + off) / SECTOR, buf.subarray(off, off + SECTOR));
      if (!sealed) {
        await write();
        continue;
      }
      if (!run.length) runAt = pos + off;
      run.push(sealed);
    }
    await write();
    pos += buf.length;
  };
  for await (const chunk of data as AsyncIterable<Buffer>) {
    pending.push(chunk);
    pendingLen += chunk.length;
    if (pendingLen >= CHUNK) {
      const all = Buffer.concat(pending, pendingLen);
      const whole = all.length - (all.length % SECTOR);
      await flush(all.subarray(0, whole));
      pending = [all.subarray(whole)];
      pendingLen = all.length - whole;
    }
  }
  // The last partial sector is padded with zeros: a block device is whole sectors.
  if (pendingLen) await flush(Buffer.concat([...pending, Buffer.alloc((SECTOR - (pendingLen % SECTOR)) % SECTOR)]));
  return pos;
}

async function* decrypted(stored: AsyncIterable<Buffer>, key: Buffer): AsyncGenerator<Buffer> {
  let pos = 0;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of stored) {
    const buf: Buffer = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const whole = buf.length - (buf.length % SECTOR);
    const out = Buffer.allocUnsafe(whole);
    for (let off = 0; off < whole; off += SECTOR) decryptSector(key, (pos + off) / SECTOR, buf.subarray(off, off + SECTOR)).copy(out, off);
    pos += whole;
    carry = buf.subarray(whole);
    if (whole) yield out;
  }
}
