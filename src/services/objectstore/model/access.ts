import type { AuthContext } from '../../../platform/auth.js';
import { allowed } from '../../../platform/policy.js';
import { objectstorePolicy } from '../policy.js';
import type { BucketRow } from '../store/tables.js';
import { permits, requesterOf, storedGrants, type Permission } from './acl.js';
import { conditionsHold, restrictsCallers, validateConditions, type Caller, type ConditionBlock } from './conditions.js';
import { accessDenied, s3Error } from './errors.js';

/** The rule of the project policy table an S3 action needs. */
export type Need = 'objectstore:read' | 'objectstore:write' | 'objectstore:manage';

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: ConditionBlock;
}

export interface BucketPolicy {
  Version?: string;
  Statement: Statement[];
}

/** The ACL permission each S3 action needs on the bucket. */
const BUCKET_PERMISSION: Record<string, Permission> = {
  's3:ListBucket': 'READ',
  's3:ListBucketVersions': 'READ',
  's3:ListBucketMultipartUploads': 'READ',
  's3:PutObject': 'WRITE',
  's3:DeleteObject': 'WRITE',
  's3:DeleteObjectVersion': 'WRITE',
  's3:AbortMultipartUpload': 'WRITE',
  's3:GetBucketAcl': 'READ_ACP',
  's3:PutBucketAcl': 'WRITE_ACP',
};
/** The ACL permission each S3 action needs on the object version. */
const OBJECT_PERMISSION: Record<string, Permission> = {
  's3:GetObject': 'READ',
  's3:GetObjectVersion': 'READ',
  's3:GetObjectAcl': 'READ_ACP',
  's3:PutObjectAcl': 'WRITE_ACP',
};

/** The owner and ACL of an object version, as stored. */
export interface ObjectAcl {
  owner_id: string;
  acl: string | null;
  /** JSON tags (`s3:ExistingObjectTag/<key>` conditions read them). */
  tags: string;
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}
export const PUBLIC_ACCESS_BLOCK_FIELDS: Array<keyof PublicAccessBlock> = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];

export function publicAccessBlock(b: BucketRow): PublicAccessBlock {
  const stored = b.public_access_block ? (JSON.parse(b.public_access_block) as Partial<PublicAccessBlock>) : {};
  return Object.fromEntries(PUBLIC_ACCESS_BLOCK_FIELDS.map((f) => [f, stored[f] === true])) as unknown as PublicAccessBlock;
}

/** `x-amz-expected-bucket-owner`: a bucket owned by another account than the one expected answers AccessDenied. */
export function expectOwner(bucket: BucketRow, expected: string | undefined): void {
  if (expected !== undefined && expected !== bucket.project_id) throw accessDenied();
}

/** With BucketOwnerEnforced object ownership, ACLs neither grant nor can be set. */
export const aclsDisabled = (b: BucketRow) => b.ownership === 'BucketOwnerEnforced';

const malformed = (msg: string) => s3Error('badRequest', 'MalformedPolicy', msg);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(value);
}

/** Validates a bucket policy document (the supported subset) for `bucket`. */
export function parsePolicy(text: string, bucket: string): BucketPolicy {
  let doc: BucketPolicy;
  try {
    doc = JSON.parse(text) as BucketPolicy;
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  const statements = Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement as unknown as Statement] : [];
  if (statements.length === 0) throw malformed('Missing required field Statement');
  for (const s of statements) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed('Invalid effect');
    if (s.Principal === undefined) throw malformed('Missing required field Principal');
    if (s.Condition !== undefined) validateConditions(s.Condition);
    if (list(s.Action).some((a) => !a.startsWith('s3:') && a !== '*')) throw malformed('Policy has invalid action');
    const resources = list(s.Resource);
    if (resources.length === 0 || resources.some((r) => !glob(r.split('/')[0], `arn:aws:s3:::${bucket}`))) {
      throw malformed('Policy has invalid resource');
    }
  }
  return { ...doc, Statement: statements };
}

