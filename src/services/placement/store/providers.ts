import type { Kysely, Transaction } from 'kysely';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import type { Candidate, InventoryInput, Resources } from '../client.js';
import type { InventoryRow, PlacementTables, ProviderRow } from './tables.js';

type Db = Kysely<PlacementTables> | Transaction<PlacementTables>;

/** Capacity of one inventory: what may be allocated in total. */
export const capacity = (i: InventoryRow): number => Math.floor((i.total - i.reserved) * i.allocation_ratio);

/** Resource providers, inventories and allocations; every allocation write bumps the provider's generation. */
export class ProviderStore {
  constructor(private readonly db: Kysely<PlacementTables>) {}

  /** Providers by name, uuid, aggregate membership (any of each `memberOf` group) and required/forbidden traits. */
  list(filter: { name?: string; uuid?: string; memberOf?: string[][]; required?: string[]; forbidden?: string[] } = {}): Promise<ProviderRow[]> {
    let q = this.db.selectFrom('placement_providers').selectAll().orderBy('name');
    if (filter.name) q = q.where('name', '=', filter.name);
    if (filter.uuid) q = q.where('id', '=', filter.uuid);
    for (const anyOf of filter.memberOf ?? []) {
      q = q.where('id', 'in', this.db.selectFrom('placement_provider_aggregates').select('provider_id').where('aggregate', 'in', anyOf));
    }
    for (const trait of filter.required ?? []) {
      q = q.where('id', 'in', this.db.selectFrom('placement_provider_traits').select('provider_id').where('trait', '=', trait));
    }
    if (filter.forbidden?.length) {
      q = q.where('id', 'not in', this.db.selectFrom('placement_provider_traits').select('provider_id').where('trait', 'in', filter.forbidden));
    }
    return q.execute();
  }

