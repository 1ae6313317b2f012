import type { ImageDb, MetadefItemRow, MetadefNamespaceRow } from './tables.js';

export type ItemKind = MetadefItemRow['kind'];

/** Kysely queries of the metadata definitions tables; no rules here (those live in model/). */
export class MetadefStore {
  constructor(readonly db: ImageDb) {}

  namespace(name: string): Promise<MetadefNamespaceRow | undefined> {
    return this.db.selectFrom('img_metadef_namespaces').selectAll().where('namespace', '=', name).executeTakeFirst();
  }

  namespaces(): Promise<MetadefNamespaceRow[]> {
    return this.db.selectFrom('img_metadef_namespaces').selectAll().orderBy('created_at').orderBy('namespace').execute();
  }

  async insertNamespace(row: MetadefNamespaceRow, items: MetadefItemRow[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('img_metadef_namespaces').values(row).execute();
      if (items.length) await tx.insertInto('img_metadef_items').values(items).execute();
    });
  }

  /** Updates a namespace; a rename carries its items along. */
  async updateNamespace(name: string, patch: Partial<MetadefNamespaceRow>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('img_metadef_namespaces').set(patch).where('namespace', '=', name).execute();
      if (patch.namespace && patch.namespace !== name) await tx.updateTable('img_metadef_items').set({ namespace: patch.namespace }).where('namespace', '=', name).execute();
    });
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('img_metadef_items').where('namespace', '=', name).execute();
      await tx.deleteFrom('img_metadef_namespaces').where('namespace', '=', name).execute();
    });
  }

  items(namespace: string, kind?: ItemKind): Promise<MetadefItemRow[]> {
    let q = this.db.selectFrom('img_metadef_items').selectAll().where('namespace', '=', namespace);
    if (kind) q = q.where('kind', '=', kind);
    return q.orderBy('created_at').orderBy('name').execute();
  }

  item(namespace: string, kind: ItemKind, name: string): Promise<MetadefItemRow | undefined> {
    return this.db.selectFrom('img_metadef_items').selectAll().where('namespace', '=', namespace).where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
  }

  /** Every resource type some namespace is associated with, with its first association's time. */
  associatedResourceTypes(): Promise<{ name: string; created_at: string }[]> {
    return this.db
      .selectFrom('img_metadef_items')
      .select(['name'])
      .select((eb) => eb.fn.min('created_at').as('created_at'))
      .where('kind', '=', 'resource_type')
      .groupBy('name')
      .orderBy('name')
      .execute();
  }

  async insertItems(rows: MetadefItemRow[]): Promise<void> {
    if (rows.length) await this.db.insertInto('img_metadef_items').values(rows).execute();
  }

  async updateItem(namespace: string, kind: ItemKind, name: string, patch: Pick<MetadefItemRow, 'name' | 'body' | 'updated_at'>): Promise<void> {
    await this.db.updateTable('img_metadef_items').set(patch).where('namespace', '=', namespace).where('kind', '=', kind).where('name', '=', name).execute();
  }

  async deleteItems(namespace: string, kind: ItemKind, name?: string): Promise<number> {
    let q = this.db.deleteFrom('img_metadef_items').where('namespace', '=', namespace).where('kind', '=', kind);
    if (name !== undefined) q = q.where('name', '=', name);
    return Number((await q.executeTakeFirst()).numDeletedRows);
  }
}
