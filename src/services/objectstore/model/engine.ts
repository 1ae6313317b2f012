import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { open as unseal, seal } from '../../../platform/keys.js';
import type { MasterKey } from '../../../platform/keys.js';
import { HashPool } from '../../../platform/hashing.js';
import { incompleteBody, s3Error } from './errors.js';
import { BlobStore, type PendingBlob } from '../store/blobs.js';
import type { Segment } from '../store/tables.js';
import { BodyHasher, type BodyDigests, type ChecksumAlgorithm } from './checksums.js';
import { decryptBuffer, decryptStream, encryptStream, SEALED_CHUNK, sealedRange, sealedSize } from './encryption.js';

/** Reads up to this size are served from one buffer. */
const SMALL_READ = 256 * 1024;
/** Bodies of at least this many bytes hash on worker threads; below, the thread hop costs more than it saves. */
const OFFLOAD_HASHING = 1 << 20;
/** Sealed chunks per file read of a large encrypted object (about 1 MiB). */
const READ_CHUNKS = 16;
/** Data keys kept unwrapped (32 bytes each). */
const KEY_CACHE = 4096;

/** A customer-provided key (SSE-C) and the base64 MD5 that identifies it. */
export interface CustomerKey {
  key: Buffer;
  md5: string;
}

/** A key manager secret (SSE-KMS) and the key id the client named it by. */
export interface KmsKey {
  key: Buffer;
  kmsKeyId: string;
}

/** A key that wraps an object's data keys in place of the master key. */
export type WrappingKey = CustomerKey | KmsKey;
/** What an object row records of its wrapping key: the SSE-C key's MD5, the SSE-KMS key id. */
export const customerMd5Of = (k?: WrappingKey) => (k && 'md5' in k ? k.md5 : undefined);
export const kmsKeyIdOf = (k?: WrappingKey) => (k && 'kmsKeyId' in k ? k.kmsKeyId : undefined);

/** What the stored bytes must hash to; checked before anything becomes visible. */
export interface Expectations {
  /** Content-Length of a plain body: fewer bytes means the client stopped early. */
  size?: number;
  sha256Hex?: string;
  md5Base64?: string;
  algorithm?: ChecksumAlgorithm;
  /** The expected checksum, or a function reading it from the trailers once the body is read. */
  checksum?: string | (() => string | undefined);
}

export interface Ingested {
  pending: PendingBlob;
  segment: Segment;
  digests: BodyDigests;
}

const customerPrefix = 'c:';
const kmsPrefix = 'k:';
const prefixOf = (k: WrappingKey) => ('md5' in k ? customerPrefix : kmsPrefix);

/**
 * The byte path of objects and parts: hashes and (by default) encrypts a stream into a blob,
 * verifies what the client promised, and reads any byte range back through the decryptor.
 */
export class Engine {
  /**
   * Master-key data keys already unwrapped, by blob: a small GET would otherwise spend as much on
   * unwrapping its key as on decrypting its bytes. Keys live as long as their blob and the master
   * key is in this process anyway; SSE-C and SSE-KMS keys are never kept (every read must present
   * the customer's key or be allowed to read the key manager's).
   */
  private readonly dataKeys = new Map<string, { wrapped: string; key: Buffer }>();

  constructor(
    readonly blobs: BlobStore,
    private readonly masterKey: MasterKey,
    private readonly hashWorkers = new HashPool(),
  ) {}

  /** Stops the hash workers. */
  async close(): Promise<void> {
    await this.hashWorkers.close();
  }

  private wrap(dataKey: Buffer, blob: string, wrapping?: WrappingKey): string {
    if (wrapping) return prefixOf(wrapping) + seal(wrapping.key, dataKey, Buffer.from(`s3:${blob}`)).toString('base64');
    return this.masterKey.wrap(dataKey, `s3:${blob}`);
  }

