import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { isObj, optString, type Obj } from '../../../platform/http/validate.js';
import type { FlavorProfileStore } from '../store/flavors.js';
import type { Res } from '../store/resources.js';
import type { Collection } from './collection.js';
import { boolField, invalid, onlyKeys, UUID, type ModelContext } from './context.js';
import { nBadRequest, nConflict, nNotFound, nUnavailable } from './errors.js';
import type { RouterDoc } from './types.js';

export interface FlavorDoc {
  name: string;
  description: string;
  service_type: string;
  enabled: boolean;
}

export interface ServiceProfileDoc {
  description: string;
  driver: string;
  metainfo: string;
  enabled: boolean;
}

/** The router service type (Neutron's plugin type `L3_ROUTER_NAT`). */
export const L3_SERVICE = 'L3_ROUTER_NAT';

/**
 * Plugin types of the services this cloud runs, which a flavor's `service_type` may name (Neutron
 * accepts the type of any loaded service plugin).
 */
export const SERVICE_TYPES = ['CORE', L3_SERVICE, 'FLAVORS', 'QOS', 'trunk', 'auto-allocated-topology', 'network-ip-availability'];

/**
 * Service providers (service-type): the one router implementation, legacy routers of one L3 agent
 * with neither HA nor DVR. The driver is named by Neutron's identifier of that provider, which
 * clients and service profiles use.
 */
export const SERVICE_PROVIDERS = [{ service_type: L3_SERVICE, name: 'single_node', driver: 'neutron.services.l3_router.service_providers.single_node.SingleNodeDriver', default: true }];

const LONG = 1024;

function uuidList(body: Obj, field: string): string[] | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && UUID.test(x))) throw invalid(field, v, 'is not a list of valid UUIDs');
  return [...new Set(v as string[])];
}

/**
 * Service flavors (flavors): an operator-defined choice of provider for a service, listed to
 * everyone. A flavor names its service type; its first associated, enabled service profile names
 * the provider driver that serves resources created with it (a router's `flavor_id`).
 */
export class Flavors implements Collection {
  readonly kind = 'flavor' as const;
  readonly singular = 'flavor';
  readonly plural = 'flavors';
  readonly attributes = ['service_type', 'enabled', 'service_profiles'];

  constructor(
    private readonly m: ModelContext,
    private readonly links: FlavorProfileStore,
    private readonly profiles: ServiceProfiles,
  ) {}

  private view(f: Res<FlavorDoc>, profileIds: string[]): Obj {
    return { id: f.id, name: f.doc.name, description: f.doc.description, service_type: f.doc.service_type, enabled: f.doc.enabled, service_profiles: profileIds };
  }

  async list(): Promise<Obj[]> {
    const links = await this.links.all();
    const of = (id: string) => links.filter((l) => l.flavor_id === id).map((l) => l.service_profile_id);
    return (await this.m.store.list<FlavorDoc>('flavor')).map((f) => this.view(f, of(f.id)));
  }

