import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { incompleteBody, signatureMismatch } from '../model/errors.js';
import { EMPTY_SHA256, hmac, sha256Hex, type ChunkChain } from './sigv4.js';

const MAX_LINE = 8192;

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n` ... `0...`,
 * then optional trailers) into the plain payload, checking each chunk signature against the
 * chain seeded by the request signature, and the trailer signature when there is one. Trailer
 * values (e.g. `x-amz-checksum-crc32`) are kept for the caller to verify once the body is stored.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  private state: 'size' | 'data' | 'crlf' | 'trailer' | 'done' = 'size';
  private line = Buffer.alloc(0);
  private remaining = 0;
  private chunkSig = '';
  private chunkHash?: Hash;
  private prevSig: string;
  private decoded = 0;
  private trailerText = '';

  constructor(
    private readonly chain: ChunkChain | undefined,
    private readonly expectTrailer: boolean,
    private readonly decodedLength?: number,
  ) {
    super();
    this.prevSig = chain?.seed ?? '';
  }

  /** Reads up to CRLF into `line`; returns the line once complete, and the bytes left. */
  private takeLine(buf: Buffer): { line?: string; rest: Buffer } {
    const i = buf.indexOf('\n');
    if (i < 0) {
      this.line = Buffer.concat([this.line, buf]);
      if (this.line.length > MAX_LINE) throw incompleteBody();
      return { rest: Buffer.alloc(0) };
    }
    const full = Buffer.concat([this.line, buf.subarray(0, i + 1)]);
    this.line = Buffer.alloc(0);
    return { line: full.toString('latin1').replace(/\r?\n$/, ''), rest: buf.subarray(i + 1) };
  }

  private verifyChunk(dataHash: string): void {
    if (!this.chain) return;
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', this.chain.amzDate, this.chain.scope, this.prevSig, EMPTY_SHA256, dataHash].join('\n');
    const sig = hmac(this.chain.key, toSign).toString('hex');
    if (sig !== this.chunkSig) throw signatureMismatch();
    this.prevSig = sig;
  }

  private startChunk(line: string): void {
    const [sizeHex, ...ext] = line.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeHex.trim())) throw incompleteBody();
    this.remaining = parseInt(sizeHex, 16);
    const sig = ext.map((e) => e.trim()).find((e) => e.startsWith('chunk-signature='));
    this.chunkSig = sig ? sig.slice('chunk-signature='.length) : '';
    if (this.chain && !this.chunkSig) throw signatureMismatch();
    this.chunkHash = this.chain ? createHash('sha256') : undefined;
    if (this.remaining === 0) {
      this.verifyChunk(EMPTY_SHA256);
      this.state = this.expectTrailer ? 'trailer' : 'crlf';
      if (!this.expectTrailer) this.remaining = -1; // final CRLF then done
    } else this.state = 'data';
  }

  private endTrailer(): void {
    const sig = this.trailers.get('x-amz-trailer-signature');
    this.trailers.delete('x-amz-trailer-signature');
    if (this.chain) {
      if (!sig) throw signatureMismatch();
      const toSign = ['AWS4-HMAC-SHA256-TRAILER', this.chain.amzDate, this.chain.scope, this.prevSig, sha256Hex(this.trailerText)].join('\n');
      if (hmac(this.chain.key, toSign).toString('hex') !== sig) throw signatureMismatch();
    }
    this.state = 'done';
  }

  private trailerLine(line: string): void {
    if (line === '') return this.endTrailer();
    const i = line.indexOf(':');
    if (i <= 0) throw incompleteBody();
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    this.trailers.set(name, value);
    if (name !== 'x-amz-trailer-signature') this.trailerText += `${name}:${value}\n`;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      let buf = chunk;
      while (buf.length > 0) {
        switch (this.state) {
          case 'size':
          case 'crlf':
          case 'trailer': {
            const { line, rest } = this.takeLine(buf);
            buf = rest;
            if (line === undefined) break;
            if (this.state === 'size') this.startChunk(line);
            else if (this.state === 'trailer') this.trailerLine(line);
            else {
              if (line !== '') throw incompleteBody();
              this.state = this.remaining === -1 ? 'done' : 'size';
            }
            break;
          }
          case 'data': {
            const take = Math.min(this.remaining, buf.length);
            const piece = buf.subarray(0, take);
            this.chunkHash?.update(piece);
            this.decoded += take;
            this.push(piece);
            this.remaining -= take;
            buf = buf.subarray(take);
            if (this.remaining === 0) {
              if (this.chunkHash) this.verifyChunk(this.chunkHash.digest('hex'));
              this.state = 'crlf';
            }
            break;
          }
          case 'done':
            buf = Buffer.alloc(0); // bytes after the end are ignored, as S3 does
        }
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      // Some clients omit the CRLF that closes the trailer section.
      if (this.state === 'trailer') {
        const last = this.line.toString('latin1').replace(/\r?\n$/, '');
        this.line = Buffer.alloc(0);
        if (last) this.trailerLine(last);
        this.endTrailer();
      }
      if (this.state === 'crlf' && this.remaining === -1) this.state = 'done';
      if (this.state !== 'done') throw incompleteBody();
      if (this.decodedLength !== undefined && this.decodedLength !== this.decoded) throw incompleteBody();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
