import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { isObj, optBool, optString, optStringArray, reqString, type Obj } from '../../../platform/http/validate.js';
import { UNBOUND } from '../drivers/driver.js';
import type { Res } from '../store/resources.js';
import { formatCidr, inCidr, isMac, normalizeIp, parseCidr, parseIp, randomMac } from './addresses.js';
import { checkTags, standard, type Collection } from './collection.js';
import { adminOnly, invalid, isAdmin, objList, onlyKeys, type ModelContext } from './context.js';
import { extraDhcpOpts } from './dhcpopts.js';
import { nBadRequest, nConflict, nForbidden, notFoundOf } from './errors.js';
import { Ipam, isSlaac } from './ipam.js';
import type { QosPolicies } from './qos.js';
import type { SecurityGroups } from './secgroups.js';
import type { FixedIp, FloatingIpDoc, NetworkDoc, PortDoc, SubnetDoc, TrunkDoc } from './types.js';

const BINDING = ['binding:host_id', 'binding:profile'] as const;
const UPDATE = [
  'name', 'description', 'admin_state_up', 'fixed_ips', 'device_id', 'device_owner', 'security_groups', 'allowed_address_pairs',
  'port_security_enabled', 'binding:vnic_type', 'dns_name', 'dns_domain', 'mac_address', 'extra_dhcp_opts', 'qos_policy_id', ...BINDING,
];
const CREATE = [...UPDATE, 'network_id', 'project_id', 'tenant_id', 'tags'];
const NETWORK_OWNER_ATTRS = ['allowed_address_pairs', 'port_security_enabled'];
const VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'remote-managed'];
/** Ports that belong to a router or floating IP and are managed through those APIs only. */
export const SERVICE_OWNERS = ['network:router_interface', 'network:router_gateway', 'network:floatingip', 'network:router_interface_distributed', 'network:ha_router_replicated_interface'];

/** What internal callers (routers, floating IPs, compute) add to a port create. */
export interface PortExtras {
  projectId?: string;
  serverOwned?: boolean;
  /** The caller is a service that binds ports (compute, routers): binding attributes are allowed. */
  binds?: boolean;
  /** Router and floating IP ports may sit on any network, e.g. an external one not shared with the project. */
  anyNetwork?: boolean;
}

export class Ports implements Collection {
  readonly kind = 'port' as const;
  readonly singular = 'port';
  readonly plural = 'ports';
  readonly attributes = [
    'network_id', 'mac_address', 'admin_state_up', 'status', 'device_id', 'device_owner', 'fixed_ips', 'allowed_address_pairs',
    'security_groups', 'port_security_enabled', 'dns_name', 'dns_assignment', 'dns_domain', 'binding:vnic_type', 'binding:host_id',
    'binding:vif_type', 'binding:vif_details', 'binding:profile', 'extra_dhcp_opts', 'ip_allocation', 'propagate_uplink_status', 'qos_policy_id', 'trunk_details',
  ];
  private readonly ipam: Ipam;

  constructor(
    private readonly m: ModelContext,
    private readonly groups: SecurityGroups,
    private readonly qos: Pick<QosPolicies, 'checkAttachable'>,
  ) {
    this.ipam = new Ipam(m.ipam);
  }

