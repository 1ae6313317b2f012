import type { ServiceMigration } from '../../../platform/db/migrate.js';

export const imageMigrations: ServiceMigration[] = [
  {
    name: '0001_init',
    async up(db) {
      const s = db.schema;
      await s
        .createTable('img_images')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('owner', 'text')
        .addColumn('protected', 'integer', (c) => c.notNull())
        .addColumn('os_hidden', 'integer', (c) => c.notNull())
        .addColumn('disk_format', 'text')
        .addColumn('container_format', 'text')
        .addColumn('min_disk', 'integer', (c) => c.notNull())
        .addColumn('min_ram', 'integer', (c) => c.notNull())
        // Image sizes pass 2^31: bigint on both dialects.
        .addColumn('size', 'bigint')
        .addColumn('virtual_size', 'bigint')
        .addColumn('checksum', 'text')
        .addColumn('os_hash_algo', 'text')
        .addColumn('os_hash_value', 'text')
        .addColumn('data_file', 'text')
        .addColumn('data_key', 'text')
        .addColumn('staged', 'text')
        .addColumn('import_task', 'text')
        .addColumn('upload_token', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('img_images_owner').on('img_images').column('owner').execute();
      await s.createIndex('img_images_created').on('img_images').columns(['created_at', 'id']).execute();
      await s
        .createTable('img_properties')
        .addColumn('image_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('img_properties_pk', ['image_id', 'name'])
        .execute();
      await s.createIndex('img_properties_name').on('img_properties').columns(['name', 'value']).execute();
      await s
        .createTable('img_tags')
        .addColumn('image_id', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('img_tags_pk', ['image_id', 'value'])
        .execute();
      await s.createIndex('img_tags_value').on('img_tags').column('value').execute();
      await s
        .createTable('img_members')
        .addColumn('image_id', 'text', (c) => c.notNull())
        .addColumn('member_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('img_members_pk', ['image_id', 'member_id'])
        .execute();
      await s.createIndex('img_members_member').on('img_members').columns(['member_id', 'status']).execute();
    },
  },
  {
    name: '0002_metadefs',
    async up(db) {
      await db.schema
        .createTable('img_metadef_namespaces')
        .addColumn('namespace', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text')
        .addColumn('description', 'text')
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('protected', 'integer', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('img_metadef_items')
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('img_metadef_items_pk', ['namespace', 'kind', 'name'])
        .execute();
    },
  },
  {
    name: '0003_tasks',
    async up(db) {
      await db.schema
        .createTable('img_tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('target_image_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema.createIndex('img_tasks_owner_created').on('img_tasks').columns(['owner', 'created_at']).execute();
    },
  },
];
