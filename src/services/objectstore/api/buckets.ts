import type { FastifyReply, FastifyRequest } from 'fastify';
import { enforce } from '../../../platform/policy.js';
import { authorize } from '../model/access.js';
import { parseLifecycle, renderLifecycle } from '../model/lifecycle.js';
import { bucketDefault, bucketEncryption, renderBucketEncryption } from '../model/sse.js';
import { accessDenied, invalidArgument, malformedXml, s3Error } from '../model/errors.js';
import {
  deleteOwnership,
  deletePublicAccessBlock,
  getBucketAcl,
  getOwnership,
  getPolicyStatus,
  getPublicAccessBlock,
  ownerElement,
  putBucketAcl,
  putOwnership,
  putPublicAccessBlock,
  writeAcl,
} from './acl.js';
import { objectstorePolicy } from '../policy.js';
import type { BucketRow } from '../store/tables.js';
import { header, readSmallBody } from './body.js';
import type { S3Request } from './context.js';
import { parseCors } from './cors.js';
import type { S3Deps } from './deps.js';
import { validateTags } from './headers.js';
import { many, parseXml, sendXml, s3Time, text } from './xml.js';

async function readConfig(s3: S3Request, req: FastifyRequest, root: string) {
  return parseXml(await readSmallBody(req, s3), root);
}

/** ListBuckets, paged by `max-buckets` and `continuation-token` (the last name, base64url). */
export async function listBuckets(s3: S3Request, _req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  if (!s3.auth?.projectId) throw accessDenied();
  enforce(objectstorePolicy, 'objectstore:read', s3.auth, { project_id: s3.auth.projectId });
  const max = s3.query.get('max-buckets');
  const limit = max === undefined ? undefined : Number(max);
  if (limit !== undefined && (!/^\d+$/.test(max!) || limit < 1 || limit > 10000)) throw invalidArgument('Invalid max-buckets value');
  const token = s3.query.get('continuation-token');
  const after = token ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
  const prefix = s3.query.get('prefix');
  const rows = await deps.buckets.list(s3.auth.projectId, { after, prefix, limit: limit === undefined ? undefined : limit + 1 });
  const page = limit === undefined ? rows : rows.slice(0, limit);
  return sendXml(reply, 'ListAllMyBucketsResult', {
    Owner: ownerElement(s3.auth.projectId),
    Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: s3Time(b.created_at), BucketRegion: b.region })) },
    ...(rows.length > page.length ? { ContinuationToken: Buffer.from(page[page.length - 1].name, 'utf8').toString('base64url') } : {}),
    ...(prefix !== undefined ? { Prefix: prefix } : {}),
  });
}

export async function createBucket(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  if (!s3.auth?.projectId) throw accessDenied();
  enforce(objectstorePolicy, 'objectstore:manage', s3.auth, { project_id: s3.auth.projectId });
  const body = await readSmallBody(req, s3);
  const location = body.trim() ? text(parseXml(body, 'CreateBucketConfiguration').LocationConstraint) : undefined;
  const bucket = await deps.buckets.create(
    {
      name: s3.bucket!,
      location,
      acl: writeAcl(req),
      ownership: header(req, 'x-amz-object-ownership'),
      objectLock: header(req, 'x-amz-bucket-object-lock-enabled')?.toLowerCase() === 'true',
    },
    s3.auth,
  );
  reply.header('location', `/${bucket.name}`);
  return reply.code(200).send();
}

export async function deleteBucket(s3: S3Request, _req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:DeleteBucket', 'objectstore:manage', undefined, s3);
  await deps.buckets.delete(bucket);
  return reply.code(204).send();
}

export async function headBucket(s3: S3Request, _req: FastifyRequest, reply: FastifyReply, deps: S3Deps) {
  const bucket = await deps.buckets.get(s3.bucket!);
  authorize(bucket, 's3:ListBucket', 'objectstore:read', undefined, s3);
  reply.header('x-amz-bucket-region', bucket.region);
  return reply.code(200).send();
}

/** GET/PUT/DELETE of one bucket subresource. */
type Sub = (s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, bucket: BucketRow) => Promise<unknown>;

const getLocation: Sub = async (_s3, _req, reply, _deps, b) =>
  sendXml(reply, 'LocationConstraint', { '#text': b.region });

const getVersioning: Sub = async (_s3, _req, reply, _deps, b) => sendXml(reply, 'VersioningConfiguration', b.versioning ? { Status: b.versioning } : {});

const putVersioning: Sub = async (s3, req, reply, deps, b) => {
  const doc = await readConfig(s3, req, 'VersioningConfiguration');
  await deps.buckets.setVersioning(b, text(doc.Status));
  return reply.code(200).send();
};

