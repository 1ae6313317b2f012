import { isUniqueViolation } from '../../../platform/db/database.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { Obj as Body } from '../../../platform/http/validate.js';
import type { LoadBalancerDriver } from '../drivers/driver.js';
import type { CatalogKind, CatalogStore, Entry } from '../store/catalog.js';
import type { Providers } from './providers.js';

/** Octavia's names of the catalog objects in messages. */
export const CATALOG_LABEL: Record<CatalogKind, string> = { flavorprofile: 'Flavor profile', flavor: 'Flavor', azprofile: 'Availability Zone Profile', az: 'Availability Zone' };

/** The profile kinds, their metadata field, and the kind that uses them. */
const PROFILE = {
  flavorprofile: { data: 'flavor_data', usedBy: 'flavor', validate: 'flavorData' },
  azprofile: { data: 'availability_zone_data', usedBy: 'az', validate: 'azData' },
} as const;
export type ProfileKind = keyof typeof PROFILE;

/** Where a new load balancer goes: its provider name and driver, and the metadata of its flavor and zone. */
export interface Placement {
  provider: string;
  driver: LoadBalancerDriver;
  flavor: Record<string, unknown>;
  zone: Record<string, unknown>;
}

const inUse = (kind: CatalogKind, id: string) => conflict(`${CATALOG_LABEL[kind]} ${id} is in use and cannot be modified.`);

/**
 * Flavors and availability zones as Octavia has them: an operator's profile holds one provider's
 * metadata (validated by that provider), a flavor or zone offers a profile to users by name. A
 * profile in use by a flavor or zone keeps its provider and metadata; a flavor or zone in use by
 * a load balancer cannot be deleted.
 */
export class Catalog {
  constructor(
    readonly store: CatalogStore,
    readonly providers: Providers,
  ) {}

  async get(kind: CatalogKind, id: string): Promise<Entry> {
    const e = await this.store.get(kind, id);
    if (!e) throw notFound(`${CATALOG_LABEL[kind]} ${id} not found.`);
    return e;
  }

  private validate(kind: ProfileKind, provider: string, data: string): void {
    this.providers[PROFILE[kind].validate](provider, data);
  }

  async createProfile(kind: ProfileKind, body: Body): Promise<Entry> {
    const data = PROFILE[kind].data;
    this.validate(kind, body.provider_name as string, body[data] as string);
    const id = uuid();
    const e: Entry = { id, doc: { id, name: body.name, provider_name: body.provider_name, [data]: body[data] } };
    await this.store.insert(kind, e);
    return e;
  }

  async updateProfile(kind: ProfileKind, id: string, body: Body): Promise<Entry> {
    const { data, usedBy } = PROFILE[kind];
    const e = await this.get(kind, id);
    if (body[data] !== undefined || body.provider_name !== undefined) {
      if ((await this.store.countUsing(usedBy, id)) > 0) throw inUse(kind, id);
      this.validate(kind, (body.provider_name ?? e.doc.provider_name) as string, (body[data] ?? e.doc[data]) as string);
    }
    const next = { id, doc: { ...e.doc, ...body } };
    await this.store.update(kind, next);
    return next;
  }

  async deleteProfile(kind: ProfileKind, id: string): Promise<void> {
    await this.get(kind, id);
    if (!(await this.store.deleteUnused(kind, id, PROFILE[kind].usedBy))) throw inUse(kind, id);
  }

  /** A flavor (`flavor`, id) or an availability zone (`az`, named): its profile must exist, names are unique. */
  async createOffer(kind: 'flavor' | 'az', body: Body): Promise<Entry> {
    const profileField = kind === 'flavor' ? 'flavor_profile_id' : 'availability_zone_profile_id';
    const profileId = body[profileField] as string;
    if (!(await this.store.get(kind === 'flavor' ? 'flavorprofile' : 'azprofile', profileId))) throw badRequest(`Validation failure: Invalid ${profileField}.`);
    const name = body.name as string;
    const id = kind === 'flavor' ? uuid() : name;
    const doc = { ...(kind === 'flavor' ? { id } : {}), name, description: body.description ?? null, enabled: body.enabled ?? true, [profileField]: profileId };
    const e = { id, doc };
    await this.unique(kind, name, () => this.store.insert(kind, e, { uniqueName: name, profileId }));
    return e;
  }

  async updateOffer(kind: 'flavor' | 'az', id: string, body: Body): Promise<Entry> {
    const e = await this.get(kind, id);
    const next = { id, doc: { ...e.doc, ...body } };
    await this.unique(kind, next.doc.name, () => this.store.update(kind, next, next.doc.name));
    return next;
  }

  async deleteOffer(kind: 'flavor' | 'az', id: string): Promise<void> {
    await this.get(kind, id);
    if (await this.store.lbUses(kind === 'flavor' ? 'flavor_id' : 'availability_zone', id)) throw inUse(kind, id);
    await this.store.deleteUnused(kind, id);
  }

  private async unique(kind: 'flavor' | 'az', name: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`A ${kind === 'flavor' ? 'flavor' : 'availability zone'} of ${name} already exists.`);
      throw e;
    }
  }

  /**
   * The provider, flavor and availability zone of a new load balancer, checked as Octavia does: the
   * flavor and zone must exist and be enabled, the flavor's profile decides the provider (a
   * different `provider` in the request is a 400), and the provider must still take both profiles'
   * metadata.
   */
  async placement(body: Body, defaultProvider: string): Promise<Placement> {
    const offer = async (kind: 'flavor' | 'az', id: unknown, field: string, label: string) => {
      if (typeof id !== 'string') return undefined;
      const e = await this.store.get(kind, id);
      if (!e) throw badRequest(`Validation failure: Invalid ${label}.`);
      if (!e.doc.enabled) throw badRequest(`The selected ${field} is not allowed in this deployment: ${id}`);
      return e;
    };
    const flavor = await offer('flavor', body.flavor_id, 'flavor', 'flavor_id');
    const zone = await offer('az', body.availability_zone, 'availability_zone', 'availability zone');
    const flavorProfile = flavor && (await this.get('flavorprofile', flavor.doc.flavor_profile_id));
    const zoneProfile = zone && (await this.get('azprofile', zone.doc.availability_zone_profile_id));
    if (flavorProfile && body.provider !== undefined && body.provider !== flavorProfile.doc.provider_name) {
      throw badRequest(`Flavor '${String(body.flavor_id)}' is not compatible with provider '${String(body.provider)}'`);
    }
    const provider = (flavorProfile?.doc.provider_name ?? body.provider ?? defaultProvider) as string;
    const driver = this.providers.enabled(provider);
    return {
      provider,
      driver,
      flavor: flavorProfile ? this.providers.flavorData(provider, flavorProfile.doc.flavor_data) : {},
      zone: zoneProfile ? this.providers.azData(provider, zoneProfile.doc.availability_zone_data) : {},
    };
  }
}
