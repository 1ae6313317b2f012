import type { Kysely } from 'kysely';
import type { LbTables } from './tables.js';

/** What the operator offers: flavor profiles, flavors, availability zone profiles, availability zones. */
export type CatalogKind = 'flavorprofile' | 'flavor' | 'azprofile' | 'az';

/** One catalog entry: its id (an availability zone's is its name) and its attributes as shown. */
export interface Entry {
  id: string;
  doc: Record<string, any>;
}

export class CatalogStore {
  constructor(private readonly db: Kysely<LbTables>) {}

  /** Inserts an entry; `uniqueName` makes a second one of that kind and name a unique violation. */
  async insert(kind: CatalogKind, e: Entry, ref: { uniqueName?: string; profileId?: string } = {}): Promise<void> {
    await this.db
      .insertInto('lb_catalog')
      .values({ kind, id: e.id, unique_name: ref.uniqueName ?? null, profile_id: ref.profileId ?? null, doc: JSON.stringify(e.doc) })
      .execute();
  }

  async get(kind: CatalogKind, id: string): Promise<Entry | undefined> {
    const r = await this.db.selectFrom('lb_catalog').select(['id', 'doc']).where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, doc: JSON.parse(r.doc) };
  }

  /** Every entry of a kind, by id (Octavia's default order). */
  async list(kind: CatalogKind): Promise<Entry[]> {
    const rows = await this.db.selectFrom('lb_catalog').select(['id', 'doc']).where('kind', '=', kind).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, doc: JSON.parse(r.doc) }));
  }

  async update(kind: CatalogKind, e: Entry, uniqueName?: string): Promise<void> {
    await this.db
      .updateTable('lb_catalog')
      .set({ doc: JSON.stringify(e.doc), ...(uniqueName === undefined ? {} : { unique_name: uniqueName }) })
      .where('kind', '=', kind)
      .where('id', '=', e.id)
      .execute();
  }

  /** Deletes an entry unless entries of `usedBy` still name it as their profile; false when it is in use. */
  async deleteUnused(kind: CatalogKind, id: string, usedBy?: CatalogKind): Promise<boolean> {
    let q = this.db.deleteFrom('lb_catalog').where('kind', '=', kind).where('id', '=', id);
    if (usedBy) q = q.where(({ not, exists, selectFrom }) => not(exists(selectFrom('lb_catalog as u').select('u.id').where('u.kind', '=', usedBy).where('u.profile_id', '=', id))));
    return Number((await q.executeTakeFirst()).numDeletedRows) === 1;
  }

  /** How many entries of `kind` use profile `profileId`. */
  async countUsing(kind: CatalogKind, profileId: string): Promise<number> {
    const r = await this.db
      .selectFrom('lb_catalog')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', kind)
      .where('profile_id', '=', profileId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Whether a load balancer has `field` (flavor_id, availability_zone) set to `value`. The LIKE on
   * the JSON text narrows the rows portably; the parsed document decides.
   */
  async lbUses(field: 'flavor_id' | 'availability_zone', value: string): Promise<boolean> {
    const rows = await this.db
      .selectFrom('lb_objects')
      .select('doc')
      .where('kind', '=', 'loadbalancer')
      .where('doc', 'like', `%${JSON.stringify(value).slice(1, -1)}%`)
      .execute();
    return rows.some((r) => JSON.parse(r.doc)[field] === value);
  }
}
