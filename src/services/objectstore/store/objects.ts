import { sql, type Compilable, type Kysely, type Transaction } from 'kysely';
import { Prepared } from './prepared.js';
import type { BucketRow, ObjectRow, ObjectStoreDb, ObjectStoreTables } from './tables.js';

/** Greater than every key that starts with the string it is appended to (UTF-8 byte order). */
export const PAST = '\u{10FFFF}';

export interface KeyRange {
  prefix: string;
  /** Exclusive lower bound. */
  after: string;
  limit: number;
}

const BUCKET_FIELDS: Record<keyof BucketRow, true> = {
  name: true, project_id: true, owner_user_id: true, region: true, created_at: true, versioning: true, object_lock: true, acl: true,
  policy: true, cors: true, lifecycle: true, tagging: true, encryption: true, lock_config: true, encrypt: true,
  ownership: true, public_access_block: true,
};
const OBJECT_FIELDS: Record<keyof ObjectRow, true> = {
  id: true, bucket: true, key: true, version_id: true, is_latest: true, delete_marker: true, size: true, etag: true, last_modified: true,
  owner_user_id: true, owner_id: true, acl: true, content_type: true, headers: true, meta: true, tags: true, checksum: true, segments: true, sse_c_md5: true,
  encrypted: true, kms_key_id: true, parts_count: true, lock_mode: true, lock_until: true, legal_hold: true,
};
const BUCKET_COLUMNS = Object.keys(BUCKET_FIELDS) as Array<keyof BucketRow>;
const OBJECT_COLUMNS = Object.keys(OBJECT_FIELDS) as Array<keyof ObjectRow>;

/** Object version rows: one row per version (or delete marker) of a key. */
export class ObjectRowStore {
  private readonly latestWithBucket: Prepared<Record<string, unknown>>;
  private readonly versionWithBucket: Prepared<Record<string, unknown>>;

  constructor(private readonly db: ObjectStoreDb) {
    this.latestWithBucket = this.withBucketQuery(false);
    this.versionWithBucket = this.withBucketQuery(true);
  }

  latest(bucket: string, key: string): Promise<ObjectRow | undefined> {
    return this.db.selectFrom('s3_objects').selectAll().where('bucket', '=', bucket).where('key', '=', key).where('is_latest', '=', 1).executeTakeFirst();
  }

  /** A bucket and the current (or the given) version of a key in it, in one query; bucket columns come back as `b_<column>`. */
  private withBucketQuery(byVersion: boolean): Prepared<Record<string, unknown>> {
    return new Prepared(this.db as Kysely<unknown>, (v) =>
      this.db
        .selectFrom('s3_buckets')
        .leftJoin('s3_objects', (j) => {
          const on = j.onRef('s3_objects.bucket', '=', 's3_buckets.name').on('s3_objects.key', '=', v(1));
          return byVersion ? on.on('s3_objects.version_id', '=', v(2)) : on.on('s3_objects.is_latest', '=', 1);
        })
        .selectAll('s3_objects')
        .select(BUCKET_COLUMNS.map((c) => sql.ref(`s3_buckets.${c}`).as(`b_${c}`)))
        .where('s3_buckets.name', '=', v(0)) as Compilable<Record<string, unknown>>,
    );
  }
  /** The GET path reads a bucket and an object version on every request: one prepared query. */
  async withBucket(bucket: string, key: string, versionId?: string): Promise<{ bucket?: BucketRow; row?: ObjectRow }> {
    const found = versionId === undefined ? await this.latestWithBucket.first([bucket, key]) : await this.versionWithBucket.first([bucket, key, versionId]);
    if (!found) return {};
    const b: Record<string, unknown> = {};
    for (const c of BUCKET_COLUMNS) b[c] = found[`b_${c}`];
    if (found.id === null || found.id === undefined) return { bucket: b as unknown as BucketRow };
    const row: Record<string, unknown> = {};
    for (const c of OBJECT_COLUMNS) row[c] = found[c];
    return { bucket: b as unknown as BucketRow, row: row as unknown as ObjectRow };
  }

  version(bucket: string, key: string, versionId: string): Promise<ObjectRow | undefined> {
    return this.db.selectFrom('s3_objects').selectAll().where('bucket', '=', bucket).where('key', '=', key).where('version_id', '=', versionId).executeTakeFirst();
  }

