import type { Transaction } from 'kysely';
import type { ObjectRow, ObjectStoreDb, ObjectStoreTables } from './tables.js';

/** Greater than every key that starts with the string it is appended to (UTF-8 byte order). */
export const PAST = '\u{10FFFF}';

export interface KeyRange {
  prefix: string;
  /** Exclusive lower bound. */
  after: string;
  limit: number;
}

/** Object version rows: one row per version (or delete marker) of a key. */
export class ObjectRowStore {
  constructor(private readonly db: ObjectStoreDb) {}

  latest(bucket: string, key: string): Promise<ObjectRow | undefined> {
    return this.db.selectFrom('s3_objects').selectAll().where('bucket', '=', bucket).where('key', '=', key).where('is_latest', '=', 1).executeTakeFirst();
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