  async get(id: string, db: Db = this.db): Promise<ProviderRow> {
    const row = await db.selectFrom('placement_providers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`No resource provider with uuid ${id} found`);
    return row;
  }

  async create(id: string, name: string): Promise<ProviderRow> {
    const now = new Date().toISOString();
    const row = { id, name, generation: 0, created_at: now, updated_at: now };
    const clash = await this.db.selectFrom('placement_providers').select('id').where((eb) => eb.or([eb('id', '=', id), eb('name', '=', name)])).executeTakeFirst();
    if (clash) throw conflict(`Conflicting resource provider name: ${name} already exists.`);
    await this.db.insertInto('placement_providers').values(row).execute();
    return row;
  }

  async rename(id: string, name: string): Promise<ProviderRow> {
    await this.get(id);
    await this.db.updateTable('placement_providers').set({ name, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    const used = await this.db.selectFrom('placement_allocations').select('consumer_id').where('provider_id', '=', id).executeTakeFirst();
    if (used) throw conflict(`Unable to delete resource provider ${id}: Resource provider has allocations.`);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('placement_inventories').where('provider_id', '=', id).execute();
      await trx.deleteFrom('placement_provider_traits').where('provider_id', '=', id).execute();
      await trx.deleteFrom('placement_provider_aggregates').where('provider_id', '=', id).execute();
      await trx.deleteFrom('placement_providers').where('id', '=', id).execute();
    });
  }

  inventories(id: string, db: Db = this.db): Promise<InventoryRow[]> {
    return db.selectFrom('placement_inventories').selectAll().where('provider_id', '=', id).execute();
  }

  /** Replaces the provider's inventories; `generation` (when given) must match, as placement's CAS. */
  async setInventories(id: string, inventories: Record<string, InventoryInput>, generation?: number): Promise<ProviderRow> {
    return this.db.transaction().execute(async (trx) => {
      const p = await this.get(id, trx);
      if (generation !== undefined && generation !== p.generation) throw generationConflict(id);
      await trx.deleteFrom('placement_inventories').where('provider_id', '=', id).execute();
      const rows = Object.entries(inventories).map(([rc, i]) => inventoryRow(id, rc, i));
      if (rows.length) await trx.insertInto('placement_inventories').values(rows).execute();
      await this.bump(trx, p);
      return this.get(id, trx);
    });
  }

  /** Creates or replaces one class's inventory under the generation guard. */
  async setInventory(id: string, rc: string, input: InventoryInput, generation: number): Promise<ProviderRow> {
    return this.guarded(id, generation, async (trx) => {
      await trx.deleteFrom('placement_inventories').where('provider_id', '=', id).where('resource_class', '=', rc).execute();
      await trx.insertInto('placement_inventories').values(inventoryRow(id, rc, input)).execute();
    });
  }

  /** Deletes one class's inventory (all when `rc` is undefined); refused while allocations use it. */
  async deleteInventory(id: string, rc: string | undefined, generation?: number): Promise<ProviderRow> {
    return this.guarded(id, generation, async (trx) => {
      let used = trx.selectFrom('placement_allocations').select('resource_class').where('provider_id', '=', id);
      if (rc) used = used.where('resource_class', '=', rc);
      const inUse = await used.executeTakeFirst();
      if (inUse) throw conflict(`Inventory for '${inUse.resource_class}' on resource provider '${id}' in use.`, 'placement.inventory.inuse');
      const del = trx.deleteFrom('placement_inventories').where('provider_id', '=', id);
      if (rc) {
        const r = await del.where('resource_class', '=', rc).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw notFound(`No inventory of class ${rc} found for delete`);
        return;
      }
      await del.execute();
    });
  }

  async traits(id: string): Promise<string[]> {
    const rows = await this.db.selectFrom('placement_provider_traits').select('trait').where('provider_id', '=', id).orderBy('trait').execute();
    return rows.map((r) => r.trait);
  }

  async setTraits(id: string, traits: string[], generation?: number): Promise<ProviderRow> {
    return this.guarded(id, generation, async (trx) => {
      await trx.deleteFrom('placement_provider_traits').where('provider_id', '=', id).execute();
      const rows = [...new Set(traits)].map((trait) => ({ provider_id: id, trait }));
      if (rows.length) await trx.insertInto('placement_provider_traits').values(rows).execute();
    });
  }

  async traitInUse(trait: string): Promise<boolean> {
    return !!(await this.db.selectFrom('placement_provider_traits').select('trait').where('trait', '=', trait).executeTakeFirst());
  }

  async classInUse(rc: string): Promise<boolean> {
    return !!(await this.db.selectFrom('placement_inventories').select('resource_class').where('resource_class', '=', rc).executeTakeFirst());
  }

  /** Names of traits held by at least one provider. */
  async associatedTraits(): Promise<Set<string>> {
    return new Set((await this.db.selectFrom('placement_provider_traits').select('trait').distinct().execute()).map((r) => r.trait));
  }

  async aggregates(id: string): Promise<string[]> {
    const rows = await this.db.selectFrom('placement_provider_aggregates').select('aggregate').where('provider_id', '=', id).orderBy('aggregate').execute();
    return rows.map((r) => r.aggregate);
  }

  async setAggregates(id: string, aggregates: string[], generation?: number): Promise<ProviderRow> {
    return this.guarded(id, generation, async (trx) => {
      await trx.deleteFrom('placement_provider_aggregates').where('provider_id', '=', id).execute();
      const rows = [...new Set(aggregates)].map((aggregate) => ({ provider_id: id, aggregate }));
      if (rows.length) await trx.insertInto('placement_provider_aggregates').values(rows).execute();
    });
  }

  /** Runs `change` in a transaction that bumps the provider's generation, which must be `generation` when given. */
  private async guarded(id: string, generation: number | undefined, change: (trx: Db) => Promise<void>): Promise<ProviderRow> {
    return this.db.transaction().execute(async (trx) => {
      const p = await this.get(id, trx);
      if (generation !== undefined && generation !== p.generation) throw generationConflict(id);
      await change(trx);
      if (!(await this.bump(trx, p))) throw generationConflict(id);
      return this.get(id, trx);
    });
  }

  async usages(id: string, db: Db = this.db, excludeConsumer?: string): Promise<Resources> {
    let q = db
      .selectFrom('placement_allocations')
      .select(['resource_class', (eb) => eb.fn.sum<number>('used').as('used')])
      .where('provider_id', '=', id)
      .groupBy('resource_class');
    if (excludeConsumer) q = q.where('consumer_id', '!=', excludeConsumer);
    const out: Resources = {};
    for (const r of await q.execute()) out[r.resource_class] = Number(r.used);
    return out;
  }

  async projectUsages(projectId: string): Promise<Resources> {
    const rows = await this.db
      .selectFrom('placement_allocations')
      .select(['resource_class', (eb) => eb.fn.sum<number>('used').as('used')])
      .where('project_id', '=', projectId)
      .groupBy('resource_class')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.resource_class, Number(r.used)]));
  }

  consumerAllocations(consumerId: string) {
    return this.db.selectFrom('placement_allocations').selectAll().where('consumer_id', '=', consumerId).execute();
  }

  async providersOf(consumerIds: string[]): Promise<Map<string, string>> {
    if (!consumerIds.length) return new Map();
    const rows = await this.db.selectFrom('placement_allocations').select(['consumer_id', 'provider_id']).where('consumer_id', 'in', consumerIds).execute();
    return new Map(rows.map((r) => [r.consumer_id, r.provider_id]));
  }

  providerAllocations(providerId: string) {
    return this.db.selectFrom('placement_allocations').selectAll().where('provider_id', '=', providerId).execute();
  }

  /** Free amount per class on a provider, or undefined when it cannot fit `want` at all. */
  private fit(inv: InventoryRow[], used: Resources, want: Resources): Resources | undefined {
    const free: Resources = {};
    for (const i of inv) free[i.resource_class] = capacity(i) - (used[i.resource_class] ?? 0);
    for (const [rc, n] of Object.entries(want)) {
      if (n === 0) continue;
      const i = inv.find((x) => x.resource_class === rc);
      if (!i || n > i.max_unit || n < i.min_unit || n % i.step_size !== 0 || free[rc] < n) return undefined;
    }
    return free;
  }

  async candidates(want: Resources, among?: string[]): Promise<Candidate[]> {
    let q = this.db.selectFrom('placement_providers').selectAll();
    if (among) {
      if (!among.length) return [];
      q = q.where('id', 'in', among);
    }
    const providers = await q.execute();
    const out: Candidate[] = [];
    for (const p of providers) {
      const free = this.fit(await this.inventories(p.id), await this.usages(p.id), want);
      if (free) out.push({ providerId: p.id, name: p.name, free });
    }
    return out;
  }

  /**
   * Replaces the consumer's allocations with `want` on one provider if it fits. The provider's
   * generation is the compare-and-set guard: a concurrent claim makes this one retry.
   */
  async claim(consumerId: string, providerId: string, want: Resources, owner: { projectId: string; userId: string }): Promise<boolean> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const result = await this.db.transaction().execute(async (trx) => {
        const p = await this.get(providerId, trx);
        const free = this.fit(await this.inventories(providerId, trx), await this.usages(providerId, trx, consumerId), want);
        if (!free) return false;
        if (!(await this.bump(trx, p))) return undefined;
        await this.writeAllocations(trx, consumerId, providerId, want, owner);
        return true;
      });
      if (result !== undefined) return result;
    }
    throw conflict(`Resource provider ${providerId} is too busy; try again.`);
  }

  /** Writes allocations as given (placement's PUT /allocations), checking each provider's capacity. */
  async putAllocations(consumerId: string, byProvider: Record<string, Resources>, owner: { projectId: string; userId: string }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('placement_allocations').where('consumer_id', '=', consumerId).execute();
      for (const [providerId, want] of Object.entries(byProvider)) {
        const p = await this.get(providerId, trx);
        const inv = await this.inventories(providerId, trx);
        for (const rc of Object.keys(want)) {
          if (!inv.some((i) => i.resource_class === rc)) throw badAllocation(`Unable to allocate inventory: Inventory for '${rc}' on resource provider '${providerId}' invalid.`);
        }
        if (!this.fit(inv, await this.usages(providerId, trx), want)) throw conflict(`Unable to allocate inventory for consumer ${consumerId}: capacity exceeded on resource provider ${providerId}.`);
        if (!(await this.bump(trx, p))) throw generationConflict(providerId);
        await this.insertAllocations(trx, consumerId, providerId, want, owner);
      }
    });
  }

  async release(consumerId: string): Promise<void> {
    await this.db.deleteFrom('placement_allocations').where('consumer_id', '=', consumerId).execute();
  }

  private async writeAllocations(trx: Db, consumerId: string, providerId: string, want: Resources, owner: { projectId: string; userId: string }) {
    await trx.deleteFrom('placement_allocations').where('consumer_id', '=', consumerId).execute();
    await this.insertAllocations(trx, consumerId, providerId, want, owner);
  }

  private async insertAllocations(trx: Db, consumerId: string, providerId: string, want: Resources, owner: { projectId: string; userId: string }) {
    const rows = Object.entries(want)
      .filter(([, n]) => n > 0)
      .map(([rc, used]) => ({ consumer_id: consumerId, provider_id: providerId, resource_class: rc, used, project_id: owner.projectId, user_id: owner.userId }));
    if (rows.length) await trx.insertInto('placement_allocations').values(rows).execute();
  }

  /** Bumps the generation if nobody else did since `p` was read. */
  private async bump(trx: Db, p: ProviderRow): Promise<boolean> {
    const r = await trx
      .updateTable('placement_providers')
      .set({ generation: p.generation + 1, updated_at: new Date().toISOString() })
      .where('id', '=', p.id)
      .where('generation', '=', p.generation)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

const inventoryRow = (id: string, rc: string, i: InventoryInput): InventoryRow => ({
  provider_id: id,
  resource_class: rc,
  total: i.total,
  reserved: i.reserved ?? 0,
  min_unit: i.min_unit ?? 1,
  max_unit: i.max_unit ?? i.total,
  step_size: i.step_size ?? 1,
  allocation_ratio: i.allocation_ratio ?? 1,
});

const generationConflict = (id: string) =>
  conflict(`resource provider generation conflict: the provider ${id} was changed by another request.`, 'placement.concurrent_update');
const badAllocation = (msg: string) => badRequest(msg);
