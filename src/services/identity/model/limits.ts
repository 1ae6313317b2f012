import { badRequest, forbidden, notFound } from '../../../platform/errors.js';
import { hexId } from '../../../platform/ids.js';
import type { CatalogStore } from '../store/catalog.js';
import type { ProjectStore } from '../store/projects.js';
import type { IdentityDb, LimitRow, RegisteredLimitRow } from '../store/tables.js';

/** A limit as the API shows it: service, region and resource come from its registered limit. */
export interface Limit {
  id: string;
  project_id: string | null;
  domain_id: string | null;
  service_id: string;
  region_id: string | null;
  resource_name: string;
  resource_limit: number;
  description: string | null;
}

export type RegisteredLimitInput = Omit<RegisteredLimitRow, 'id' | 'unique_key'>;
export type RegisteredLimitPatch = Partial<RegisteredLimitInput>;
export type LimitInput = Omit<Limit, 'id'>;
export type LimitPatch = Partial<Pick<Limit, 'resource_limit' | 'description'>>;
export interface RegisteredLimitFilters {
  service_id?: string;
  region_id?: string;
  resource_name?: string;
}
export interface LimitFilters extends RegisteredLimitFilters {
  project_id?: string;
  domain_id?: string;
}

/** The only enforcement model offered: limits of a project do not depend on its parents'. */
export const FLAT_MODEL = {
  name: 'flat',
  description: 'Limit enforcement and validation does not take project hierarchy into consideration.',
};

const registeredKey = (r: Pick<RegisteredLimitRow, 'service_id' | 'region_id' | 'resource_name'>) =>
  JSON.stringify([r.service_id, r.region_id, r.resource_name]);
const limitKey = (l: Pick<LimitRow, 'registered_limit_id' | 'project_id' | 'domain_id'>) =>
  JSON.stringify([l.registered_limit_id, l.project_id ? 'project' : 'domain', l.project_id ?? l.domain_id]);

/** Keystone's ValidationError for a reference that does not exist. */
const missingRef = (attribute: string, target: string) =>
  badRequest(
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );
export const limitNotFound = (id: string) => notFound(`Could not find limit for ${id}.`);
const inUse = (id: string) =>
  forbidden(`Unable to update or delete registered limit ${id} because there are project limits associated with it.`);

/**
 * Keystone's unified limits with the flat model: registered limits (a service's default for a
 * resource, optionally per region) and limits (a project's or domain's override of one). Batch
 * creates are all or nothing; duplicates violate a unique key (so also under races), which the
 * routes answer with Keystone's 409.
 */
export class UnifiedLimits {
  constructor(
    private readonly db: IdentityDb,
    private readonly catalog: CatalogStore,
    private readonly projects: ProjectStore,
  ) {}

  listRegistered(f: RegisteredLimitFilters = {}): Promise<RegisteredLimitRow[]> {
    let q = this.db.selectFrom('id_registered_limits').selectAll().orderBy('id');
    if (f.service_id !== undefined) q = q.where('service_id', '=', f.service_id);
    if (f.region_id !== undefined) q = q.where('region_id', '=', f.region_id);
    if (f.resource_name !== undefined) q = q.where('resource_name', '=', f.resource_name);
    return q.execute();
  }

