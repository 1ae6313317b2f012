import type { AuthContext } from '../../platform/auth.js';
import {
  admin,
  allOf,
  always,
  anyOf,
  domainManager,
  domainReader,
  ownDomain,
  ownProject,
  ownUser,
  role,
  systemScoped,
  type Check,
  type PolicyTable,
} from '../../platform/policy.js';

/**
 * Keystone's default policies (2023.x secure RBAC) with the SCS domain manager persona of scs-0302:
 * a `manager` on a domain-scoped token administers the projects, users, groups and role grants of
 * that domain, nothing beyond it. The admin role acts cloud-wide on project- and system-scoped
 * tokens (as Keystone without enforced scope); on a domain-scoped token it is Keystone's domain
 * admin, with the manager's rights in that domain (its grants limited alike: granting `admin` would
 * make a cloud admin). A reader on a system-scoped token reads everything (system reader).
 */
export const cloudAdmin: Check = allOf(admin, (ctx) => ctx.domainId === undefined);
export const isCloudAdmin = (ctx: AuthContext): boolean => cloudAdmin(ctx, {});
const inOwnProject: Check = (ctx, t) => ctx.projectId !== undefined && t.id === ctx.projectId;
const domainOfProject: Check = (ctx, t) => ctx.projectDomainId !== undefined && t.id === ctx.projectDomainId;
/** Secure RBAC's system reader: reader (or an implying role) on a system-scoped token reads everything. */
const systemReader = allOf(role('reader'), systemScoped);
const adminOrSystemReader = anyOf(cloudAdmin, systemReader);
const adminOrDomainReader = anyOf(cloudAdmin, systemReader, domainReader);
const domainAdmin = allOf(admin, ownDomain());
/** scs-0302's manager, and Keystone's domain admin (admin on a domain-scoped token), of the target's domain. */
const domainManagerOrAdmin = anyOf(domainManager, domainAdmin);
const adminOrDomainManager = anyOf(cloudAdmin, domainManagerOrAdmin);

/** Roles a domain manager may grant (scs-0302 `domain_manager_grantable_roles`). */
export const DOMAIN_MANAGER_GRANTABLE = ['member', 'reader', 'load-balancer_member', 'creator'];
const grantableByManager: Check = allOf(domainManagerOrAdmin, (_c, t) => DOMAIN_MANAGER_GRANTABLE.includes(String(t.role_name)));
/** A grant's role is global or of the caller's domain (Keystone's `target.role.domain_id` check). */
const roleOfOwnDomain: Check = (ctx, t) => !t.role_domain_id || t.role_domain_id === ctx.domainId;

/** Keystone's limit listing shows every limit to the system and to admins (and the service role). */
export const seesAllLimits = (ctx: AuthContext): boolean => ctx.system || isCloudAdmin(ctx) || role('service')(ctx, {});
/** A limit is read by the admin, the system, its domain's tokens and its project's tokens. */
const limitReader: Check = anyOf(adminOrSystemReader, ownDomain(), ownProject());

