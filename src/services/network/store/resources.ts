import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { nowIso } from '../../../platform/ids.js';
import type { NetworkTables, ResourceRow } from './tables.js';

export type Kind =
  | 'network'
  | 'subnet'
  | 'subnetpool'
  | 'port'
  | 'router'
  | 'floatingip'
  | 'security_group'
  | 'security_group_rule'
  | 'default_security_group_rule'
  | 'rbac_policy'
  | 'address_scope'
  | 'address_group'
  | 'qos_policy'
  | 'qos_rule'
  | 'trunk'
  /** A project's auto-allocated topology (id: the project's). */
  | 'auto_topology'
  /** Service flavors and service profiles (flavors): the cloud's, of no project. */
  | 'flavor'
  | 'service_profile'
  | 'metering_label'
  /** parent_id: the label; project_id: the label's. */
  | 'metering_label_rule'
  /** parent_id: the network; of no project. */
  | 'segment';

/** One stored resource: standard attributes plus the resource's own document. */
export interface Res<T> {
  id: string;
  kind: Kind;
  project_id: string;
  parent_id: string | null;
  ref_id: string | null;
  created_at: string;
  updated_at: string;
  revision_number: number;
  doc: T;
}

export interface NewRes<T> {
  id: string;
  project_id: string;
  parent_id?: string | null;
  ref_id?: string | null;
  doc: T;
}

const fromRow = <T>(r: ResourceRow): Res<T> => ({ ...r, kind: r.kind as Kind, doc: JSON.parse(r.doc) as T });

/** Kysely queries over `net_resources`; updates are compare-and-set on the revision number. */
export class ResourceStore {
  constructor(readonly db: Kysely<NetworkTables>) {}

  async insert<T>(kind: Kind, r: NewRes<T>): Promise<Res<T>> {
    const now = nowIso();
    const row: ResourceRow = {
      id: r.id,
      kind,
      project_id: r.project_id,
      parent_id: r.parent_id ?? null,
      ref_id: r.ref_id ?? null,
      doc: JSON.stringify(r.doc),
      created_at: now,
      updated_at: now,
      revision_number: 1,
    };
    await this.db.insertInto('net_resources').values(row).execute();
    return fromRow<T>(row);
  }

  async get<T>(kind: Kind, id: string): Promise<Res<T> | undefined> {
    const row = await this.db.selectFrom('net_resources').selectAll().where('id', '=', id).where('kind', '=', kind).executeTakeFirst();
    return row ? fromRow<T>(row) : undefined;
  }

  async list<T>(kind: Kind, where: { project_id?: string; parent_id?: string; ref_id?: string; ids?: string[] } = {}): Promise<Res<T>[]> {
    if (where.ids && where.ids.length === 0) return [];
    let q = this.db.selectFrom('net_resources').selectAll().where('kind', '=', kind);
    if (where.project_id !== undefined) q = q.where('project_id', '=', where.project_id);
    if (where.parent_id !== undefined) q = q.where('parent_id', '=', where.parent_id);
    if (where.ref_id !== undefined) q = q.where('ref_id', '=', where.ref_id);
    if (where.ids) q = q.where('id', 'in', where.ids);
    const rows = await q.orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => fromRow<T>(r));
  }

  async count(kind: Kind, where: { project_id?: string; parent_id?: string }): Promise<number> {
    let q = this.db.selectFrom('net_resources').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', kind);
    if (where.project_id !== undefined) q = q.where('project_id', '=', where.project_id);
    if (where.parent_id !== undefined) q = q.where('parent_id', '=', where.parent_id);
    const row = await q.executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Writes a new document if the revision is still the one read; undefined when another write won. */
  async update<T>(res: Res<T>, doc: T, cols: { ref_id?: string | null } = {}): Promise<Res<T> | undefined> {
    const next = { ...res, ...cols, doc, updated_at: nowIso(), revision_number: res.revision_number + 1 };
    const r = await this.db
      .updateTable('net_resources')
      .set({ doc: JSON.stringify(doc), updated_at: next.updated_at, revision_number: next.revision_number, ...cols })
      .where('id', '=', res.id)
      .where('revision_number', '=', res.revision_number)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? next : undefined;
  }

  async delete(kind: Kind, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('net_resources').where('id', '=', id).where('kind', '=', kind).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Records a one-time step; true for the one caller (of any process) that recorded it first. */
  async markOnce(name: string): Promise<boolean> {
    try {
      await this.db.insertInto('net_markers').values({ name }).execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }
}
