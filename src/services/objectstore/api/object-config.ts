import type { FastifyReply, FastifyRequest } from 'fastify';
import { isApiError } from '../../../platform/errors.js';
import { authorize } from '../model/access.js';
import { invalidRequest, malformedXml, s3Error } from '../model/errors.js';
import { writerOf } from '../model/objects.js';
import type { BucketRow, ObjectRow } from '../store/tables.js';
import { header, readSmallBody } from './body.js';
import { getObjectAcl, putObjectAcl } from './acl.js';
import { parseTagging, renderTagging } from './buckets.js';
import type { S3Request } from './context.js';
import type { S3Deps } from './deps.js';
import { validateTags } from './headers.js';
import { getObjectAttributes } from './object-attributes.js';
import { versionedHeader } from './objects.js';
import { many, parseXml, sendXml, text } from './xml.js';

type Sub = (s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, bucket: BucketRow, row: ObjectRow) => Promise<unknown>;

const versionHeader = (reply: FastifyReply, bucket: BucketRow, row: ObjectRow) => {
  if (versionedHeader(bucket)) reply.header('x-amz-version-id', row.version_id);
};

const getTags: Sub = async (_s3, _req, reply, _deps, bucket, row) => {
  versionHeader(reply, bucket, row);
  return renderTagging(reply, JSON.parse(row.tags));
};
const putTags: Sub = async (s3, req, reply, deps, bucket, row) => {
  const tags = await parseTagging(s3, req);
  validateTags(tags);
  await deps.objects.setTags(row, tags);
  versionHeader(reply, bucket, row);
  return reply.code(200).send();
};
const deleteTags: Sub = async (_s3, _req, reply, deps, bucket, row) => {
  await deps.objects.setTags(row, {});
  versionHeader(reply, bucket, row);
  return reply.code(204).send();
};

function lockEnabled(bucket: BucketRow): void {
  if (!bucket.object_lock) throw invalidRequest('Bucket is missing Object Lock Configuration');
}

const getRetention: Sub = async (_s3, _req, reply, _deps, bucket, row) => {
  lockEnabled(bucket);
  if (!row.lock_mode) throw s3Error('notFound', 'NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');
  return sendXml(reply, 'Retention', { Mode: row.lock_mode, RetainUntilDate: row.lock_until });
};
const putRetention: Sub = async (s3, req, reply, deps, bucket, row) => {
  lockEnabled(bucket);
  const doc = parseXml(await readSmallBody(req, s3), 'Retention');
  const mode = text(doc.Mode);
  const until = Date.parse(text(doc.RetainUntilDate));
  if (!['GOVERNANCE', 'COMPLIANCE'].includes(mode) || Number.isNaN(until)) throw malformedXml();
  if (until < Date.now()) throw s3Error('badRequest', 'InvalidArgument', 'The retain until date must be in the future!');
  const bypass = header(req, 'x-amz-bypass-governance-retention')?.toLowerCase() === 'true';
  await deps.objects.setRetention(row, mode, new Date(until).toISOString(), bypass);
  return reply.code(200).send();
};

const getLegalHold: Sub = async (_s3, _req, reply, _deps, bucket, row) => {
  lockEnabled(bucket);
  return sendXml(reply, 'LegalHold', { Status: row.legal_hold ? 'ON' : 'OFF' });
};
const putLegalHold: Sub = async (s3, req, reply, deps, bucket, row) => {
  lockEnabled(bucket);
  const status = text(parseXml(await readSmallBody(req, s3), 'LegalHold').Status);
  if (status !== 'ON' && status !== 'OFF') throw malformedXml();
  await deps.objects.setLegalHold(row, status === 'ON');
  return reply.code(200).send();
};

const SUBRESOURCES: Record<string, Partial<Record<string, [string, 'objectstore:read' | 'objectstore:write', Sub]>>> = {
  tagging: {
    GET: ['s3:GetObjectTagging', 'objectstore:read', getTags],
    PUT: ['s3:PutObjectTagging', 'objectstore:write', putTags],
    DELETE: ['s3:DeleteObjectTagging', 'objectstore:write', deleteTags],
  },
  retention: { GET: ['s3:GetObjectRetention', 'objectstore:read', getRetention], PUT: ['s3:PutObjectRetention', 'objectstore:write', putRetention] },
  'legal-hold': { GET: ['s3:GetObjectLegalHold', 'objectstore:read', getLegalHold], PUT: ['s3:PutObjectLegalHold', 'objectstore:write', putLegalHold] },
  acl: { GET: ['s3:GetObjectAcl', 'objectstore:read', getObjectAcl], PUT: ['s3:PutObjectAcl', 'objectstore:write', putObjectAcl] },
  attributes: { GET: ['s3:GetObjectAttributes', 'objectstore:read', (s3, req, reply, _deps, bucket, row) => getObjectAttributes(req, reply, bucket, row, s3.query.has('versionId'))] },
};

export function objectSubresource(s3: S3Request): string | undefined {
  return Object.keys(SUBRESOURCES).find((k) => s3.query.has(k));
}

export async function objectConfig(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, sub: string) {
  const entry = SUBRESOURCES[sub][req.method];
  if (!entry) throw s3Error('methodNotAllowed', 'MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  const [action, need, handler] = entry;
  const bucket = await deps.buckets.get(s3.bucket!);
  // A missing key answers 404 only to those who may list the bucket.
  const row = await deps.objects.find(bucket.name, s3.key!, s3.query.get('versionId')).catch((e) => {
    authorize(bucket, action, need, s3.key, s3);
    throw e;
  });
  authorize(bucket, action, need, s3.key, s3, row);
  return handler(s3, req, reply, deps, bucket, row);
}

/** DeleteObjects (`POST /bucket?delete`): each key is authorized and reported on its own. */
export async function deleteObjects(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  const doc = parseXml(await readSmallBody(req, s3), 'Delete');
  const objects = many(doc.Object);
  if (objects.length === 0 || objects.length > 1000) throw malformedXml();
  const quiet = text(doc.Quiet) === 'true';
  const bypass = header(req, 'x-amz-bypass-governance-retention')?.toLowerCase() === 'true';
  const deleted: unknown[] = [];
  const errors: unknown[] = [];
  for (const o of objects) {
    const key = text(o.Key);
    const versionId = text(o.VersionId) || undefined;
    try {
      if (!key) throw s3Error('badRequest', 'UserKeyMustBeSpecified', 'The key must be specified.');
      authorize(bucket, versionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject', 'objectstore:write', key, s3);
      const res = await deps.objects.delete(bucket, key, versionId, writerOf(bucket, s3.auth), bypass);
      if (!quiet) {
        deleted.push({
          Key: key,
          ...(versionId ? { VersionId: versionId } : {}),
          ...(res.deleteMarker ? { DeleteMarker: true, ...(res.versionId && !versionId ? { DeleteMarkerVersionId: res.versionId } : {}) } : {}),
        });
      }
    } catch (e) {
      if (!isApiError(e)) throw e;
      errors.push({ Key: key, ...(versionId ? { VersionId: versionId } : {}), Code: e.code ?? 'InternalError', Message: e.message });
    }
  }
  return sendXml(reply, 'DeleteResult', { Deleted: deleted, Error: errors });
}