/** Principals a caller is known as: `*` for everyone, the project and the user for key holders. */
function principalMatches(principal: unknown, auth?: AuthContext): boolean {
  if (principal === '*') return true;
  const aws = list((principal as { AWS?: unknown })?.AWS);
  return aws.some((p) => {
    if (p === '*') return true;
    if (!auth?.projectId) return false;
    return [auth.projectId, `arn:aws:iam::${auth.projectId}:root`, `arn:aws:iam::${auth.projectId}:user/${auth.userId}`, `arn:aws:iam:::user/${auth.userId}`].includes(p);
  });
}

/** A policy is public when a statement allows everyone and no condition pins it to known callers or networks. */
export function isPublicPolicy(policy: BucketPolicy | undefined): boolean {
  return (policy?.Statement ?? []).some((s) => {
    if (s.Effect !== 'Allow' || restrictsCallers(s.Condition)) return false;
    return s.Principal === '*' || list((s.Principal as { AWS?: unknown })?.AWS).includes('*');
  });
}

export const bucketPolicy = (b: BucketRow) => (b.policy ? (JSON.parse(b.policy) as BucketPolicy) : undefined);

function evaluate(policy: BucketPolicy | undefined, action: string, resource: string, caller: Caller, object?: ObjectAcl): 'Allow' | 'Deny' | undefined {
  let result: 'Allow' | undefined;
  const tags = () => (object ? (JSON.parse(object.tags) as Record<string, string>) : undefined);
  for (const s of policy?.Statement ?? []) {
    if (!principalMatches(s.Principal, caller.auth)) continue;
    if (!list(s.Action).some((a) => glob(a, action))) continue;
    if (!list(s.Resource).some((r) => glob(r, resource))) continue;
    if (s.Condition && !conditionsHold(s.Condition, caller, tags())) continue;
    if (s.Effect === 'Deny') return 'Deny';
    result = 'Allow';
  }
  return result;
}

/**
 * Decides an S3 action as S3 does: an explicit Deny in the bucket policy wins; the owning
 * project's members act by the policy table; anyone else (another project or anonymous) needs a
 * policy Allow or an ACL grant: on the object version for object reads and ACL operations, on the
 * bucket otherwise. A missing object answers 404 only to callers who may list the bucket at its
 * key (`s3:prefix`), 403 to the others. Objects another account wrote answer to their own ACL,
 * even to the bucket owner. The public access block can ignore public grants and a public policy.
 */
export function authorize(bucket: BucketRow, action: string, need: Need, key: string | undefined, caller: Caller, object?: ObjectAcl): void {
  if (permitted(bucket, action, need, key, caller, object)) return;
  throw accessDenied();
}

function permitted(bucket: BucketRow, action: string, need: Need, key: string | undefined, caller: Caller, object?: ObjectAcl): boolean {
  const policy = bucketPolicy(bucket);
  const resource = `arn:aws:s3:::${bucket.name}${key !== undefined ? `/${key}` : ''}`;
  const decision = evaluate(policy, action, resource, caller, object);
  if (decision === 'Deny') return false;
  const auth = caller.auth;
  const onObject = OBJECT_PERMISSION[action];
  const objectAcl = (ignorePublic: boolean) => !!object && permits(storedGrants(object.acl, object.owner_id), onObject, requesterOf(auth), ignorePublic);
  if (auth && auth.projectId === bucket.project_id) {
    if (!allowed(objectstorePolicy, need, auth, { project_id: bucket.project_id })) return false;
    const foreign = onObject && object && object.owner_id !== bucket.project_id && !aclsDisabled(bucket);
    return !foreign || objectAcl(publicAccessBlock(bucket).IgnorePublicAcls);
  }
  const block = publicAccessBlock(bucket);
  if (decision === 'Allow' && !(block.RestrictPublicBuckets && isPublicPolicy(policy))) return true;
  if (onObject && !object && key !== undefined) {
    const listing = { ...caller, facts: caller.facts && { ...caller.facts, query: new Map([['prefix', key]]) } };
    return permitted(bucket, 's3:ListBucket', 'objectstore:read', undefined, listing);
  }
  if (aclsDisabled(bucket)) return false;
  if (onObject) return objectAcl(block.IgnorePublicAcls);
  const onBucket = BUCKET_PERMISSION[action];
  return onBucket !== undefined && permits(storedGrants(bucket.acl, bucket.project_id), onBucket, requesterOf(auth), block.IgnorePublicAcls);
}
