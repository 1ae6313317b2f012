import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../model/access.js';
import { CHECKSUM_ALGORITHMS, checksumType, isCombinable, parseAlgorithm, parseChecksumType, type ChecksumAlgorithm, type ChecksumType, type StoredChecksum } from '../model/checksums.js';
import { invalidArgument, invalidRequest, s3Error } from '../model/errors.js';
import { MAX_PART_NUMBER, type CompletedPart } from '../model/multipart.js';
import { segmentsOf } from '../model/objects.js';
import type { BucketRow, ObjectRow } from '../store/tables.js';
import { asBodyError, checksumOf, header, readSmallBody, requestBody } from './body.js';
import { writeAcl } from './acl.js';
import type { S3Request } from './context.js';
import type { S3Deps } from './deps.js';
import { attrsFrom, encryptionHeaders, setChecksumHeader } from './headers.js';
import { expirationHeader, readableSource, writesVersions } from './objects.js';
import { checkCompletionKey, uploadEncryption, uploadKey, writeEncryption } from './sse.js';
import { many, parseXml, sendXml, s3Time, text } from './xml.js';

export async function createUpload(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:PutObject', 'objectstore:write', s3.key, s3);
  const attrs = attrsFrom(req);
  if ((attrs.lockMode || attrs.legalHold) && !bucket.object_lock) throw invalidRequest('Bucket is missing Object Lock Configuration');
  const checksum = uploadChecksum(req);
  const enc = await writeEncryption(req, s3, deps, bucket);
  const { writer, acl } = await deps.buckets.newObjectAcl(bucket, writeAcl(req), s3.auth);
  attrs.acl = acl;
  const up = await deps.multipart.create(bucket, s3.key!, attrs, writer, checksum, enc.encrypt, enc.wrapping);
  encryptionHeaders(reply, uploadEncryption(up));
  if (checksum) reply.header('x-amz-checksum-algorithm', checksum.algorithm).header('x-amz-checksum-type', checksum.type);
  return sendXml(reply, 'InitiateMultipartUploadResult', { Bucket: bucket.name, Key: s3.key, UploadId: up.upload_id });
}

/**
 * The checksum a new upload's object gets (`x-amz-checksum-algorithm`, `x-amz-checksum-type`):
 * COMPOSITE by default, FULL_OBJECT for CRC64NVME, which has no composite form; SHA checksums
 * cannot be combined into a full-object one.
 */