  /** Current, visible objects in key order. */
  listCurrent(bucket: string, r: KeyRange): Promise<ObjectRow[]> {
    let q = this.db
      .selectFrom('s3_objects')
      .selectAll()
      .where('bucket', '=', bucket)
      .where('is_latest', '=', 1)
      .where('delete_marker', '=', 0)
      .where('key', '>', r.after);
    if (r.prefix) q = q.where('key', '>=', r.prefix).where('key', '<', r.prefix + PAST);
    return q.orderBy('key').limit(r.limit).execute();
  }

  /** All versions, by key, newest first within a key; starts after (key, id) when given. */
  listVersions(bucket: string, r: KeyRange & { afterId?: string }): Promise<ObjectRow[]> {
    let q = this.db.selectFrom('s3_objects').selectAll().where('bucket', '=', bucket);
    q = r.afterId !== undefined
      ? q.where((eb) => eb.or([eb('key', '>', r.after), eb.and([eb('key', '=', r.after), eb('id', '<', r.afterId!)])]))
      : q.where('key', '>', r.after);
    if (r.prefix) q = q.where('key', '>=', r.prefix).where('key', '<', r.prefix + PAST);
    return q.orderBy('key').orderBy('id', 'desc').limit(r.limit).execute();
  }

  /** Versions of a key, newest first. */
  versionsOf(bucket: string, key: string): Promise<ObjectRow[]> {
    return this.db.selectFrom('s3_objects').selectAll().where('bucket', '=', bucket).where('key', '=', key).orderBy('id', 'desc').execute();
  }

  /** Noncurrent versions and delete markers of a bucket (lifecycle). */
  nonCurrent(bucket: string, limit: number): Promise<ObjectRow[]> {
    return this.db.selectFrom('s3_objects').selectAll().where('bucket', '=', bucket).where('is_latest', '=', 0).orderBy('id').limit(limit).execute();
  }

  /** Keys whose current version is a delete marker (lifecycle). */
  currentDeleteMarkers(bucket: string, limit: number): Promise<ObjectRow[]> {
    return this.db.selectFrom('s3_objects').selectAll().where('bucket', '=', bucket).where('is_latest', '=', 1).where('delete_marker', '=', 1).limit(limit).execute();
  }

  async updateRow(id: string, patch: Partial<ObjectRow>): Promise<void> {
    await this.db.updateTable('s3_objects').set(patch).where('id', '=', id).execute();
  }

  /** Every blob id named by an object version (for the orphan sweep). */
  async allSegments(): Promise<string[]> {
    const rows = await this.db.selectFrom('s3_objects').select('segments').execute();
    return rows.map((r) => r.segments);
  }

  /**
   * Makes `row` the current version of its key in one transaction. When `replaceNull`, the
   * existing `null` version (unversioned or suspended bucket) is replaced; its row is returned so
   * the caller can remove its bytes after the commit.
   */
  commit(row: ObjectRow, replaceNull: boolean): Promise<ObjectRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      let replaced: ObjectRow | undefined;
      if (replaceNull) {
        replaced = await tx
          .deleteFrom('s3_objects')
          .where('bucket', '=', row.bucket)
          .where('key', '=', row.key)
          .where('version_id', '=', 'null')
          .returningAll()
          .executeTakeFirst();
      }
      await tx.updateTable('s3_objects').set({ is_latest: 0 }).where('bucket', '=', row.bucket).where('key', '=', row.key).where('is_latest', '=', 1).execute();
      await tx.insertInto('s3_objects').values(row).execute();
      return replaced;
    });
  }

  /** Deletes one version; when it was current, the newest remaining version becomes current. */
  deleteVersion(row: ObjectRow): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const res = await tx.deleteFrom('s3_objects').where('id', '=', row.id).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) return false;
      if (row.is_latest) await promoteNewest(tx, row.bucket, row.key);
      return true;
    });
  }
}

async function promoteNewest(tx: Transaction<ObjectStoreTables>, bucket: string, key: string): Promise<void> {
  const next = await tx.selectFrom('s3_objects').select('id').where('bucket', '=', bucket).where('key', '=', key).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (next) await tx.updateTable('s3_objects').set({ is_latest: 1 }).where('id', '=', next.id).execute();
}
