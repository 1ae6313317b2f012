import { createHash, type Hash } from 'node:crypto';
import { Transform } from 'node:stream';
import { crc32 } from 'node:zlib';
import { ApiError } from '../../../platform/errors.js';
import type { HashPool, MultiHash } from '../../../platform/hashing.js';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'];
export const checksumHeader = (a: ChecksumAlgorithm) => `x-amz-checksum-${a.toLowerCase()}`;

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64, as S3 prints it; `value-N` for the checksum of a multipart object. */
  value: string;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), continuing from `prev`. */
export function crc32c(data: Buffer, prev = 0): number {
  let c = ~prev >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** An incremental checksum of one algorithm. */
export interface Digest {
  update(b: Buffer): void;
  /** Raw digest bytes. */
  digest(): Buffer;
}

function crcDigest(fn: (b: Buffer, prev: number) => number): Digest {
  let v = 0;
  return {
    update: (b) => (v = fn(b, v)),
    digest: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(v >>> 0);
      return out;
    },
  };
}

function hashDigest(h: Hash): Digest {
  return { update: (b) => h.update(b), digest: () => h.digest() };
}

export function newDigest(a: ChecksumAlgorithm): Digest {
  switch (a) {
    case 'CRC32':
      return crcDigest((b, p) => crc32(b, p));
    case 'CRC32C':
      return crcDigest(crc32c);
    case 'SHA1':
      return hashDigest(createHash('sha1'));
    case 'SHA256':
      return hashDigest(createHash('sha256'));
  }
}

export function parseAlgorithm(v: string | undefined): ChecksumAlgorithm | undefined {
  if (!v) return undefined;
  const a = v.toUpperCase() as ChecksumAlgorithm;
  if (!CHECKSUM_ALGORITHMS.includes(a)) throw new ApiError('badRequest', 'Value for x-amz-checksum-algorithm header is invalid.', { code: 'InvalidRequest' });
  return a;
}

/** Bytes per message to a hash worker. */
const HASH_BATCH = 1 << 20;

/** What a body hashed to while it streamed. */
export interface BodyDigests {
  size: number;
  md5: Buffer;
  sha256?: Buffer;
  checksum?: StoredChecksum;
}

/**
 * A pass-through that hashes the plaintext as it streams: MD5 for the ETag, SHA-256 when the
 * signature covers the payload, and the requested checksum algorithm. With `workers`, MD5 and
 * SHA-256 run on hash worker threads (large bodies: they cost more than receiving and sealing).
 */
export class BodyHasher extends Transform {
  private readonly md5?: Hash;
  private readonly sha?: Hash;
  private readonly offloaded?: MultiHash<'md5' | 'sha256'>;
  private readonly sum?: Digest;
  private size = 0;
  /** Bytes gathered for the next worker message. */
  private batch = Buffer.alloc(0);
  private batched = 0;

  constructor(
    wantSha256: boolean,
    private readonly algorithm?: ChecksumAlgorithm,
    workers?: HashPool,
  ) {
    super();
    if (workers) {
      this.offloaded = workers.start(wantSha256 ? ['md5', 'sha256'] : ['md5']);
      this.batch = Buffer.allocUnsafeSlow(HASH_BATCH);
    } else {
      this.md5 = createHash('md5');
      if (wantSha256) this.sha = createHash('sha256');
    }
    if (algorithm) this.sum = newDigest(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error) => void): void {
    this.size += chunk.length;
    this.sum?.update(chunk);
    if (!this.offloaded) {
      this.md5!.update(chunk);
      this.sha?.update(chunk);
      this.push(chunk);
      cb();
      return;
    }
    // The workers get copies gathered into batches (one message per batch, not per socket read);
    // the chunk itself goes on to the encryptor.
    this.push(chunk);
    this.stage(chunk).then(() => cb(), cb);
  }

  private async stage(chunk: Buffer): Promise<void> {
    for (let off = 0; off < chunk.length; ) {
      const n = chunk.copy(this.batch, this.batched, off);
      this.batched += n;
      off += n;
      if (this.batched === HASH_BATCH) await this.send();
    }
  }

  private async send(): Promise<void> {
    const full = this.batched === HASH_BATCH ? this.batch : this.batch.subarray(0, this.batched);
    this.batch = Buffer.allocUnsafeSlow(HASH_BATCH);
    this.batched = 0;
    await this.offloaded!.update(full);
  }

  /** The digests once the body is through; `abort` instead when it did not get through. */
  async result(): Promise<BodyDigests> {
    if (this.offloaded && this.batched > 0) await this.send();
    const hex = this.offloaded ? await this.offloaded.digest() : undefined;
    return {
      size: this.size,
      md5: hex ? Buffer.from(hex.md5, 'hex') : this.md5!.digest(),
      sha256: hex ? (hex.sha256 !== undefined ? Buffer.from(hex.sha256, 'hex') : undefined) : this.sha?.digest(),
      checksum: this.algorithm && this.sum ? { algorithm: this.algorithm, value: this.sum.digest().toString('base64') } : undefined,
    };
  }

  /** Returns the hash workers to their pool. */
  abort(): void {
    this.offloaded?.abort();
  }
}