  async registered(id: string): Promise<RegisteredLimitRow> {
    const row = await this.db.selectFrom('id_registered_limits').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Could not find registered limit for ${id}.`);
    return row;
  }

  async createRegistered(inputs: RegisteredLimitInput[]): Promise<RegisteredLimitRow[]> {
    for (const input of inputs) await this.assertCatalogRefs(input, 'registered_limit');
    const rows = inputs.map((input) => ({ id: hexId(), ...input, unique_key: registeredKey(input) }));
    await this.db
      .transaction()
      .execute(async (trx) => {
        for (const row of rows) await trx.insertInto('id_registered_limits').values(row).execute();
      });
    return rows;
  }

  /** Keystone refuses any change to a registered limit that limits refer to. */
  async updateRegistered(id: string, patch: RegisteredLimitPatch): Promise<RegisteredLimitRow> {
    const cur = await this.registered(id);
    await this.assertUnused(id);
    await this.assertCatalogRefs(patch, 'registered_limit');
    const next = { ...cur, ...patch };
    next.unique_key = registeredKey(next);
    await this.db
      .updateTable('id_registered_limits')
      .set({ ...patch, unique_key: next.unique_key })
      .where('id', '=', id)
      .execute();
    return next;
  }

  async deleteRegistered(id: string): Promise<void> {
    await this.registered(id);
    await this.assertUnused(id);
    await this.db.deleteFrom('id_registered_limits').where('id', '=', id).execute();
  }

  /** Limits matching the filters; `projectsOf` limits the result to a domain and its projects. */
  async listLimits(f: LimitFilters = {}, projectsOf?: string): Promise<Limit[]> {
    let q = this.limits();
    if (f.service_id !== undefined) q = q.where('r.service_id', '=', f.service_id);
    if (f.region_id !== undefined) q = q.where('r.region_id', '=', f.region_id);
    if (f.resource_name !== undefined) q = q.where('r.resource_name', '=', f.resource_name);
    if (f.project_id !== undefined) q = q.where('l.project_id', '=', f.project_id);
    if (f.domain_id !== undefined) q = q.where('l.domain_id', '=', f.domain_id);
    if (projectsOf !== undefined) {
      const inDomain = this.db.selectFrom('id_projects').select('id').where('domain_id', '=', projectsOf);
      q = q.where((eb) => eb.or([eb('l.domain_id', '=', projectsOf), eb('l.project_id', 'in', inDomain)]));
    }
    return q.orderBy('l.id').execute();
  }

  async limit(id: string): Promise<Limit> {
    const row = await this.limits().where('l.id', '=', id).executeTakeFirst();
    if (!row) throw limitNotFound(id);
    return row;
  }

  /** The limit, if it exists, with the domain it belongs to (its own or its project's): the read rule's target. */
  async limitWithDomain(id: string): Promise<{ limit?: Limit; domainId?: string }> {
    const limit = await this.limits().where('l.id', '=', id).executeTakeFirst();
    if (!limit?.project_id) return { limit, domainId: limit?.domain_id ?? undefined };
    return { limit, domainId: (await this.projects.getProject(limit.project_id))?.domain_id };
  }

  async createLimits(inputs: LimitInput[]): Promise<Limit[]> {
    const rows: LimitRow[] = [];
    const out: Limit[] = [];
    for (const input of inputs) {
      const owner = await this.owner(input);
      await this.assertCatalogRefs(input, 'limit');
      const reg = await this.db
        .selectFrom('id_registered_limits')
        .select('id')
        .where('unique_key', '=', registeredKey(input))
        .executeTakeFirst();
      if (!reg) throw forbidden('Unable to create a limit that has no corresponding registered limit.');
      const limit: Limit = { ...input, id: hexId(), ...owner };
      const row = { id: limit.id, registered_limit_id: reg.id, ...owner, resource_limit: input.resource_limit, description: input.description };
      rows.push({ ...row, unique_key: limitKey(row) });
      out.push(limit);
    }
    await this.db
      .transaction()
      .execute(async (trx) => {
        for (const row of rows) await trx.insertInto('id_limits').values(row).execute();
      });
    return out;
  }

  async updateLimit(id: string, patch: LimitPatch): Promise<Limit> {
    await this.limit(id);
    if (Object.keys(patch).length) await this.db.updateTable('id_limits').set(patch).where('id', '=', id).execute();
    return this.limit(id);
  }

  async deleteLimit(id: string): Promise<void> {
    await this.limit(id);
    await this.db.deleteFrom('id_limits').where('id', '=', id).execute();
  }

  private limits() {
    return this.db
      .selectFrom('id_limits as l')
      .innerJoin('id_registered_limits as r', 'r.id', 'l.registered_limit_id')
      .select([
        'l.id',
        'l.project_id',
        'l.domain_id',
        'r.service_id',
        'r.region_id',
        'r.resource_name',
        'l.resource_limit',
        'l.description',
      ]);
  }

  /** The project or domain a new limit is for. A domain id given as project_id is the domain (Keystone's domains are projects). */
  private async owner(input: LimitInput): Promise<Pick<LimitRow, 'project_id' | 'domain_id'>> {
    if (input.project_id) {
      if (await this.projects.getProject(input.project_id)) return { project_id: input.project_id, domain_id: null };
      if (await this.projects.getDomain(input.project_id)) return { project_id: null, domain_id: input.project_id };
      throw missingRef('project_id', 'limit');
    }
    if (!input.domain_id || !(await this.projects.getDomain(input.domain_id))) throw missingRef('domain_id', 'limit');
    return { project_id: null, domain_id: input.domain_id };
  }

  private async assertCatalogRefs(r: { service_id?: string; region_id?: string | null }, target: string): Promise<void> {
    if (r.service_id !== undefined && !(await this.catalog.getService(r.service_id))) throw missingRef('service_id', target);
    if (r.region_id && !(await this.catalog.getRegion(r.region_id))) throw missingRef('region_id', target);
  }

  private async assertUnused(registeredId: string): Promise<void> {
    const used = await this.db.selectFrom('id_limits').select('id').where('registered_limit_id', '=', registeredId).executeTakeFirst();
    if (used) throw inUse(registeredId);
  }
}
