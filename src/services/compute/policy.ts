import { admin, always, anyOf, ownProject, role, type PolicyTable } from '../../platform/policy.js';

const owner = anyOf(admin, ownProject());
const reader = anyOf(admin, ownProject());

/** Nova's default rules (admin, or member/reader of the owning project), as data. */
export const computePolicy: PolicyTable = {
  'flavor:manage': admin,
  'flavor:access:list': admin,
  'keypair:other_user': admin,
  'server:list': always,
  'server:list:all_tenants': admin,
  'server:show': reader,
  'server:show:host_attributes': admin,
  'server:create': anyOf(admin, role('member')),
  'server:create:forced_host': admin,
  'server:update': owner,
  'server:delete': owner,
  'server:action': owner,
  'server:migrate': admin,
  'server:volume:swap': admin,
  'server:instance_actions:events:details': admin,
  'server_group:list:all': admin,
  'quota:show': anyOf(admin, ownProject()),
  'quota:update': admin,
  'limits:other_project': admin,
  'hypervisor': admin,
  'aggregate': admin,
  'host': admin,
  'migration': admin,
  'diagnostics': admin,
  'external_events': admin,
  'service': admin,
  'availability_zone:detail': admin,
  'simulator': admin,
  'usage:own': owner,
  'usage:all': admin,
};

