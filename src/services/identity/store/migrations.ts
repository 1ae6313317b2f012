import type { ServiceMigration } from '../../../platform/db/migrate.js';
import { autoIdType } from '../../../platform/db/migrate.js';

export const identityMigrations: ServiceMigration[] = [
  {
    name: '0001_init',
    async up(db, dialect) {
      const s = db.schema;
      await s
        .createTable('id_domains')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('id_projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('id_projects_domain_name', ['domain_id', 'name'])
        .execute();
      await s
        .createTable('id_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('password_created_at', 'text')
        .addColumn('password_expires_at', 'text')
        .addColumn('default_project_id', 'text')
        .addColumn('description', 'text')
        .addColumn('email', 'text')
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('federated', 'text')
        .addColumn('failed_auth_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed_auth_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('id_users_domain_name', ['domain_id', 'name'])
        .execute();
      await s
        .createTable('id_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('id_groups_domain_name', ['domain_id', 'name'])
        .execute();
      await s
        .createTable('id_group_members')
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('id_group_members_pk', ['group_id', 'user_id'])
        .execute();
      await s.createIndex('id_group_members_user').on('id_group_members').column('user_id').execute();
      await s
        .createTable('id_roles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        // '' for global roles, so that the unique constraint holds on both dialects.
        .addColumn('domain_id', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('description', 'text')
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addUniqueConstraint('id_roles_domain_name', ['domain_id', 'name'])
        .execute();
      await s
        .createTable('id_implied_roles')
        .addColumn('prior_role_id', 'text', (c) => c.notNull())
        .addColumn('implied_role_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('id_implied_roles_pk', ['prior_role_id', 'implied_role_id'])
        .execute();
      await s
        .createTable('id_assignments')
        // UserProject, GroupProject, UserDomain, GroupDomain, UserSystem, GroupSystem
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('role_id', 'text', (c) => c.notNull())
        .addColumn('inherited', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('id_assignments_pk', ['type', 'actor_id', 'target_id', 'role_id', 'inherited'])
        .execute();
      await s.createIndex('id_assignments_actor').on('id_assignments').column('actor_id').execute();
      await s.createIndex('id_assignments_target').on('id_assignments').column('target_id').execute();
      await s
        .createTable('id_regions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('parent_region_id', 'text')
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await s
        .createTable('id_services')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('description', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await s
        .createTable('id_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('interface', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await s
        .createTable('id_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        // The blob, wrapped by the master key: EC2 secrets must be readable to check signatures.
        .addColumn('encrypted_blob', 'text', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('id_credentials_user').on('id_credentials').column('user_id').execute();
      await s
        .createTable('id_app_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('unrestricted', 'integer', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('access_rules', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('id_app_credentials_user_name', ['user_id', 'name'])
        .execute();
      await s
        .createTable('id_revocations')
        .addColumn('id', autoIdType(dialect), (c) => c.primaryKey())
        .addColumn('user_id', 'text')
        .addColumn('project_id', 'text')
        .addColumn('domain_id', 'text')
        .addColumn('role_id', 'text')
        .addColumn('audit_id', 'text')
        .addColumn('audit_chain_id', 'text')
        .addColumn('app_cred_id', 'text')
        .addColumn('issued_before', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('id_idps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('remote_ids', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('authorization_ttl', 'integer')
        .execute();
      await s
        .createTable('id_mappings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('schema_version', 'text', (c) => c.notNull().defaultTo('1.0'))
        .execute();
      await s
        .createTable('id_protocols')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('idp_id', 'text', (c) => c.notNull())
        .addColumn('mapping_id', 'text', (c) => c.notNull())
        .addColumn('remote_id_attribute', 'text')
        .addPrimaryKeyConstraint('id_protocols_pk', ['idp_id', 'id'])
        .execute();
    },
  },
  {
    name: '0002_access_rules_idp_oidc',
    async up(db) {
      const s = db.schema;
      // Access rules outlive the application credentials that use them, as in Keystone.
      await s
        .createTable('id_access_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('id_access_rules_user').on('id_access_rules').column('user_id').execute();
      // The OIDC settings of an identity provider (issuer, audience, JWKS URL), as JSON.
      await s.alterTable('id_idps').addColumn('oidc', 'text', (c) => c.notNull().defaultTo('{}')).execute();
    },
  },
  {
    name: '0003_trusts_endpoint_filter_policies',
    async up(db) {
      const s = db.schema;
      await s
        .createTable('id_trusts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('trustor_user_id', 'text', (c) => c.notNull())
        .addColumn('trustee_user_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text')
        .addColumn('impersonation', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        // null: unlimited; decremented by compare-and-set on every token issued through the trust.
        .addColumn('remaining_uses', 'integer')
        // JSON list of the delegated role ids.
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('id_trusts_trustor').on('id_trusts').column('trustor_user_id').execute();
      await s.createIndex('id_trusts_trustee').on('id_trusts').column('trustee_user_id').execute();
      // Deleting a trust revokes the tokens issued through it.
      await s.alterTable('id_revocations').addColumn('trust_id', 'text').execute();
      await s
        .createTable('id_endpoint_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('filters', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('id_project_endpoints')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('id_project_endpoints_pk', ['project_id', 'endpoint_id'])
        .execute();
      await s
        .createTable('id_project_endpoint_groups')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('endpoint_group_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('id_project_endpoint_groups_pk', ['project_id', 'endpoint_group_id'])
        .execute();
      await s
        .createTable('id_policies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('blob', 'text', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
    },
  },
  {
    name: '0004_oauth1_consumers',
    async up(db) {
      await db.schema
        .createTable('id_consumers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text')
        // Wrapped by the master key: OAuth1 signatures are checked with the plain secret.
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '0005_password_history',
    async up(db) {
      // The user's previous bcrypt hashes, newest first, as many as `uniqueLastPasswordCount` needs.
      await db.schema.alterTable('id_users').addColumn('password_history', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    },
  },
  {
    name: '0006_access_rule_position',
    async up(db) {
      // Keystone lists a user's access rules in the order they were created.
      await db.schema.alterTable('id_access_rules').addColumn('position', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  {
    name: '0007_unified_limits_endpoint_policy',
    async up(db) {
      const s = db.schema;
      await s
        .createTable('id_registered_limits')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text')
        .addColumn('resource_name', 'text', (c) => c.notNull())
        .addColumn('default_limit', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        // service, region and resource in one unique column (region may be null): no duplicates even under races.
        .addColumn('unique_key', 'text', (c) => c.notNull().unique())
        .execute();
      await s.createIndex('id_registered_limits_service').on('id_registered_limits').column('service_id').execute();
      await s
        .createTable('id_limits')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('registered_limit_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text')
        .addColumn('domain_id', 'text')
        .addColumn('resource_limit', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        // registered limit and project or domain: one override each.
        .addColumn('unique_key', 'text', (c) => c.notNull().unique())
        .execute();
      await s.createIndex('id_limits_registered').on('id_limits').column('registered_limit_id').execute();
      await s
        .createTable('id_policy_associations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('policy_id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text')
        .addColumn('service_id', 'text')
        .addColumn('region_id', 'text')
        // What the policy is for (endpoint, service, or service and region): one policy each.
        .addColumn('target', 'text', (c) => c.notNull().unique())
        .execute();
      await s.createIndex('id_policy_associations_policy').on('id_policy_associations').column('policy_id').execute();
    },
  },
  {
    name: '0008_domain_config_service_providers',
    async up(db) {
      const s = db.schema;
      // One row per option of a domain's configuration; `value` is JSON, wrapped by the master key when sensitive.
      await s
        .createTable('id_domain_config')
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('group_name', 'text', (c) => c.notNull())
        .addColumn('option_name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('sensitive', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('id_domain_config_pk', ['domain_id', 'group_name', 'option_name'])
        .execute();
      await s
        .createTable('id_service_providers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('auth_url', 'text', (c) => c.notNull())
        .addColumn('sp_url', 'text', (c) => c.notNull())
        .addColumn('relay_state_prefix', 'text', (c) => c.notNull())
        .execute();
    },
  },
];
