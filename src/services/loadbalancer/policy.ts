import { allOf, always, anyOf, ownProject, role, type Check, type PolicyTable } from '../../platform/policy.js';

/**
 * Which of Octavia's policies applies (`loadbalancer.rbac`):
 * - `default`: Octavia's default rules as they act without enforce_new_defaults, the new Keystone
 *   personas OR the deprecated load-balancer_* roles. Members (or load-balancer_member) manage
 *   their project's objects, readers (or load-balancer_observer) read them,
 *   load-balancer_global_observer reads all, admin (or load-balancer_admin) does anything.
 * - `advanced`: Octavia's advanced RBAC policy file (what its upstream gate runs): only the
 *   load-balancer_* roles (and admin) count; a plain Keystone member or reader has no access.
 */
export type RbacMode = 'default' | 'advanced';
export const RBAC_MODES: readonly RbacMode[] = ['default', 'advanced'];

export function octaviaPolicy(mode: RbacMode): PolicyTable {
  const keystone = mode === 'default';
  const admin = anyOf(role('admin'), role('load-balancer_admin'));
  const globalObserver = anyOf(admin, role('load-balancer_global_observer'));
  const projectWriter = allOf(ownProject(), keystone ? anyOf(role('member'), role('load-balancer_member')) : role('load-balancer_member'));
  const projectReader = anyOf(allOf(ownProject(), keystone ? anyOf(role('reader'), role('load-balancer_observer')) : role('load-balancer_observer')), projectWriter);
  const read: Check = anyOf(globalObserver, projectReader);
  const write: Check = anyOf(admin, projectWriter);
  // Providers, flavors and availability zones: any authenticated user by default; with the
  // advanced file only holders of a load-balancer_* role (Octavia's load-balancer:read). Their
  // profiles, capabilities and every change are the admin's.
  const catalogReader: Check = keystone ? always : anyOf(globalObserver, role('load-balancer_observer'), role('load-balancer_member'));
  return {
    ...objectRules('loadbalancer', read, write),
    ...objectRules('listener', read, write),
    ...objectRules('pool', read, write),
    ...objectRules('member', read, write),
    ...objectRules('healthmonitor', read, write),
    ...objectRules('l7policy', read, write),
    ...objectRules('l7rule', read, write),
    'loadbalancer:get_stats': read,
    'loadbalancer:get_status': read,
    'listener:get_stats': read,
    'loadbalancer:put_failover': admin,
    'quota:get_all': anyOf(globalObserver, role('load-balancer_quota_admin')),
    'quota:get_one': anyOf(globalObserver, role('load-balancer_quota_admin'), projectReader),
    'quota:get_defaults': anyOf(globalObserver, role('load-balancer_quota_admin'), projectReader),
    'quota:put': anyOf(admin, role('load-balancer_quota_admin')),
    'quota:delete': anyOf(admin, role('load-balancer_quota_admin')),
    'amphora:get_all': admin,
    'amphora:get_one': admin,
    'provider:get_all': catalogReader,
    'provider-flavor:get_all': admin,
    'provider-availability-zone:get_all': admin,
    ...objectRules('flavor', catalogReader, admin),
    ...objectRules('flavor-profile', admin, admin),
    ...objectRules('availability-zone', catalogReader, admin),
    ...objectRules('availability-zone-profile', admin, admin),
  };
}

function objectRules(kind: string, read: Check, write: Check): PolicyTable {
  return {
    [`${kind}:get_all`]: read,
    [`${kind}:get_one`]: read,
    [`${kind}:post`]: write,
    [`${kind}:put`]: write,
    [`${kind}:delete`]: write,
  };
}
