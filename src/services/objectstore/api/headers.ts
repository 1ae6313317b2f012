import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checksumHeader, checksumType, type StoredChecksum } from '../model/checksums.js';
import type { CustomerKey } from '../model/engine.js';
import { invalidArgument, invalidRequest, s3Error } from '../model/errors.js';
import type { ObjectAttrs } from '../model/objects.js';
import type { ObjectRow } from '../store/tables.js';
import { header, type HeaderSource } from './body.js';

const STANDARD = ['content-disposition', 'content-encoding', 'cache-control', 'expires', 'content-language'];

/** Parses `k1=v1&k2=v2` tag sets (x-amz-tagging) and checks S3's limits. */
export function parseTagQuery(v: string | undefined): Record<string, string> {
  if (!v) return {};
  const tags = Object.fromEntries(new URLSearchParams(v));
  validateTags(tags);
  return tags;
}

export function validateTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > 10) throw s3Error('badRequest', 'InvalidTag', 'Object tags cannot be greater than 10');
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > 128 || v.length > 256) throw s3Error('badRequest', 'InvalidTag', 'The TagKey or TagValue you have provided is invalid');
  }
}

/** Object attributes from the headers of a PUT, copy with REPLACE, or CreateMultipartUpload. */
export function attrsFrom(req: HeaderSource): ObjectAttrs {
  const headers: Record<string, string> = {};
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v !== 'string') continue;
    if (STANDARD.includes(k)) headers[k] = k === 'content-encoding' ? v.split(',').map((e) => e.trim()).filter((e) => e !== 'aws-chunked').join(', ') : v;
    else if (k.startsWith('x-amz-meta-')) meta[k.slice('x-amz-meta-'.length)] = v;
  }
  if (headers['content-encoding'] === '') delete headers['content-encoding'];
  if (Buffer.byteLength(JSON.stringify(meta)) > 2048 + 64) throw s3Error('badRequest', 'MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.');
  const lockMode = header(req, 'x-amz-object-lock-mode');
  const lockUntil = header(req, 'x-amz-object-lock-retain-until-date');
  if ((lockMode === undefined) !== (lockUntil === undefined)) invalidLock();
  if (lockMode !== undefined && (!['GOVERNANCE', 'COMPLIANCE'].includes(lockMode) || Number.isNaN(Date.parse(lockUntil!)))) invalidLock();
  return {
    contentType: header(req, 'content-type'),
    headers,
    meta,
    tags: parseTagQuery(header(req, 'x-amz-tagging')),
    lockMode,
    lockUntil: lockUntil ? new Date(lockUntil).toISOString() : undefined,
    legalHold: header(req, 'x-amz-object-lock-legal-hold') === 'ON',
  };
}

function invalidLock(): never {
  throw invalidArgument('x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied and valid');
}

/** SSE-C headers (`prefix` is `x-amz-` or `x-amz-copy-source-`). */
export function customerKey(req: HeaderSource, prefix = 'x-amz-'): CustomerKey | undefined {
  const alg = header(req, `${prefix}server-side-encryption-customer-algorithm`);
  const key = header(req, `${prefix}server-side-encryption-customer-key`);
  const md5 = header(req, `${prefix}server-side-encryption-customer-key-md5`);
  if (alg === undefined && key === undefined && md5 === undefined) return undefined;
  if (alg !== 'AES256') throw invalidArgument('Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.');
  const raw = Buffer.from(key ?? '', 'base64');
  if (raw.length !== 32) throw invalidArgument('The secret key was invalid for the specified algorithm.');
  if (md5 === undefined) throw invalidArgument('Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.');
  const actual = createHash('md5').update(raw).digest('base64');
  if (md5 !== actual) throw invalidArgument('The calculated MD5 hash of the key did not match the hash that was provided.');
  return { key: raw, md5: actual };
}

