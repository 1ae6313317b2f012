import type { FastifyReply, FastifyRequest } from 'fastify';
import { aclsDisabled, bucketPolicy, isPublicPolicy, PUBLIC_ACCESS_BLOCK_FIELDS, publicAccessBlock, type PublicAccessBlock } from '../model/access.js';
import { aclFromHeaders, hasPublicGrant, PERMISSIONS, storedGrants, type AclRequest, type Grant, type Grantee, type Permission } from '../model/acl.js';
import { malformedXml, s3Error } from '../model/errors.js';
import type { BucketRow, ObjectRow } from '../store/tables.js';
import { header, readSmallBody } from './body.js';
import type { S3Request } from './context.js';
import type { S3Deps } from './deps.js';
import { many, parseXml, sendXml, text } from './xml.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const malformedAcl = () =>
  s3Error('badRequest', 'MalformedACLError', 'The XML you provided was not well-formed or did not validate against our published schema.');

/** An account as S3 prints it: the canonical id is the project id, and so is the display name. */
export const ownerElement = (id: string) => ({ ID: id, DisplayName: id });

function granteeElement(g: Grant) {
  if (g.id !== undefined) return { '@_xmlns:xsi': XSI, '@_xsi:type': 'CanonicalUser', ...ownerElement(g.id) };
  return { '@_xmlns:xsi': XSI, '@_xsi:type': 'Group', URI: g.uri };
}

/** Group grants come first, as Ceph lists them (clients comparing ACLs rely on that order). */
export function renderAcl(reply: FastifyReply, owner: string, grants: Grant[]) {
  const ordered = [...grants.filter((g) => g.uri !== undefined), ...grants.filter((g) => g.uri === undefined)];
  return sendXml(reply, 'AccessControlPolicy', {
    Owner: ownerElement(owner),
    AccessControlList: { Grant: ordered.map((g) => ({ Grantee: granteeElement(g), Permission: g.permission })) },
  });
}

/** The grantee of an `AccessControlPolicy` grant; its type follows from the element it names. */
function granteeOf(g: Record<string, unknown> | undefined): Grantee {
  if (g?.ID !== undefined) return { id: text(g.ID) };
  if (g?.URI !== undefined) return { uri: text(g.URI) };
  if (g?.EmailAddress !== undefined) return { email: text(g.EmailAddress) };
  throw malformedAcl();
}

/** The ACL of a PutBucketAcl/PutObjectAcl: `x-amz-acl`/`x-amz-grant-*` headers or an AccessControlPolicy body. */
async function requestedAcl(s3: S3Request, req: FastifyRequest): Promise<AclRequest> {
  const body = await readSmallBody(req, s3);
  const fromHeaders = aclFromHeaders((name) => header(req, name));
  if (fromHeaders) {
    if (body.trim()) throw s3Error('badRequest', 'UnexpectedContent', 'This request does not support content');
    return fromHeaders;
  }
  if (!body.trim()) throw malformedAcl();
  const doc = parseXml(body, 'AccessControlPolicy');
  const list = doc.AccessControlList as Record<string, unknown> | undefined;
  const grants = many(list?.Grant).map((g) => {
    const permission = text(g.Permission) as Permission;
    if (!PERMISSIONS.includes(permission)) throw malformedAcl();
    return { permission, grantee: granteeOf(g.Grantee as Record<string, unknown> | undefined) };
  });
  return { grants };
}

/** The ACL headers of an object write (PUT, copy, CreateMultipartUpload). */
export const writeAcl = (req: FastifyRequest) => aclFromHeaders((name) => header(req, name));

type BucketSub = (s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, bucket: BucketRow) => Promise<unknown>;
type ObjectSub = (s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, bucket: BucketRow, row: ObjectRow) => Promise<unknown>;

export const getBucketAcl: BucketSub = async (_s3, _req, reply, _deps, b) => renderAcl(reply, b.project_id, storedGrants(b.acl, b.project_id));

export const putBucketAcl: BucketSub = async (s3, req, reply, deps, b) => {
  await deps.buckets.setAcl(b, await requestedAcl(s3, req));
  return reply.code(200).send();
};

export const getObjectAcl: ObjectSub = async (_s3, _req, reply, _deps, bucket, row) => {
  if (bucket.versioning !== '') reply.header('x-amz-version-id', row.version_id);
  return renderAcl(reply, row.owner_id, storedGrants(row.acl, row.owner_id));
};

export const putObjectAcl: ObjectSub = async (s3, req, reply, deps, bucket, row) => {
  const requested = await requestedAcl(s3, req);
  await deps.objects.setAcl(row, await deps.buckets.objectGrants(bucket, requested, row.owner_id));
  if (bucket.versioning !== '') reply.header('x-amz-version-id', row.version_id);
  return reply.code(200).send();
};

export const getOwnership: BucketSub = async (_s3, _req, reply, _deps, b) => {
  if (!b.ownership) throw s3Error('notFound', 'OwnershipControlsNotFoundError', 'The bucket ownership controls were not found');
  return sendXml(reply, 'OwnershipControls', { Rule: { ObjectOwnership: b.ownership } });
};
export const putOwnership: BucketSub = async (s3, req, reply, deps, b) => {
  const rules = many(parseXml(await readSmallBody(req, s3), 'OwnershipControls').Rule);
  if (rules.length !== 1) throw malformedXml();
  await deps.buckets.setOwnership(b, text(rules[0].ObjectOwnership));
  return reply.code(200).send();
};
export const deleteOwnership: BucketSub = async (_s3, _req, reply, deps, b) => {
  await deps.buckets.setOwnership(b, null);
  return reply.code(204).send();
};

export const getPublicAccessBlock: BucketSub = async (_s3, _req, reply, _deps, b) => {
  if (!b.public_access_block) throw s3Error('notFound', 'NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found');
  return sendXml(reply, 'PublicAccessBlockConfiguration', { ...publicAccessBlock(b) });
};
export const putPublicAccessBlock: BucketSub = async (s3, req, reply, deps, b) => {
  const doc = parseXml(await readSmallBody(req, s3), 'PublicAccessBlockConfiguration');
  const block: Partial<PublicAccessBlock> = {};
  for (const field of PUBLIC_ACCESS_BLOCK_FIELDS) {
    const v = text(doc[field]).toLowerCase();
    if (v !== '' && v !== 'true' && v !== 'false') throw malformedXml();
    block[field] = v === 'true';
  }
  await deps.buckets.setPublicAccessBlock(b, block as PublicAccessBlock);
  return reply.code(200).send();
};
export const deletePublicAccessBlock: BucketSub = async (_s3, _req, reply, deps, b) => {
  await deps.buckets.setPublicAccessBlock(b, null);
  return reply.code(204).send();
};

/** GetBucketPolicyStatus: public through a policy that allows everyone, or (as Ceph counts it) through public ACL grants still in force. */
export const getPolicyStatus: BucketSub = async (_s3, _req, reply, _deps, b) => {
  const publicAcl = !aclsDisabled(b) && !publicAccessBlock(b).IgnorePublicAcls && hasPublicGrant(storedGrants(b.acl, b.project_id));
  return sendXml(reply, 'PolicyStatus', { IsPublic: isPublicPolicy(bucketPolicy(b)) || publicAcl });
};
