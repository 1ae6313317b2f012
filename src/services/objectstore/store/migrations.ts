import { sql } from 'kysely';
import type { ServiceMigration } from '../../../platform/db/migrate.js';

export const objectstoreMigrations: ServiceMigration[] = [
  {
    name: '0001_init',
    async up(db, dialect) {
      const s = db.schema;
      // Keys sort as S3 lists them: by UTF-8 bytes, which PostgreSQL does only under the C collation.
      const binaryText = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
      await s
        .createTable('s3_buckets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('owner_user_id', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('versioning', 'text', (c) => c.notNull())
        .addColumn('object_lock', 'integer', (c) => c.notNull())
        .addColumn('acl', 'text', (c) => c.notNull())
        .addColumn('policy', 'text')
        .addColumn('cors', 'text')
        .addColumn('lifecycle', 'text')
        .addColumn('tagging', 'text')
        .addColumn('encryption', 'text')
        .addColumn('lock_config', 'text')
        .addColumn('encrypt', 'integer', (c) => c.notNull())
        .execute();
      await s.createIndex('s3_buckets_project').on('s3_buckets').column('project_id').execute();
      await s
        .createTable('s3_objects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('key', binaryText, (c) => c.notNull())
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('is_latest', 'integer', (c) => c.notNull())
        .addColumn('delete_marker', 'integer', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('last_modified', 'text', (c) => c.notNull())
        .addColumn('owner_user_id', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text')
        .addColumn('headers', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('checksum', 'text')
        .addColumn('segments', 'text', (c) => c.notNull())
        .addColumn('sse_c_md5', 'text')
        .addColumn('encrypted', 'integer', (c) => c.notNull())
        .addColumn('parts_count', 'integer', (c) => c.notNull())
        .addColumn('lock_mode', 'text')
        .addColumn('lock_until', 'text')
        .addColumn('legal_hold', 'integer', (c) => c.notNull())
        .addUniqueConstraint('s3_objects_version', ['bucket', 'key', 'version_id'])
        .execute();
      await s.createIndex('s3_objects_latest').on('s3_objects').columns(['bucket', 'is_latest', 'key']).execute();
      await s
        .createTable('s3_uploads')
        .addColumn('upload_id', 'text', (c) => c.primaryKey())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('key', binaryText, (c) => c.notNull())
        .addColumn('initiated', 'text', (c) => c.notNull())
        .addColumn('owner_user_id', 'text', (c) => c.notNull())
        .addColumn('attrs', 'text', (c) => c.notNull())
        .addColumn('checksum_algorithm', 'text')
        .addColumn('sse_c_md5', 'text')
        .addColumn('encrypt', 'integer', (c) => c.notNull())
        .execute();
      await s.createIndex('s3_uploads_bucket').on('s3_uploads').columns(['bucket', 'key']).execute();
      await s
        .createTable('s3_parts')
        .addColumn('upload_id', 'text', (c) => c.notNull())
        .addColumn('part_number', 'integer', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('last_modified', 'text', (c) => c.notNull())
        .addColumn('checksum', 'text')
        .addColumn('segment', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('s3_parts_pk', ['upload_id', 'part_number'])
        .execute();
    },
  },
  {
    // Canonical owners are accounts (projects): objects and uploads get one, backfilled with the
    // bucket's project; object versions get their own ACL; buckets get ownership controls and a
    // public access block.
    name: '0002_acl_owners',
    async up(db) {
      const s = db.schema;
      for (const table of ['s3_objects', 's3_uploads']) {
        await s.alterTable(table).addColumn('owner_id', 'text', (c) => c.notNull().defaultTo('')).execute();
        await sql`update ${sql.table(table)} set owner_id = (select project_id from s3_buckets where s3_buckets.name = ${sql.ref(`${table}.bucket`)})`.execute(db);
      }
      await s.alterTable('s3_objects').addColumn('acl', 'text').execute();
      await s.alterTable('s3_buckets').addColumn('ownership', 'text').execute();
      await s.alterTable('s3_buckets').addColumn('public_access_block', 'text').execute();
    },
  },
  {
    // SSE-KMS: the key manager secret that wraps an object's (or an upload's parts') data keys.
    name: '0003_sse_kms',
    async up(db) {
      for (const table of ['s3_objects', 's3_uploads']) await db.schema.alterTable(table).addColumn('kms_key_id', 'text').execute();
    },
  },
  {
    // Completed multipart uploads, for a day: a retried CompleteMultipartUpload answers as the first did.
    name: '0004_completed_uploads',
    async up(db) {
      await db.schema
        .createTable('s3_completed_uploads')
        .addColumn('upload_id', 'text', (c) => c.primaryKey())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('s3_completed_uploads_at').on('s3_completed_uploads').column('completed_at').execute();
    },
  },
  {
    // COMPOSITE or FULL_OBJECT: how the completed object's checksum is made (null: no algorithm).
    name: '0005_checksum_type',
    async up(db) {
      await db.schema.alterTable('s3_uploads').addColumn('checksum_type', 'text').execute();
    },
  },
];