  private unwrap(seg: Segment, wrapping?: WrappingKey): Buffer {
    const wrapped = seg.key!;
    const prefix = [customerPrefix, kmsPrefix].find((p) => wrapped.startsWith(p));
    if (prefix) {
      if (!wrapping || prefixOf(wrapping) !== prefix) throw s3Error('badRequest', 'InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
      try {
        return unseal(wrapping.key, Buffer.from(wrapped.slice(prefix.length), 'base64'), Buffer.from(`s3:${seg.blob}`));
      } catch {
        throw s3Error('forbidden', 'AccessDenied', prefix === customerPrefix ? 'The provided SSE-C key does not match the key the object was encrypted with.' : 'The object was encrypted with another key.');
      }
    }
    const hit = this.dataKeys.get(seg.blob);
    if (hit?.wrapped === wrapped) return hit.key;
    const key = this.masterKey.unwrap(wrapped, `s3:${seg.blob}`);
    if (this.dataKeys.size >= KEY_CACHE) this.dataKeys.delete(this.dataKeys.keys().next().value!);
    this.dataKeys.set(seg.blob, { wrapped, key });
    return key;
  }

  /** Streams a body into a synced temp blob and checks it; nothing is visible yet. */
  async ingest(source: Readable, decoders: Transform[], expect: Expectations, encrypt: boolean, wrapping?: WrappingKey): Promise<Ingested> {
    const blob = BlobStore.newId();
    const offload = (expect.size ?? 0) >= OFFLOAD_HASHING;
    const hasher = new BodyHasher(expect.sha256Hex !== undefined, expect.algorithm, offload ? this.hashWorkers : undefined);
    const dataKey = encrypt || wrapping ? randomBytes(32) : undefined;
    const transforms = [...decoders, hasher, ...(dataKey ? [encryptStream(dataKey, blob)] : [])];
    let pending: PendingBlob;
    try {
      pending = await this.blobs.write(blob, source, transforms);
    } catch (e) {
      hasher.abort();
      throw e;
    }
    const digests = await hasher.result();
    try {
      verify(digests, expect);
    } catch (e) {
      await this.blobs.discard(pending);
      throw e;
    }
    const segment: Segment = { blob, size: digests.size, ...(dataKey ? { key: this.wrap(dataKey, blob, wrapping) } : {}) };
    return { pending, segment, digests };
  }

  /**
   * Plaintext bytes [start, end] of a one-segment object in memory: for small reads, one file read
   * and no stream machinery. Undefined when the read is too large for this path.
   */
  async readSmall(segments: Segment[], start: number, end: number, wrapping?: WrappingKey): Promise<Buffer | undefined> {
    if (segments.length !== 1 || end - start + 1 > SMALL_READ) return undefined;
    const seg = segments[0];
    if (!seg.key) return this.blobs.readSmall(seg.blob, start, end);
    const key = this.unwrap(seg, wrapping);
    const r = sealedRange(start, end);
    const sealed = this.blobs.readSmall(seg.blob, r.fileStart, Math.min(r.fileEnd, sealedSize(seg.size) - 1));
    return decryptBuffer(key, seg.blob, r.firstChunk, sealed, start, end);
  }

  /** Plaintext bytes [start, end] (inclusive) of an object made of `segments`. */
  read(segments: Segment[], start: number, end: number, wrapping?: WrappingKey): Readable {
    // Unwrap up front so a wrong or missing SSE-C key is an error before any byte is sent.
    const keys = segments.map((s) => (s.key ? this.unwrap(s, wrapping) : undefined));
    const blobs = this.blobs;
    async function* bytes() {
      let base = 0;
      for (let i = 0; i < segments.length && base <= end; i++) {
        const seg = segments[i];
        const from = Math.max(start - base, 0);
        const to = Math.min(end - base, seg.size - 1);
        base += seg.size;
        if (seg.size === 0 || to < from) continue;
        const key = keys[i];
        if (!key) {
          yield* blobs.read(seg.blob, from, to);
          continue;
        }
        const r = sealedRange(from, to);
        // Reads of whole sealed chunks: each read decrypts in place of the Rechunker copying.
        const raw = blobs.read(seg.blob, r.fileStart, Math.min(r.fileEnd, sealedSize(seg.size) - 1), READ_CHUNKS * SEALED_CHUNK);
        yield* raw.pipe(decryptStream(key, seg.blob, r.firstChunk, from, to));
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }
}

function verify(d: BodyDigests, expect: Expectations): void {
  if (expect.size !== undefined && d.size !== expect.size) throw incompleteBody();
  if (expect.sha256Hex !== undefined && d.sha256!.toString('hex') !== expect.sha256Hex) {
    throw s3Error('badRequest', 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  if (expect.md5Base64 !== undefined && d.md5.toString('base64') !== expect.md5Base64) {
    throw s3Error('badRequest', 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  if (expect.algorithm) {
    const want = typeof expect.checksum === 'function' ? expect.checksum() : expect.checksum;
    if (want !== undefined && want !== d.checksum!.value) {
      throw s3Error('badRequest', 'BadDigest', `The ${expect.algorithm} you specified did not match the calculated checksum.`);
    }
  }
}
