import type { Kysely } from 'kysely';
import type { ServiceRow, VolumeTables } from './tables.js';

type Table = keyof VolumeTables;

/**
 * The Kysely queries of one table keyed by `id`: fetch, insert, compare-and-set updates (the
 * expected status is part of the WHERE, so of two racing requests only one wins) and deletes.
 */
export class Rows<T extends Table> {
  // Dynamic table names defeat Kysely's per-table inference; rows are typed at this boundary.
  private readonly table: string;
  constructor(
    private readonly db: Kysely<any>,
    table: T,
  ) {
    this.table = table;
  }

  async get(id: string): Promise<VolumeTables[T] | undefined> {
    return (await this.db.selectFrom(this.table).selectAll().where('id', '=', id).executeTakeFirst()) as VolumeTables[T] | undefined;
  }

  /** Rows matching every given column value (all rows when none is given). */
  async where(match: Partial<VolumeTables[T]> = {}): Promise<Array<VolumeTables[T]>> {
    let q = this.db.selectFrom(this.table).selectAll();
    for (const [k, v] of Object.entries(match)) q = q.where(k, '=', v);
    return (await q.execute()) as Array<VolumeTables[T]>;
  }

  async insert(row: VolumeTables[T]): Promise<void> {
    await this.db.insertInto(this.table).values(row).execute();
  }

  /** Updates the row when its status is one of `expect` (any status when omitted); true when it did. */
  async update(id: string, patch: Partial<VolumeTables[T]>, expect?: string[]): Promise<boolean> {
    let q = this.db.updateTable(this.table).set({ ...patch, updated_at: new Date().toISOString() }).where('id', '=', id);
    if (expect) q = q.where('status', 'in', expect);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async remove(id: string, expect?: string[]): Promise<boolean> {
    let q = this.db.deleteFrom(this.table).where('id', '=', id);
    if (expect) q = q.where('status', 'in', expect);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

/** Tables without a single `id` key. */
export class TypeAccessStore {
  constructor(private readonly db: Kysely<VolumeTables>) {}
  list(typeId: string) {
    return this.db.selectFrom('vol_type_access').selectAll().where('type_id', '=', typeId).execute();
  }
  async add(typeId: string, projectId: string): Promise<boolean> {
    const found = await this.db.selectFrom('vol_type_access').select('type_id').where('type_id', '=', typeId).where('project_id', '=', projectId).executeTakeFirst();
    if (found) return false;
    await this.db.insertInto('vol_type_access').values({ type_id: typeId, project_id: projectId }).execute();
    return true;
  }
  async remove(typeId: string, projectId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('vol_type_access').where('type_id', '=', typeId).where('project_id', '=', projectId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  async removeAll(typeId: string): Promise<void> {
    await this.db.deleteFrom('vol_type_access').where('type_id', '=', typeId).execute();
  }
  async typesOf(projectId: string): Promise<string[]> {
    return (await this.db.selectFrom('vol_type_access').select('type_id').where('project_id', '=', projectId).execute()).map((r) => r.type_id);
  }
}

export class QuotaStore {
  constructor(private readonly db: Kysely<VolumeTables>) {}
  async limits(projectId: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('vol_quotas').selectAll().where('project_id', '=', projectId).execute();
    return Object.fromEntries(rows.map((r) => [r.resource, r.hard_limit]));
  }
  async set(projectId: string, resource: string, limit: number): Promise<void> {
    await this.db.deleteFrom('vol_quotas').where('project_id', '=', projectId).where('resource', '=', resource).execute();
    await this.db.insertInto('vol_quotas').values({ project_id: projectId, resource, hard_limit: limit }).execute();
  }
  async clear(projectId: string): Promise<void> {
    await this.db.deleteFrom('vol_quotas').where('project_id', '=', projectId).execute();
  }
}

export class QuotaClassStore {
  constructor(private readonly db: Kysely<VolumeTables>) {}
  async limits(name: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('vol_quota_classes').selectAll().where('class_name', '=', name).execute();
    return Object.fromEntries(rows.map((r) => [r.resource, r.hard_limit]));
  }
  async set(name: string, resource: string, limit: number): Promise<void> {
    await this.db.deleteFrom('vol_quota_classes').where('class_name', '=', name).where('resource', '=', resource).execute();
    await this.db.insertInto('vol_quota_classes').values({ class_name: name, resource, hard_limit: limit }).execute();
  }
}

export class ServiceStore {
  constructor(private readonly db: Kysely<VolumeTables>) {}
  list(): Promise<ServiceRow[]> {
    return this.db.selectFrom('vol_services').selectAll().execute();
  }
  async set(row: ServiceRow): Promise<void> {
    await this.db.deleteFrom('vol_services').where('binary', '=', row.binary).where('host', '=', row.host).execute();
    await this.db.insertInto('vol_services').values(row).execute();
  }
}

export interface VolumeStores {
  volumes: Rows<'vol_volumes'>;
  attachments: Rows<'vol_attachments'>;
  types: Rows<'vol_types'>;
  typeAccess: TypeAccessStore;
  snapshots: Rows<'vol_snapshots'>;
  backups: Rows<'vol_backups'>;
  quotas: QuotaStore;
  transfers: Rows<'vol_transfers'>;
  quotaClasses: QuotaClassStore;
  qos: Rows<'vol_qos_specs'>;
  services: ServiceStore;
  messages: Rows<'vol_messages'>;
  groupTypes: Rows<'vol_group_types'>;
  groups: Rows<'vol_groups'>;
  groupSnapshots: Rows<'vol_group_snapshots'>;
}

export function volumeStores(db: Kysely<VolumeTables>): VolumeStores {
  const any = db as Kysely<any>;
  return {
    volumes: new Rows(any, 'vol_volumes'),
    attachments: new Rows(any, 'vol_attachments'),
    types: new Rows(any, 'vol_types'),
    typeAccess: new TypeAccessStore(db),
    snapshots: new Rows(any, 'vol_snapshots'),
    backups: new Rows(any, 'vol_backups'),
    quotas: new QuotaStore(db),
    transfers: new Rows(any, 'vol_transfers'),
    quotaClasses: new QuotaClassStore(db),
    qos: new Rows(any, 'vol_qos_specs'),
    services: new ServiceStore(db),
    messages: new Rows(any, 'vol_messages'),
    groupTypes: new Rows(any, 'vol_group_types'),
    groups: new Rows(any, 'vol_groups'),
    groupSnapshots: new Rows(any, 'vol_group_snapshots'),
  };
}
