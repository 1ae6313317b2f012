import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize, expectOwner } from '../model/access.js';
import { checksumHeader, checksumType, parseAlgorithm, type StoredChecksum } from '../model/checksums.js';
import { customerMd5Of } from '../model/engine.js';
import { invalidArgument, invalidRequest, preconditionFailed, s3Error } from '../model/errors.js';
import { MAX_PART_NUMBER } from '../model/multipart.js';
import { contentOf, etagMatches, segmentsOf, visible, writerOf, type ObjectAttrs, type Writer } from '../model/objects.js';
import type { BucketRow, ObjectRow } from '../store/tables.js';
import { asBodyError, header, requestBody, type Body } from './body.js';
import { writeAcl } from './acl.js';
import type { S3Request } from './context.js';
import type { S3Deps } from './deps.js';
import {
  attrsFrom,
  checkReadConditions,
  encryptionHeaders,
  objectHeaders,
  parseRange,
  setChecksumHeader,
} from './headers.js';
import { readKey, refuseEncryptionHeaders, writeEncryption, type WriteEncryption } from './sse.js';
import { sendXml, s3Time } from './xml.js';

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/** Reads name the version they return once a bucket has ever had versioning. */
export const versionedHeader = (bucket: BucketRow) => bucket.versioning !== '';
/** A write names its new version only while versioning is enabled (a suspended bucket writes the "null" version silently). */
export const writesVersions = (bucket: BucketRow) => bucket.versioning === 'Enabled';

/** Streams a body into a new object version; shared by PUT, copy and POST. */
export async function store(deps: S3Deps, bucket: BucketRow, key: string, body: Body, attrs: ObjectAttrs, writer: Writer, enc: WriteEncryption) {
  const ing = await deps.engine.ingest(body.source, body.decoders, body.expect, enc.encrypt, enc.wrapping).catch(asBodyError);
  await deps.engine.blobs.place(ing.pending);
  return deps.objects.put(bucket, key, contentOf(ing, enc.encrypt, enc.wrapping), attrs, writer);
}

export function lockAllowed(bucket: BucketRow, attrs: ObjectAttrs): void {
  if ((attrs.lockMode || attrs.legalHold) && !bucket.object_lock) throw invalidRequest('Bucket is missing Object Lock Configuration');
}

export function writeResult(reply: FastifyReply, bucket: BucketRow, row: ObjectRow): void {
  reply.header('etag', row.etag);
  if (writesVersions(bucket)) reply.header('x-amz-version-id', row.version_id);
  encryptionHeaders(reply, row);
  setChecksumHeader(reply, row.checksum);
}

export async function putObject(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:PutObject', 'objectstore:write', s3.key, s3);
  if (header(req, 'x-amz-copy-source') !== undefined) return copyObject(s3, req, reply, deps, bucket);
  const attrs = attrsFrom(req);
  lockAllowed(bucket, attrs);
  const { writer, acl } = await deps.buckets.newObjectAcl(bucket, writeAcl(req), s3.auth);
  attrs.acl = acl;
  const ifNoneMatch = header(req, 'if-none-match');
  const ifMatch = header(req, 'if-match');
  await deps.objects.checkWriteConditions(bucket.name, s3.key!, ifNoneMatch, ifMatch);
  const enc = await writeEncryption(req, s3, deps, bucket);
  const body = requestBody(req, s3);
  const ing = await deps.engine.ingest(body.source, body.decoders, body.expect, enc.encrypt, enc.wrapping).catch(asBodyError);
  // Checked again now that the body is in: another writer may have won meanwhile.
  try {
    await deps.objects.checkWriteConditions(bucket.name, s3.key!, ifNoneMatch, ifMatch);
  } catch (e) {
    await deps.engine.blobs.discard(ing.pending);
    throw e;
  }
  await deps.engine.blobs.place(ing.pending);
  const row = await deps.objects.put(bucket, s3.key!, contentOf(ing, enc.encrypt, enc.wrapping), attrs, writer);
  writeResult(reply, bucket, row);
  expirationHeader(reply, deps, bucket, row);
  return reply.code(200).send();
}