/** The customer key an SSE-C object needs, checked against the one it was written with. */
export function requireCustomerKey(row: ObjectRow, given: CustomerKey | undefined): CustomerKey | undefined {
  if (!row.sse_c_md5) {
    if (given) throw invalidRequest('The encryption parameters are not applicable to this object.');
    return undefined;
  }
  if (!given) throw invalidRequest('The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
  if (given.md5 !== row.sse_c_md5) throw s3Error('forbidden', 'AccessDenied', 'The SSE-C key provided does not match the key the object was stored with.');
  return given;
}

/** A single byte range `bytes=a-b`, `bytes=a-`, `bytes=-n`; undefined for none or a form S3 ignores. */
export function parseRange(v: string | undefined, size: number): { start: number; end: number } | undefined {
  const m = v ? /^bytes=(\d*)-(\d*)$/.exec(v.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) throw rangeError(size);
    start = Math.max(size - n, 0);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw rangeError(size);
  return { start, end };
}

function rangeError(size: number) {
  return s3Error('rangeNotSatisfiable', 'InvalidRange', 'The requested range is not satisfiable', 416, { 'content-range': `bytes */${size}` });
}

/** The checksum header of an object, as stored. */
export function setChecksumHeader(reply: FastifyReply, checksum: string | null): void {
  if (!checksum) return;
  const c = JSON.parse(checksum) as StoredChecksum;
  reply.header(checksumHeader(c.algorithm), c.value).header('x-amz-checksum-type', checksumType(c));
}

/** Headers S3 sends about an object on GET and HEAD. */
export function objectHeaders(reply: FastifyReply, row: ObjectRow, versioned: boolean): void {
  reply.header('last-modified', new Date(row.last_modified).toUTCString());
  reply.header('etag', row.etag);
  reply.header('accept-ranges', 'bytes');
  reply.header('content-type', row.content_type ?? 'binary/octet-stream');
  for (const [k, v] of Object.entries(JSON.parse(row.headers) as Record<string, string>)) reply.header(k, v);
  for (const [k, v] of Object.entries(JSON.parse(row.meta) as Record<string, string>)) reply.header(`x-amz-meta-${k}`, v);
  const tags = Object.keys(JSON.parse(row.tags) as object).length;
  if (tags > 0) reply.header('x-amz-tagging-count', String(tags));
  if (versioned) reply.header('x-amz-version-id', row.version_id);
  encryptionHeaders(reply, row);
  if (row.lock_mode) {
    reply.header('x-amz-object-lock-mode', row.lock_mode);
    reply.header('x-amz-object-lock-retain-until-date', row.lock_until);
  }
  if (row.legal_hold) reply.header('x-amz-object-lock-legal-hold', 'ON');
}

/** How an object (or an upload's parts) is encrypted: SSE-C, SSE-KMS with its key id, or SSE-S3 (AES256). */
export function encryptionHeaders(reply: FastifyReply, row: Pick<ObjectRow, 'encrypted' | 'sse_c_md5' | 'kms_key_id'>): void {
  if (row.sse_c_md5) {
    reply.header('x-amz-server-side-encryption-customer-algorithm', 'AES256');
    reply.header('x-amz-server-side-encryption-customer-key-md5', row.sse_c_md5);
  } else if (row.kms_key_id) {
    reply.header('x-amz-server-side-encryption', 'aws:kms');
    reply.header('x-amz-server-side-encryption-aws-kms-key-id', row.kms_key_id);
  } else if (row.encrypted) reply.header('x-amz-server-side-encryption', 'AES256');
}

const httpDate = (v: string | undefined) => (v === undefined ? NaN : Date.parse(v));

/**
 * GET/HEAD preconditions in S3's order: If-Match / If-Unmodified-Since fail with 412,
 * If-None-Match / If-Modified-Since answer 304.
 */
export function checkReadConditions(req: FastifyRequest, row: ObjectRow, matches: (h: string, etag: string) => boolean): 'ok' | 'not-modified' {
  const modified = Math.floor(Date.parse(row.last_modified) / 1000) * 1000;
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  const since = httpDate(header(req, 'if-modified-since'));
  const unmodifiedSince = httpDate(header(req, 'if-unmodified-since'));
  if (ifMatch !== undefined) {
    if (!matches(ifMatch, row.etag)) throw s3Error('preconditionFailed', 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  } else if (!Number.isNaN(unmodifiedSince) && modified > unmodifiedSince) {
    throw s3Error('preconditionFailed', 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch, row.etag)) return 'not-modified';
  } else if (!Number.isNaN(since) && modified <= since) return 'not-modified';
  return 'ok';
}
