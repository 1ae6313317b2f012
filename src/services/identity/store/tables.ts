import type { Kysely } from 'kysely';

/** Row shapes of the identity tables (see migrations.ts for the column conventions). */
export interface DomainRow {
  id: string;
  name: string;
  description: string;
  enabled: number;
  tags: string;
  options: string;
  extra: string;
  created_at: string;
}
export interface ProjectRow {
  id: string;
  name: string;
  domain_id: string;
  parent_id: string | null;
  description: string;
  enabled: number;
  tags: string;
  options: string;
  extra: string;
  created_at: string;
}
export interface UserRow {
  id: string;
  name: string;
  domain_id: string;
  enabled: number;
  password_hash: string | null;
  password_created_at: string | null;
  password_expires_at: string | null;
  default_project_id: string | null;
  description: string | null;
  email: string | null;
  options: string;
  extra: string;
  federated: string | null;
  failed_auth_count: number;
  failed_auth_at: string | null;
  created_at: string;
  /** JSON list of previous password hashes, newest first (defaults to `[]`). */
  password_history?: string;
}
export interface GroupRow {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  extra: string;
  created_at: string;
}
export interface RoleRow {
  id: string;
  name: string;
  domain_id: string;
  description: string | null;
  options: string;
  extra: string;
}
export type AssignmentType = 'UserProject' | 'GroupProject' | 'UserDomain' | 'GroupDomain' | 'UserSystem' | 'GroupSystem';
export interface AssignmentRow {
  type: AssignmentType;
  actor_id: string;
  target_id: string;
  role_id: string;
  inherited: number;
}
export interface RegionRow {
  id: string;
  description: string;
  parent_region_id: string | null;
  extra: string;
}
export interface ServiceRow {
  id: string;
  type: string;
  name: string | null;
  description: string | null;
  enabled: number;
  extra: string;
}
export interface EndpointRow {
  id: string;
  service_id: string;
  interface: string;
  url: string;
  region_id: string | null;
  enabled: number;
  extra: string;
}
export interface CredentialRow {
  id: string;
  user_id: string;
  project_id: string | null;
  type: string;
  encrypted_blob: string;
  extra: string;
  created_at: string;
}
export interface AppCredentialRow {
  id: string;
  name: string;
  user_id: string;
  project_id: string;
  secret_hash: string;
  description: string | null;
  expires_at: string | null;
  unrestricted: number;
  roles: string;
  access_rules: string;
  created_at: string;
}
export interface RevocationRow {
  id?: number;
  user_id: string | null;
  project_id: string | null;
  domain_id: string | null;
  role_id: string | null;
  audit_id: string | null;
  audit_chain_id: string | null;
  app_cred_id: string | null;
  trust_id: string | null;
  issued_before: string;
  revoked_at: string;
}
export interface IdpRow {
  id: string;
  enabled: number;
  description: string | null;
  domain_id: string;
  remote_ids: string;
  authorization_ttl: number | null;
  oidc: string;
}
export interface AccessRuleRow {
  id: string;
  user_id: string;
  service: string;
  path: string;
  method: string;
  /** Creation order among the user's rules. */
  position: number;
}
export interface MappingRow {
  id: string;
  rules: string;
  schema_version: string;
}
export interface ProtocolRow {
  id: string;
  idp_id: string;
  mapping_id: string;
  remote_id_attribute: string | null;
}
export interface TrustRow {
  id: string;
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string | null;
  impersonation: number;
  expires_at: string | null;
  remaining_uses: number | null;
  roles: string;
  extra: string;
  created_at: string;
}
export interface EndpointGroupRow {
  id: string;
  name: string;
  description: string | null;
  filters: string;
}
export interface PolicyRow {
  id: string;
  type: string;
  blob: string;
  extra: string;
}
export interface ConsumerRow {
  id: string;
  description: string | null;
  secret: string;
  extra: string;
  created_at: string;
}
/** Unified limits: a service's default for a resource, optionally per region. */
export interface RegisteredLimitRow {
  id: string;
  service_id: string;
  region_id: string | null;
  resource_name: string;
  default_limit: number;
  description: string | null;
  unique_key: string;
}
/** A project's or domain's override of a registered limit (service, region and resource come from it). */
export interface LimitRow {
  id: string;
  registered_limit_id: string;
  project_id: string | null;
  domain_id: string | null;
  resource_limit: number;
  description: string | null;
  unique_key: string;
}
/** OS-ENDPOINT-POLICY: a policy for an endpoint, a service, or a service in a region. */
export interface PolicyAssociationRow {
  id: string;
  policy_id: string;
  endpoint_id: string | null;
  service_id: string | null;
  region_id: string | null;
  target: string;
}
/** One option of a domain's configuration (Keystone's domain-specific drivers). */
export interface DomainConfigRow {
  domain_id: string;
  group_name: string;
  option_name: string;
  value: string;
  sensitive: number;
}
export interface ServiceProviderRow {
  id: string;
  enabled: number;
  description: string | null;
  auth_url: string;
  sp_url: string;
  relay_state_prefix: string;
}

export interface IdentityTables {
  id_domains: DomainRow;
  id_projects: ProjectRow;
  id_users: UserRow;
  id_groups: GroupRow;
  id_group_members: { group_id: string; user_id: string };
  id_roles: RoleRow;
  id_implied_roles: { prior_role_id: string; implied_role_id: string };
  id_assignments: AssignmentRow;
  id_regions: RegionRow;
  id_services: ServiceRow;
  id_endpoints: EndpointRow;
  id_credentials: CredentialRow;
  id_app_credentials: AppCredentialRow;
  id_access_rules: AccessRuleRow;
  id_revocations: RevocationRow;
  id_idps: IdpRow;
  id_mappings: MappingRow;
  id_protocols: ProtocolRow;
  id_trusts: TrustRow;
  id_endpoint_groups: EndpointGroupRow;
  id_project_endpoints: { project_id: string; endpoint_id: string };
  id_project_endpoint_groups: { project_id: string; endpoint_group_id: string };
  id_policies: PolicyRow;
  id_consumers: ConsumerRow;
  id_domain_config: DomainConfigRow;
  id_service_providers: ServiceProviderRow;
  id_registered_limits: RegisteredLimitRow;
  id_limits: LimitRow;
  id_policy_associations: PolicyAssociationRow;
}

export type IdentityDb = Kysely<IdentityTables>;
