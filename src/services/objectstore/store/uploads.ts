import type { CompletedUploadRow, ObjectStoreDb, PartRow, UploadRow } from './tables.js';

/** Multipart uploads in progress and their parts. */
export class UploadStore {
  constructor(private readonly db: ObjectStoreDb) {}

  get(uploadId: string): Promise<UploadRow | undefined> {
    return this.db.selectFrom('s3_uploads').selectAll().where('upload_id', '=', uploadId).executeTakeFirst();
  }

  async insert(row: UploadRow): Promise<void> {
    await this.db.insertInto('s3_uploads').values(row).execute();
  }

  list(bucket: string, opts: { prefix: string; afterKey: string; afterId: string; limit: number }): Promise<UploadRow[]> {
    let q = this.db
      .selectFrom('s3_uploads')
      .selectAll()
      .where('bucket', '=', bucket)
      .where((eb) => eb.or([eb('key', '>', opts.afterKey), eb.and([eb('key', '=', opts.afterKey), eb('upload_id', '>', opts.afterId)])]));
    if (opts.prefix) q = q.where('key', '>=', opts.prefix).where('key', '<', opts.prefix + '\u{10FFFF}');
    return q.orderBy('key').orderBy('upload_id').limit(opts.limit).execute();
  }

  startedBefore(bucket: string, iso: string): Promise<UploadRow[]> {
    return this.db.selectFrom('s3_uploads').selectAll().where('bucket', '=', bucket).where('initiated', '<', iso).execute();
  }

  forBucket(bucket: string): Promise<UploadRow[]> {
    return this.db.selectFrom('s3_uploads').selectAll().where('bucket', '=', bucket).execute();
  }

  parts(uploadId: string, afterPart = 0, limit = 10000): Promise<PartRow[]> {
    return this.db
      .selectFrom('s3_parts')
      .selectAll()
      .where('upload_id', '=', uploadId)
      .where('part_number', '>', afterPart)
      .orderBy('part_number')
      .limit(limit)
      .execute();
  }

  /** Stores a part, returning the part it replaced (its bytes are removed after the commit). */
  putPart(row: PartRow): Promise<PartRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const old = await tx
        .deleteFrom('s3_parts')
        .where('upload_id', '=', row.upload_id)
        .where('part_number', '=', row.part_number)
        .returningAll()
        .executeTakeFirst();
      await tx.insertInto('s3_parts').values(row).execute();
      return old;
    });
  }

  /** Removes an upload and its parts; returns the parts so their bytes can go too. */
  remove(uploadId: string): Promise<{ found: boolean; parts: PartRow[] }> {
    return this.db.transaction().execute(async (tx) => {
      const res = await tx.deleteFrom('s3_uploads').where('upload_id', '=', uploadId).executeTakeFirst();
      const parts = await tx.deleteFrom('s3_parts').where('upload_id', '=', uploadId).returningAll().execute();
      return { found: Number(res.numDeletedRows) > 0, parts };
    });
  }

  /** Records a completion, and forgets those older than `forgetBefore`. */
  async recordCompletion(row: CompletedUploadRow, forgetBefore: string): Promise<void> {
    await this.db.deleteFrom('s3_completed_uploads').where('completed_at', '<', forgetBefore).execute();
    await this.db.insertInto('s3_completed_uploads').values(row).execute();
  }

  completion(uploadId: string): Promise<CompletedUploadRow | undefined> {
    return this.db.selectFrom('s3_completed_uploads').selectAll().where('upload_id', '=', uploadId).executeTakeFirst();
  }

  async allSegments(): Promise<string[]> {
    const rows = await this.db.selectFrom('s3_parts').select('segment').execute();
    return rows.map((r) => r.segment);
  }
}
