import {
  admin,
  allOf,
  always,
  anyOf,
  domainManager,
  domainReader,
  ownDomain,
  ownUser,
  role,
  type Check,
  type PolicyTable,
} from '../../platform/policy.js';

/**
 * Keystone's default policies (2023.x, scope not enforced: the admin role acts cloud-wide) with the
 * SCS domain manager persona of scs-0302: a `manager` on a domain-scoped token administers the
 * projects, users, groups and role grants of that domain, nothing beyond it.
 */
const inOwnProject: Check = (ctx, t) => ctx.projectId !== undefined && t.id === ctx.projectId;
const domainOfProject: Check = (ctx, t) => ctx.projectDomainId !== undefined && t.id === ctx.projectDomainId;
const adminOrDomainReader = anyOf(admin, domainReader);
const adminOrDomainManager = anyOf(admin, domainManager);

/** Roles a domain manager may grant (scs-0302 `domain_manager_grantable_roles`). */
export const DOMAIN_MANAGER_GRANTABLE = ['member', 'reader', 'load-balancer_member', 'creator'];
const grantableByManager: Check = allOf(domainManager, (_c, t) => DOMAIN_MANAGER_GRANTABLE.includes(String(t.role_name)));

export const identityPolicy: PolicyTable = {
  'identity:get_domain': anyOf(admin, allOf(role('reader'), ownDomain('id')), domainOfProject),
  'identity:list_domains': anyOf(admin),
  'identity:create_domain': admin,
  'identity:update_domain': admin,
  'identity:delete_domain': admin,

  'identity:get_project': anyOf(adminOrDomainReader, inOwnProject),
  'identity:list_projects': adminOrDomainReader,
  'identity:list_user_projects': anyOf(adminOrDomainReader, ownUser('user_id')),
  'identity:create_project': adminOrDomainManager,
  'identity:update_project': adminOrDomainManager,
  'identity:delete_project': adminOrDomainManager,
  'identity:project_tags': anyOf(adminOrDomainReader, inOwnProject),
  'identity:update_project_tags': adminOrDomainManager,

  'identity:get_user': anyOf(adminOrDomainReader, ownUser('id')),
  'identity:list_users': adminOrDomainReader,
  'identity:create_user': adminOrDomainManager,
  'identity:update_user': adminOrDomainManager,
  'identity:delete_user': adminOrDomainManager,
  'identity:change_password': ownUser('id'),

  'identity:get_group': anyOf(adminOrDomainReader),
  'identity:list_groups': adminOrDomainReader,
  'identity:list_groups_for_user': anyOf(adminOrDomainReader, ownUser('user_id')),
  'identity:create_group': adminOrDomainManager,
  'identity:update_group': adminOrDomainManager,
  'identity:delete_group': adminOrDomainManager,
  'identity:list_users_in_group': adminOrDomainReader,
  'identity:add_user_to_group': adminOrDomainManager,
  'identity:remove_user_from_group': adminOrDomainManager,
  'identity:check_user_in_group': adminOrDomainReader,

  'identity:get_role': anyOf(admin, role('manager'), role('reader')),
  'identity:list_roles': anyOf(admin, role('manager'), role('reader')),
  'identity:create_role': admin,
  'identity:update_role': admin,
  'identity:delete_role': admin,
  'identity:list_implied_roles': anyOf(admin, role('reader')),
  'identity:get_implied_role': anyOf(admin, role('reader')),
  'identity:list_role_inference_rules': anyOf(admin, role('reader')),
  'identity:create_implied_role': admin,
  'identity:delete_implied_role': admin,

  'identity:check_grant': anyOf(adminOrDomainReader),
  'identity:list_grants': anyOf(adminOrDomainReader),
  'identity:create_grant': anyOf(admin, grantableByManager),
  'identity:revoke_grant': anyOf(admin, grantableByManager),
  'identity:list_role_assignments': anyOf(adminOrDomainReader),
  'identity:list_role_assignments_for_tree': anyOf(adminOrDomainReader),
  'identity:list_system_grants': admin,
  'identity:check_system_grant': admin,
  'identity:create_system_grant': admin,
  'identity:revoke_system_grant': admin,

  'identity:get_region': always,
  'identity:list_regions': always,
  'identity:create_region': admin,
  'identity:update_region': admin,
  'identity:delete_region': admin,
  'identity:get_service': anyOf(admin, role('reader')),
  'identity:list_services': anyOf(admin, role('reader')),
  'identity:create_service': admin,
  'identity:update_service': admin,
  'identity:delete_service': admin,
  'identity:get_endpoint': anyOf(admin, role('reader')),
  'identity:list_endpoints': anyOf(admin, role('reader')),
  'identity:create_endpoint': admin,
  'identity:update_endpoint': admin,
  'identity:delete_endpoint': admin,

  'identity:get_credential': anyOf(admin, ownUser('user_id')),
  'identity:list_credentials': anyOf(admin, ownUser('user_id')),
  'identity:create_credential': anyOf(admin, ownUser('user_id')),
  'identity:update_credential': anyOf(admin, ownUser('user_id')),
  'identity:delete_credential': anyOf(admin, ownUser('user_id')),
  // An S3 gateway (RGW) validates signed requests with its service user, as Keystone's default rule.
  'identity:s3tokens_validate': anyOf(admin, role('service')),
  'identity:ec2_get_credential': anyOf(admin, ownUser('user_id')),
  'identity:ec2_list_credentials': anyOf(admin, ownUser('user_id')),
  'identity:ec2_create_credential': anyOf(admin, ownUser('user_id')),
  'identity:ec2_delete_credential': anyOf(admin, ownUser('user_id')),

  'identity:get_application_credential': anyOf(admin, ownUser('user_id')),
  'identity:list_application_credentials': anyOf(admin, ownUser('user_id')),
  'identity:create_application_credential': ownUser('user_id'),
  'identity:delete_application_credential': anyOf(admin, ownUser('user_id')),
  'identity:get_access_rule': anyOf(admin, ownUser('user_id')),
  'identity:list_access_rules': anyOf(admin, ownUser('user_id')),
  'identity:delete_access_rule': anyOf(admin, ownUser('user_id')),

  'identity:get_policy': admin,
  'identity:list_policies': admin,
  'identity:create_policy': admin,
  'identity:update_policy': admin,
  'identity:delete_policy': admin,

  'identity:get_consumer': admin,
  'identity:list_consumers': admin,
  'identity:create_consumer': admin,
  'identity:update_consumer': admin,
  'identity:delete_consumer': admin,

  // OS-EP-FILTER: project endpoint filtering is the cloud admin's.
  'identity:list_endpoint_groups': admin,
  'identity:get_endpoint_group': admin,
  'identity:create_endpoint_group': admin,
  'identity:update_endpoint_group': admin,
  'identity:delete_endpoint_group': admin,
  'identity:list_endpoints_associated_with_endpoint_group': admin,
  'identity:list_projects_associated_with_endpoint_group': admin,
  'identity:get_endpoint_group_in_project': admin,
  'identity:add_endpoint_group_to_project': admin,
  'identity:remove_endpoint_group_from_project': admin,
  'identity:list_endpoint_groups_for_project': admin,
  'identity:list_endpoints_for_project': admin,
  'identity:list_projects_for_endpoint': admin,
  'identity:check_endpoint_in_project': admin,
  'identity:add_endpoint_to_project': admin,
  'identity:remove_endpoint_from_project': admin,

  // OS-TRUST: the trustor creates and deletes, trustor and trustee read.
  'identity:create_trust': ownUser('trustor_user_id'),
  'identity:list_trusts': admin,
  'identity:list_trusts_for_trustor': anyOf(admin, ownUser('trustor_user_id')),
  'identity:list_trusts_for_trustee': anyOf(admin, ownUser('trustee_user_id')),
  'identity:get_trust': anyOf(admin, ownUser('trustor_user_id'), ownUser('trustee_user_id')),
  'identity:list_roles_for_trust': anyOf(admin, ownUser('trustor_user_id'), ownUser('trustee_user_id')),
  'identity:get_role_for_trust': anyOf(admin, ownUser('trustor_user_id'), ownUser('trustee_user_id')),
  'identity:delete_trust': anyOf(admin, ownUser('trustor_user_id')),

  'identity:get_identity_provider': admin,
  'identity:list_identity_providers': admin,
  'identity:create_identity_provider': admin,
  'identity:update_identity_provider': admin,
  'identity:delete_identity_provider': admin,
  'identity:get_mapping': admin,
  'identity:list_mappings': admin,
  'identity:create_mapping': admin,
  'identity:update_mapping': admin,
  'identity:delete_mapping': admin,
  'identity:get_protocol': admin,
  'identity:list_protocols': admin,
  'identity:create_protocol': admin,
  'identity:update_protocol': admin,
  'identity:delete_protocol': admin,
};
