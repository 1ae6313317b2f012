import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../model/access.js';
import { invalidArgument } from '../model/errors.js';
import type { StoredChecksum } from '../model/checksums.js';
import { uploadChecksumFields } from '../model/multipart.js';
import type { ObjectRow } from '../store/tables.js';
import { ownerElement } from './acl.js';
import type { S3Request } from './context.js';
import type { S3Deps } from './deps.js';
import { sendXml, s3Time } from './xml.js';

function maxKeys(s3: S3Request, name = 'max-keys', cap = 1000): number {
  const v = s3.query.get(name);
  if (v === undefined) return cap;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw invalidArgument(`Provided ${name} not an integer or within integer range`);
  return Math.min(n, cap);
}

/** `encoding-type=url`: keys and prefixes come back URL-encoded (clients ask for it to carry any byte). */
function encoder(s3: S3Request): (s: string) => string {
  const type = s3.query.get('encoding-type');
  if (type === undefined) return (s) => s;
  if (type !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request');
  return (s) => encodeURIComponent(s).replace(/%2F/g, '/');
}

const owner = (row: ObjectRow) => ownerElement(row.owner_id);

function contents(row: ObjectRow, enc: (s: string) => string, withOwner: boolean) {
  const c = row.checksum ? (JSON.parse(row.checksum) as StoredChecksum) : undefined;
  return {
    Key: enc(row.key),
    LastModified: s3Time(row.last_modified),
    ETag: row.etag,
    ...(c ? { ChecksumAlgorithm: c.algorithm } : {}),
    Size: row.size,
    ...(withOwner ? { Owner: owner(row) } : {}),
    StorageClass: 'STANDARD',
  };
}

const fromToken = (t: string) => {
  const s = Buffer.from(t, 'base64url').toString('utf8');
  if (Buffer.from(s, 'utf8').toString('base64url') !== t) throw invalidArgument('The continuation token provided is incorrect');
  return s;
};

/** ListObjects (v1) and ListObjectsV2 (`list-type=2`). */
export async function listObjects(s3: S3Request, _req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:ListBucket', 'objectstore:read', undefined, s3);
  const v2 = s3.query.get('list-type') === '2';
  const prefix = s3.query.get('prefix') ?? '';
  const delimiter = s3.query.get('delimiter') ?? '';
  const enc = encoder(s3);
  const limit = maxKeys(s3);
  const token = s3.query.get('continuation-token');
  const startAfter = s3.query.get('start-after') ?? '';
  const after = v2 ? (token !== undefined ? fromToken(token) : startAfter) : (s3.query.get('marker') ?? '');
  const res = await deps.objects.list(bucket.name, { prefix, delimiter, after, maxKeys: limit });
  const common = res.prefixes.map((p) => ({ Prefix: enc(p) }));
  const encoding = s3.query.has('encoding-type') ? { EncodingType: 'url' } : {};
  if (v2) {
    return sendXml(reply, 'ListBucketResult', {
      Name: bucket.name,
      Prefix: enc(prefix),
      ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
      MaxKeys: limit,
      ...encoding,
      KeyCount: res.objects.length + res.prefixes.length,
      ...(token !== undefined ? { ContinuationToken: token } : {}),
      ...(startAfter ? { StartAfter: enc(startAfter) } : {}),
      IsTruncated: res.truncated,
      ...(res.truncated && res.next !== undefined ? { NextContinuationToken: Buffer.from(res.next, 'utf8').toString('base64url') } : {}),
      Contents: res.objects.map((o) => contents(o, enc, s3.query.get('fetch-owner') === 'true')),
      CommonPrefixes: common,
    });
  }
  // ListObjects v1 returns the prefix as given even with encoding-type=url (clients decode only keys, markers and delimiters).
  return sendXml(reply, 'ListBucketResult', {
    Name: bucket.name,
    Prefix: prefix,
    Marker: enc(after),
    ...(res.truncated && delimiter && res.next !== undefined ? { NextMarker: enc(res.next) } : {}),
    MaxKeys: limit,
    ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
    ...encoding,
    IsTruncated: res.truncated,
    Contents: res.objects.map((o) => contents(o, enc, true)),
    CommonPrefixes: common,
  });
}

export async function listVersions(s3: S3Request, _req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:ListBucketVersions', 'objectstore:read', undefined, s3);
  const prefix = s3.query.get('prefix') ?? '';
  const delimiter = s3.query.get('delimiter') ?? '';
  const keyMarker = s3.query.get('key-marker') ?? '';
  const versionMarker = s3.query.get('version-id-marker');
  const enc = encoder(s3);
  const limit = maxKeys(s3);
  const res = await deps.objects.listVersions(bucket.name, { prefix, delimiter, keyMarker, versionMarker, maxKeys: limit });
  const entry = (r: ObjectRow) => ({
    Key: enc(r.key),
    VersionId: r.version_id,
    IsLatest: !!r.is_latest,
    LastModified: s3Time(r.last_modified),
    ...(r.delete_marker ? {} : { ETag: r.etag, Size: r.size, StorageClass: 'STANDARD' }),
    Owner: owner(r),
  });
  // Clients read versions and delete markers as two lists; each list keeps key/version order.
  return sendXml(reply, 'ListVersionsResult', {
    Name: bucket.name,
    Prefix: enc(prefix),
    KeyMarker: enc(keyMarker),
    VersionIdMarker: versionMarker ?? '',
    ...(res.truncated ? { NextKeyMarker: enc(res.nextKey ?? ''), NextVersionIdMarker: res.nextVersion ?? '' } : {}),
    MaxKeys: limit,
    ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
    ...(s3.query.has('encoding-type') ? { EncodingType: 'url' } : {}),
    IsTruncated: res.truncated,
    Version: res.versions.filter((r) => !r.delete_marker).map(entry),
    DeleteMarker: res.versions.filter((r) => r.delete_marker).map(entry),
    CommonPrefixes: res.prefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

export async function listUploads(s3: S3Request, _req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:ListBucketMultipartUploads', 'objectstore:read', undefined, s3);
  const prefix = s3.query.get('prefix') ?? '';
  const keyMarker = s3.query.get('key-marker') ?? '';
  const idMarker = s3.query.get('upload-id-marker') ?? '';
  const limit = maxKeys(s3, 'max-uploads');
  const enc = encoder(s3);
  const rows = await deps.multipart.list(bucket.name, { prefix, afterKey: keyMarker, afterId: keyMarker ? idMarker : '', limit: limit + 1 });
  const page = rows.slice(0, limit);
  const truncated = rows.length > limit;
  const last = page[page.length - 1];
  return sendXml(reply, 'ListMultipartUploadsResult', {
    Bucket: bucket.name,
    KeyMarker: enc(keyMarker),
    UploadIdMarker: idMarker,
    ...(truncated ? { NextKeyMarker: enc(last.key), NextUploadIdMarker: last.upload_id } : {}),
    Prefix: enc(prefix),
    MaxUploads: limit,
    IsTruncated: truncated,
    Upload: page.map((u) => ({
      Key: enc(u.key),
      UploadId: u.upload_id,
      Initiator: ownerElement(u.owner_id),
      Owner: ownerElement(u.owner_id),
      StorageClass: 'STANDARD',
      Initiated: s3Time(u.initiated),
      ...uploadChecksumFields(u),
    })),
  });
}

export async function listParts(s3: S3Request, _req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:ListMultipartUploadParts', 'objectstore:read', s3.key, s3);
  const up = await deps.multipart.get(bucket.name, s3.key!, s3.query.get('uploadId')!);
  const marker = Number(s3.query.get('part-number-marker') ?? '0');
  if (!Number.isInteger(marker) || marker < 0) throw invalidArgument('Provided part-number-marker not an integer or within integer range');
  const limit = maxKeys(s3, 'max-parts');
  const rows = await deps.multipart.parts(up.upload_id, marker, limit + 1);
  const page = rows.slice(0, limit);
  const truncated = rows.length > limit;
  return sendXml(reply, 'ListPartsResult', {
    Bucket: bucket.name,
    Key: up.key,
    UploadId: up.upload_id,
    Initiator: ownerElement(up.owner_id),
    Owner: ownerElement(up.owner_id),
    StorageClass: 'STANDARD',
    PartNumberMarker: marker,
    ...(page.length ? { NextPartNumberMarker: page[page.length - 1].part_number } : {}),
    MaxParts: limit,
    IsTruncated: truncated,
    ...uploadChecksumFields(up),
    Part: page.map((p) => {
      const c = p.checksum ? (JSON.parse(p.checksum) as StoredChecksum) : undefined;
      return { PartNumber: p.part_number, LastModified: s3Time(p.last_modified), ETag: p.etag, Size: p.size, ...(c ? { [`Checksum${c.algorithm}`]: c.value } : {}) };
    }),
  });
}
