import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Encryption at rest: each blob has its own 256-bit data key; the plaintext is cut into fixed
 * chunks, each sealed with AES-256-GCM under a nonce made of its index (unique because the key is
 * unique to the blob) and with the blob id and chunk index as AAD, so chunks cannot be swapped
 * between positions or blobs. A range read decrypts only the chunks it touches.
 */
export const CHUNK = 64 * 1024;
const TAG = 16;
export const SEALED_CHUNK = CHUNK + TAG;

const nonce = (index: number) => {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(index), 4);
  return iv;
};
const aad = (blob: string, index: number) => Buffer.from(`${blob}:${index}`);

/** One sealed chunk as a single buffer (ciphertext then tag), so each chunk is one write. */
function sealChunk(key: Buffer, blob: string, index: number, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce(index));
  c.setAAD(aad(blob, index));
  const out = Buffer.allocUnsafe(plain.length + TAG);
  c.update(plain).copy(out);
  c.final();
  c.getAuthTag().copy(out, plain.length);
  return out;
}

function openChunk(key: Buffer, blob: string, index: number, sealed: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, nonce(index));
  d.setAAD(aad(blob, index));
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  const out = d.update(sealed.subarray(0, sealed.length - TAG));
  d.final();
  return out;
}

/** Collects exactly `size`-byte pieces from a stream (the last one may be shorter). */
class Rechunker {
  private parts: Buffer[] = [];
  private length = 0;
  constructor(private readonly size: number) {}
  push(buf: Buffer, emit: (b: Buffer) => void): void {
    while (buf.length > 0) {
      const take = Math.min(buf.length, this.size - this.length);
      this.parts.push(buf.subarray(0, take));
      this.length += take;
      buf = buf.subarray(take);
      if (this.length === this.size) emit(this.drain());
    }
  }
  drain(): Buffer {
    const out = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    return out;
  }
  get pending(): number {
    return this.length;
  }
}

/** Plaintext in, sealed chunks out. */
export function encryptStream(key: Buffer, blob: string): Transform {
  const buf = new Rechunker(CHUNK);
  let index = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      buf.push(chunk, (plain) => this.push(sealChunk(key, blob, index++, plain)));
      cb();
    },
    flush(cb) {
      if (buf.pending > 0) this.push(sealChunk(key, blob, index++, buf.drain()));
      cb();
    },
  });
}

/** Where the sealed chunks covering plaintext bytes [start, end] lie in the file. */
export function sealedRange(start: number, end: number): { fileStart: number; fileEnd: number; firstChunk: number } {
  const first = Math.floor(start / CHUNK);
  const last = Math.floor(end / CHUNK);
  return { fileStart: first * SEALED_CHUNK, fileEnd: (last + 1) * SEALED_CHUNK - 1, firstChunk: first };
}

/**
 * Sealed chunks in (starting at `firstChunk`), plaintext bytes [start, end] of the blob out. The
 * plaintext of one input buffer leaves as one buffer: one socket write per file read, not per chunk.
 */
export function decryptStream(key: Buffer, blob: string, firstChunk: number, start: number, end: number): Transform {
  const buf = new Rechunker(SEALED_CHUNK);
  let index = firstChunk;
  let out: Buffer[] = [];
  const open = (sealed: Buffer) => {
    const plain = openChunk(key, blob, index, sealed);
    const base = index * CHUNK;
    index++;
    const from = Math.max(0, start - base);
    const to = Math.min(plain.length, end - base + 1);
    if (to > from) out.push(plain.subarray(from, to));
  };
  const emit = (t: Transform) => {
    if (out.length > 0) t.push(out.length === 1 ? out[0] : Buffer.concat(out));
    out = [];
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        buf.push(chunk, open);
        emit(this);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb) {
      try {
        if (buf.pending > 0) open(buf.drain());
        emit(this);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
}

/** Decrypts sealed chunks held in memory (small reads); same result as `decryptStream`. */
export function decryptBuffer(key: Buffer, blob: string, firstChunk: number, sealed: Buffer, start: number, end: number): Buffer {
  const out: Buffer[] = [];
  for (let off = 0, index = firstChunk; off < sealed.length; off += SEALED_CHUNK, index++) {
    const plain = openChunk(key, blob, index, sealed.subarray(off, Math.min(off + SEALED_CHUNK, sealed.length)));
    const base = index * CHUNK;
    out.push(plain.subarray(Math.max(0, start - base), Math.min(plain.length, end - base + 1)));
  }
  return out.length === 1 ? out[0] : Buffer.concat(out);
}

/** Size on disk of a sealed blob of `size` plaintext bytes. */
export const sealedSize = (size: number) => size + Math.ceil(size / CHUNK) * TAG;