/** GET and HEAD of an object. */
export async function getObject(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const versionId = s3.query.get('versionId');
  const { bucket, row: found } = await deps.objects.lookup(s3.bucket!, s3.key!, versionId);
  authorize(bucket, versionId ? 's3:GetObjectVersion' : 's3:GetObject', 'objectstore:read', s3.key, s3, found?.delete_marker ? undefined : found);
  const row = visible(found, versionId);
  const part = requestedPart(s3, req);
  const partBytes = part === undefined ? undefined : partRange(row, part);
  refuseEncryptionHeaders(req);
  const wrapping = await readKey(req, s3, deps, row);
  objectHeaders(reply, row, versionedHeader(bucket) || !!versionId);
  if (!versionId) expirationHeader(reply, deps, bucket, row);
  if (checkReadConditions(req, row, etagMatches) === 'not-modified') return reply.code(304).send();
  for (const [q, h] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = s3.query.get(q);
    if (v !== undefined) reply.header(h, v);
  }
  const range = part === undefined ? parseRange(header(req, 'range'), row.size) : partBytes;
  if (part !== undefined && row.parts_count > 0) reply.header('x-amz-mp-parts-count', String(row.parts_count));
  if (header(req, 'x-amz-checksum-mode') === 'ENABLED') {
    if (!range) setChecksumHeader(reply, row.checksum);
    else if (part !== undefined && row.parts_count > 0 && row.checksum) partChecksumHeaders(reply, row, part);
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? row.size - 1;
  reply.header('content-length', String(end - start + 1));
  if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${row.size}`);
  if (req.method === 'HEAD' || row.size === 0) return reply.send();
  const segments = segmentsOf(row);
  return reply.send((await deps.engine.readSmall(segments, start, end, wrapping)) ?? deps.engine.read(segments, start, end, wrapping));
}

export async function deleteObject(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  const versionId = s3.query.get('versionId');
  authorize(bucket, versionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject', 'objectstore:write', s3.key, s3);
  const bypass = header(req, 'x-amz-bypass-governance-retention')?.toLowerCase() === 'true';
  const res = await deps.objects.delete(bucket, s3.key!, versionId, writerOf(bucket, s3.auth), bypass);
  if (res.versionId !== undefined && (versionedHeader(bucket) || versionId)) reply.header('x-amz-version-id', res.versionId);
  if (res.deleteMarker) reply.header('x-amz-delete-marker', 'true');
  return reply.code(204).send();
}

/** When the lifecycle will expire the current object: `expiry-date="<HTTP date>", rule-id="<id>"`. */
export function expirationHeader(reply: FastifyReply, deps: S3Deps, bucket: BucketRow, row: ObjectRow): void {
  const exp = deps.lifecycle.expiration(bucket, row);
  if (exp) reply.header('x-amz-expiration', `expiry-date="${exp.at.toUTCString()}", rule-id="${exp.ruleId}"`);
}

/** A part read of a multipart object: the part's own checksum, and how the object's is made. */
function partChecksumHeaders(reply: FastifyReply, row: ObjectRow, part: number): void {
  const own = segmentsOf(row)[part - 1]?.checksum;
  if (own) reply.header(checksumHeader(own.algorithm), own.value).header('x-amz-checksum-type', checksumType(JSON.parse(row.checksum!) as StoredChecksum));
}

/** `?partNumber=N` of a GET or HEAD: 1-10000, and not together with a Range. */
function requestedPart(s3: S3Request, req: FastifyRequest): number | undefined {
  const v = s3.query.get('partNumber');
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > MAX_PART_NUMBER) throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive');
  if (header(req, 'range') !== undefined) throw invalidRequest('Cannot specify both Range header and partNumber query parameter');
  return n;
}

/**
 * The bytes of part N of a multipart object (its parts are its segments, in order); a
 * single-part object is its own part 1, read whole.
 */
function partRange(row: ObjectRow, part: number): { start: number; end: number } | undefined {
  if (part === 1 && (row.parts_count === 0 || row.size === 0)) return undefined;
  const segments = segmentsOf(row);
  if (part > row.parts_count || segments.length !== row.parts_count) throw s3Error('badRequest', 'InvalidPart', 'The requested partnumber is not satisfiable');
  const start = segments.slice(0, part - 1).reduce((n, s) => n + s.size, 0);
  return { start, end: start + segments[part - 1].size - 1 };
}

/** Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=...]`, URL-encoded. */
export function copySource(v: string): { bucket: string; key: string; versionId?: string } {
  const [path, query] = v.split('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, '');
  } catch {
    throw invalidArgument('Invalid copy source encoding');
  }
  const i = decoded.indexOf('/');
  if (i <= 0 || i === decoded.length - 1) throw invalidArgument('Invalid copy source object key');
  const versionId = query ? new URLSearchParams(query).get('versionId') ?? undefined : undefined;
  return { bucket: decoded.slice(0, i), key: decoded.slice(i + 1), versionId };
}

/** Resolves and authorizes the source of a copy, and checks the x-amz-copy-source-if-* conditions. */
export async function readableSource(s3: S3Request, req: FastifyRequest, deps: S3Deps) {
  const src = copySource(header(req, 'x-amz-copy-source')!);
  const bucket = await deps.buckets.get(src.bucket);
  expectOwner(bucket, header(req, 'x-amz-source-expected-bucket-owner'));
  const action = src.versionId ? 's3:GetObjectVersion' : 's3:GetObject';
  const row = await deps.objects.find(bucket.name, src.key, src.versionId).catch((e) => {
    authorize(bucket, action, 'objectstore:read', src.key, s3);
    if (e?.code === 'MethodNotAllowed') throw invalidRequest('The source of a copy request may not specifically refer to a delete marker by version id.');
    throw e;
  });
  authorize(bucket, action, 'objectstore:read', src.key, s3, row);
  const wrapping = await readKey(req, s3, deps, row, 'x-amz-copy-source-');
  const modified = Math.floor(Date.parse(row.last_modified) / 1000) * 1000;
  const ifMatch = header(req, 'x-amz-copy-source-if-match');
  const ifNoneMatch = header(req, 'x-amz-copy-source-if-none-match');
  const since = Date.parse(header(req, 'x-amz-copy-source-if-modified-since') ?? '');
  const unmodified = Date.parse(header(req, 'x-amz-copy-source-if-unmodified-since') ?? '');
  if (ifMatch !== undefined && !etagMatches(ifMatch, row.etag)) throw preconditionFailed();
  if (ifMatch === undefined && !Number.isNaN(unmodified) && modified > unmodified) throw preconditionFailed();
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, row.etag)) throw preconditionFailed();
  if (ifNoneMatch === undefined && !Number.isNaN(since) && modified <= since) throw preconditionFailed();
  return { src, bucket, row, wrapping, versioned: versionedHeader(bucket) };
}

