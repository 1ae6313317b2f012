import type { ServiceMigration } from '../../../platform/db/migrate.js';

export const keymanagerMigrations: ServiceMigration[] = [
  {
    name: '0001_init',
    async up(db) {
      const s = db.schema;
      await s
        .createTable('km_secrets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('secret_type', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text')
        .addColumn('bit_length', 'integer')
        .addColumn('mode', 'text')
        .addColumn('expiration', 'text')
        .addColumn('content_type', 'text')
        .addColumn('payload', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('km_secrets_project').on('km_secrets').columns(['project_id', 'created_at']).execute();
      await s
        .createTable('km_project_keys')
        .addColumn('project_id', 'text', (c) => c.primaryKey())
        .addColumn('wrapped_kek', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('km_containers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('secret_refs', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('km_containers_project').on('km_containers').columns(['project_id', 'created_at']).execute();
      await s
        .createTable('km_container_consumers')
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('km_container_consumers_pk', ['container_id', 'name', 'url'])
        .execute();
      await s
        .createTable('km_acls')
        .addColumn('entity_id', 'text', (c) => c.primaryKey())
        .addColumn('project_access', 'integer', (c) => c.notNull())
        .addColumn('users', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('km_orders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('secret_id', 'text')
        .addColumn('container_id', 'text')
        .addColumn('error_status_code', 'text')
        .addColumn('error_reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('km_orders_project').on('km_orders').columns(['project_id', 'created_at']).execute();
      await s
        .createTable('km_project_quotas')
        .addColumn('project_id', 'text', (c) => c.primaryKey())
        .addColumn('quotas', 'text', (c) => c.notNull())
        .execute();
    },
  },
];
