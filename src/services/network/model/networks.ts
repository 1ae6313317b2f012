import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { optBool, optInt, optString, optStringArray, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { checkTags, standard, type Collection } from './collection.js';
import { adminOnly, isAdmin, onlyKeys, type ModelContext } from './context.js';
import { inUse, nBadRequest } from './errors.js';
import type { FloatingIps } from './floatingips.js';
import type { QosPolicies } from './qos.js';
import { segmentOf, type SegmentDoc, type Segments } from './segments.js';
import type { NetworkDoc, PortDoc, SubnetDoc, SubnetPoolDoc } from './types.js';

const PROVIDER = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const;
const ADMIN_ONLY = ['router:external', 'is_default', ...PROVIDER] as const;
const COMMON = ['name', 'description', 'admin_state_up', 'shared', 'port_security_enabled', 'dns_domain', 'mtu', 'qos_policy_id', ...ADMIN_ONLY];
const CREATE = [...COMMON, 'project_id', 'tenant_id', 'availability_zone_hints', 'tags'];
/** Ports that go away with their network (Neutron's auto-delete owners). */
export const AUTO_DELETE_OWNERS = ['network:dhcp'];

export class Networks implements Collection {
  readonly kind = 'network' as const;
  readonly singular = 'network';
  readonly plural = 'networks';
  readonly attributes = [
    'admin_state_up', 'shared', 'router:external', 'status', 'mtu', 'subnets', 'availability_zone_hints', 'availability_zones',
    'port_security_enabled', 'dns_domain', 'is_default', 'ipv4_address_scope', 'ipv6_address_scope', 'l2_adjacency', 'qos_policy_id', ...PROVIDER,
  ];

  constructor(
    private readonly m: ModelContext,
    private readonly floatingIps: Pick<FloatingIps, 'removeDisassociated'>,
    private readonly qos: Pick<QosPolicies, 'checkAttachable' | 'defaultFor'>,
    /** The zones of the DHCP agents hosting networks (network_availability_zone, as Neutron's agent schedulers). */
    private readonly hosting: { networkZones(ids: string[]): Promise<Map<string, string[]>> },
    private readonly segments: Pick<Segments, 'addBase' | 'byNetwork' | 'removeOf'>,
  ) {}

  async view(auth: AuthContext, nets: Res<NetworkDoc>[]): Promise<Obj[]> {
    const g = await this.m.grants(auth.projectId);
    const subnets = await this.m.store.list<SubnetDoc>('subnet');
    const zones = await this.hosting.networkZones(nets.map((n) => n.id));
    const segments: Map<string, Res<SegmentDoc>[]> = isAdmin(auth) ? await this.segments.byNetwork(nets.map((n) => n.id)) : new Map();
    const poolScope = new Map((await this.m.store.list<SubnetPoolDoc>('subnetpool')).map((p) => [p.id, p.doc.address_scope_id ?? null]));
    /** The scope every subnet of a family draws from (through its pool), else null, as Neutron. */
    const scopeOf = (netId: string, version: 4 | 6) => {
      const scopes = subnets.filter((s) => s.parent_id === netId && s.doc.ip_version === version).map((s) => (s.doc.subnetpool_id ? poolScope.get(s.doc.subnetpool_id) ?? null : null));
      return scopes.length && scopes.every((x) => x === scopes[0]) ? scopes[0] : null;
    };
    return nets.map((n) => {
      const v: Obj = {
        ...standard(n),
        admin_state_up: n.doc.admin_state_up,
        status: 'ACTIVE',
        shared: n.doc.shared || g.shared.has(n.id),
        'router:external': n.doc.external || g.external.has(n.id),
        mtu: n.doc.mtu,
        subnets: subnets.filter((s) => s.parent_id === n.id).map((s) => s.id),
        availability_zone_hints: n.doc.availability_zone_hints,
        availability_zones: zones.get(n.id) ?? [],
        port_security_enabled: n.doc.port_security_enabled,
        dns_domain: n.doc.dns_domain,
        is_default: n.doc.is_default,
        ipv4_address_scope: scopeOf(n.id, 4),
        ipv6_address_scope: scopeOf(n.id, 6),
        l2_adjacency: true,
        qos_policy_id: n.doc.qos_policy_id ?? null,
      };
      // Admins see where the traffic runs: one segment as provider attributes, several as `segments` (multi-provider).
      const own = segments.get(n.id) ?? [];
      if (own.length > 1) {
        v.segments = own.map((s) => ({ 'provider:network_type': s.doc.network_type, 'provider:physical_network': s.doc.physical_network, 'provider:segmentation_id': s.doc.segmentation_id }));
      } else if (isAdmin(auth)) {
        v['provider:network_type'] = n.doc.network_type;
        v['provider:physical_network'] = n.doc.physical_network;
        v['provider:segmentation_id'] = n.doc.segmentation_id;
      }
      return v;
    });
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const g = await this.m.grants(auth.projectId);
    const all = await this.m.store.list<NetworkDoc>('network');
    return this.view(auth, all.filter((n) => this.m.networkVisible(auth, n, g)));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return (await this.view(auth, [await this.m.network(auth, id)]))[0];
  }

  private fields(auth: AuthContext, body: Obj, doc: NetworkDoc, creating: boolean): NetworkDoc {
    onlyKeys(body, creating ? CREATE : COMMON);
    adminOnly(auth, body, creating ? ADMIN_ONLY : [...ADMIN_ONLY, 'shared'], creating ? 'create_network' : 'update_network');
    const shared = optBool(body, 'shared');
    if (creating && shared !== undefined && !isAdmin(auth)) adminOnly(auth, body, ['shared'], 'create_network');
    const next: NetworkDoc = {
      ...doc,
      name: optString(body, 'name', { max: 255 }) ?? doc.name,
      description: optString(body, 'description', { max: 255 }) ?? doc.description,
      admin_state_up: optBool(body, 'admin_state_up') ?? doc.admin_state_up,
      shared: shared ?? doc.shared,
      external: optBool(body, 'router:external') ?? doc.external,
      is_default: optBool(body, 'is_default') ?? doc.is_default,
      port_security_enabled: optBool(body, 'port_security_enabled') ?? doc.port_security_enabled,
      dns_domain: optString(body, 'dns_domain', { max: 255 }) ?? doc.dns_domain,
      mtu: optInt(body, 'mtu', { min: 68, max: 9000 }) ?? doc.mtu,
    };
    if (next.dns_domain && !next.dns_domain.endsWith('.')) throw nBadRequest('HTTPBadRequest', `Invalid input for dns_domain. Reason: '${next.dns_domain}' is not a FQDN.`);
    if (next.is_default && !next.external) throw nBadRequest('HTTPBadRequest', 'Only external networks can be the default network.');
    if (creating) {
      Object.assign(
        next,
        segmentOf({
          network_type: optString(body, 'provider:network_type') ?? next.network_type,
          physical_network: optString(body, 'provider:physical_network', { nullable: true }),
          segmentation_id: optInt(body, 'provider:segmentation_id', { nullable: true, min: 1, max: 16777215 }),
        }),
      );
      next.availability_zone_hints = optStringArray(body, 'availability_zone_hints') ?? [];
      if (body.tags !== undefined) next.tags = checkTags(body.tags);
    }
    // As Neutron's ML2: an overlay network's MTU is at most the configured one (the physical MTU less
    // the VXLAN/Geneve overhead of 50); flat and VLAN networks carry no overlay header.
    const maxMtu = this.m.settings.mtu + (next.network_type === 'flat' || next.network_type === 'vlan' ? 50 : 0);
    if (body.mtu !== undefined && next.mtu > maxMtu) throw nBadRequest('InvalidInput', `Invalid input for operation: Requested MTU is too big, maximum is ${maxMtu}.`);
    return next;
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    const project = this.m.owner(auth, body);
    await this.m.checkQuota(project, 'network');
    const base: NetworkDoc = {
      name: '', description: '', tags: [], admin_state_up: true, shared: false, external: false, is_default: false, mtu: this.m.settings.mtu,
      network_type: 'vxlan', physical_network: null, segmentation_id: null, availability_zone_hints: [], port_security_enabled: true, dns_domain: '',
    };
    const doc = this.fields(auth, body, base, true);
    // qos-default: a network without a policy gets its project's default one.
    doc.qos_policy_id = (await this.qosOf(auth, body)) ?? (await this.qos.defaultFor(project));
    for (const z of doc.availability_zone_hints) {
      if (z !== this.m.settings.availabilityZone) throw nBadRequest('AvailabilityZoneNotFound', `AvailabilityZone ${z} could not be found.`);
    }
    const id = uuid();
    await this.m.insertCounted('network', { id, project_id: project, doc });
    await this.segments.addBase(id, doc);
    return this.show(auth, id);
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    const net = await this.m.network(auth, id);
    const qos = await this.qosOf(auth, body);
    await this.m.modify(net, ifMatch, (doc) => ({ ...this.fields(auth, body, doc, false), qos_policy_id: qos === undefined ? doc.qos_policy_id : qos }));
    return this.show(auth, id);
  }

  /** The `qos_policy_id` asked for: a policy the caller sees, null to detach, undefined when not named. */
  private async qosOf(auth: AuthContext, body: Obj): Promise<string | null | undefined> {
    if (body.qos_policy_id === undefined) return undefined;
    return this.qos.checkAttachable(auth, optString(body, 'qos_policy_id', { nullable: true }) ?? null);
  }

  async remove(auth: AuthContext, id: string, ifMatch?: number): Promise<void> {
    const net = await this.m.network(auth, id);
    if (ifMatch !== undefined) await this.m.modify(net, ifMatch, (d) => d);
    // As Neutron's external-net: floating IPs nobody uses go with their network, used ones keep it.
    await this.floatingIps.removeDisassociated(id);
    const ports = await this.m.store.list<PortDoc>('port', { parent_id: id });
    if (ports.some((p) => !AUTO_DELETE_OWNERS.includes(p.doc.device_owner))) {
      throw inUse('NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
    }
    for (const s of await this.m.store.list('subnet', { parent_id: id })) await this.m.store.delete('subnet', s.id);
    await this.segments.removeOf(id);
    await this.m.deleteWithGrants('network', id);
  }

  async setTags(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]> {
    const net = await this.m.network(auth, id);
    return (await this.m.modify(net, ifMatch, (d) => ({ ...d, tags: change(d.tags) }))).doc.tags;
  }
}
