import { admin, allOf, anyOf, ownProject, role, type Check, type PolicyTable } from '../../platform/policy.js';

/**
 * Neutron's default policies (secure RBAC personas). Which resources a caller may see at all is
 * the model's business (another project's resource is not found; shared and external networks are
 * visible); this table decides what a caller may do with what it sees. Targets are the resource
 * dictionaries (`project_id`, `shared`, `router:external`).
 */
const member = role('member');
const reader = role('reader');
const adminOrMember = anyOf(admin, member);
const adminOrOwnerMember = anyOf(admin, allOf(member, ownProject()));
const adminOrReader = anyOf(admin, reader);

const crud = (resource: string, writes: Check = adminOrOwnerMember): PolicyTable => ({
  [`get_${resource}`]: adminOrReader,
  [`create_${resource}`]: adminOrMember,
  [`update_${resource}`]: writes,
  [`delete_${resource}`]: writes,
});

export const networkPolicy: PolicyTable = {
  ...crud('network'),
  ...crud('subnet'),
  ...crud('subnetpool'),
  ...crud('port'),
  // As Neutron's: the owner of the network may delete any port on it.
  delete_port: anyOf(admin, allOf(member, anyOf(ownProject(), ownProject('network:tenant_id')))),
  ...crud('router'),
  ...crud('floatingip'),
  ...crud('security_group'),
  ...crud('security_group_rule'),
  ...crud('rbac_policy'),
  ...crud('address_scope'),
  ...crud('address_group'),
  add_addresses: adminOrOwnerMember,
  remove_addresses: adminOrOwnerMember,
  ...crud('trunk'),
  // Metering: a project's manager (or an admin) makes labels and rules, its readers see them.
  ...Object.fromEntries(
    ['metering_label', 'metering_label_rule'].flatMap((r) => [
      [`get_${r}`, adminOrReader],
      [`create_${r}`, anyOf(admin, role('manager'))],
      [`delete_${r}`, anyOf(admin, allOf(role('manager'), ownProject()))],
    ]),
  ),
  add_prefixes: adminOrOwnerMember,
  remove_prefixes: adminOrOwnerMember,
  add_subports: adminOrOwnerMember,
  remove_subports: adminOrOwnerMember,
  get_subports: adminOrReader,
  // QoS policies and rules are admins' (Neutron's defaults); everyone reads them.
  ...crud('policy', admin),
  create_policy: admin,
  ...Object.fromEntries(
    ['bandwidth_limit', 'dscp_marking', 'minimum_bandwidth', 'minimum_packet_rate'].flatMap((t) => [
      [`get_policy_${t}_rule`, adminOrReader],
      [`create_policy_${t}_rule`, admin],
      [`update_policy_${t}_rule`, admin],
      [`delete_policy_${t}_rule`, admin],
    ]),
  ),
  get_rule_type: adminOrReader,
  add_router_interface: adminOrOwnerMember,
  remove_router_interface: adminOrOwnerMember,
  add_extraroutes: adminOrOwnerMember,
  remove_extraroutes: adminOrOwnerMember,
  get_default_security_group_rule: adminOrReader,
  create_default_security_group_rule: admin,
  delete_default_security_group_rule: admin,
  get_quota: anyOf(admin, allOf(reader, ownProject())),
  update_quota: admin,
  delete_quota: admin,
  get_availability_zone: adminOrReader,
  get_floatingip_pool: adminOrReader,
  get_network_ip_availability: admin,
  // agent, l3_agent_scheduler, dhcp_agent_scheduler: the data plane is the operator's.
  get_agent: admin,
  update_agent: admin,
  delete_agent: admin,
  'get_l3-routers': admin,
  'create_l3-router': admin,
  'delete_l3-router': admin,
  'get_l3-agents': admin,
  'get_dhcp-networks': admin,
  'create_dhcp-network': admin,
  'delete_dhcp-network': admin,
  'get_dhcp-agents': admin,
  // flavors: everyone reads flavors (to pick one for a router); profiles and changes are admins'.
  ...crud('segment', admin),
  get_segment: admin,
  create_segment: admin,
  ...crud('flavor', admin),
  create_flavor: admin,
  ...crud('service_profile', admin),
  get_service_profile: admin,
  create_service_profile: admin,
  create_flavor_service_profile: admin,
  delete_flavor_service_profile: admin,
  get_service_provider: adminOrReader,
  // As Neutron's: a project's own members (or an admin) get or delete its auto-allocated topology.
  get_auto_allocated_topology: adminOrOwnerMember,
  delete_auto_allocated_topology: adminOrOwnerMember,
};
