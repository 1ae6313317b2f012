import type { AuthContext } from '../../../platform/auth.js';
import { accessDenied, invalidArgument, invalidRequest, s3Error } from './errors.js';

/**
 * Access control lists as S3 keeps them. A canonical user is an account, and the account is the
 * Keystone project (as Ceph RGW does with Keystone): every grant, owner and expected-owner check
 * speaks project ids.
 */
export type Permission = 'FULL_CONTROL' | 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP';
export const PERMISSIONS: Permission[] = ['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP'];

export interface Grant {
  /** A canonical user id (project id) or a group URI. */
  id?: string;
  uri?: string;
  permission: Permission;
}

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const GROUPS = [ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY];

export const BUCKET_CANNED = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'log-delivery-write'];
export const OBJECT_CANNED = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control', 'aws-exec-read'];

/** Who a grant list is evaluated for. */
export interface Requester {
  /** The caller's canonical id (project), undefined for anonymous requests. */
  account?: string;
}

export const requesterOf = (auth?: AuthContext): Requester => ({ account: auth?.projectId });

/** The grants a canned ACL stands for; `bucketOwner` matters to the bucket-owner-* ACLs of objects. */
export function cannedGrants(canned: string, owner: string, bucketOwner = owner): Grant[] {
  const grants: Grant[] = [{ id: owner, permission: 'FULL_CONTROL' }];
  switch (canned) {
    case 'private':
    case 'aws-exec-read':
      break;
    case 'public-read':
      grants.push({ uri: ALL_USERS, permission: 'READ' });
      break;
    case 'public-read-write':
      grants.push({ uri: ALL_USERS, permission: 'READ' }, { uri: ALL_USERS, permission: 'WRITE' });
      break;
    case 'authenticated-read':
      grants.push({ uri: AUTHENTICATED_USERS, permission: 'READ' });
      break;
    case 'log-delivery-write':
      grants.push({ uri: LOG_DELIVERY, permission: 'WRITE' }, { uri: LOG_DELIVERY, permission: 'READ_ACP' });
      break;
    case 'bucket-owner-read':
      if (bucketOwner !== owner) grants.push({ id: bucketOwner, permission: 'READ' });
      break;
    case 'bucket-owner-full-control':
      if (bucketOwner !== owner) grants.push({ id: bucketOwner, permission: 'FULL_CONTROL' });
      break;
    default:
      throw invalidArgument('Invalid canned ACL');
  }
  return grants;
}

/**
 * The grants of a stored ACL: JSON grants, or (rows written before grant lists were kept) the
 * name of a canned ACL; null is the owner's full control.
 */
export function storedGrants(stored: string | null, owner: string): Grant[] {
  if (!stored) return cannedGrants('private', owner);
  return stored.startsWith('[') ? (JSON.parse(stored) as Grant[]) : cannedGrants(stored, owner);
}

const isPublicGrant = (g: Grant) => g.uri === ALL_USERS || g.uri === AUTHENTICATED_USERS;
export const hasPublicGrant = (grants: Grant[]) => grants.some(isPublicGrant);

/** True when the grants give `permission` to the requester; public grants count unless ignored. */
export function permits(grants: Grant[], permission: Permission, who: Requester, ignorePublic: boolean): boolean {
  return grants.some((g) => {
    if (g.permission !== permission && g.permission !== 'FULL_CONTROL') return false;
    if (g.id !== undefined) return g.id === who.account;
    if (ignorePublic && isPublicGrant(g)) return false;
    return g.uri === ALL_USERS || (g.uri === AUTHENTICATED_USERS && who.account !== undefined);
  });
}

/** The ACL a request asks for: a canned `x-amz-acl` or `x-amz-grant-*` headers (not both). */
export interface AclRequest {
  canned?: string;
  /** Grantees as given (`id=`, `uri=`, `emailAddress=`), unresolved. */
  grants?: Array<{ permission: Permission; grantee: Grantee }>;
}

export interface Grantee {
  id?: string;
  uri?: string;
  email?: string;
}

const GRANT_HEADERS: Record<string, Permission> = {
  'x-amz-grant-full-control': 'FULL_CONTROL',
  'x-amz-grant-read': 'READ',
  'x-amz-grant-write': 'WRITE',
  'x-amz-grant-read-acp': 'READ_ACP',
  'x-amz-grant-write-acp': 'WRITE_ACP',
};

/** Parses `id="..."`, `uri="..."`, `emailAddress="..."` lists of one `x-amz-grant-*` header. */
function granteesOf(value: string): Grantee[] {
  return value.split(',').map((part) => {
    const m = /^\s*(id|uri|emailAddress)\s*=\s*"?([^"]*)"?\s*$/i.exec(part);
    if (!m) throw invalidArgument('Invalid grant header value');
    const kind = m[1].toLowerCase();
    return kind === 'id' ? { id: m[2] } : kind === 'uri' ? { uri: m[2] } : { email: m[2] };
  });
}

/** The ACL headers of a request; undefined when it names none. */
export function aclFromHeaders(header: (name: string) => string | undefined): AclRequest | undefined {
  const canned = header('x-amz-acl');
  const grants = Object.entries(GRANT_HEADERS).flatMap(([name, permission]) => {
    const v = header(name);
    return v === undefined ? [] : granteesOf(v).map((grantee) => ({ permission, grantee }));
  });
  if (canned !== undefined && grants.length) throw invalidRequest('Specifying both Canned ACLs and Header Grants is not allowed');
  if (canned !== undefined) return { canned };
  return grants.length ? { grants } : undefined;
}

/** Finds out whether a canonical id is an account (a project). */
export interface Accounts {
  exists(id: string): Promise<boolean>;
}

/**
 * Turns a requested ACL into grants: canned names expand, grantee ids must be accounts, groups
 * must be S3's groups, and e-mail grantees cannot be resolved (accounts have no e-mail address).
 */
export async function resolveAcl(req: AclRequest, owner: string, bucketOwner: string, canned: string[], accounts: Accounts): Promise<Grant[]> {
  if (req.canned !== undefined) {
    if (!canned.includes(req.canned)) throw invalidArgument('Invalid canned ACL');
    return cannedGrants(req.canned, owner, bucketOwner);
  }
  const grants: Grant[] = [];
  for (const { permission, grantee } of req.grants ?? []) {
    if (grantee.email !== undefined) {
      throw s3Error('badRequest', 'UnresolvableGrantByEmailAddress', 'The e-mail address you provided does not match any account on record.');
    }
    if (grantee.uri !== undefined) {
      if (!GROUPS.includes(grantee.uri)) throw invalidArgument('Invalid group uri');
      grants.push({ uri: grantee.uri, permission });
    } else {
      if (!grantee.id || !(await accounts.exists(grantee.id))) throw invalidArgument('Invalid id');
      grants.push({ id: grantee.id, permission });
    }
  }
  return grants;
}

/** S3's BlockPublicAcls: a request may not add public grants. */
export function checkPublicAclAllowed(grants: Grant[], blockPublicAcls: boolean): void {
  if (blockPublicAcls && hasPublicGrant(grants)) throw accessDenied();
}
