import type { ServiceMigration } from '../../../platform/db/migrate.js';

export const computeMigrations: ServiceMigration[] = [
  {
    name: '0001_init',
    async up(db) {
      const s = db.schema;
      await s
        .createTable('compute_flavors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('vcpus', 'integer', (c) => c.notNull())
        .addColumn('ram', 'integer', (c) => c.notNull())
        .addColumn('disk', 'integer', (c) => c.notNull())
        .addColumn('ephemeral', 'integer', (c) => c.notNull())
        .addColumn('swap', 'integer', (c) => c.notNull())
        .addColumn('rxtx_factor', 'real', (c) => c.notNull())
        .addColumn('is_public', 'integer', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('extra_specs', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('compute_flavor_access')
        .addColumn('flavor_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('compute_flavor_access_pk', ['flavor_id', 'project_id'])
        .execute();
      await s
        .createTable('compute_keypairs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('compute_keypairs_user_name', ['user_id', 'name'])
        .execute();
      await s
        .createTable('compute_servers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('image_id', 'text')
        .addColumn('flavor_id', 'text', (c) => c.notNull())
        .addColumn('vcpus', 'integer', (c) => c.notNull())
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('root_gb', 'integer', (c) => c.notNull())
        .addColumn('flavor', 'text', (c) => c.notNull())
        .addColumn('old_flavor', 'text')
        .addColumn('key_name', 'text')
        .addColumn('key_data', 'text')
        .addColumn('user_data', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('vm_state', 'text', (c) => c.notNull())
        .addColumn('task_state', 'text')
        .addColumn('power_state', 'integer', (c) => c.notNull())
        .addColumn('host', 'text')
        .addColumn('availability_zone', 'text')
        .addColumn('requested_az', 'text')
        .addColumn('access_ipv4', 'text', (c) => c.notNull())
        .addColumn('access_ipv6', 'text', (c) => c.notNull())
        .addColumn('config_drive', 'text', (c) => c.notNull())
        .addColumn('disk_config', 'text', (c) => c.notNull())
        .addColumn('locked', 'integer', (c) => c.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_reason', 'text')
        .addColumn('launched_at', 'text')
        .addColumn('terminated_at', 'text')
        .addColumn('reservation_id', 'text', (c) => c.notNull())
        .addColumn('launch_index', 'integer', (c) => c.notNull())
        .addColumn('server_group_id', 'text')
        .addColumn('fault', 'text')
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('compute_servers_project').on('compute_servers').columns(['project_id', 'deleted', 'created_at']).execute();
      await s.createIndex('compute_servers_group').on('compute_servers').columns(['server_group_id']).execute();
      await s.createIndex('compute_servers_host').on('compute_servers').columns(['host']).execute();
      await s
        .createTable('compute_server_tags')
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('compute_server_tags_pk', ['server_id', 'tag'])
        .execute();
      await s.createIndex('compute_server_tags_tag').on('compute_server_tags').columns(['tag']).execute();
      await s
        .createTable('compute_instance_actions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('start_time', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('compute_instance_actions_server').on('compute_instance_actions').columns(['server_id', 'start_time']).execute();
      await s
        .createTable('compute_server_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('compute_quotas')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('compute_quotas_pk', ['project_id', 'resource'])
        .execute();
      await s
        .createTable('compute_hosts')
        .addColumn('host', 'text', (c) => c.primaryKey())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('forced_down', 'integer', (c) => c.notNull())
        .addColumn('fail_builds', 'integer', (c) => c.notNull())
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('down', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '0002_volume_attachments',
    async up(db) {
      await db.schema
        .createTable('compute_volume_attachments')
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('volume_id', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('boot_index', 'integer')
        .addColumn('delete_on_termination', 'integer', (c) => c.notNull())
        .addColumn('tag', 'text')
        .addColumn('attachment_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('compute_volume_attachments_pk', ['server_id', 'volume_id'])
        .execute();
      await db.schema.createIndex('compute_volume_attachments_volume').on('compute_volume_attachments').column('volume_id').execute();
    },
  },
  {
    name: '0003_aggregates_migrations',
    async up(db) {
      const s = db.schema;
      // The zone a host gets from its aggregates' availability_zone (null: the configured zone).
      await s.alterTable('compute_hosts').addColumn('zone', 'text').execute();
      await s
        .createTable('compute_aggregates')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text')
        .execute();
      await s
        .createTable('compute_aggregate_hosts')
        .addColumn('aggregate_id', 'integer', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('compute_aggregate_hosts_pk', ['aggregate_id', 'host'])
        .execute();
      await s
        .createTable('compute_migrations')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('migration_type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('source_compute', 'text')
        .addColumn('dest_compute', 'text')
        .addColumn('old_flavor_id', 'text', (c) => c.notNull())
        .addColumn('new_flavor_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text')
        .execute();
      await s.createIndex('compute_migrations_server').on('compute_migrations').column('server_id').execute();
    },
  },
  {
    name: '0004_sequences',
    async up(db) {
      // Integer ids that are never reused (aggregates), as Nova's autoincrement columns.
      await db.schema
        .createTable('compute_sequences')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('next', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '0005_personality',
    async up(db) {
      await db.schema.alterTable('compute_servers').addColumn('personality', 'text').execute();
    },
  },
  {
    name: '0006_control_services',
    async up(db) {
      await db.schema
        .createTable('compute_control_services')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('binary', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('compute_control_services_binary_host', ['binary', 'host'])
        .execute();
    },
  },
  {
    name: '0007_guest_accounts',
    async up(db) {
      await db.schema
        .createTable('compute_guest_accounts')
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('compute_guest_accounts_pk', ['server_id', 'user_name'])
        .execute();
    },
  },
];
