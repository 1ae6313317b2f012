import { allOf, always, anyOf, ownProject, role, type Check, type PolicyTable } from '../../platform/policy.js';

/**
 * Octavia's default policies: the load-balancer_* roles and the standard personas. Members (or
 * load-balancer_member) manage their project's objects, readers (or load-balancer_observer) read
 * them, load-balancer_global_observer reads all, admin (or load-balancer_admin) does anything.
 */
const admin = anyOf(role('admin'), role('load-balancer_admin'));
const globalObserver = anyOf(admin, role('load-balancer_global_observer'));
const projectWriter = allOf(ownProject(), anyOf(role('member'), role('load-balancer_member')));
const projectReader = anyOf(allOf(ownProject(), anyOf(role('reader'), role('load-balancer_observer'))), projectWriter);
const read: Check = anyOf(globalObserver, projectReader);
const write: Check = anyOf(admin, projectWriter);

const objectRules = (kind: string): PolicyTable => ({
  [`${kind}:get_all`]: read,
  [`${kind}:get_one`]: read,
  [`${kind}:post`]: write,
  [`${kind}:put`]: write,
  [`${kind}:delete`]: write,
});

export const loadbalancerPolicy: PolicyTable = {
  ...objectRules('loadbalancer'),
  ...objectRules('listener'),
  ...objectRules('pool'),
  ...objectRules('member'),
  ...objectRules('healthmonitor'),
  ...objectRules('l7policy'),
  ...objectRules('l7rule'),
  'loadbalancer:get_stats': read,
  'loadbalancer:get_status': read,
  'listener:get_stats': read,
  'loadbalancer:put_failover': admin,
  'quota:get_all': anyOf(globalObserver, role('load-balancer_quota_admin')),
  'quota:get_one': anyOf(globalObserver, role('load-balancer_quota_admin'), projectReader),
  'quota:get_defaults': anyOf(globalObserver, role('load-balancer_quota_admin'), projectReader),
  'quota:put': anyOf(admin, role('load-balancer_quota_admin')),
  'quota:delete': anyOf(admin, role('load-balancer_quota_admin')),
  // Providers, flavors and availability zones are readable by every authenticated user.
  'provider:get_all': always,
  'flavor:get_all': always,
  'flavor-profile:get_all': admin,
  'availability-zone:get_all': always,
  'availability-zone-profile:get_all': admin,
};
