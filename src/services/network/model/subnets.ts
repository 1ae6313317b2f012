import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { optBool, optInt, optString, optStringArray, reqString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { cidrsOverlap, formatCidr, formatIp, inCidr, lastAddress, normalizeIp, parseCidr, parseIp, type Cidr } from './addresses.js';
import { checkTags, standard, type Collection } from './collection.js';
import { adminOnly, invalid, isAdmin, objList, onlyKeys, UUID, type ModelContext } from './context.js';
import { inUse, nBadRequest, nForbidden, notFoundOf } from './errors.js';
import { defaultPools, validatePools } from './ipam.js';
import type { SubnetPools } from './subnetpools.js';
import { ROUTER_INTERFACE } from './routers.js';
import type { NetworkDoc, Pool, PortDoc, SubnetDoc } from './types.js';

const V6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'];
const UPDATE = ['name', 'description', 'gateway_ip', 'allocation_pools', 'dns_nameservers', 'host_routes', 'enable_dhcp', 'service_types', 'dns_publish_fixed_ip'];
const CREATE = [
  ...UPDATE, 'network_id', 'ip_version', 'cidr', 'subnetpool_id', 'prefixlen', 'use_default_subnetpool', 'ipv6_ra_mode', 'ipv6_address_mode',
  'project_id', 'tenant_id', 'tags', 'segment_id',
];

export class Subnets implements Collection {
  readonly kind = 'subnet' as const;
  readonly singular = 'subnet';
  readonly plural = 'subnets';
  readonly attributes = [
    'network_id', 'ip_version', 'cidr', 'gateway_ip', 'allocation_pools', 'host_routes', 'dns_nameservers', 'enable_dhcp', 'ipv6_ra_mode',
    'ipv6_address_mode', 'subnetpool_id', 'service_types', 'segment_id', 'dns_publish_fixed_ip',
  ];
  /** Neutron filters subnets by their network's `shared` (as the caller sees it) without showing it. */
  readonly hidden = ['shared'];

  constructor(
    private readonly m: ModelContext,
    private readonly pools: SubnetPools,
    /** Places a network with a DHCP-enabled subnet on a DHCP agent. */
    private readonly scheduler: { scheduleNetwork(networkId: string): Promise<void> },
  ) {}

  view(s: Res<SubnetDoc>): Obj {
    return { ...s.doc, ...standard(s), segment_id: s.doc.segment_id ?? null };
  }

  /** Subnets the caller sees: its own, and those on networks it can see (shared, external). */
  async visible(auth: AuthContext): Promise<Res<SubnetDoc>[]> {
    const all = await this.m.store.list<SubnetDoc>('subnet');
    if (isAdmin(auth)) return all;
    const g = await this.m.grants(auth.projectId);
    const nets = await this.m.store.list<NetworkDoc>('network');
    const seen = new Set(nets.filter((n) => this.m.networkVisible(auth, n, g)).map((n) => n.id));
    return all.filter((s) => s.project_id === auth.projectId || seen.has(s.doc.network_id));
  }

  async find(auth: AuthContext, id: string): Promise<Res<SubnetDoc>> {
    const s = (await this.visible(auth)).find((x) => x.id === id);
    if (!s) throw notFoundOf('subnet', id);
    return s;
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const g = await this.m.grants(auth.projectId);
    const nets = new Map((await this.m.store.list<NetworkDoc>('network')).map((n) => [n.id, n]));
    return (await this.visible(auth)).map((s) => ({ ...this.view(s), shared: !!nets.get(s.doc.network_id)?.doc.shared || g.shared.has(s.doc.network_id) }));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.find(auth, id));
  }

  /** A subnet's segment (segment extension) must be one of its network's. */
  private async segmentOn(networkId: string, value: unknown): Promise<string | null> {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || !UUID.test(value)) throw invalid('segment_id', value, 'is not a valid UUID');
    const segment = await this.m.load('segment', value);
    if (segment.parent_id !== networkId) throw nBadRequest('NetworkIdsDontMatch', `The subnet's network id, '${networkId}', doesn't match the network_id of segment '${value}'`);
    return value;
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, CREATE);
    adminOnly(auth, body, ['segment_id'], 'create_subnet');
    const project = this.m.owner(auth, body);
    const net = await this.m.usableNetwork(auth, reqString(body, 'network_id'));
    const segmentId = await this.segmentOn(net.id, body.segment_id);
    if (net.project_id !== project && !isAdmin(auth)) throw nForbidden('PolicyNotAuthorized', '(rule:create_subnet) is disallowed by policy: only the network owner adds subnets.');
    await this.m.checkQuota(project, 'subnet');
    const version = optInt(body, 'ip_version') ?? 4;
    if (version !== 4 && version !== 6) throw invalid('ip_version', String(version), 'is not in [4, 6]');
    const { cidr, poolId } = await this.cidrFor(auth, body, version);
    if (cidr.version !== version) throw nBadRequest('InvalidInput', `Invalid input for operation: Cidr ${formatCidr(cidr)} does not match ip_version ${version}.`);
    const siblings = await this.m.store.list<SubnetDoc>('subnet', { parent_id: net.id });
    for (const s of siblings) {
      if (cidrsOverlap(parseCidr(s.doc.cidr)!, cidr)) {
        throw nBadRequest('InvalidInput', `Invalid input for operation: Requested subnet with cidr: ${formatCidr(cidr)} for network: ${net.id} overlaps with another subnet.`);
      }
    }
    const raMode = optString(body, 'ipv6_ra_mode', { nullable: true }) ?? null;
    const addrMode = optString(body, 'ipv6_address_mode', { nullable: true }) ?? null;
    for (const [f, v] of [['ipv6_ra_mode', raMode], ['ipv6_address_mode', addrMode]] as const) {
      if (v !== null && !V6_MODES.includes(v)) throw invalid(f, v, `is not in ${JSON.stringify(V6_MODES)}`);
      if (v !== null && version === 4) throw nBadRequest('InvalidInput', `Invalid input for operation: ${f} is not valid when ip_version is 4.`);
    }
    if (raMode && addrMode && raMode !== addrMode) throw nBadRequest('InvalidInput', `Invalid input for operation: ipv6_ra_mode set to '${raMode}' with ipv6_address_mode set to '${addrMode}' is not valid. If both attributes are set, they must be the same value.`);
    if ((addrMode === 'slaac' || addrMode === 'dhcpv6-stateless' || raMode === 'slaac') && cidr.prefix !== 64) {
      throw nBadRequest('InvalidInput', `Invalid input for operation: Invalid CIDR ${formatCidr(cidr)} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64.`);
    }
    const gateway = body.gateway_ip === null ? null : this.gateway(cidr, body.gateway_ip ?? formatIp(cidr.version, cidr.network + 1n));
    const pools = this.poolsOf(body, cidr, gateway) ?? defaultPools(cidr, gateway);
    const doc: SubnetDoc = {
      name: optString(body, 'name', { max: 255 }) ?? '',
      description: optString(body, 'description', { max: 255 }) ?? '',
      tags: body.tags === undefined ? [] : checkTags(body.tags),
      network_id: net.id,
      ip_version: version,
      cidr: formatCidr(cidr),
      gateway_ip: gateway,
      allocation_pools: pools,
      host_routes: this.routesOf(body) ?? [],
      dns_nameservers: this.nameserversOf(body) ?? [],
      enable_dhcp: optBool(body, 'enable_dhcp') ?? true,
      ipv6_ra_mode: raMode,
      ipv6_address_mode: addrMode,
      subnetpool_id: poolId,
      service_types: optStringArray(body, 'service_types') ?? [],
      dns_publish_fixed_ip: optBool(body, 'dns_publish_fixed_ip') ?? false,
      segment_id: segmentId,
    };
    const created = await this.m.insertCounted('subnet', { id: uuid(), project_id: project, parent_id: net.id, doc });
    await this.m.touch('network', net.id);
    if (doc.enable_dhcp) await this.scheduler.scheduleNetwork(net.id);
    return this.view(created);
  }

  /** The CIDR given, or one carved from a subnet pool (`subnetpool_id` or the default pool). */
  private async cidrFor(auth: AuthContext, body: Obj, version: 4 | 6): Promise<{ cidr: Cidr; poolId: string | null }> {
    const prefixlen = optInt(body, 'prefixlen', { min: 0, max: 128 }) ?? undefined;
    if (body.cidr !== undefined && body.cidr !== null) {
      const text = reqString(body, 'cidr');
      // As neutron-lib validates it: host bits are allowed (the subnet is their network), a bare address is not.
      const c = parseCidr(text);
      if (!c) throw invalid('cidr', text, 'is not a valid IP subnet');
      if (!text.includes('/')) throw invalid('cidr', text, `isn't a recognized IP subnet cidr, '${formatCidr(c)}' is recommended`);
      const pool = optString(body, 'subnetpool_id', { nullable: true }) ?? null;
      return { cidr: pool ? await this.pools.claimPrefix(auth, pool, c) : c, poolId: pool };
    }
    let poolId = optString(body, 'subnetpool_id', { nullable: true }) ?? undefined;
    if (!poolId && body.use_default_subnetpool === true) {
      const def = await this.pools.defaultPool(version);
      if (!def) throw nBadRequest('BadRequest', `Bad subnets request: No default subnetpool found for IPv${version}.`);
      poolId = def.id;
    }
    if (!poolId) throw nBadRequest('BadRequest', 'Bad subnets request: a cidr must be specified in the absence of a subnet pool.');
    return { cidr: await this.pools.allocatePrefix(auth, poolId, version, prefixlen), poolId };
  }

  private gateway(c: Cidr, value: unknown): string {
    const ip = typeof value === 'string' ? parseIp(value) : undefined;
    if (!ip) throw invalid('gateway_ip', value, 'is not a valid IP address');
    // As Neutron: a gateway outside the subnet is allowed (its network is unknown here); inside an
    // IPv4 subnet it may not be the network or the broadcast address.
    if (c.version === 4 && inCidr(ip, c) && (ip.value === c.network || ip.value === lastAddress(c))) {
      throw nBadRequest('InvalidInput', `Invalid input for operation: Gateway is not valid on subnet.`);
    }
    return formatIp(ip.version, ip.value);
  }

  private poolsOf(body: Obj, c: Cidr, gateway: string | null): Pool[] | undefined {
    const list = objList(body, 'allocation_pools');
    if (!list) return undefined;
    const pools = list.map((p) => ({ start: String(p.start ?? ''), end: String(p.end ?? '') }));
    validatePools(c, pools, gateway);
    return pools.map((p) => ({ start: normalizeIp(p.start)!, end: normalizeIp(p.end)! }));
  }

  private routesOf(body: Obj): SubnetDoc['host_routes'] | undefined {
    const list = objList(body, 'host_routes');
    return list?.map((r) => {
      const dest = parseCidr(String(r.destination ?? ''));
      const hop = normalizeIp(String(r.nexthop ?? ''));
      if (!dest || !hop) throw invalid('host_routes', r, 'is not a valid host route');
      return { destination: formatCidr(dest), nexthop: hop };
    });
  }

  private nameserversOf(body: Obj): string[] | undefined {
    const list = optStringArray(body, 'dns_nameservers');
    if (!list) return undefined;
    const out = list.map((d) => normalizeIp(d) ?? (() => { throw invalid('dns_nameservers', d, 'is not a valid nameserver'); })());
    if (new Set(out).size !== out.length) throw invalid('dns_nameservers', list, 'contains duplicates');
    return out;
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    onlyKeys(body, UPDATE);
    const s = await this.find(auth, id);
    const saved = await this.m.modify(s, ifMatch, (doc) => {
      const c = parseCidr(doc.cidr)!;
      const gateway = body.gateway_ip === undefined ? doc.gateway_ip : body.gateway_ip === null ? null : this.gateway(c, body.gateway_ip);
      const pools = this.poolsOf(body, c, gateway) ?? doc.allocation_pools;
      if (body.allocation_pools === undefined && gateway !== doc.gateway_ip) validatePools(c, pools, gateway);
      return {
        ...doc,
        name: optString(body, 'name', { max: 255 }) ?? doc.name,
        description: optString(body, 'description', { max: 255 }) ?? doc.description,
        gateway_ip: gateway,
        allocation_pools: pools,
        host_routes: this.routesOf(body) ?? doc.host_routes,
        dns_nameservers: this.nameserversOf(body) ?? doc.dns_nameservers,
        enable_dhcp: optBool(body, 'enable_dhcp') ?? doc.enable_dhcp,
        service_types: optStringArray(body, 'service_types') ?? doc.service_types,
        dns_publish_fixed_ip: optBool(body, 'dns_publish_fixed_ip') ?? doc.dns_publish_fixed_ip,
      };
    });
    if (saved.doc.enable_dhcp && !s.doc.enable_dhcp) await this.scheduler.scheduleNetwork(saved.doc.network_id);
    return this.view(saved);
  }

  async remove(auth: AuthContext, id: string, ifMatch?: number): Promise<void> {
    const s = await this.find(auth, id);
    if (ifMatch !== undefined) await this.m.modify(s, ifMatch, (d) => d);
    if (s.doc.ipv6_address_mode === 'slaac' || s.doc.ipv6_address_mode === 'dhcpv6-stateless') await this.dropAutoAddresses(s);
    if ((await this.m.ipam.countAllocated(id)) > 0) {
      throw inUse('SubnetInUse', `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`);
    }
    await this.m.store.delete('subnet', id);
    await this.m.touch('network', s.doc.network_id);
  }

  /**
   * As Neutron: the addresses of an auto-address (SLAAC, DHCPv6-stateless) subnet go with it,
   * taken off the ports, unless a router interface uses the subnet.
   */
  private async dropAutoAddresses(s: Res<SubnetDoc>): Promise<void> {
    const holders = (await this.m.store.list<PortDoc>('port', { parent_id: s.doc.network_id })).filter((p) => p.doc.fixed_ips.some((f) => f.subnet_id === s.id));
    if (holders.some((p) => p.doc.device_owner === ROUTER_INTERFACE)) {
      throw inUse('SubnetInUse', `Unable to complete operation on subnet ${s.id}: One or more router interfaces use this subnet.`);
    }
    for (const p of holders) {
      await this.m.modify(p, undefined, (d) => ({ ...d, fixed_ips: d.fixed_ips.filter((f) => f.subnet_id !== s.id) }));
      for (const f of p.doc.fixed_ips) if (f.subnet_id === s.id) await this.m.ipam.releaseIp(s.id, f.ip_address);
    }
  }

  async setTags(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]> {
    return (await this.m.modify(await this.find(auth, id), ifMatch, (d) => ({ ...d, tags: change(d.tags) }))).doc.tags;
  }
}