export function tagSet(doc: Record<string, unknown>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of many((doc.TagSet as Record<string, unknown> | undefined)?.Tag)) {
    const k = text(t.Key);
    if (k in tags) throw invalidArgument('Cannot provide multiple Tags with the same key');
    tags[k] = text(t.Value);
  }
  return tags;
}
export const parseTagging = async (s3: S3Request, req: FastifyRequest) => tagSet(await readConfig(s3, req, 'Tagging'));
/** A tag set, by key (as S3 lists it, whatever the order it was given in). */
export const renderTagging = (reply: FastifyReply, tags: Record<string, string>) =>
  sendXml(reply, 'Tagging', { TagSet: { Tag: Object.keys(tags).sort().map((Key) => ({ Key, Value: tags[Key] })) } });

const getTagging: Sub = async (_s3, _req, reply, _deps, b) => {
  if (!b.tagging) throw s3Error('notFound', 'NoSuchTagSet', 'The TagSet does not exist');
  return renderTagging(reply, JSON.parse(b.tagging));
};
const putTagging: Sub = async (s3, req, reply, deps, b) => {
  const tags = await parseTagging(s3, req);
  if (Object.keys(tags).length > 50) throw invalidArgument('Bucket tag count cannot be greater than 50');
  validateTags(Object.fromEntries(Object.entries(tags).slice(0, 10)));
  await deps.buckets.update(b, { tagging: JSON.stringify(tags) });
  return reply.code(204).send();
};

const getCors: Sub = async (_s3, _req, reply, _deps, b) => {
  if (!b.cors) throw s3Error('notFound', 'NoSuchCORSConfiguration', 'The CORS configuration does not exist');
  return sendXml(reply, 'CORSConfiguration', { CORSRule: JSON.parse(b.cors) });
};
const putCors: Sub = async (s3, req, reply, deps, b) => {
  const rules = parseCors(await readConfig(s3, req, 'CORSConfiguration'));
  await deps.buckets.update(b, { cors: JSON.stringify(rules) });
  return reply.code(200).send();
};

const getLifecycle: Sub = async (_s3, _req, reply, _deps, b) => {
  if (!b.lifecycle) throw s3Error('notFound', 'NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist');
  return sendXml(reply, 'LifecycleConfiguration', renderLifecycle(JSON.parse(b.lifecycle)));
};
const putLifecycle: Sub = async (s3, req, reply, deps, b) => {
  const rules = parseLifecycle(await readConfig(s3, req, 'LifecycleConfiguration'));
  await deps.buckets.update(b, { lifecycle: JSON.stringify(rules) });
  return reply.code(200).send();
};

const getPolicy: Sub = async (_s3, _req, reply, _deps, b) => {
  if (!b.policy) throw s3Error('notFound', 'NoSuchBucketPolicy', 'The bucket policy does not exist');
  reply.type('application/json');
  return b.policy;
};
const putPolicy: Sub = async (s3, req, reply, deps, b) => {
  await deps.buckets.setPolicy(b, await readSmallBody(req, s3, 20 * 1024));
  return reply.code(204).send();
};

/** A bucket without a rule of its own encrypts with SSE-S3 all the same, and says so as S3 does. */
const getEncryption: Sub = async (_s3, _req, reply, _deps, b) => {
  if (!b.encrypt) {
    throw s3Error('notFound', 'ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found');
  }
  return sendXml(reply, 'ServerSideEncryptionConfiguration', renderBucketEncryption(bucketDefault(b) ?? { algorithm: 'AES256' }));
};
const putEncryption: Sub = async (s3, req, reply, deps, b) => {
  const doc = await readConfig(s3, req, 'ServerSideEncryptionConfiguration');
  const rules = many(doc.Rule);
  if (rules.length !== 1) throw malformedXml();
  const apply = (rules[0].ApplyServerSideEncryptionByDefault ?? {}) as Record<string, unknown>;
  const given = (v: unknown) => (v === undefined ? undefined : text(v));
  const rule = bucketEncryption({ algorithm: given(apply.SSEAlgorithm), kmsKeyId: given(apply.KMSMasterKeyID), bucketKey: given(rules[0].BucketKeyEnabled) });
  // A default key the caller may not use would fail every later write: refuse it now.
  if (rule.kmsKeyId) await deps.kms.forWrite(s3.auth, rule.kmsKeyId);
  await deps.buckets.update(b, { encrypt: 1, encryption: JSON.stringify(rule) });
  return reply.code(200).send();
};
/** Deleting the encryption configuration is the per-bucket opt-out of encryption at rest for new objects. */
const deleteEncryption: Sub = async (_s3, _req, reply, deps, b) => {
  await deps.buckets.update(b, { encrypt: 0, encryption: null });
  return reply.code(204).send();
};

