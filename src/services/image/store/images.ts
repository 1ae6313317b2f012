import type { ImageDb, ImageRow, MemberRow } from './tables.js';

/** Image rows with their free-form properties and tags, as the model works with them. */
export interface ImageRecord {
  row: ImageRow;
  properties: Record<string, string>;
  tags: string[];
}

/** Kysely queries of the image tables; no rules here (those live in model/). */
export class ImageStore {
  constructor(readonly db: ImageDb) {}

  async get(id: string): Promise<ImageRecord | undefined> {
    const row = await this.db.selectFrom('img_images').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return (await this.withDetails([row]))[0];
  }

  /** Adds properties and tags to rows, in two queries for the whole page. */
  async withDetails(rows: ImageRow[]): Promise<ImageRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [props, tags] = await Promise.all([
      this.db.selectFrom('img_properties').selectAll().where('image_id', 'in', ids).execute(),
      this.db.selectFrom('img_tags').selectAll().where('image_id', 'in', ids).orderBy('value').execute(),
    ]);
    const byId = new Map(rows.map((r) => [r.id, { row: normalize(r), properties: {} as Record<string, string>, tags: [] as string[] }]));
    for (const p of props) byId.get(p.image_id)!.properties[p.name] = p.value;
    for (const t of tags) byId.get(t.image_id)!.tags.push(t.value);
    return ids.map((id) => byId.get(id)!);
  }

  async insert(rec: ImageRecord): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('img_images').values(rec.row).execute();
      const props = Object.entries(rec.properties).map(([name, value]) => ({ image_id: rec.row.id, name, value }));
      if (props.length) await tx.insertInto('img_properties').values(props).execute();
      if (rec.tags.length) await tx.insertInto('img_tags').values(rec.tags.map((value) => ({ image_id: rec.row.id, value }))).execute();
    });
  }

  /**
   * Compare-and-set update of the row: applies only when the row still has `expect` (status,
   * updated_at, upload_token...). Returns false when another request changed it first.
   */
  async update(id: string, fields: Partial<ImageRow>, expect: Partial<Pick<ImageRow, 'status' | 'updated_at' | 'upload_token'>> = {}): Promise<boolean> {
    let q = this.db.updateTable('img_images').set(fields).where('id', '=', id);
    for (const [k, v] of Object.entries(expect) as Array<[keyof typeof expect, string | null]>) {
      q = v === null ? q.where(k, 'is', null) : q.where(k, '=', v);
    }
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Saves a changed record (row, properties, tags) if the row was not changed meanwhile. */
  async save(rec: ImageRecord, expectUpdatedAt: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const { id, ...fields } = rec.row;
      const res = await tx.updateTable('img_images').set(fields).where('id', '=', id).where('updated_at', '=', expectUpdatedAt).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await tx.deleteFrom('img_properties').where('image_id', '=', id).execute();
      await tx.deleteFrom('img_tags').where('image_id', '=', id).execute();
      const props = Object.entries(rec.properties).map(([name, value]) => ({ image_id: id, name, value }));
      if (props.length) await tx.insertInto('img_properties').values(props).execute();
      if (rec.tags.length) await tx.insertInto('img_tags').values(rec.tags.map((value) => ({ image_id: id, value }))).execute();
      return true;
    });
  }

  async setProperty(id: string, name: string, value: string | null): Promise<void> {
    await this.db.deleteFrom('img_properties').where('image_id', '=', id).where('name', '=', name).execute();
    if (value !== null) await this.db.insertInto('img_properties').values({ image_id: id, name, value }).execute();
  }

  async addTag(id: string, tag: string): Promise<void> {
    const has = await this.db.selectFrom('img_tags').select('value').where('image_id', '=', id).where('value', '=', tag).executeTakeFirst();
    if (!has) await this.db.insertInto('img_tags').values({ image_id: id, value: tag }).execute();
  }

  async removeTag(id: string, tag: string): Promise<boolean> {
    const res = await this.db.deleteFrom('img_tags').where('image_id', '=', id).where('value', '=', tag).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Deletes the image and everything hanging off it; returns the row as it was, if any. */
  async delete(id: string): Promise<ImageRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('img_images').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      await tx.deleteFrom('img_images').where('id', '=', id).execute();
      await tx.deleteFrom('img_properties').where('image_id', '=', id).execute();
      await tx.deleteFrom('img_tags').where('image_id', '=', id).execute();
      await tx.deleteFrom('img_members').where('image_id', '=', id).execute();
      return row;
    });
  }

  /** Bytes stored for a project (active or deactivated images). */
  async usedBytes(owner: string): Promise<number> {
    const r = await this.db
      .selectFrom('img_images')
      .select((eb) => eb.fn.sum<number>('size').as('n'))
      .where('owner', '=', owner)
      .where('data_file', 'is not', null)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Files the rows point to: active bytes and bytes staged by glance-direct. */
  async referencedFiles(): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('img_images')
      .select(['data_file', 'staged'])
      .where((eb) => eb.or([eb('data_file', 'is not', null), eb('staged', 'is not', null)]))
      .execute();
    const files = new Set<string>();
    for (const r of rows) {
      if (r.data_file) files.add(r.data_file);
      if (r.staged) files.add((JSON.parse(r.staged) as { file: string }).file);
    }
    return files;
  }

  /** Uploads and imports whose lease ran out: their process died. */
  async expiredTransfers(now: string): Promise<ImageRow[]> {
    return this.db
      .selectFrom('img_images')
      .selectAll()
      .where('status', 'in', ['saving', 'importing', 'uploading'])
      .where('lease_until', '<', now)
      .execute();
  }

  async liveTokens(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('img_images').select('upload_token').where('upload_token', 'is not', null).execute();
    return new Set(rows.map((r) => r.upload_token!));
  }

  async countAll(): Promise<number> {
    const r = await this.db.selectFrom('img_images').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async findByName(name: string): Promise<ImageRow[]> {
    return this.db.selectFrom('img_images').selectAll().where('name', '=', name).orderBy('created_at', 'desc').execute();
  }

  // --- members ---
  async getMember(imageId: string, memberId: string): Promise<MemberRow | undefined> {
    return this.db.selectFrom('img_members').selectAll().where('image_id', '=', imageId).where('member_id', '=', memberId).executeTakeFirst();
  }

  async listMembers(imageId: string): Promise<MemberRow[]> {
    return this.db.selectFrom('img_members').selectAll().where('image_id', '=', imageId).orderBy('created_at').execute();
  }

  async addMember(m: MemberRow): Promise<void> {
    await this.db.insertInto('img_members').values(m).execute();
  }

  async updateMember(imageId: string, memberId: string, status: string, now: string): Promise<void> {
    await this.db.updateTable('img_members').set({ status, updated_at: now }).where('image_id', '=', imageId).where('member_id', '=', memberId).execute();
  }

  async deleteMember(imageId: string, memberId: string): Promise<void> {
    await this.db.deleteFrom('img_members').where('image_id', '=', imageId).where('member_id', '=', memberId).execute();
  }
}

/** PostgreSQL returns bigint columns as numbers only through the type parser; keep sizes numeric. */
function normalize(r: ImageRow): ImageRow {
  return { ...r, size: r.size === null ? null : Number(r.size), virtual_size: r.virtual_size === null ? null : Number(r.virtual_size) };
}
