import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { FlavorStore } from '../store/flavors.js';
import type { FlavorRow } from '../store/tables.js';

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  rxtx_factor: number;
  is_public: boolean;
  disabled: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
}

export interface FlavorInput {
  name: string;
  id?: string | null;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral?: number;
  swap?: number;
  rxtx_factor?: number;
  is_public?: boolean;
  description?: string | null;
}

export function toFlavor(r: FlavorRow): Flavor {
  return {
    id: r.id,
    name: r.name,
    vcpus: r.vcpus,
    ram: r.ram,
    disk: r.disk,
    ephemeral: r.ephemeral,
    swap: r.swap,
    rxtx_factor: r.rxtx_factor,
    is_public: r.is_public === 1,
    disabled: r.disabled === 1,
    description: r.description,
    extra_specs: JSON.parse(r.extra_specs) as Record<string, string>,
  };
}

/** Nova's `is_public` filter: a boolean, or `none` for all flavors. */
function publicFilter(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (s === 'none') return undefined;
  if (['true', 't', '1', 'yes', 'y', 'on'].includes(s)) return true;
  if (['false', 'f', '0', 'no', 'n', 'off'].includes(s)) return false;
  throw badRequest(`Invalid is_public filter [${v}]`);
}

const EXTRA_SPEC_KEY = /^[\w.:\- ]{1,255}$/;

/** Flavors: admins manage them; projects see public ones and private ones they were given access to. */
export class FlavorService {
  constructor(private readonly store: FlavorStore) {}

  private isAdmin = (auth: AuthContext) => auth.roles.includes('admin');

  /** A flavor the caller may use or see (admins see all). */
  async find(auth: AuthContext | undefined, id: string): Promise<Flavor> {
    const row = await this.store.get(id);
    if (!row || (auth && !this.isAdmin(auth) && row.is_public !== 1 && !(auth.projectId && (await this.store.hasAccess(id, auth.projectId))))) {
      throw notFound(`Flavor ${id} could not be found.`);
    }
    return toFlavor(row);
  }

  async list(auth: AuthContext, isPublic: string | undefined): Promise<Flavor[]> {
    // Nova: non-admins always get public flavors plus their private ones; admins filter with is_public (default true, `None` = all).
    const admin = this.isAdmin(auth);
    let filter: boolean | undefined = admin ? true : undefined;
    if (admin && isPublic !== undefined) filter = publicFilter(isPublic);
    const rows = await this.store.list(admin ? undefined : auth.projectId ?? '', filter);
    return rows.map(toFlavor);
  }

  /** Every flavor (bootstrap and sync). */
  async all(): Promise<Flavor[]> {
    return (await this.store.list(undefined, undefined)).map(toFlavor);
  }

  async create(input: FlavorInput): Promise<Flavor> {
    const id = input.id ?? uuid();
    if (await this.store.byName(input.name)) throw conflict(`Flavor with name ${input.name} already exists.`);
    if (await this.store.get(id)) throw conflict(`Flavor with ID ${id} already exists.`);
    const row: FlavorRow = {
      id,
      name: input.name,
      vcpus: input.vcpus,
      ram: input.ram,
      disk: input.disk,
      ephemeral: input.ephemeral ?? 0,
      swap: input.swap ?? 0,
      rxtx_factor: input.rxtx_factor ?? 1,
      is_public: input.is_public === false ? 0 : 1,
      disabled: 0,
      description: input.description ?? null,
      extra_specs: '{}',
      created_at: new Date().toISOString(),
    };
    await this.store.insert(row);
    return toFlavor(row);
  }

  async setDescription(id: string, description: string | null): Promise<Flavor> {
    await this.find(undefined, id);
    await this.store.update(id, { description });
    return this.find(undefined, id);
  }

  async remove(id: string): Promise<void> {
    await this.find(undefined, id);
    await this.store.remove(id);
  }

  async setExtraSpecs(id: string, specs: Record<string, string>, replace = false): Promise<Record<string, string>> {
    const f = await this.find(undefined, id);
    for (const k of Object.keys(specs)) if (!EXTRA_SPEC_KEY.test(k)) throw badRequest(`Invalid input for field/attribute extra_specs. Value: ${k}. '${k}' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'`);
    const next = replace ? { ...specs } : { ...f.extra_specs, ...specs };
    await this.store.update(id, { extra_specs: JSON.stringify(next) });
    return next;
  }

  async deleteExtraSpec(id: string, key: string): Promise<void> {
    const f = await this.find(undefined, id);
    if (!(key in f.extra_specs)) throw notFound(`Flavor ${id} has no extra specs with key ${key}.`);
    const next = { ...f.extra_specs };
    delete next[key];
    await this.store.update(id, { extra_specs: JSON.stringify(next) });
  }

  async access(id: string): Promise<string[]> {
    const f = await this.find(undefined, id);
    if (f.is_public) throw notFound('Access list not available for public flavors.');
    return this.store.access(id);
  }

  async addAccess(id: string, projectId: string): Promise<string[]> {
    const f = await this.find(undefined, id);
    if (f.is_public) throw conflict('Can not add access to a public flavor.');
    await this.store.addAccess(id, projectId);
    return this.store.access(id);
  }

  async removeAccess(id: string, projectId: string): Promise<string[]> {
    await this.find(undefined, id);
    if (!(await this.store.removeAccess(id, projectId))) throw notFound(`Flavor access not found for ${id} / ${projectId} combination.`);
    return this.store.access(id);
  }
}