  view(auth: AuthContext, p: Res<PortDoc>): Obj {
    const d = p.doc;
    const v: Obj = {
      ...standard(p),
      network_id: d.network_id,
      mac_address: d.mac_address,
      admin_state_up: d.admin_state_up,
      status: d.status,
      device_id: d.device_id,
      device_owner: d.device_owner,
      fixed_ips: d.fixed_ips,
      allowed_address_pairs: d.allowed_address_pairs,
      extra_dhcp_opts: d.extra_dhcp_opts ?? [],
      security_groups: d.security_groups,
      port_security_enabled: d.port_security_enabled,
      dns_name: d.dns_name,
      dns_domain: d.dns_domain,
      dns_assignment: d.fixed_ips.map((f) => {
        const hostname = d.dns_name || `host-${f.ip_address.replace(/[.:]/g, '-')}`;
        return { hostname, ip_address: f.ip_address, fqdn: `${hostname}.${this.m.settings.dnsDomain}` };
      }),
      'binding:vnic_type': d.vnic_type,
      ip_allocation: 'immediate',
      propagate_uplink_status: false,
      qos_policy_id: d.qos_policy_id ?? null,
      // The network's policy is shown on the network; ports do not repeat it yet.
      qos_network_policy_id: null,
      resource_request: null,
    };
    if (isAdmin(auth)) {
      Object.assign(v, { 'binding:host_id': d.host_id, 'binding:profile': d.profile, 'binding:vif_type': d.vif_type, 'binding:vif_details': d.vif_details });
    }
    return v;
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const rows = isAdmin(auth) ? await this.m.store.list<PortDoc>('port') : await this.visible(auth.projectId ?? '');
    return this.withTrunks(rows.map((p) => this.view(auth, p)));
  }

  /** A project sees its own ports and, as Neutron's network owners, every port on its networks. */
  private async visible(projectId: string): Promise<Res<PortDoc>[]> {
    const rows = await this.m.store.list<PortDoc>('port', { project_id: projectId });
    const seen = new Set(rows.map((p) => p.id));
    for (const net of await this.m.store.list<NetworkDoc>('network', { project_id: projectId })) {
      for (const p of await this.m.store.list<PortDoc>('port', { parent_id: net.id })) if (!seen.has(p.id)) rows.push(p);
    }
    return rows;
  }

  /** The dictionary policy checks see: the port and its network's owner (`network:tenant_id`, as Neutron's targets). */
  async policyTarget(auth: AuthContext, id: string): Promise<Obj> {
    const port = await this.findVisible(auth, id);
    const net = await this.m.store.get<NetworkDoc>('network', port.doc.network_id);
    return { ...this.view(auth, port), 'network:tenant_id': net?.project_id };
  }

  /** Allowed address pairs and port security are the network owner's (or an admin's) to set, as Neutron's policy. */
  private checkNetworkOwnerAttrs(auth: AuthContext, body: Obj, net: Res<NetworkDoc>, action: string): void {
    if (isAdmin(auth) || net.project_id === auth.projectId) return;
    const used = NETWORK_OWNER_ATTRS.find((k) => body[k] !== undefined);
    if (used) throw nForbidden('PolicyNotAuthorized', `(rule:${action}:${used}) is disallowed by policy`);
  }

  /** trunk-details: a trunk's parent port shows the trunk and its sub-ports (with their MACs). */
  private async withTrunks(views: Obj[]): Promise<Obj[]> {
    const trunks = await this.m.store.list<TrunkDoc>('trunk');
    if (!trunks.length) return views;
    const subIds = trunks.flatMap((t) => t.doc.sub_ports.map((x) => x.port_id));
    const macs = new Map((await this.m.store.list<PortDoc>('port', { ids: subIds })).map((p) => [p.id, p.doc.mac_address]));
    return views.map((v) => {
      const t = trunks.find((x) => x.doc.port_id === v.id);
      if (!t) return v;
      return { ...v, trunk_details: { trunk_id: t.id, sub_ports: t.doc.sub_ports.map((x) => ({ ...x, mac_address: macs.get(x.port_id) ?? null })) } };
    });
  }

  /** A port of the caller's project (any for admins): what other resources may use. */
  find(auth: AuthContext, id: string): Promise<Res<PortDoc>> {
    return this.m.owned<PortDoc>(auth, 'port', id);
  }

  /** A port the caller sees through the port API: its own, or any on a network of its project. */
  async findVisible(auth: AuthContext, id: string): Promise<Res<PortDoc>> {
    const port = await this.m.store.get<PortDoc>('port', id);
    if (port && (isAdmin(auth) || port.project_id === auth.projectId)) return port;
    if (port && auth.projectId && (await this.m.store.get('network', port.doc.network_id))?.project_id === auth.projectId) return port;
    throw notFoundOf('port', id);
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return (await this.withTrunks([this.view(auth, await this.findVisible(auth, id))]))[0];
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    return this.view(auth, await this.createPort(auth, body));
  }

