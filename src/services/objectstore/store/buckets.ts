import type { BucketRow, ObjectStoreDb } from './tables.js';

/** Bucket rows. Names are global across projects, as in S3. */
export class BucketStore {
  constructor(private readonly db: ObjectStoreDb) {}

  get(name: string): Promise<BucketRow | undefined> {
    return this.db.selectFrom('s3_buckets').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async insert(row: BucketRow): Promise<void> {
    await this.db.insertInto('s3_buckets').values(row).execute();
  }

  async update(name: string, patch: Partial<Omit<BucketRow, 'name' | 'project_id'>>): Promise<void> {
    await this.db.updateTable('s3_buckets').set(patch).where('name', '=', name).execute();
  }

  listForProject(projectId: string, opts: { after?: string; prefix?: string; limit?: number }): Promise<BucketRow[]> {
    let q = this.db.selectFrom('s3_buckets').selectAll().where('project_id', '=', projectId);
    if (opts.after) q = q.where('name', '>', opts.after);
    if (opts.prefix) q = q.where('name', '>=', opts.prefix).where('name', '<', `${opts.prefix}\u{10FFFF}`);
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return q.orderBy('name').execute();
  }

  /** Buckets with a lifecycle configuration (the lifecycle job walks these). */
  withLifecycle(): Promise<BucketRow[]> {
    return this.db.selectFrom('s3_buckets').selectAll().where('lifecycle', 'is not', null).execute();
  }

  /** Deletes the bucket only when it holds no object version (compare-and-set in one statement). */
  async deleteIfEmpty(name: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('s3_buckets')
      .where('name', '=', name)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('s3_objects').select('id').where('bucket', '=', name))))
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