  async show(_auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.m.load<FlavorDoc>('flavor', id), await this.links.ofFlavor(id));
  }

  checkInput(body: Obj, action: 'create' | 'update'): void {
    onlyKeys(body, action === 'create' ? ['name', 'description', 'service_type', 'service_profiles', 'enabled'] : ['name', 'description', 'service_profiles', 'enabled']);
    boolField(body, 'enabled');
    uuidList(body, 'service_profiles');
    if (action === 'update') return;
    if (body.service_type === undefined) throw nBadRequest('HTTPBadRequest', "Failed to parse request. Required attribute 'service_type' not specified");
    if (typeof body.service_type !== 'string' || !SERVICE_TYPES.includes(body.service_type)) {
      throw nBadRequest('InvalidServiceType', `Invalid service type: ${String(body.service_type)}.`);
    }
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    const doc: FlavorDoc = {
      name: optString(body, 'name', { max: 255 }) ?? '',
      description: optString(body, 'description', { max: LONG }) ?? '',
      service_type: body.service_type as string,
      enabled: boolField(body, 'enabled') ?? true,
    };
    const wanted = uuidList(body, 'service_profiles') ?? [];
    for (const p of wanted) await this.profiles.find(auth, p);
    const f = await this.m.store.insert('flavor', { id: uuid(), project_id: '', doc });
    for (const p of wanted) await this.links.associate(f.id, p);
    return this.show(auth, f.id);
  }

  /** `service_profiles` in an update names the profiles the flavor is associated with afterwards. */
  async update(auth: AuthContext, id: string, body: Obj): Promise<Obj> {
    const f = await this.m.load<FlavorDoc>('flavor', id);
    const wanted = uuidList(body, 'service_profiles');
    for (const p of wanted ?? []) await this.profiles.find(auth, p);
    await this.m.modify(f, undefined, (d) => ({
      ...d,
      name: optString(body, 'name', { max: 255 }) ?? d.name,
      description: optString(body, 'description', { max: LONG }) ?? d.description,
      enabled: boolField(body, 'enabled') ?? d.enabled,
    }));
    if (wanted) {
      const current = await this.links.ofFlavor(id);
      for (const p of current.filter((c) => !wanted.includes(c))) await this.links.disassociate(id, p);
      for (const p of wanted.filter((w) => !current.includes(w))) await this.links.associate(id, p);
    }
    return this.show(auth, id);
  }

  /** A flavor routers were created with stays (Neutron's FlavorInUse, from its foreign key). */
  async remove(_auth: AuthContext, id: string): Promise<void> {
    await this.m.load<FlavorDoc>('flavor', id);
    const routers = await this.m.store.list<RouterDoc>('router');
    if (routers.some((r) => r.doc.flavor_id === id)) throw nConflict('FlavorInUse', `Flavor ${id} is used by some service instance.`);
    await this.links.dropFlavor(id);
    await this.m.store.delete('flavor', id);
  }

  /** `POST /v2.0/flavors/{id}/service_profiles` with `{"service_profile": {"id": ...}}`. */
  async associate(auth: AuthContext, id: string, body: unknown): Promise<string> {
    const inner = isObj(body) && isObj(body.service_profile) ? body.service_profile : undefined;
    if (!inner) throw nBadRequest('HTTPBadRequest', "Resource body required: 'service_profile' is missing or not an object.");
    onlyKeys(inner, ['id']);
    const profileId = inner.id;
    if (typeof profileId !== 'string' || !UUID.test(profileId)) throw invalid('id', profileId ?? null, 'is not a valid UUID');
    await this.m.load<FlavorDoc>('flavor', id);
    await this.profiles.find(auth, profileId);
    if (!(await this.links.associate(id, profileId))) {
      throw nConflict('FlavorServiceProfileBindingExists', `Service Profile ${profileId} is already associated with flavor ${id}.`);
    }
    return profileId;
  }

  async disassociate(id: string, profileId: string): Promise<void> {
    await this.m.load<FlavorDoc>('flavor', id);
    if (!(await this.links.disassociate(id, profileId))) {
      throw nNotFound('FlavorServiceProfileBindingNotFound', `Service Profile ${profileId} is not associated with flavor ${id}.`);
    }
  }

  /**
   * Whether a router can be created with `flavorId`, checked as Neutron's L3 driver controller
   * does: the flavor exists and is a router flavor, its first service profile is enabled and names
   * a provider driver of this cloud. A disabled flavor serves no new routers.
   */
  async checkRouterFlavor(id: string): Promise<void> {
    if (!UUID.test(id)) throw invalid('flavor_id', id, 'is not a valid UUID');
    const f = await this.m.load<FlavorDoc>('flavor', id);
    if (f.doc.service_type !== L3_SERVICE) throw nBadRequest('InvalidServiceType', `Invalid service type: ${f.doc.service_type}.`);
    if (!f.doc.enabled) throw nUnavailable('FlavorDisabled', 'Flavor is not enabled.');
    const [first] = await this.links.ofFlavor(id);
    if (!first) throw nNotFound('FlavorServiceProfileBindingNotFound', `Service Profile  is not associated with flavor ${id}.`);
    const profile = await this.m.load<ServiceProfileDoc>('service_profile', first);
    if (!profile.doc.enabled) throw nUnavailable('ServiceProfileDisabled', 'Service Profile is not enabled.');
    if (!SERVICE_PROVIDERS.some((p) => p.service_type === L3_SERVICE && p.driver === profile.doc.driver)) {
      throw nNotFound('ServiceProfileDriverNotFound', `Service Profile driver ${profile.doc.driver} could not be found.`);
    }
  }
}