const getObjectLock: Sub = async (_s3, _req, reply, _deps, b) => {
  if (!b.object_lock) throw s3Error('notFound', 'ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket');
  const rule = b.lock_config ? (JSON.parse(b.lock_config) as { mode: string; days?: number; years?: number }) : undefined;
  return sendXml(reply, 'ObjectLockConfiguration', {
    ObjectLockEnabled: 'Enabled',
    ...(rule ? { Rule: { DefaultRetention: { Mode: rule.mode, ...(rule.days ? { Days: rule.days } : { Years: rule.years }) } } } : {}),
  });
};
const putObjectLock: Sub = async (s3, req, reply, deps, b) => {
  const doc = await readConfig(s3, req, 'ObjectLockConfiguration');
  if (text(doc.ObjectLockEnabled) !== 'Enabled') throw malformedXml();
  // An existing bucket may turn Object Lock on once its versioning is enabled (and never off).
  if (!b.object_lock && b.versioning !== 'Enabled') {
    throw s3Error('conflict', 'InvalidBucketState', "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration", 409);
  }
  const def = (doc.Rule as Record<string, Record<string, unknown>> | undefined)?.DefaultRetention;
  let config: string | null = null;
  if (def) {
    const mode = text(def.Mode);
    if (!['GOVERNANCE', 'COMPLIANCE'].includes(mode) || (def.Days === undefined) === (def.Years === undefined)) throw malformedXml();
    const period = Number(text(def.Days ?? def.Years));
    if (!Number.isInteger(period) || period <= 0) throw s3Error('badRequest', 'InvalidRetentionPeriod', 'Default retention period must be a positive integer value');
    config = JSON.stringify({ mode, ...(def.Days !== undefined ? { days: period } : { years: period }) });
  }
  await deps.buckets.update(b, { object_lock: 1, lock_config: config });
  return reply.code(200).send();
};

const clear =
  (field: 'tagging' | 'cors' | 'lifecycle' | 'policy'): Sub =>
  async (_s3, _req, reply, deps, b) => {
    await deps.buckets.update(b, { [field]: null });
    return reply.code(204).send();
  };

/** Bucket subresources: the S3 action each method needs, and its handler. */
const SUBRESOURCES: Record<string, Partial<Record<string, [string, Sub]>>> = {
  location: { GET: ['s3:GetBucketLocation', getLocation] },
  versioning: { GET: ['s3:GetBucketVersioning', getVersioning], PUT: ['s3:PutBucketVersioning', putVersioning] },
  tagging: { GET: ['s3:GetBucketTagging', getTagging], PUT: ['s3:PutBucketTagging', putTagging], DELETE: ['s3:PutBucketTagging', clear('tagging')] },
  cors: { GET: ['s3:GetBucketCORS', getCors], PUT: ['s3:PutBucketCORS', putCors], DELETE: ['s3:PutBucketCORS', clear('cors')] },
  lifecycle: { GET: ['s3:GetLifecycleConfiguration', getLifecycle], PUT: ['s3:PutLifecycleConfiguration', putLifecycle], DELETE: ['s3:PutLifecycleConfiguration', clear('lifecycle')] },
  policy: { GET: ['s3:GetBucketPolicy', getPolicy], PUT: ['s3:PutBucketPolicy', putPolicy], DELETE: ['s3:DeleteBucketPolicy', clear('policy')] },
  acl: { GET: ['s3:GetBucketAcl', getBucketAcl], PUT: ['s3:PutBucketAcl', putBucketAcl] },
  ownershipControls: {
    GET: ['s3:GetBucketOwnershipControls', getOwnership],
    PUT: ['s3:PutBucketOwnershipControls', putOwnership],
    DELETE: ['s3:PutBucketOwnershipControls', deleteOwnership],
  },
  publicAccessBlock: {
    GET: ['s3:GetBucketPublicAccessBlock', getPublicAccessBlock],
    PUT: ['s3:PutBucketPublicAccessBlock', putPublicAccessBlock],
    DELETE: ['s3:PutBucketPublicAccessBlock', deletePublicAccessBlock],
  },
  policyStatus: { GET: ['s3:GetBucketPolicyStatus', getPolicyStatus] },
  encryption: { GET: ['s3:GetEncryptionConfiguration', getEncryption], PUT: ['s3:PutEncryptionConfiguration', putEncryption], DELETE: ['s3:PutEncryptionConfiguration', deleteEncryption] },
  'object-lock': { GET: ['s3:GetBucketObjectLockConfiguration', getObjectLock], PUT: ['s3:PutBucketObjectLockConfiguration', putObjectLock] },
};

/** The bucket subresource a request names, if any. */
export function bucketSubresource(s3: S3Request): string | undefined {
  return Object.keys(SUBRESOURCES).find((k) => s3.query.has(k));
}

export async function bucketConfig(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, sub: string) {
  const entry = SUBRESOURCES[sub][req.method];
  if (!entry) throw s3Error('methodNotAllowed', 'MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  const bucket = await deps.buckets.get(s3.bucket!);
  const [action, handler] = entry;
  authorize(bucket, action, req.method === 'GET' ? 'objectstore:read' : 'objectstore:manage', undefined, s3);
  return handler(s3, req, reply, deps, bucket);
}