async function copyObject(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, bucket: BucketRow) {
  const source = await readableSource(s3, req, deps);
  const { row } = source;
  const metaDirective = header(req, 'x-amz-metadata-directive') ?? 'COPY';
  const tagDirective = header(req, 'x-amz-tagging-directive') ?? 'COPY';
  if (!['COPY', 'REPLACE'].includes(metaDirective) || !['COPY', 'REPLACE'].includes(tagDirective)) throw invalidArgument('Unknown metadata directive.');
  const given = attrsFrom(req);
  const { writer, acl } = await deps.buckets.newObjectAcl(bucket, writeAcl(req), s3.auth);
  const attrs: ObjectAttrs =
    metaDirective === 'REPLACE'
      ? given
      : { contentType: row.content_type ?? undefined, headers: JSON.parse(row.headers), meta: JSON.parse(row.meta), tags: given.tags, lockMode: given.lockMode, lockUntil: given.lockUntil, legalHold: given.legalHold };
  if (tagDirective === 'COPY') attrs.tags = JSON.parse(row.tags);
  attrs.acl = acl;
  lockAllowed(bucket, attrs);
  const enc = await writeEncryption(req, s3, deps, bucket);
  const sameObject = source.bucket.name === bucket.name && row.key === s3.key && !source.src.versionId;
  if (sameObject && metaDirective === 'COPY' && !customerMd5Of(enc.wrapping) && !header(req, 'x-amz-server-side-encryption')) {
    throw invalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const stored = row.checksum ? (JSON.parse(row.checksum) as StoredChecksum) : undefined;
  const algorithm = parseAlgorithm(header(req, 'x-amz-checksum-algorithm')) ?? stored?.algorithm;
  const body: Body = { source: deps.engine.read(segmentsOf(row), 0, row.size - 1, source.wrapping), decoders: [], expect: { algorithm } };
  const copy = await store(deps, bucket, s3.key!, body, attrs, writer, enc);
  if (source.versioned) reply.header('x-amz-copy-source-version-id', row.version_id);
  if (writesVersions(bucket)) reply.header('x-amz-version-id', copy.version_id);
  encryptionHeaders(reply, copy);
  expirationHeader(reply, deps, bucket, copy);
  const checksum = copy.checksum ? (JSON.parse(copy.checksum) as StoredChecksum) : undefined;
  return sendXml(reply, 'CopyObjectResult', {
    ETag: copy.etag,
    LastModified: s3Time(copy.last_modified),
    ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value } : {}),
  });
}