export const identityPolicy: PolicyTable = {
  'identity:get_domain': anyOf(adminOrSystemReader, allOf(role('reader'), ownDomain('id')), domainOfProject),
  'identity:list_domains': adminOrSystemReader,
  'identity:create_domain': cloudAdmin,
  'identity:update_domain': cloudAdmin,
  'identity:delete_domain': cloudAdmin,

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

  'identity:get_group': adminOrDomainReader,
  'identity:list_groups': adminOrDomainReader,
  'identity:list_groups_for_user': anyOf(adminOrDomainReader, ownUser('user_id')),
  'identity:create_group': adminOrDomainManager,
  'identity:update_group': adminOrDomainManager,
  'identity:delete_group': adminOrDomainManager,
  'identity:list_users_in_group': adminOrDomainReader,
  'identity:add_user_to_group': adminOrDomainManager,
  'identity:remove_user_from_group': adminOrDomainManager,
  'identity:check_user_in_group': adminOrDomainReader,

  // Global roles are open to every scoped user, unlike Keystone (the system and domain managers only):
  // members name roles when they create trusts and application credentials (`--role member` looks
  // the name up). Domain-specific roles (target `domain_id`) are the admin's and the system's, as there.
  'identity:get_role': anyOf(adminOrSystemReader, allOf(anyOf(role('manager'), role('reader')), (_c, t) => !t.domain_id)),
  'identity:list_roles': anyOf(adminOrSystemReader, allOf(anyOf(role('manager'), role('reader')), (_c, t) => !t.domain_id)),
  'identity:create_role': cloudAdmin,
  'identity:update_role': cloudAdmin,
  'identity:delete_role': cloudAdmin,
  'identity:list_implied_roles': adminOrSystemReader,
  'identity:get_implied_role': adminOrSystemReader,
  'identity:list_role_inference_rules': adminOrSystemReader,
  'identity:create_implied_role': cloudAdmin,
  'identity:delete_implied_role': cloudAdmin,

  'identity:check_grant': anyOf(adminOrSystemReader, allOf(domainReader, roleOfOwnDomain)),
  'identity:list_grants': adminOrDomainReader,
  'identity:create_grant': anyOf(cloudAdmin, allOf(grantableByManager, roleOfOwnDomain)),
  'identity:revoke_grant': anyOf(cloudAdmin, allOf(grantableByManager, roleOfOwnDomain)),
  'identity:list_role_assignments': anyOf(adminOrDomainReader),
  'identity:list_role_assignments_for_tree': anyOf(adminOrDomainReader),
  'identity:list_system_grants': adminOrSystemReader,
  'identity:check_system_grant': adminOrSystemReader,
  'identity:create_system_grant': cloudAdmin,
  'identity:revoke_system_grant': cloudAdmin,

  'identity:get_region': always,
  'identity:list_regions': always,
  'identity:create_region': cloudAdmin,
  'identity:update_region': cloudAdmin,
  'identity:delete_region': cloudAdmin,
  'identity:get_service': adminOrSystemReader,
  'identity:list_services': adminOrSystemReader,
  'identity:create_service': cloudAdmin,
  'identity:update_service': cloudAdmin,
  'identity:delete_service': cloudAdmin,
  'identity:get_endpoint': adminOrSystemReader,
  'identity:list_endpoints': adminOrSystemReader,
  'identity:create_endpoint': cloudAdmin,
  'identity:update_endpoint': cloudAdmin,
  'identity:delete_endpoint': cloudAdmin,

  'identity:get_credential': anyOf(adminOrSystemReader, ownUser('user_id')),
  'identity:list_credentials': anyOf(adminOrSystemReader, ownUser('user_id')),
  'identity:create_credential': anyOf(cloudAdmin, ownUser('user_id')),
  'identity:update_credential': anyOf(cloudAdmin, ownUser('user_id')),
  'identity:delete_credential': anyOf(cloudAdmin, ownUser('user_id')),
  // An S3 gateway (RGW) validates signed requests with its service user, as Keystone's default rule.
  'identity:s3tokens_validate': anyOf(cloudAdmin, role('service')),
  'identity:ec2_get_credential': anyOf(adminOrSystemReader, ownUser('user_id')),
  'identity:ec2_list_credentials': anyOf(adminOrSystemReader, ownUser('user_id')),
  'identity:ec2_create_credential': anyOf(cloudAdmin, ownUser('user_id')),
  'identity:ec2_delete_credential': anyOf(cloudAdmin, ownUser('user_id')),

  'identity:get_application_credential': anyOf(adminOrSystemReader, ownUser('user_id')),
  'identity:list_application_credentials': anyOf(adminOrSystemReader, ownUser('user_id')),
  'identity:create_application_credential': ownUser('user_id'),
  'identity:delete_application_credential': anyOf(cloudAdmin, ownUser('user_id')),
  'identity:get_access_rule': anyOf(adminOrSystemReader, ownUser('user_id')),
  'identity:list_access_rules': anyOf(adminOrSystemReader, ownUser('user_id')),
  'identity:delete_access_rule': anyOf(cloudAdmin, ownUser('user_id')),

  'identity:get_policy': adminOrSystemReader,
  'identity:list_policies': adminOrSystemReader,
  'identity:create_policy': cloudAdmin,
  'identity:update_policy': cloudAdmin,
  'identity:delete_policy': cloudAdmin,

  // Unified limits: anyone reads registered limits and the model; limits are read as limitReader says.
  'identity:get_registered_limit': always,
  'identity:list_registered_limits': always,
  'identity:create_registered_limits': cloudAdmin,
  'identity:update_registered_limit': cloudAdmin,
  'identity:delete_registered_limit': cloudAdmin,
  'identity:get_limit_model': always,
  'identity:get_limit': limitReader,
  'identity:list_limits': always,
  'identity:create_limits': cloudAdmin,
  'identity:update_limit': cloudAdmin,
  'identity:delete_limit': cloudAdmin,

  // OS-ENDPOINT-POLICY associations.
  'identity:create_policy_association_for_endpoint': cloudAdmin,
  'identity:check_policy_association_for_endpoint': adminOrSystemReader,
  'identity:delete_policy_association_for_endpoint': cloudAdmin,
  'identity:create_policy_association_for_service': cloudAdmin,
  'identity:check_policy_association_for_service': adminOrSystemReader,
  'identity:delete_policy_association_for_service': cloudAdmin,
  'identity:create_policy_association_for_region_and_service': cloudAdmin,
  'identity:check_policy_association_for_region_and_service': adminOrSystemReader,
  'identity:delete_policy_association_for_region_and_service': cloudAdmin,
  'identity:get_policy_for_endpoint': adminOrSystemReader,
  'identity:list_endpoints_for_policy': adminOrSystemReader,

  'identity:get_consumer': adminOrSystemReader,
  'identity:list_consumers': adminOrSystemReader,
  'identity:create_consumer': cloudAdmin,
  'identity:update_consumer': cloudAdmin,
  'identity:delete_consumer': cloudAdmin,

  // OS-EP-FILTER: project endpoint filtering is the cloud admin's.
  'identity:list_endpoint_groups': adminOrSystemReader,
  'identity:get_endpoint_group': adminOrSystemReader,
  'identity:create_endpoint_group': cloudAdmin,
  'identity:update_endpoint_group': cloudAdmin,
  'identity:delete_endpoint_group': cloudAdmin,
  'identity:list_endpoints_associated_with_endpoint_group': adminOrSystemReader,
  'identity:list_projects_associated_with_endpoint_group': adminOrSystemReader,
  'identity:get_endpoint_group_in_project': adminOrSystemReader,
  'identity:add_endpoint_group_to_project': cloudAdmin,
  'identity:remove_endpoint_group_from_project': cloudAdmin,
  'identity:list_endpoint_groups_for_project': adminOrSystemReader,
  'identity:list_endpoints_for_project': adminOrSystemReader,
  'identity:list_projects_for_endpoint': adminOrSystemReader,
  'identity:check_endpoint_in_project': adminOrSystemReader,
  'identity:add_endpoint_to_project': cloudAdmin,
  'identity:remove_endpoint_from_project': cloudAdmin,

  // OS-TRUST: the trustor creates and deletes, trustor and trustee read.
  'identity:create_trust': ownUser('trustor_user_id'),
  'identity:list_trusts': adminOrSystemReader,
  'identity:list_trusts_for_trustor': anyOf(adminOrSystemReader, ownUser('trustor_user_id')),
  'identity:list_trusts_for_trustee': anyOf(adminOrSystemReader, ownUser('trustee_user_id')),
  'identity:get_trust': anyOf(adminOrSystemReader, ownUser('trustor_user_id'), ownUser('trustee_user_id')),
  'identity:list_roles_for_trust': anyOf(adminOrSystemReader, ownUser('trustor_user_id'), ownUser('trustee_user_id')),
  'identity:get_role_for_trust': anyOf(adminOrSystemReader, ownUser('trustor_user_id'), ownUser('trustee_user_id')),
  'identity:delete_trust': anyOf(cloudAdmin, ownUser('trustor_user_id')),

  'identity:get_identity_provider': adminOrSystemReader,
  'identity:list_identity_providers': adminOrSystemReader,
  'identity:create_identity_provider': cloudAdmin,
  'identity:update_identity_provider': cloudAdmin,
  'identity:delete_identity_provider': cloudAdmin,
  'identity:get_mapping': adminOrSystemReader,
  'identity:list_mappings': adminOrSystemReader,
  'identity:create_mapping': cloudAdmin,
  'identity:update_mapping': cloudAdmin,
  'identity:delete_mapping': cloudAdmin,
  'identity:get_protocol': adminOrSystemReader,
  'identity:list_protocols': adminOrSystemReader,
  'identity:create_protocol': cloudAdmin,
  'identity:update_protocol': cloudAdmin,
  'identity:delete_protocol': cloudAdmin,
  'identity:get_service_provider': adminOrSystemReader,
  'identity:list_service_providers': adminOrSystemReader,
  'identity:create_service_provider': cloudAdmin,
  'identity:update_service_provider': cloudAdmin,
  'identity:delete_service_provider': cloudAdmin,

  // Domain configuration is the cloud's (domain admins neither read nor change it), as in Keystone;
  // the password rules of the default domain are for anyone with a token.
  'identity:get_domain_config': adminOrSystemReader,
  'identity:get_domain_config_default': adminOrSystemReader,
  'identity:create_domain_config': cloudAdmin,
  'identity:update_domain_config': cloudAdmin,
  'identity:delete_domain_config': cloudAdmin,
  'identity:get_security_compliance_domain_config': always,
};
