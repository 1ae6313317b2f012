import type { ExpressionBuilder, Kysely, SelectQueryBuilder } from 'kysely';
import type { ComputeTables, InstanceActionRow, ServerRow } from './tables.js';

/** What the server list filters on in SQL; name regex and IP filters are applied by the model. */
export interface ServerQuery {
  projectId?: string;
  userId?: string;
  vmStates?: string[];
  taskStates?: Array<string | null>;
  flavorId?: string;
  imageId?: string;
  host?: string;
  availabilityZone?: string;
  reservationId?: string;
  locked?: boolean;
  changesSince?: string;
  changesBefore?: string;
  /** Include deleted servers (changes-since lists them, as Nova does). */
  withDeleted?: boolean;
  /** Only deleted servers (an admin's `deleted=true`). */
  onlyDeleted?: boolean;
  tags?: string[];
  tagsAny?: string[];
  notTags?: string[];
  notTagsAny?: string[];
  sort: Array<{ key: keyof ServerRow; dir: 'asc' | 'desc' }>;
}

export type ServerPatch = Partial<Omit<ServerRow, 'id' | 'project_id' | 'created_at'>>;

/** Expected state for a compare-and-set update. */
export interface Expect {
  vmStates?: string[];
  taskStates?: Array<string | null>;
}

