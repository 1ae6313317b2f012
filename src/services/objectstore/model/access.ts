import type { AuthContext } from '../../../platform/auth.js';
import { allowed } from '../../../platform/policy.js';
import { objectstorePolicy } from '../policy.js';
import type { BucketRow } from '../store/tables.js';
import { accessDenied, s3Error } from './errors.js';

/** The rule of the project policy table an S3 action needs. */
export type Need = 'objectstore:read' | 'objectstore:write' | 'objectstore:manage';

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
}

export interface BucketPolicy {
  Version?: string;
  Statement: Statement[];
}

/** Canned ACLs we keep, and what they open to everyone. */
const ACL_GRANTS: Record<string, string[]> = {
  private: [],
  'public-read': ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:ListBucketVersions'],
  'public-read-write': ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:ListBucketVersions', 's3:PutObject', 's3:DeleteObject'],
};
export const CANNED_ACLS = Object.keys(ACL_GRANTS);

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
    if ((s as { Condition?: unknown }).Condition !== undefined) throw malformed('Policy conditions are not supported');
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

function evaluate(policy: BucketPolicy | undefined, action: string, resource: string, auth?: AuthContext): 'Allow' | 'Deny' | undefined {
  let result: 'Allow' | undefined;
  for (const s of policy?.Statement ?? []) {
    if (!principalMatches(s.Principal, auth)) continue;
    if (!list(s.Action).some((a) => glob(a, action))) continue;
    if (!list(s.Resource).some((r) => glob(r, resource))) continue;
    if (s.Effect === 'Deny') return 'Deny';
    result = 'Allow';
  }
  return result;
}

/**
 * Decides an S3 action on a bucket: an explicit Deny in the bucket policy wins; the owning
 * project's members act by the policy table; anyone else (another project or anonymous) needs a
 * policy Allow or a canned ACL grant.
 */
export function authorize(bucket: BucketRow, action: string, need: Need, key: string | undefined, auth?: AuthContext): void {
  const policy = bucket.policy ? (JSON.parse(bucket.policy) as BucketPolicy) : undefined;
  const resource = `arn:aws:s3:::${bucket.name}${key !== undefined ? `/${key}` : ''}`;
  const decision = evaluate(policy, action, resource, auth);
  if (decision === 'Deny') throw accessDenied();
  if (auth && auth.projectId === bucket.project_id) {
    if (allowed(objectstorePolicy, need, auth, { project_id: bucket.project_id })) return;
    throw accessDenied();
  }
  if (decision === 'Allow' || (ACL_GRANTS[bucket.acl] ?? []).includes(action)) return;
  throw accessDenied();
}