function uploadChecksum(req: FastifyRequest): { algorithm: ChecksumAlgorithm; type: ChecksumType } | undefined {
  const algorithm = parseAlgorithm(header(req, 'x-amz-checksum-algorithm'));
  const given = parseChecksumType(header(req, 'x-amz-checksum-type'));
  if (!algorithm) {
    if (given) throw invalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return undefined;
  }
  const type = given ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  if (type === 'FULL_OBJECT' ? !isCombinable(algorithm) : algorithm === 'CRC64NVME') {
    throw invalidRequest(`The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  }
  return { algorithm, type };
}

function partNumber(s3: S3Request): number {
  const n = Number(s3.query.get('partNumber'));
  if (!Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive');
  return n;
}

/** UploadPart and UploadPartCopy. */
export async function uploadPart(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:PutObject', 'objectstore:write', s3.key, s3);
  const n = partNumber(s3);
  const up = await deps.multipart.get(bucket.name, s3.key!, s3.query.get('uploadId')!);
  const wrapping = await uploadKey(req, s3, deps, up);
  const algorithm = (up.checksum_algorithm as StoredChecksum['algorithm'] | null) ?? undefined;
  if (header(req, 'x-amz-copy-source') !== undefined) {
    const source = await readableSource(s3, req, deps);
    const range = copyRange(header(req, 'x-amz-copy-source-range'), source.row.size);
    const body = deps.engine.read(segmentsOf(source.row), range.start, range.end, source.wrapping);
    const ing = await deps.engine.ingest(body, [], { algorithm }, !!up.encrypt, wrapping);
    const part = await deps.multipart.putPart(up, n, ing);
    if (source.versioned) reply.header('x-amz-copy-source-version-id', source.row.version_id);
    encryptionHeaders(reply, uploadEncryption(up));
    const c = part.checksum ? (JSON.parse(part.checksum) as StoredChecksum) : undefined;
    return sendXml(reply, 'CopyPartResult', { ETag: part.etag, LastModified: s3Time(part.last_modified), ...(c ? { [`Checksum${c.algorithm}`]: c.value } : {}) });
  }
  const body = requestBody(req, s3);
  if (body.expect.algorithm && algorithm && body.expect.algorithm !== algorithm) {
    throw invalidRequest(`Checksum Type mismatch occurred, expected checksum Type: ${algorithm.toLowerCase()}, actual checksum Type: ${body.expect.algorithm.toLowerCase()}`);
  }
  body.expect.algorithm ??= algorithm;
  const ing = await deps.engine.ingest(body.source, body.decoders, body.expect, !!up.encrypt, wrapping).catch(asBodyError);
  const part = await deps.multipart.putPart(up, n, ing);
  reply.header('etag', part.etag);
  encryptionHeaders(reply, uploadEncryption(up));
  setChecksumHeader(reply, part.checksum);
  reply.removeHeader('x-amz-checksum-type');
  return reply.code(200).send();
}

function copyRange(v: string | undefined, size: number): { start: number; end: number } {
  if (v === undefined) return { start: 0, end: size - 1 };
  const m = /^bytes=(\d+)-(\d+)$/.exec(v.trim());
  if (!m || Number(m[2]) < Number(m[1])) {
    throw invalidArgument('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy');
  }
  if (Number(m[2]) >= size) throw s3Error('rangeNotSatisfiable', 'InvalidRange', 'The requested range is not satisfiable', 416);
  return { start: Number(m[1]), end: Number(m[2]) };
}

export async function completeUpload(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:PutObject', 'objectstore:write', s3.key, s3);
  const uploadId = s3.query.get('uploadId')!;
  const up = await deps.multipart.get(bucket.name, s3.key!, uploadId).catch(async (e) => {
    // A retry of a completion that went through answers as the first one did.
    const again = await deps.multipart.completedBefore(bucket.name, s3.key!, uploadId, completedParts(await readSmallBody(req, s3)));
    if (again) return again;
    throw e;
  });
  if ('version_id' in up) return completed(reply, deps, bucket, up);
  checkCompletionKey(req, up);
  const parts = completedParts(await readSmallBody(req, s3));
  await deps.objects.checkWriteConditions(bucket.name, s3.key!, header(req, 'if-none-match'), header(req, 'if-match'));
  const type = parseChecksumType(header(req, 'x-amz-checksum-type'));
  if (type && type !== up.checksum_type) throw invalidRequest(`The upload was created using the ${up.checksum_type ?? 'null'} checksum mode. The complete request must use the same checksum mode.`);
  const size = header(req, 'x-amz-mp-object-size');
  if (size !== undefined && !/^\d+$/.test(size)) throw invalidArgument('The x-amz-mp-object-size header must be a non-negative integer.');
  const expected = checksumOf(req).checksum;
  const row = await deps.multipart.complete(bucket, up, parts, { checksum: typeof expected === 'string' ? expected : undefined, size: size === undefined ? undefined : Number(size) });
  return completed(reply, deps, bucket, row);
}

function completedParts(body: string): CompletedPart[] {
  const doc = parseXml(body, 'CompleteMultipartUpload');
  return many(doc.Part).map((p) => {
    const partNumber = Number(text(p.PartNumber));
    if (!Number.isInteger(partNumber)) throw s3Error('badRequest', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
    const checksums = CHECKSUM_ALGORITHMS.map((a) => text(p[`Checksum${a}`])).filter(Boolean);
    return { partNumber, etag: text(p.ETag), ...(checksums.length ? { checksum: checksums[0] } : {}) };
  });
}

function completed(reply: FastifyReply, deps: S3Deps, bucket: BucketRow, row: ObjectRow) {
  if (writesVersions(bucket)) reply.header('x-amz-version-id', row.version_id);
  encryptionHeaders(reply, row);
  expirationHeader(reply, deps, bucket, row);
  const c = row.checksum ? (JSON.parse(row.checksum) as StoredChecksum) : undefined;
  return sendXml(reply, 'CompleteMultipartUploadResult', {
    Location: `/${bucket.name}/${encodeURIComponent(row.key)}`,
    Bucket: bucket.name,
    Key: row.key,
    ETag: row.etag,
    ...(c ? { [`Checksum${c.algorithm}`]: c.value, ChecksumType: checksumType(c) } : {}),
  });
}

export async function abortUpload(s3: S3Request, _req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:AbortMultipartUpload', 'objectstore:write', s3.key, s3);
  await deps.multipart.abort(bucket.name, s3.key!, s3.query.get('uploadId')!);
  return reply.code(204).send();
}