export class ServerStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  async insert(rows: ServerRow[], tags: Record<string, string[]>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('compute_servers').values(rows).execute();
      const tagRows = Object.entries(tags).flatMap(([server_id, list]) => list.map((tag) => ({ server_id, tag })));
      if (tagRows.length) await trx.insertInto('compute_server_tags').values(tagRows).execute();
    });
  }

  get(id: string): Promise<ServerRow | undefined> {
    return this.db.selectFrom('compute_servers').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
  }

  getAny(id: string): Promise<ServerRow | undefined> {
    return this.db.selectFrom('compute_servers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Updates the server only if it is (still) in the expected state; false when it was not. */
  async update(id: string, patch: ServerPatch, expect: Expect = {}): Promise<boolean> {
    let q = this.db
      .updateTable('compute_servers')
      .set({ ...patch, updated_at: patch.updated_at ?? new Date().toISOString() })
      .where('id', '=', id)
      .where('deleted', '=', 0);
    if (expect.vmStates) q = q.where('vm_state', 'in', expect.vmStates);
    if (expect.taskStates) {
      const values = expect.taskStates.filter((t): t is string => t !== null);
      const withNull = expect.taskStates.includes(null);
      q = q.where((eb) => eb.or([...(values.length ? [eb('task_state', 'in', values)] : []), ...(withNull ? [eb('task_state', 'is', null)] : [])]));
    }
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  private filtered(f: ServerQuery): SelectQueryBuilder<ComputeTables, 'compute_servers', object> {
    let q = this.db.selectFrom('compute_servers');
    if (f.onlyDeleted) q = q.where('deleted', '=', 1);
    else if (!f.withDeleted) q = q.where('deleted', '=', 0);
    if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.vmStates) q = q.where('vm_state', 'in', f.vmStates);
    if (f.taskStates) {
      const values = f.taskStates.filter((t): t is string => t !== null);
      q = q.where((eb) => eb.or([...(values.length ? [eb('task_state', 'in', values)] : []), ...(f.taskStates!.includes(null) ? [eb('task_state', 'is', null)] : [])]));
    }
    if (f.flavorId) q = q.where('flavor_id', '=', f.flavorId);
    if (f.imageId) q = q.where('image_id', '=', f.imageId);
    if (f.host) q = q.where('host', '=', f.host);
    if (f.availabilityZone) q = q.where('availability_zone', '=', f.availabilityZone);
    if (f.reservationId) q = q.where('reservation_id', '=', f.reservationId);
    if (f.locked !== undefined) q = q.where('locked', '=', f.locked ? 1 : 0);
    if (f.changesSince) q = q.where('updated_at', '>=', f.changesSince);
    if (f.changesBefore) q = q.where('updated_at', '<=', f.changesBefore);
    const tagged = (tag: string) => (eb: ExpressionBuilder<ComputeTables, 'compute_servers'>) => eb.exists(eb.selectFrom('compute_server_tags').select('tag').whereRef('server_id', '=', 'compute_servers.id').where('tag', '=', tag));
    for (const t of f.tags ?? []) q = q.where(tagged(t));
    if (f.tagsAny?.length) q = q.where((eb) => eb.or(f.tagsAny!.map((t) => tagged(t)(eb))));
    if (f.notTags?.length) q = q.where((eb) => eb.not(eb.and(f.notTags!.map((t) => tagged(t)(eb)))));
    if (f.notTagsAny?.length) q = q.where((eb) => eb.not(eb.or(f.notTagsAny!.map((t) => tagged(t)(eb)))));
    return q;
  }

  /** The ids (and name, for the regex filter) of matching servers in list order. */
  async listKeys(f: ServerQuery): Promise<Array<{ id: string; name: string }>> {
    let q = this.filtered(f).select(['id', 'name']);
    for (const s of f.sort) q = q.orderBy(s.key, s.dir);
    q = q.orderBy('id', f.sort[0]?.dir ?? 'desc');
    return q.execute();
  }

  async getMany(ids: string[]): Promise<ServerRow[]> {
    if (!ids.length) return [];
    const rows: ServerRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      rows.push(...(await this.db.selectFrom('compute_servers').selectAll().where('id', 'in', ids.slice(i, i + 500)).execute()));
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is ServerRow => !!r);
  }

  async tags(ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(ids.map((id) => [id, []]));
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('compute_server_tags').selectAll().where('server_id', 'in', ids.slice(i, i + 500)).orderBy('tag').execute();
      for (const r of rows) out.get(r.server_id)?.push(r.tag);
    }
    return out;
  }

  async setTags(id: string, tags: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('compute_server_tags').where('server_id', '=', id).execute();
      if (tags.length) await trx.insertInto('compute_server_tags').values(tags.map((tag) => ({ server_id: id, tag }))).execute();
    });
  }

  async addTag(id: string, tag: string): Promise<void> {
    await this.db.insertInto('compute_server_tags').values({ server_id: id, tag }).onConflict((oc) => oc.columns(['server_id', 'tag']).doNothing()).execute();
  }

  async removeTag(id: string, tag: string): Promise<boolean> {
    const r = await this.db.deleteFrom('compute_server_tags').where('server_id', '=', id).where('tag', '=', tag).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Live members of a server group with their hosts. */
  groupMembers(groupId: string): Promise<Array<{ id: string; host: string | null }>> {
    return this.db.selectFrom('compute_servers').select(['id', 'host']).where('server_group_id', '=', groupId).where('deleted', '=', 0).execute();
  }

  /** Servers (deleted ones too) that existed at some time in [start, end), for usage reports. */
  usage(start: string, end: string, projectId?: string): Promise<ServerRow[]> {
    let q = this.db
      .selectFrom('compute_servers')
      .selectAll()
      .where('created_at', '<', end)
      .where((eb) => eb.or([eb('terminated_at', 'is', null), eb('terminated_at', '>=', start)]));
    if (projectId) q = q.where('project_id', '=', projectId);
    return q.orderBy('created_at').execute();
  }

  /** Servers stuck in a build since before `before` (lost jobs). */
  staleBuilds(before: string): Promise<ServerRow[]> {
    return this.db.selectFrom('compute_servers').selectAll().where('vm_state', '=', 'building').where('deleted', '=', 0).where('updated_at', '<', before).execute();
  }

  /** Live servers per host (hypervisor statistics). */
  async perHost(): Promise<Map<string, { count: number; vcpus: number; memory: number; disk: number }>> {
    const rows = await this.db
      .selectFrom('compute_servers')
      .select((eb) => ['host', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('vcpus').as('v'), eb.fn.sum<number>('memory_mb').as('m'), eb.fn.sum<number>('root_gb').as('d')])
      .where('deleted', '=', 0)
      .where('host', 'is not', null)
      .groupBy('host')
      .execute();
    return new Map(rows.map((r) => [r.host as string, { count: Number(r.n), vcpus: Number(r.v ?? 0), memory: Number(r.m ?? 0), disk: Number(r.d ?? 0) }]));
  }

  /** The live servers on a host (os-hosts, os-hypervisors servers). */
  onHost(host: string): Promise<ServerRow[]> {
    return this.db.selectFrom('compute_servers').selectAll().where('deleted', '=', 0).where('host', '=', host).orderBy('created_at').execute();
  }

  async insertAction(row: InstanceActionRow): Promise<void> {
    await this.db.insertInto('compute_instance_actions').values(row).execute();
  }

  /** Newest first, as Nova; `after` is the marker action (the page continues past it), times filter `updated_at`. */
  actions(serverId: string, page: { limit?: number; after?: InstanceActionRow; changesSince?: string; changesBefore?: string } = {}): Promise<InstanceActionRow[]> {
    const { limit, after, changesSince, changesBefore } = page;
    let q = this.db.selectFrom('compute_instance_actions').selectAll().where('server_id', '=', serverId);
    if (changesSince) q = q.where('updated_at', '>=', changesSince);
    if (changesBefore) q = q.where('updated_at', '<=', changesBefore);
    if (after) q = q.where((eb) => eb.or([eb('start_time', '<', after.start_time), eb.and([eb('start_time', '=', after.start_time), eb('id', '<', after.id)])]));
    q = q.orderBy('start_time', 'desc').orderBy('id', 'desc');
    return (limit === undefined ? q : q.limit(limit)).execute();
  }

  action(serverId: string, requestId: string): Promise<InstanceActionRow | undefined> {
    return this.db.selectFrom('compute_instance_actions').selectAll().where('server_id', '=', serverId).where('request_id', '=', requestId).executeTakeFirst();
  }

  /** Records an action event (start, then finish with its result), replacing one of the same name. */
  async recordEvent(actionId: string, event: { event: string; start_time: string; finish_time: string | null; result: string | null; host: string | null; traceback: string | null }): Promise<void> {
    const row = await this.db.selectFrom('compute_instance_actions').select('events').where('id', '=', actionId).executeTakeFirst();
    if (!row) return;
    const events = (JSON.parse(row.events) as Array<{ event: string }>).filter((e) => e.event !== event.event);
    events.push(event);
    await this.db.updateTable('compute_instance_actions').set({ events: JSON.stringify(events), updated_at: new Date().toISOString() }).where('id', '=', actionId).execute();
  }
}
