import type { FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { isApiError } from '../../../platform/errors.js';
import { CHECKSUM_ALGORITHMS, checksumHeader, parseAlgorithm, type ChecksumAlgorithm } from '../model/checksums.js';
import type { Expectations } from '../model/engine.js';
import { incompleteBody, s3Error } from '../model/errors.js';
import { AwsChunkedDecoder } from './chunked.js';
import type { S3Request } from './context.js';
import { sha256Hex } from './sigv4.js';

/** A request body as the engine consumes it: the raw stream, its decoders, and what it must hash to. */
export interface Body {
  source: Readable;
  decoders: Transform[];
  expect: Expectations;
}

/** Anything that carries request headers: a request, or the fields of a POST form named like headers. */
export type HeaderSource = Pick<FastifyRequest, 'headers'>;

export const header = (req: HeaderSource, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The checksum algorithm of an upload: named, implied by a checksum header, or announced as a trailer. */
export function checksumOf(req: HeaderSource, decoder?: AwsChunkedDecoder): { algorithm?: ChecksumAlgorithm; checksum?: Expectations['checksum'] } {
  const trailer = header(req, 'x-amz-trailer')?.trim().toLowerCase();
  if (trailer?.startsWith('x-amz-checksum-')) {
    const algorithm = parseAlgorithm(trailer.slice('x-amz-checksum-'.length));
    return { algorithm, checksum: () => decoder?.trailers.get(trailer) };
  }
  for (const a of CHECKSUM_ALGORITHMS) {
    const v = header(req, checksumHeader(a));
    if (v !== undefined) return { algorithm: a, checksum: v };
  }
  const named = header(req, 'x-amz-sdk-checksum-algorithm') ?? header(req, 'x-amz-checksum-algorithm');
  return { algorithm: parseAlgorithm(named) };
}

/** Sets up decoding and verification of the request body according to its signature mode. */
export function requestBody(req: FastifyRequest, s3: S3Request): Body {
  const mode = s3.verified?.payload ?? { kind: 'unsigned' as const };
  const decoders: Transform[] = [];
  const expect: Expectations = {};
  let decoder: AwsChunkedDecoder | undefined;
  const encoding = header(req, 'content-encoding') ?? '';
  const decoded = header(req, 'x-amz-decoded-content-length');
  // `aws-chunked` alone only labels the object's encoding; framing needs a streaming signature or a decoded length.
  if (mode.kind === 'streaming' || (decoded !== undefined && encoding.split(',').some((e) => e.trim() === 'aws-chunked'))) {
    const trailer = mode.kind === 'streaming' ? mode.trailer : header(req, 'x-amz-trailer') !== undefined;
    decoder = new AwsChunkedDecoder(mode.kind === 'streaming' && mode.signed ? mode.chain : undefined, trailer, decoded !== undefined ? Number(decoded) : undefined);
    decoders.push(decoder);
  } else {
    const length = header(req, 'content-length');
    if (length === undefined && header(req, 'transfer-encoding') === undefined) {
      throw s3Error('badRequest', 'MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
    }
    if (length !== undefined) expect.size = Number(length);
  }
  if (mode.kind === 'sha256') expect.sha256Hex = mode.hex;
  const md5 = header(req, 'content-md5');
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16) throw s3Error('badRequest', 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
    expect.md5Base64 = md5;
  }
  Object.assign(expect, checksumOf(req, decoder));
  return { source: bodyStream(req), decoders, expect };
}

/** `100 Continue` for a request that waits for it, by its raw request (set up on arrival). */
const pendingContinue = new WeakMap<IncomingMessage, () => void>();

/** Holds back `100 Continue` until a handler reads the body: a refused request is answered before its body is sent. */
export function deferContinue(req: IncomingMessage, res: ServerResponse): void {
  pendingContinue.set(req, () => res.writeContinue());
}

/** The raw body, after telling a client that waits for `100 Continue` to send it. */
export function bodyStream(req: FastifyRequest): IncomingMessage {
  pendingContinue.get(req.raw)?.();
  pendingContinue.delete(req.raw);
  return req.raw;
}

/** Errors of the socket (client gone, body cut short) become S3's IncompleteBody. */
export function asBodyError(e: unknown): never {
  if (isApiError(e)) throw e;
  throw incompleteBody();
}

/** Reads a small request document (XML or JSON configuration) whole, verified like any body. */
export async function readSmallBody(req: FastifyRequest, s3: S3Request, limit = 2 * 1024 * 1024): Promise<string> {
  const body = requestBody(req, s3);
  let stream: Readable = body.source;
  for (const d of body.decoders) stream = stream.pipe(d);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) throw s3Error('badRequest', 'MaxMessageLengthExceeded', 'Your request was too big.');
      parts.push(chunk as Buffer);
    }
  } catch (e) {
    asBodyError(e);
  }
  const buf = Buffer.concat(parts);
  if (body.expect.sha256Hex && sha256Hex(buf) !== body.expect.sha256Hex) {
    throw s3Error('badRequest', 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  if (body.expect.size !== undefined && body.expect.size !== buf.length) throw incompleteBody();
  return buf.toString('utf8');
}