/** Service profiles (flavors): a provider driver and its metadata, seen by admins only (policy). */
export class ServiceProfiles implements Collection {
  readonly kind = 'service_profile' as const;
  readonly singular = 'service_profile';
  readonly plural = 'service_profiles';
  readonly attributes = ['driver', 'metainfo', 'enabled'];
  readonly hideWhenDenied = true;

  constructor(
    private readonly m: ModelContext,
    private readonly links: FlavorProfileStore,
  ) {}

  private view(p: Res<ServiceProfileDoc>): Obj {
    return { id: p.id, description: p.doc.description, driver: p.doc.driver, metainfo: p.doc.metainfo, enabled: p.doc.enabled };
  }

  find(_auth: AuthContext, id: string): Promise<Res<ServiceProfileDoc>> {
    return this.m.load<ServiceProfileDoc>('service_profile', id);
  }

  async list(): Promise<Obj[]> {
    return (await this.m.store.list<ServiceProfileDoc>('service_profile')).map((p) => this.view(p));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.find(auth, id));
  }

  checkInput(body: Obj): void {
    onlyKeys(body, ['description', 'driver', 'metainfo', 'enabled']);
    optString(body, 'driver', { max: LONG });
    optString(body, 'metainfo', { max: 4096 });
    boolField(body, 'enabled');
  }

  /** A driver must be one of this cloud's service providers (Neutron's ServiceProfileDriverNotFound). */
  private checkDriver(driver: string): void {
    if (!SERVICE_PROVIDERS.some((p) => p.driver === driver)) throw nNotFound('ServiceProfileDriverNotFound', `Service Profile driver ${driver} could not be found.`);
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    const doc: ServiceProfileDoc = {
      description: optString(body, 'description', { max: LONG }) ?? '',
      driver: optString(body, 'driver') ?? '',
      metainfo: optString(body, 'metainfo') ?? '',
      enabled: boolField(body, 'enabled') ?? true,
    };
    if (doc.driver) this.checkDriver(doc.driver);
    else if (!doc.metainfo) throw nBadRequest('ServiceProfileEmpty', 'Service Profile needs either a driver or metainfo.');
    return this.show(auth, (await this.m.store.insert('service_profile', { id: uuid(), project_id: '', doc })).id);
  }

  /** A profile associated with a flavor is fixed (Neutron's ServiceProfileInUse). */
  async update(auth: AuthContext, id: string, body: Obj): Promise<Obj> {
    const driver = optString(body, 'driver');
    if (driver) this.checkDriver(driver);
    const p = await this.find(auth, id);
    await this.refuseInUse(id);
    await this.m.modify(p, undefined, (d) => ({
      description: optString(body, 'description', { max: LONG }) ?? d.description,
      driver: driver ?? d.driver,
      metainfo: optString(body, 'metainfo') ?? d.metainfo,
      enabled: boolField(body, 'enabled') ?? d.enabled,
    }));
    return this.show(auth, id);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    await this.find(auth, id);
    await this.refuseInUse(id);
    await this.m.store.delete('service_profile', id);
  }

  private async refuseInUse(id: string): Promise<void> {
    if (await this.links.inUse(id)) throw nConflict('ServiceProfileInUse', `Service Profile ${id} is used by some service instance.`);
  }
}
