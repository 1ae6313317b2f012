import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { isObj, optBool, optString, optStringArray, reqString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { cidrsOverlap, formatCidr, inCidr, normalizeIp, parseCidr, parseIp } from './addresses.js';
import { checkTags, standard, type Collection } from './collection.js';
import { adminOnly, invalid, isAdmin, objList, onlyKeys, UUID, type ModelContext } from './context.js';
import { nBadRequest, nConflict, nNotFound } from './errors.js';
import type { Ports } from './ports.js';
import type { Subnets } from './subnets.js';
import type { FloatingIpDoc, PortDoc, RouterDoc, SubnetDoc } from './types.js';

export const ROUTER_INTERFACE = 'network:router_interface';
export const ROUTER_GATEWAY = 'network:router_gateway';
const UPDATE = ['name', 'description', 'admin_state_up', 'external_gateway_info', 'routes'];
const CREATE = [...UPDATE.filter((k) => k !== 'routes'), 'project_id', 'tenant_id', 'availability_zone_hints', 'distributed', 'ha', 'tags', 'flavor_id'];
type Route = RouterDoc['routes'][number];

/** Where a router's service flavor is checked and where a new router gets its L3 agent. */
export interface RouterPlacement {
  flavors: { checkRouterFlavor(flavorId: string): Promise<void> };
  /** Hosts new routers; the zones of the L3 agent hosting one are its `availability_zones`. */
  scheduler: { scheduleRouter(routerId: string): Promise<void>; routerZones(routerId: string): Promise<string[]> };
}

export class Routers implements Collection {
  readonly kind = 'router' as const;
  readonly singular = 'router';
  readonly plural = 'routers';
  readonly attributes = ['admin_state_up', 'status', 'external_gateway_info', 'routes', 'distributed', 'ha', 'availability_zone_hints', 'availability_zones', 'flavor_id', 'enable_ndp_proxy'];

  constructor(
    private readonly m: ModelContext,
    private readonly ports: Ports,
    private readonly subnets: Subnets,
    private readonly placement: RouterPlacement,
  ) {}

  private async view(auth: AuthContext, r: Res<RouterDoc>): Promise<Obj> {
    const gw = r.doc.gateway;
    const gwPort = gw ? await this.m.store.get<PortDoc>('port', gw.port_id) : undefined;
    const v: Obj = {
      ...standard(r),
      admin_state_up: r.doc.admin_state_up,
      status: 'ACTIVE',
      external_gateway_info: gw ? { network_id: gw.network_id, enable_snat: gw.enable_snat, external_fixed_ips: gwPort?.doc.fixed_ips ?? [] } : null,
      routes: r.doc.routes,
      availability_zone_hints: r.doc.availability_zone_hints,
      availability_zones: await this.placement.scheduler.routerZones(r.id),
      flavor_id: r.doc.flavor_id ?? null,
    };
    if (isAdmin(auth)) Object.assign(v, { distributed: false, ha: false });
    return v;
  }

  find(auth: AuthContext, id: string): Promise<Res<RouterDoc>> {
    return this.m.owned<RouterDoc>(auth, 'router', id);
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const rows = await this.m.store.list<RouterDoc>('router', isAdmin(auth) ? {} : { project_id: auth.projectId });
    return Promise.all(rows.map((r) => this.view(auth, r)));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(auth, await this.find(auth, id));
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, CREATE);
    adminOnly(auth, body, ['distributed', 'ha'], 'create_router');
    const project = this.m.owner(auth, body);
    await this.m.checkQuota(project, 'router');
    if (optBool(body, 'distributed') || optBool(body, 'ha')) throw nBadRequest('HTTPBadRequest', 'Distributed and HA routers are not supported by this deployment.');
    const flavorId = optString(body, 'flavor_id', { nullable: true }) ?? null;
    if (flavorId) await this.placement.flavors.checkRouterFlavor(flavorId);
    const doc: RouterDoc = {
      name: optString(body, 'name', { max: 255 }) ?? '',
      description: optString(body, 'description', { max: 255 }) ?? '',
      tags: body.tags === undefined ? [] : checkTags(body.tags),
      admin_state_up: optBool(body, 'admin_state_up') ?? true,
      gateway: null,
      routes: [],
      availability_zone_hints: optStringArray(body, 'availability_zone_hints') ?? [],
      flavor_id: flavorId,
    };
    for (const z of doc.availability_zone_hints) if (z !== this.m.settings.availabilityZone) throw nBadRequest('AvailabilityZoneNotFound', `AvailabilityZone ${z} could not be found.`);
    const id = uuid();
    const r = await this.m.insertCounted('router', { id, project_id: project, doc });
    if (body.external_gateway_info !== undefined && body.external_gateway_info !== null) {
      try {
        await this.setGateway(auth, r, body.external_gateway_info);
      } catch (e) {
        await this.m.store.delete('router', id);
        throw e;
      }
    }
    await this.placement.scheduler.scheduleRouter(id);
    return this.show(auth, id);
  }

  /** Sets, changes or clears (`null` / `{}`) the external gateway and its port. */
  private async setGateway(auth: AuthContext, r: Res<RouterDoc>, info: unknown): Promise<void> {
    if (info !== null && !isObj(info)) throw invalid('external_gateway_info', info, 'is not a dictionary');
    const cur = r.doc.gateway;
    if (!info || info.network_id === undefined) {
      if (!cur) return;
      const fips = await this.m.store.list<FloatingIpDoc>('floatingip', { parent_id: cur.network_id });
      if (fips.some((f) => f.doc.router_id === r.id)) throw nConflict('RouterExternalGatewayInUseByFloatingIp', `Gateway cannot be updated for router ${r.id}, since a gateway to external network ${cur.network_id} is required by one or more floating IPs.`);
      await this.dropGatewayPort(cur.port_id);
      await this.m.modify(r, undefined, (d) => ({ ...d, gateway: null }));
      return;
    }
    adminOnly(auth, info, ['external_fixed_ips'], 'update_router:external_gateway_info');
    const netId = reqString(info, 'network_id', { path: 'external_gateway_info.network_id' });
    const net = await this.m.network(auth, netId);
    const g = await this.m.grants(auth.projectId);
    if (!net.doc.external && !g.external.has(net.id)) throw nBadRequest('BadRequest', `Bad router request: Network ${netId} is not an external network.`);
    const snat = optBool(info, 'enable_snat', 'external_gateway_info.enable_snat');
    if (snat !== undefined && !isAdmin(auth) && snat !== (cur?.enable_snat ?? true)) adminOnly(auth, info, ['enable_snat'], 'update_router:external_gateway_info');
    if (cur && cur.network_id === netId && info.external_fixed_ips === undefined) {
      await this.m.modify(r, undefined, (d) => ({ ...d, gateway: { ...cur, enable_snat: snat ?? cur.enable_snat } }));
      return;
    }
    const fixed = objList(info, 'external_fixed_ips');
    const curPort = cur?.network_id === netId ? await this.m.store.get<PortDoc>('port', cur.port_id) : undefined;
    if (cur && curPort && fixed) {
      // Same network: Neutron changes the gateway port's addresses in place (kept ones stay).
      await this.ports.updatePort(auth, curPort, { fixed_ips: fixed }, undefined, true);
      await this.m.modify(r, undefined, (d) => ({ ...d, gateway: { ...cur, enable_snat: snat ?? cur.enable_snat } }));
      return;
    }
    const port = await this.ports.createPort(
      auth,
      { network_id: netId, device_owner: ROUTER_GATEWAY, device_id: r.id, 'binding:host_id': this.m.settings.networkHost, ...(fixed ? { fixed_ips: fixed } : {}) },
      { projectId: '', binds: true, anyNetwork: true },
    );
    if (cur) await this.dropGatewayPort(cur.port_id);
    await this.m.modify(r, undefined, (d) => ({ ...d, gateway: { network_id: netId, enable_snat: snat ?? true, port_id: port.id } }));
  }

  private async dropGatewayPort(portId: string): Promise<void> {
    const p = await this.m.store.get<PortDoc>('port', portId);
    if (p) await this.ports.deletePort(p);
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    onlyKeys(body, UPDATE);
    let r = await this.find(auth, id);
    if (body.routes !== undefined) {
      const routes = this.routesOf(body.routes);
      await this.checkNexthops(r.id, routes);
    }
    r = await this.m.modify(r, ifMatch, (d) => ({
      ...d,
      name: optString(body, 'name', { max: 255 }) ?? d.name,
      description: optString(body, 'description', { max: 255 }) ?? d.description,
      admin_state_up: optBool(body, 'admin_state_up') ?? d.admin_state_up,
      routes: body.routes === undefined ? d.routes : this.routesOf(body.routes),
    }));
    if (body.external_gateway_info !== undefined) await this.setGateway(auth, r, body.external_gateway_info);
    return this.show(auth, id);
  }

  private routesOf(v: unknown): Route[] {
    // `routes: null` clears them (Neutron converts None to an empty list).
    if (v === null) return [];
    if (!Array.isArray(v)) throw invalid('routes', v, 'is not a list');
    const out = v.map((r) => {
      const dest = isObj(r) ? parseCidr(String(r.destination ?? '')) : undefined;
      const hop = isObj(r) ? normalizeIp(String(r.nexthop ?? '')) : undefined;
      if (!dest || !hop) throw nBadRequest('InvalidRoutes', `Invalid format for routes: ${JSON.stringify(r)}.`);
      return { destination: formatCidr(dest), nexthop: hop };
    });
    const keys = out.map((r) => `${r.destination}|${r.nexthop}`);
    if (new Set(keys).size !== keys.length) throw nBadRequest('InvalidRoutes', `Invalid format for routes: ${JSON.stringify(v)}, duplicated routes.`);
    return out;
  }

  /**
   * Every nexthop must lie in a subnet of one of the router's ports, its gateway included, and not
   * be one of the router's own addresses (Neutron's InvalidRoutes).
   */
  private async checkNexthops(routerId: string, routes: Route[]): Promise<void> {
    const fixed = (await this.m.store.list<PortDoc>('port', { ref_id: routerId })).flatMap((p) => p.doc.fixed_ips);
    const cidrs = (await this.m.store.list<SubnetDoc>('subnet', { ids: fixed.map((f) => f.subnet_id) })).map((s) => parseCidr(s.doc.cidr)!);
    const own = new Set(fixed.map((f) => normalizeIp(f.ip_address)));
    for (const r of routes) {
      const hop = parseIp(r.nexthop)!;
      if (!cidrs.some((c) => inCidr(hop, c))) throw nBadRequest('InvalidRoutes', `Invalid format for routes: ${JSON.stringify(r)}, the nexthop is not connected with router.`);
      if (own.has(r.nexthop)) throw nBadRequest('InvalidRoutes', `Invalid format for routes: ${JSON.stringify(r)}, the nexthop is used by router.`);
    }
  }

  async interfacePorts(routerId: string): Promise<Res<PortDoc>[]> {
    return (await this.m.store.list<PortDoc>('port', { ref_id: routerId })).filter((p) => p.doc.device_owner === ROUTER_INTERFACE);
  }

  private async interfaceSubnets(routerId: string): Promise<Res<SubnetDoc>[]> {
    const ids = (await this.interfacePorts(routerId)).flatMap((p) => p.doc.fixed_ips.map((f) => f.subnet_id));
    return this.m.store.list<SubnetDoc>('subnet', { ids });
  }

  /** `add_extraroutes` / `remove_extraroutes` (extraroute-atomic). */
  async changeRoutes(auth: AuthContext, id: string, body: unknown, add: boolean): Promise<Obj> {
    const inner = isObj(body) && isObj(body.router) ? body.router : undefined;
    if (!inner || inner.routes === undefined) throw nBadRequest('HTTPBadRequest', "Invalid input: a 'router' object with 'routes' is required.");
    const routes = this.routesOf(inner.routes);
    const r = await this.find(auth, id);
    if (add) await this.checkNexthops(id, routes);
    const same = (a: Route, b: Route) => a.destination === b.destination && a.nexthop === b.nexthop;
    await this.m.modify(r, undefined, (d) => ({
      ...d,
      routes: add ? [...d.routes, ...routes.filter((n) => !d.routes.some((o) => same(o, n)))] : d.routes.filter((o) => !routes.some((n) => same(o, n))),
    }));
    return this.show(auth, id);
  }

  async addInterface(auth: AuthContext, id: string, body: unknown): Promise<Obj> {
    const r = await this.find(auth, id);
    const { subnetId, portId } = this.interfaceRef(body);
    let port: Res<PortDoc>;
    if (subnetId) {
      const subnet = await this.subnets.find(auth, subnetId);
      if (!subnet.doc.gateway_ip) throw nBadRequest('BadRequest', `Bad router request: Subnet for router interface must have a gateway IP.`);
      await this.refuseSecondInterface(r.id, [subnet]);
      port = await this.ports.createPort(
        auth,
        { network_id: subnet.doc.network_id, device_owner: ROUTER_INTERFACE, device_id: r.id, 'binding:host_id': this.m.settings.networkHost, fixed_ips: [{ subnet_id: subnet.id, ip_address: subnet.doc.gateway_ip }] },
        { projectId: r.project_id, binds: true, anyNetwork: true },
      );
    } else {
      const p = await this.ports.find(auth, portId!);
      if (p.doc.device_id || p.doc.device_owner) throw nConflict('PortInUse', `Unable to complete operation on port ${p.id} for network ${p.doc.network_id}. Port already has an attached device ${p.doc.device_id}.`);
      if (p.doc.fixed_ips.length === 0) throw nBadRequest('BadRequest', `Bad router request: Router port must have at least one fixed IP.`);
      await this.refuseSecondInterface(r.id, await this.m.store.list<SubnetDoc>('subnet', { ids: p.doc.fixed_ips.map((f) => f.subnet_id) }));
      port = await this.ports.updatePort(auth, p, { device_owner: ROUTER_INTERFACE, device_id: r.id, 'binding:host_id': this.m.settings.networkHost, security_groups: [], port_security_enabled: false }, undefined, true);
    }
    await this.m.touch('router', r.id);
    return this.interfaceInfo(r, port);
  }

  private interfaceRef(body: unknown): { subnetId?: string; portId?: string } {
    if (!isObj(body)) throw nBadRequest('HTTPBadRequest', 'The request body must be a JSON object.');
    const subnetId = optString(body, 'subnet_id') ?? undefined;
    const portId = optString(body, 'port_id') ?? undefined;
    if (!!subnetId === !!portId) throw nBadRequest('BadRequest', 'Bad router request: Either subnet_id or port_id must be specified.');
    // As Neutron's validator: ids are UUIDs (a malformed one is bad input, not a missing resource).
    for (const [field, v] of [['subnet_id', subnetId], ['port_id', portId]] as const) {
      if (v !== undefined && !UUID.test(v)) throw invalid(field, v, 'is not a valid UUID');
    }
    return { subnetId, portId };
  }

  private async refuseSecondInterface(routerId: string, subnets: Res<SubnetDoc>[]): Promise<void> {
    const attached = await this.interfaceSubnets(routerId);
    for (const s of subnets) {
      if (attached.some((a) => a.id === s.id)) throw nBadRequest('BadRequest', `Bad router request: Router already has a port on subnet ${s.id}.`);
      const c = parseCidr(s.doc.cidr)!;
      const clash = attached.find((a) => a.doc.network_id !== s.doc.network_id && cidrsOverlap(parseCidr(a.doc.cidr)!, c));
      if (clash) throw nBadRequest('BadRequest', `Bad router request: Cidr ${s.doc.cidr} of subnet ${s.id} overlaps with cidr ${clash.doc.cidr} of subnet ${clash.id}.`);
    }
  }

  private interfaceInfo(r: Res<RouterDoc>, port: Res<PortDoc>): Obj {
    const ids = port.doc.fixed_ips.map((f) => f.subnet_id);
    return { id: r.id, tenant_id: r.project_id, project_id: r.project_id, port_id: port.id, network_id: port.doc.network_id, subnet_id: ids[0], subnet_ids: ids, tags: r.doc.tags };
  }

  async removeInterface(auth: AuthContext, id: string, body: unknown): Promise<Obj> {
    const r = await this.find(auth, id);
    const { subnetId, portId } = this.interfaceRef(body);
    const ports = await this.interfacePorts(r.id);
    const port = subnetId ? ports.find((p) => p.doc.fixed_ips.some((f) => f.subnet_id === subnetId)) : ports.find((p) => p.id === portId);
    if (!port) {
      if (subnetId) throw nNotFound('RouterInterfaceNotFoundForSubnet', `Router ${r.id} has no interface on subnet ${subnetId}`);
      throw nNotFound('RouterInterfaceNotFound', `Router ${r.id} does not have an interface with id ${portId}`);
    }
    const subnets = await this.m.store.list<SubnetDoc>('subnet', { ids: port.doc.fixed_ips.map((f) => f.subnet_id) });
    const cidrs = subnets.map((s) => parseCidr(s.doc.cidr)!);
    const route = r.doc.routes.find((rt) => cidrs.some((c) => inCidr(parseIp(rt.nexthop)!, c)));
    if (route) throw nConflict('RouterInterfaceInUseByRoute', `Router interface for subnet ${subnets[0]?.id} on router ${r.id} cannot be deleted, as it is required by one or more routes.`);
    const fips = (await this.m.store.list<FloatingIpDoc>('floatingip')).filter((f) => f.doc.router_id === r.id && f.doc.fixed_ip_address && cidrs.some((c) => inCidr(parseIp(f.doc.fixed_ip_address!)!, c)));
    if (fips.length) throw nConflict('RouterInterfaceInUseByFloatingIP', `Router interface for subnet ${subnets[0]?.id} on router ${r.id} cannot be deleted, as it is required by one or more floating IPs.`);
    await this.ports.deletePort(port);
    await this.m.touch('router', r.id);
    return this.interfaceInfo(r, port);
  }

  /** The router that connects a fixed address to an external network (gateway there, interface on the subnet). */
  async routerFor(externalNetId: string, subnetId: string): Promise<string | undefined> {
    const routers = await this.m.store.list<RouterDoc>('router');
    for (const r of routers.filter((x) => x.doc.gateway?.network_id === externalNetId)) {
      const ports = await this.interfacePorts(r.id);
      if (ports.some((p) => p.doc.fixed_ips.some((f) => f.subnet_id === subnetId))) return r.id;
    }
    return undefined;
  }

  async remove(auth: AuthContext, id: string, ifMatch?: number): Promise<void> {
    const r = await this.find(auth, id);
    if (ifMatch !== undefined) await this.m.modify(r, ifMatch, (d) => d);
    if ((await this.interfacePorts(id)).length) throw nConflict('RouterInUse', `Router ${id} still has ports`);
    if (r.doc.gateway) {
      const fips = (await this.m.store.list<FloatingIpDoc>('floatingip')).filter((f) => f.doc.router_id === id);
      if (fips.length) throw nConflict('RouterInUse', `Router ${id} still has floating IPs associated.`);
      await this.dropGatewayPort(r.doc.gateway.port_id);
    }
    await this.m.store.delete('router', id);
  }

  async setTags(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]> {
    return (await this.m.modify(await this.find(auth, id), ifMatch, (d) => ({ ...d, tags: change(d.tags) }))).doc.tags;
  }
}

