import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { AggregateRow, ComputeTables } from '../store/tables.js';
import type { HostStateStore } from '../store/hosts.js';
import type { SequenceStore } from '../store/sequences.js';

export interface Aggregate {
  row: AggregateRow;
  metadata: Record<string, string>;
  hosts: string[];
}

/**
 * Host aggregates (admin only). An aggregate's `availability_zone` metadata moves its hosts into
 * that zone, as in Nova: the zone is kept on the host's state row, which the driver reports.
 */
export class AggregateService {
  constructor(
    private readonly db: Kysely<ComputeTables>,
    private readonly hostState: HostStateStore,
    private readonly sequences: SequenceStore,
  ) {}

  async list(): Promise<Aggregate[]> {
    const rows = await this.db.selectFrom('compute_aggregates').selectAll().orderBy('id').execute();
    const members = await this.db.selectFrom('compute_aggregate_hosts').selectAll().orderBy('host').execute();
    return rows.map((row) => ({ row, metadata: JSON.parse(row.metadata) as Record<string, string>, hosts: members.filter((m) => m.aggregate_id === row.id).map((m) => m.host) }));
  }

  async get(id: string): Promise<Aggregate> {
    const found = /^\d+$/.test(id) ? (await this.list()).find((a) => a.row.id === Number(id)) : undefined;
    if (!found) throw notFound(`Aggregate ${id} could not be found.`);
    return found;
  }

  async create(name: string, zone: string | null): Promise<Aggregate> {
    await this.checkName(name);
    const id = await this.nextId();
    const metadata = zone ? { availability_zone: zone } : {};
    try {
      await this.db.insertInto('compute_aggregates').values({ id, uuid: uuid(), name, metadata: JSON.stringify(metadata), created_at: new Date().toISOString(), updated_at: null }).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`Aggregate ${name} already exists.`);
      throw e;
    }
    return this.get(String(id));
  }

  /** The next aggregate id: a compare-and-set counter, so a deleted aggregate's id is never reused. */
  private nextId(): Promise<number> {
    return this.sequences.take('aggregate', async () => {
      const max = await this.db.selectFrom('compute_aggregates').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
      return Number(max?.m ?? 0) + 1;
    });
  }

  private async checkName(name: string, except?: number): Promise<void> {
    const same = await this.db.selectFrom('compute_aggregates').select('id').where('name', '=', name).executeTakeFirst();
    if (same && same.id !== except) throw conflict(`Aggregate ${name} already exists.`);
  }

  async update(a: Aggregate, patch: { name?: string; zone?: string | null }): Promise<Aggregate> {
    if (patch.name !== undefined) await this.checkName(patch.name, a.row.id);
    const metadata = { ...a.metadata };
    if (patch.zone !== undefined) {
      if (patch.zone === null) delete metadata.availability_zone;
      else {
        await this.checkZoneMove(a, a.hosts, patch.zone);
        metadata.availability_zone = patch.zone;
      }
    }
    await this.save(a, { ...(patch.name !== undefined ? { name: patch.name } : {}), metadata: JSON.stringify(metadata) });
    return this.get(String(a.row.id));
  }

  async setMetadata(a: Aggregate, changes: Record<string, string | null>): Promise<Aggregate> {
    const metadata = { ...a.metadata };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete metadata[k];
      else metadata[k] = v;
    }
    if (changes.availability_zone) await this.checkZoneMove(a, a.hosts, changes.availability_zone);
    await this.save(a, { metadata: JSON.stringify(metadata) });
    return this.get(String(a.row.id));
  }

  async remove(a: Aggregate): Promise<void> {
    if (a.hosts.length) throw badRequest(`Cannot remove aggregate ${a.row.id}. Reason: Host aggregate is not empty.`);
    await this.db.deleteFrom('compute_aggregates').where('id', '=', a.row.id).execute();
  }

  async addHost(a: Aggregate, host: string): Promise<Aggregate> {
    if (!(await this.hostState.get(host))) throw notFound(`Compute host ${host} could not be found.`);
    if (a.hosts.includes(host)) throw conflict(`Aggregate ${a.row.id} already has host ${host}.`);
    if (a.metadata.availability_zone) await this.checkZoneMove(a, [host], a.metadata.availability_zone);
    try {
      await this.db.insertInto('compute_aggregate_hosts').values({ aggregate_id: a.row.id, host }).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`Aggregate ${a.row.id} already has host ${host}.`);
      throw e;
    }
    await this.save(a, {});
    return this.get(String(a.row.id));
  }

  async removeHost(a: Aggregate, host: string): Promise<Aggregate> {
    if (!(await this.hostState.get(host))) throw notFound(`Compute host ${host} could not be found.`);
    const r = await this.db.deleteFrom('compute_aggregate_hosts').where('aggregate_id', '=', a.row.id).where('host', '=', host).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound(`Aggregate ${a.row.id} has no host ${host}.`);
    await this.save(a, {});
    return this.get(String(a.row.id));
  }

  /** Nova refuses to give a host two zones: another aggregate of the host must not name a different zone. */
  private async checkZoneMove(a: Aggregate, hosts: string[], zone: string): Promise<void> {
    const others = (await this.list()).filter((o) => o.row.id !== a.row.id && o.metadata.availability_zone && o.metadata.availability_zone !== zone);
    const clash = others.filter((o) => o.hosts.some((h) => hosts.includes(h)));
    if (clash.length) {
      throw badRequest(`Cannot add host to aggregate ${a.row.id}. Reason: One or more hosts already in availability zone(s) [${clash.map((o) => `'${o.metadata.availability_zone}'`).join(', ')}].`);
    }
  }

  private async save(a: Aggregate, patch: Partial<Pick<AggregateRow, 'name' | 'metadata'>>): Promise<void> {
    await this.db.updateTable('compute_aggregates').set({ ...patch, updated_at: new Date().toISOString() }).where('id', '=', a.row.id).execute();
    await this.syncZones();
  }

  /** Every host's zone from the aggregates it belongs to. */
  private async syncZones(): Promise<void> {
    const zoneOf = new Map<string, string>();
    for (const a of await this.list()) for (const h of a.hosts) if (a.metadata.availability_zone) zoneOf.set(h, a.metadata.availability_zone);
    for (const s of await this.hostState.all()) {
      const zone = zoneOf.get(s.host) ?? null;
      if (s.zone !== zone) await this.hostState.update(s.host, { zone });
    }
  }
}