  async createPort(auth: AuthContext, body: Obj, extras: PortExtras = {}): Promise<Res<PortDoc>> {
    onlyKeys(body, CREATE);
    if (!extras.binds) adminOnly(auth, body, BINDING, 'create_port');
    const project = extras.projectId ?? this.m.owner(auth, body);
    const netId = reqString(body, 'network_id');
    const net = extras.anyNetwork ? await this.m.load<NetworkDoc>('network', netId) : await this.m.usableNetwork(auth, netId);
    await this.m.checkQuota(project, 'port');
    const deviceOwner = optString(body, 'device_owner', { max: 255 }) ?? '';
    const security = optBool(body, 'port_security_enabled') ?? net.doc.port_security_enabled;
    this.checkNetworkOwnerAttrs(auth, body, net, 'create_port');
    const pairs = this.pairsOf(body);
    let groups = optStringArray(body, 'security_groups');
    if (!security && groups?.length) throw nBadRequest('PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
    if (!security && pairs?.length) throw nConflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
    if (groups) groups = await this.groups.checkUsable(auth, project, groups);
    else groups = security && !deviceOwner.startsWith('network:') && project ? [await this.groups.ensureDefault(project)] : [];

    const qos = await this.qosOf(auth, body);
    const id = uuid();
    try {
      const mac = await this.claimMac(net.id, id, optString(body, 'mac_address') ?? undefined);
      const fixedIps = await this.allocateIps(net, id, mac, objList(body, 'fixed_ips'), deviceOwner);
      const host = optString(body, 'binding:host_id') ?? '';
      const doc: PortDoc = {
        name: optString(body, 'name', { max: 255 }) ?? '',
        description: optString(body, 'description', { max: 255 }) ?? '',
        tags: body.tags === undefined ? [] : checkTags(body.tags),
        network_id: net.id,
        mac_address: mac,
        admin_state_up: optBool(body, 'admin_state_up') ?? true,
        device_id: optString(body, 'device_id', { max: 255 }) ?? '',
        device_owner: deviceOwner,
        fixed_ips: fixedIps,
        allowed_address_pairs: (pairs ?? []).map((p) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? mac })),
        extra_dhcp_opts: extraDhcpOpts(body, []) ?? [],
        qos_policy_id: qos ?? null,
        security_groups: groups,
        port_security_enabled: security,
        host_id: host,
        vnic_type: this.vnicOf(body) ?? 'normal',
        profile: this.profileOf(body) ?? {},
        ...UNBOUND,
        dns_name: this.dnsNameOf(body) ?? '',
        dns_domain: optString(body, 'dns_domain', { max: 255 }) ?? '',
        ...(extras.serverOwned ? { server_owned: true } : {}),
      };
      if (host) Object.assign(doc, await this.bind(id, doc));
      return await this.m.insertCounted('port', { id, project_id: project, parent_id: net.id, ref_id: doc.device_id || null, doc });
    } catch (e) {
      // Undo the claims of a port that was not created.
      await this.m.ipam.releasePort(id);
      throw e;
    }
  }

  private async bind(id: string, d: PortDoc): Promise<Pick<PortDoc, 'vif_type' | 'vif_details' | 'status'>> {
    if (!d.host_id) return { ...UNBOUND };
    const b = await this.m.driver.bindPort({ id, networkId: d.network_id, macAddress: d.mac_address, fixedIps: d.fixed_ips, hostId: d.host_id, vnicType: d.vnic_type });
    return { vif_type: b.vif_type, vif_details: b.vif_details, status: d.admin_state_up ? b.status : 'DOWN' };
  }

  private async claimMac(networkId: string, portId: string, wanted?: string): Promise<string> {
    if (wanted !== undefined) {
      if (!isMac(wanted)) throw invalid('mac_address', wanted, 'is not a valid MAC address');
      const mac = wanted.toLowerCase();
      if (!(await this.m.ipam.claimMac(networkId, mac, portId))) throw nConflict('MacAddressInUse', `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`);
      return mac;
    }
    for (let i = 0; i < 16; i++) {
      const mac = randomMac();
      if (await this.m.ipam.claimMac(networkId, mac, portId)) return mac;
    }
    throw nConflict('MacAddressGenerationFailure', `Unable to generate unique mac on network ${networkId}.`);
  }

  /** Addresses a port asked for, or Neutron's default: one IPv4, one stateful IPv6, every SLAAC subnet. */
  private async allocateIps(net: Res<NetworkDoc>, portId: string, mac: string, wanted: Obj[] | undefined, owner: string): Promise<FixedIp[]> {
    const subnets = (await this.m.store.list<SubnetDoc>('subnet', { parent_id: net.id })).filter(
      (s) => s.doc.service_types.length === 0 || s.doc.service_types.includes(owner),
    );
    const out: FixedIp[] = [];
    if (wanted) {
      for (const w of wanted) {
        const ipText = w.ip_address === undefined ? undefined : String(w.ip_address);
        const ip = ipText === undefined ? undefined : parseIp(ipText);
        if (ipText !== undefined && !ip) throw invalid('fixed_ips', ipText, 'is not a valid IP address');
        const subnet = w.subnet_id !== undefined
          ? subnets.find((s) => s.id === w.subnet_id)
          : subnets.find((s) => ip && inCidr(ip, parseCidr(s.doc.cidr)!));
        if (!subnet) {
          throw nBadRequest('InvalidInput', `Invalid input for operation: Failed to create port on network ${net.id}, because fixed_ips included invalid subnet ${String(w.subnet_id ?? ipText)}.`);
        }
        out.push({ subnet_id: subnet.id, ip_address: await this.addressOn(subnet, portId, mac, ipText, net.id, owner) });
      }
      return out;
    }
    const v4 = subnets.filter((s) => s.doc.ip_version === 4);
    const v6 = subnets.filter((s) => s.doc.ip_version === 6 && !isSlaac(s.doc));
    for (const family of [v4, v6]) {
      if (family.length === 0) continue;
      let got: string | undefined;
      for (const s of family) {
        got = await this.ipam.allocate(s, portId);
        if (got) {
          out.push({ subnet_id: s.id, ip_address: got });
          break;
        }
      }
      if (!got) throw nConflict('IpAddressGenerationFailure', `No more IP addresses available on network ${net.id}.`);
    }
    for (const s of subnets.filter((x) => isSlaac(x.doc))) out.push({ subnet_id: s.id, ip_address: await this.ipam.claimSlaac(s, mac, portId) });
    return out;
  }

  private async addressOn(subnet: Res<SubnetDoc>, portId: string, mac: string, ip: string | undefined, netId: string, owner: string): Promise<string> {
    if (ip !== undefined && isSlaac(subnet.doc) && !owner.startsWith('network:router')) {
      throw nBadRequest('InvalidInput', `Invalid input for operation: IPv6 address ${ip} cannot be directly assigned to a port on subnet ${subnet.id} since the subnet is configured for automatic addresses.`);
    }
    if (ip !== undefined) return this.ipam.claim(subnet, ip, portId);
    if (isSlaac(subnet.doc)) return this.ipam.claimSlaac(subnet, mac, portId);
    const got = await this.ipam.allocate(subnet, portId);
    if (!got) throw nConflict('IpAddressGenerationFailure', `No more IP addresses available on network ${netId}.`);
    return got;
  }

  private pairsOf(body: Obj): Array<{ ip_address: string; mac_address?: string }> | undefined {
    const list = objList(body, 'allowed_address_pairs');
    return list?.map((p) => {
      const ipText = String(p.ip_address ?? '');
      const c = parseCidr(ipText);
      if (!c) throw invalid('allowed_address_pairs', ipText, 'is not a valid IP address or CIDR');
      if (p.mac_address !== undefined && (typeof p.mac_address !== 'string' || !isMac(p.mac_address))) throw invalid('allowed_address_pairs', p.mac_address, 'is not a valid MAC address');
      return { ip_address: ipText.includes('/') ? formatCidr(c) : normalizeIp(ipText)!, ...(p.mac_address ? { mac_address: String(p.mac_address).toLowerCase() } : {}) };
    });
  }

  /** The `qos_policy_id` asked for: a policy the caller sees, null to detach, undefined when not named. */
  private async qosOf(auth: AuthContext, body: Obj): Promise<string | null | undefined> {
    if (body.qos_policy_id === undefined) return undefined;
    return this.qos.checkAttachable(auth, optString(body, 'qos_policy_id', { nullable: true }) ?? null);
  }

  private vnicOf(body: Obj): string | undefined {
    const v = optString(body, 'binding:vnic_type');
    if (v !== undefined && v !== null && !VNIC_TYPES.includes(v)) throw invalid('binding:vnic_type', v, `is not in ${JSON.stringify(VNIC_TYPES)}`);
    return v ?? undefined;
  }

  private profileOf(body: Obj): Record<string, unknown> | undefined {
    const v = body['binding:profile'];
    if (v === undefined) return undefined;
    if (v !== null && !isObj(v)) throw invalid('binding:profile', v, 'is not a dictionary');
    return v ?? {};
  }

  private dnsNameOf(body: Obj): string | undefined {
    const v = optString(body, 'dns_name', { max: 63 });
    if (v && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(v)) throw invalid('dns_name', v, 'is not a valid DNS name');
    return v ?? undefined;
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    return (await this.withTrunks([this.view(auth, await this.updatePort(auth, await this.findVisible(auth, id), body, ifMatch))]))[0];
  }

  async updatePort(auth: AuthContext, port: Res<PortDoc>, body: Obj, ifMatch?: number, binds = false): Promise<Res<PortDoc>> {
    onlyKeys(body, UPDATE);
    if (!binds) adminOnly(auth, body, [...BINDING, 'mac_address'], 'update_port');
    const net = await this.m.load<NetworkDoc>('network', port.doc.network_id);
    this.checkNetworkOwnerAttrs(auth, body, net, 'update_port');
    const wantedIps = objList(body, 'fixed_ips');
    const qos = await this.qosOf(auth, body);
    const saved = await this.m.modify(
      port,
      ifMatch,
      async (d) => {
        const next: PortDoc = {
          ...d,
          name: optString(body, 'name', { max: 255 }) ?? d.name,
          description: optString(body, 'description', { max: 255 }) ?? d.description,
          admin_state_up: optBool(body, 'admin_state_up') ?? d.admin_state_up,
          device_id: optString(body, 'device_id', { max: 255 }) ?? d.device_id,
          device_owner: optString(body, 'device_owner', { max: 255 }) ?? d.device_owner,
          port_security_enabled: optBool(body, 'port_security_enabled') ?? d.port_security_enabled,
          host_id: optString(body, 'binding:host_id') ?? d.host_id,
          vnic_type: this.vnicOf(body) ?? d.vnic_type,
          profile: this.profileOf(body) ?? d.profile,
          dns_name: this.dnsNameOf(body) ?? d.dns_name,
          dns_domain: optString(body, 'dns_domain', { max: 255 }) ?? d.dns_domain,
          extra_dhcp_opts: extraDhcpOpts(body, d.extra_dhcp_opts ?? []) ?? d.extra_dhcp_opts ?? [],
          qos_policy_id: qos === undefined ? d.qos_policy_id : qos,
        };
        const groups = optStringArray(body, 'security_groups');
        if (groups) next.security_groups = await this.groups.checkUsable(auth, port.project_id, groups);
        const pairs = this.pairsOf(body);
        if (pairs) next.allowed_address_pairs = pairs.map((p) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? d.mac_address }));
        if (!next.port_security_enabled && next.security_groups.length) {
          throw nConflict('PortSecurityPortHasSecurityGroup', 'Port has security group associated. Cannot disable port security or ip address until security group is removed.');
        }
        if (!next.port_security_enabled && next.allowed_address_pairs.length) throw nConflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
        // port-mac-address-regenerate: `mac_address: null` asks for a fresh random MAC.
        const regenerate = body.mac_address === null;
        const mac = optString(body, 'mac_address', { nullable: true }) ?? undefined;
        if (regenerate || (mac !== undefined && mac.toLowerCase() !== d.mac_address)) {
          if (d.host_id) throw nConflict('PortBound', `Unable to complete operation on port ${port.id}, port is already bound, port type: ${d.vif_type}, old_mac ${d.mac_address}, new_mac ${mac ?? 'generated'}.`);
          next.mac_address = await this.claimMac(d.network_id, port.id, mac);
          await this.m.ipam.releaseMac(d.network_id, d.mac_address);
        }
        if (wantedIps) next.fixed_ips = await this.reallocate(net, port.id, next, wantedIps);
        if (next.host_id !== d.host_id || next.admin_state_up !== d.admin_state_up) {
          if (d.host_id && !next.host_id) await this.m.driver.unbindPort(this.driverPort(port.id, d));
          Object.assign(next, await this.bind(port.id, next));
        }
        return next;
      },
      (d) => ({ ref_id: d.device_id || null }),
    );
    return saved;
  }

  /** New fixed IPs: kept ones stay, new ones are claimed, dropped ones are freed after the write. */
  private async reallocate(net: Res<NetworkDoc>, portId: string, d: PortDoc, wanted: Obj[]): Promise<FixedIp[]> {
    const keep: FixedIp[] = [];
    const add: Obj[] = [];
    for (const w of wanted) {
      const ipText = w.ip_address === undefined ? undefined : normalizeIp(String(w.ip_address));
      const same = d.fixed_ips.find((f) => f.ip_address === ipText && (w.subnet_id === undefined || w.subnet_id === f.subnet_id));
      if (same) keep.push(same);
      else add.push(w);
    }
    const added = add.length ? await this.allocateIps(net, portId, d.mac_address, add, d.device_owner) : [];
    for (const f of d.fixed_ips) if (!keep.includes(f)) await this.m.ipam.releaseIp(f.subnet_id, f.ip_address);
    return [...keep, ...added];
  }

  private driverPort(id: string, d: PortDoc) {
    return { id, networkId: d.network_id, macAddress: d.mac_address, fixedIps: d.fixed_ips, hostId: d.host_id, vnicType: d.vnic_type };
  }

  async remove(auth: AuthContext, id: string, ifMatch?: number): Promise<void> {
    const port = await this.findVisible(auth, id);
    if (ifMatch !== undefined) await this.m.modify(port, ifMatch, (d) => d);
    if (SERVICE_OWNERS.includes(port.doc.device_owner)) {
      throw nConflict('ServicePortInUse', `Port ${id} cannot be deleted directly via the port API: has device owner ${port.doc.device_owner}.`);
    }
    for (const t of await this.m.store.list<TrunkDoc>('trunk')) {
      if (t.doc.port_id === id) throw nConflict('PortInUseAsTrunkParent', `Port ${id} is currently a parent port for trunk ${t.id}.`);
      if (t.doc.sub_ports.some((x) => x.port_id === id)) throw nConflict('PortInUseAsSubPort', `Port ${id} is currently a subport for trunk ${t.id}.`);
    }
    await this.deletePort(port);
  }

  /** Deletes a port with everything hanging on it: floating IP associations, binding, addresses. */
  async deletePort(port: Res<PortDoc>): Promise<void> {
    for (const fip of await this.m.store.list<FloatingIpDoc>('floatingip', { ref_id: port.id })) {
      await this.m.modify(fip, undefined, (d) => ({ ...d, port_id: null, fixed_ip_address: null, router_id: null }), () => ({ ref_id: null }));
    }
    if (port.doc.host_id) await this.m.driver.unbindPort(this.driverPort(port.id, port.doc));
    await this.m.store.delete('port', port.id);
    await this.m.ipam.releasePort(port.id);
  }

  async setTags(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]> {
    return (await this.m.modify(await this.find(auth, id), ifMatch, (d) => ({ ...d, tags: change(d.tags) }))).doc.tags;
  }
}
