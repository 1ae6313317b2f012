import { createHash, type Hash } from 'node:crypto';
import { Transform } from 'node:stream';
import { crc32 } from 'node:zlib';
import { ApiError } from '../../../platform/errors.js';
import type { HashPool, MultiHash } from '../../../platform/hashing.js';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
export const checksumHeader = (a: ChecksumAlgorithm) => `x-amz-checksum-${a.toLowerCase()}`;

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64, as S3 prints it; `value-N` for the composite checksum of a multipart object. */
  value: string;
}

/**
 * How a multipart object's checksum is made: COMPOSITE (a checksum of the parts' checksums,
 * suffixed `-N`) or FULL_OBJECT (the CRC of all bytes, combined from the parts' CRCs).
 */
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

export function parseChecksumType(v: string | undefined): ChecksumType | undefined {
  if (v === undefined) return undefined;
  const t = v.toUpperCase();
  if (t !== 'COMPOSITE' && t !== 'FULL_OBJECT') throw new ApiError('badRequest', 'Value for x-amz-checksum-type header is invalid.', { code: 'InvalidRequest' });
  return t;
}

/** A stored checksum's type: only composite values carry the `-N` suffix. */
export const checksumType = (c: StoredChecksum): ChecksumType => (c.value.includes('-') ? 'COMPOSITE' : 'FULL_OBJECT');

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

/** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), kept as two 32-bit halves. */
const CRC64_POLY = 0x9a6c9329ac4bc9b5n;
const [CRC64_HI, CRC64_LO] = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ CRC64_POLY : c >> 1n;
    hi[i] = Number(c >> 32n);
    lo[i] = Number(c & 0xffffffffn);
  }
  return [hi, lo];
})();

function crc64nvmeDigest(): Digest {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  return {
    update: (b) => {
      for (let i = 0; i < b.length; i++) {
        const idx = (lo ^ b[i]) & 0xff;
        lo = ((lo >>> 8) | (hi << 24)) ^ CRC64_LO[idx];
        hi = (hi >>> 8) ^ CRC64_HI[idx];
      }
    },
    digest: () => {
      const out = Buffer.alloc(8);
      out.writeUInt32BE(~hi >>> 0, 0);
      out.writeUInt32BE(~lo >>> 0, 4);
      return out;
    },
  };
}

/** The CRCs whose values of two byte strings combine into the value of their concatenation. */
const COMBINABLE: Partial<Record<ChecksumAlgorithm, { width: number; poly: bigint }>> = {
  CRC32: { width: 32, poly: 0xedb88320n },
  CRC32C: { width: 32, poly: 0x82f63b78n },
  CRC64NVME: { width: 64, poly: CRC64_POLY },
};
export const isCombinable = (a: ChecksumAlgorithm) => COMBINABLE[a] !== undefined;

/** a * b modulo the CRC polynomial, both in the CRC's reflected bit order. */
function multModP(a: bigint, b: bigint, width: number, poly: bigint): bigint {
  let p = 0n;
  for (let m = 1n << BigInt(width - 1); a !== 0n && m !== 0n; m >>= 1n) {
    if (a & m) p ^= b;
    b = b & 1n ? (b >> 1n) ^ poly : b >> 1n;
  }
  return p;
}

/**
 * The CRC of A followed by B from crc(A), crc(B) and the length of B (the method of zlib's
 * crc32_combine: crc(A) advanced over len(B) zero bytes is a multiplication by x^(8 len(B))).
 */
export function combineCrc(algorithm: ChecksumAlgorithm, crcA: Buffer, crcB: Buffer, lengthB: number): Buffer {
  const { width, poly } = COMBINABLE[algorithm]!;
  let power = 1n << BigInt(width - 1); // x^0
  let square = 1n << BigInt(width - 2); // x^1, squared as the exponent's bits go by
  for (let e = 8n * BigInt(lengthB); e > 0n; e >>= 1n) {
    if (e & 1n) power = multModP(power, square, width, poly);
    square = multModP(square, square, width, poly);
  }
  const value = multModP(power, BigInt(`0x${crcA.toString('hex')}`), width, poly) ^ BigInt(`0x${crcB.toString('hex')}`);
  return Buffer.from(value.toString(16).padStart(width / 4, '0'), 'hex');
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
    case 'CRC64NVME':
      return crc64nvmeDigest();
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
