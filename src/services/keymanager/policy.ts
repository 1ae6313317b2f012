import type { AuthContext } from '../../platform/auth.js';
import { admin, allOf, anyOf, ownProject, systemScoped, type Check, type PolicyTable } from '../../platform/policy.js';

/**
 * Barbican's default policy as of the release Debian ships (Zed, which its tempest plugin checks):
 * its secure-RBAC rules (member, reader and admin of the token's project; project quotas for the
 * system-scoped admin) OR its legacy rules (the roles creator, observer, audit, admin and
 * key-manager:service-admin), as oslo.policy evaluates a rule with a deprecated alternative.
 * Reading another project's secret or container is 403 (the lookup is not scoped), as in Barbican.
 */
const has =
  (...names: string[]): Check =>
  (ctx) =>
    names.some((n) => ctx.roles.includes(n));

const inProject = ownProject();
const owner: Check = (ctx, t) => t.creator_id === ctx.userId;
/** The target's ACL has not turned project access off (`project-access: false` makes it private). */
const notPrivate: Check = (_ctx, t) => t.project_access !== false;
/** The caller is on the target's read ACL (possibly from another project). */
const aclRead: Check = (_ctx, t) => t.acl_user === true;

// Secure RBAC (Barbican's new defaults).
const member = has('member');
const projectMember = allOf(member, inProject);
const projectAdmin = allOf(admin, inProject);
const manage = anyOf(projectAdmin, allOf(projectMember, owner), allOf(projectMember, notPrivate));
const use = anyOf(manage, aclRead);

// Legacy roles (Barbican's deprecated rules).
const allUsers = has('admin', 'observer', 'creator', 'audit', 'key-manager:service-admin');
const allButAudit = has('admin', 'observer', 'creator');
const adminOrCreator = has('admin', 'creator');
const creatorInProject = allOf(has('creator'), inProject);
const projectCreator = allOf(creatorInProject, owner);
const nonPrivateRead = allOf(allUsers, inProject, notPrivate);
const legacyRead = anyOf(nonPrivateRead, projectCreator, projectAdmin, aclRead);
const legacyDecrypt = anyOf(allOf(allButAudit, inProject, notPrivate), projectCreator, projectAdmin, aclRead);
const legacyChange = anyOf(projectAdmin, projectCreator, allOf(creatorInProject, notPrivate));
const serviceAdmin = anyOf(allOf(admin, systemScoped), has('key-manager:service-admin'));

export const keymanagerPolicy: PolicyTable = {
  'secrets:post': anyOf(member, adminOrCreator),
  'secrets:get': anyOf(member, allButAudit),
  'secret:get': anyOf(use, legacyRead),
  'secret:decrypt': anyOf(use, legacyDecrypt),
  'secret:put': anyOf(manage, allOf(adminOrCreator, inProject)),
  'secret:delete': anyOf(manage, projectCreator, allOf(creatorInProject, notPrivate)),
  'secret_acls:get': anyOf(manage, allOf(allButAudit, inProject)),
  'secret_acls:put_patch': anyOf(manage, legacyChange),
  'secret_acls:delete': anyOf(manage, legacyChange),
  'secret_meta:get': anyOf(use, legacyRead),
  'secret_meta:post': anyOf(manage, legacyChange),
  'secret_meta:put': anyOf(manage, legacyChange),
  'secret_meta:delete': anyOf(manage, legacyChange),
  'containers:post': anyOf(member, adminOrCreator),
  'containers:get': anyOf(member, allButAudit),
  'container:get': anyOf(use, legacyRead),
  'container:delete': anyOf(manage, projectAdmin, projectCreator),
  'container_acls:get': anyOf(manage, allOf(allButAudit, inProject)),
  'container_acls:put_patch': anyOf(manage, legacyChange),
  'container_acls:delete': anyOf(manage, legacyChange),
  'container_secret:post': anyOf(manage, legacyChange),
  'container_secret:delete': anyOf(manage, legacyChange),
  'consumers:get': anyOf(use, legacyRead),
  'consumers:post': anyOf(use, legacyRead),
  'consumers:delete': anyOf(use, legacyRead),
  'orders:post': anyOf(member, adminOrCreator),
  'orders:get': anyOf(member, allButAudit),
  'order:get': anyOf(projectMember, allOf(allUsers, inProject)),
  'order:delete': anyOf(projectMember, projectAdmin),
  'quotas:get': anyOf(has('reader'), allUsers),
  'project_quotas:get': serviceAdmin,
  'project_quotas:put': serviceAdmin,
  'project_quotas:delete': serviceAdmin,
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
