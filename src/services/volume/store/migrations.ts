import type { ServiceMigration } from '../../../platform/db/migrate.js';

export const volumeMigrations: ServiceMigration[] = [
  {
    name: '0001_init',
    async up(db) {
      const s = db.schema;
      await s
        .createTable('vol_volumes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('description', 'text')
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('previous_status', 'text')
        .addColumn('availability_zone', 'text', (c) => c.notNull())
        .addColumn('volume_type_id', 'text', (c) => c.notNull())
        .addColumn('bootable', 'integer', (c) => c.notNull())
        .addColumn('multiattach', 'integer', (c) => c.notNull())
        .addColumn('source_volid', 'text')
        .addColumn('snapshot_id', 'text')
        .addColumn('image_id', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('image_metadata', 'text', (c) => c.notNull())
        .addColumn('encryption_key', 'text')
        .addColumn('encryption_key_id', 'text')
        .addColumn('fault', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('vol_volumes_project').on('vol_volumes').columns(['project_id', 'created_at']).execute();
      await s
        .createTable('vol_attachments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('volume_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('instance_uuid', 'text')
        .addColumn('attached_host', 'text')
        .addColumn('mountpoint', 'text')
        .addColumn('attach_mode', 'text', (c) => c.notNull())
        .addColumn('attach_status', 'text', (c) => c.notNull())
        .addColumn('connector', 'text')
        .addColumn('attach_time', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('vol_attachments_volume').on('vol_attachments').column('volume_id').execute();
      await s
        .createTable('vol_types')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('is_public', 'integer', (c) => c.notNull())
        .addColumn('extra_specs', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('vol_type_access')
        .addColumn('type_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('vol_type_access_pk', ['type_id', 'project_id'])
        .execute();
      await s
        .createTable('vol_snapshots')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('volume_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('description', 'text')
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('encryption_key', 'text')
        .addColumn('fault', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('vol_snapshots_volume').on('vol_snapshots').column('volume_id').execute();
      await s
        .createTable('vol_backups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('volume_id', 'text', (c) => c.notNull())
        .addColumn('snapshot_id', 'text')
        .addColumn('name', 'text')
        .addColumn('description', 'text')
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('is_incremental', 'integer', (c) => c.notNull())
        .addColumn('availability_zone', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('encryption_key', 'text')
        .addColumn('fail_reason', 'text')
        .addColumn('restore_volume_id', 'text')
        .addColumn('data_timestamp', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('vol_quotas')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('vol_quotas_pk', ['project_id', 'resource'])
        .execute();
    },
  },
  {
    name: '0002_type_encryption',
    async up(db) {
      // Cinder's volume type encryption (provider, cipher, key size, control location) as JSON.
      await db.schema.alterTable('vol_types').addColumn('encryption', 'text').execute();
    },
  },
  {
    name: '0003_transfers',
    async up(db) {
      await db.schema
        .createTable('vol_transfers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('volume_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('salt', 'text', (c) => c.notNull())
        .addColumn('crypt_hash', 'text', (c) => c.notNull())
        .addColumn('no_snapshots', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '0004_readonly',
    async up(db) {
      await db.schema.alterTable('vol_volumes').addColumn('readonly', 'integer').execute();
    },
  },
  {
    name: '0005_quota_classes',
    async up(db) {
      await db.schema
        .createTable('vol_quota_classes')
        .addColumn('class_name', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('vol_quota_classes_pk', ['class_name', 'resource'])
        .execute();
    },
  },
  {
    name: '0006_snapshot_progress',
    async up(db) {
      await db.schema.alterTable('vol_snapshots').addColumn('progress', 'text').execute();
    },
  },
  {
    name: '0007_qos_specs',
    async up(db) {
      await db.schema
        .createTable('vol_qos_specs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('consumer', 'text', (c) => c.notNull())
        .addColumn('specs', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('vol_types').addColumn('qos_specs_id', 'text').execute();
    },
  },
  {
    name: '0008_services',
    async up(db) {
      await db.schema
        .createTable('vol_services')
        .addColumn('binary', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('frozen', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('vol_services_pk', ['binary', 'host'])
        .execute();
    },
  },
  {
    name: '0009_messages',
    async up(db) {
      await db.schema
        .createTable('vol_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_uuid', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('message_level', 'text', (c) => c.notNull())
        .addColumn('user_message', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vol_messages_project').on('vol_messages').column('project_id').execute();
    },
  },
  {
    name: '0010_groups',
    async up(db) {
      const s = db.schema;
      await s
        .createTable('vol_group_types')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('is_public', 'integer', (c) => c.notNull())
        .addColumn('group_specs', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('vol_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('description', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('availability_zone', 'text', (c) => c.notNull())
        .addColumn('group_type_id', 'text', (c) => c.notNull())
        .addColumn('volume_type_ids', 'text', (c) => c.notNull())
        .addColumn('group_snapshot_id', 'text')
        .addColumn('source_group_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('vol_group_snapshots')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('group_type_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('description', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.alterTable('vol_volumes').addColumn('group_id', 'text').execute();
      await s.alterTable('vol_snapshots').addColumn('group_snapshot_id', 'text').execute();
    },
  },
  {
    name: '0011_backup_container_records',
    async up(db) {
      await db.schema.alterTable('vol_backups').addColumn('container', 'text').execute();
      await db.schema.alterTable('vol_backups').addColumn('data_id', 'text').execute();
      await db.schema.alterTable('vol_backups').addColumn('volume_meta', 'text').execute();
    },
  },
  {
    name: '0012_backup_parent',
    async up(db) {
      await db.schema.alterTable('vol_backups').addColumn('parent_id', 'text').execute();
    },
  },
];
