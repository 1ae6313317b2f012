import type { AuthContext } from '../../platform/auth.js';
import { admin, allOf, anyOf, ownProject, type Check, type PolicyTable } from '../../platform/policy.js';

/**
 * Barbican's roles mapped from our personas: admin acts as Barbican's admin, member as creator,
 * reader as observer; `audit` (and the literal Barbican role names) work as upstream. Barbican
 * scopes everything to the token's project, the admin included; `key-manager:service-admin`
 * (quotas of other projects) is our cloud admin.
 */
const hasAny =
  (...names: string[]): Check =>
  (ctx) =>
    names.some((n) => ctx.roles.includes(n));

const inProject = ownProject();
const projectAdmin = allOf(admin, inProject);
const creator = allOf(hasAny('admin', 'member', 'creator'), inProject);
const observer = allOf(hasAny('admin', 'member', 'creator', 'reader', 'observer'), inProject);
const anyRole = allOf(hasAny('admin', 'member', 'creator', 'reader', 'observer', 'audit'), inProject);
/** The target's ACL has not turned project access off (`project-access: false` makes it private). */
const projectAccess: Check = (_ctx, t) => t.project_access !== false;
const creatorUser: Check = (ctx, t) => t.creator_id === ctx.userId;
/** The caller is on the target's read ACL (possibly from another project). */
const aclRead: Check = (_ctx, t) => t.acl_user === true;

const ownCreator = allOf(creator, creatorUser);
const read = anyOf(allOf(anyRole, projectAccess), ownCreator, projectAdmin, aclRead);
const decrypt = anyOf(allOf(observer, projectAccess), ownCreator, projectAdmin, aclRead);
const write = anyOf(projectAdmin, ownCreator, allOf(creator, projectAccess));
const remove = anyOf(projectAdmin, ownCreator);

export const keymanagerPolicy: PolicyTable = {
  'secrets:post': creator,
  'secrets:get': observer,
  'secret:get': read,
  'secret:decrypt': decrypt,
  'secret:put': write,
  'secret:delete': remove,
  'secret_acls:get': remove,
  'secret_acls:put_patch': remove,
  'secret_acls:delete': remove,
  'secret_meta:get': read,
  'secret_meta:post': write,
  'secret_meta:put': write,
  'secret_meta:delete': write,
  'containers:post': creator,
  'containers:get': observer,
  'container:get': read,
  'container:delete': remove,
  'container_acls:get': remove,
  'container_acls:put_patch': remove,
  'container_acls:delete': remove,
  'container_secret:post': write,
  'container_secret:delete': write,
  'consumers:get': read,
  'consumers:post': write,
  'consumers:delete': write,
  'orders:post': creator,
  'orders:get': observer,
  'order:get': observer,
  'order:delete': projectAdmin,
  'quotas:get': anyRole,
  'project_quotas:get': admin,
  'project_quotas:put': admin,
  'project_quotas:delete': admin,
};

/** The fields the rules above look at. */
export interface KmTarget extends Record<string, unknown> {
  project_id: string;
  creator_id?: string;
  project_access?: boolean;
  acl_user?: boolean;
}

export const ownTarget = (ctx: AuthContext): KmTarget => ({ project_id: ctx.projectId ?? '' });

/** The policy target of a secret or container as `userId` sees it, with its read ACL. */
export function entityTarget(
  userId: string,
  row: { project_id: string; creator_id: string },
  acl?: { projectAccess: boolean; users: string[] },
): KmTarget {
  return { project_id: row.project_id, creator_id: row.creator_id, project_access: acl?.projectAccess ?? true, acl_user: !!acl?.users.includes(userId) };
}
