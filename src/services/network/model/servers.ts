import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, conflict, notFound } from '../../../platform/errors.js';
import type { Obj } from '../../../platform/http/validate.js';
import { UNBOUND } from '../drivers/driver.js';
import type { NetworkClient, NetworkRequest, ServerAddress, ServerPort, VipPort } from '../client.js';
import type { Res } from '../store/resources.js';
import { parseIp } from './addresses.js';
import { isAdmin, type ModelContext } from './context.js';
import type { AutoAllocation } from './autoallocate.js';
import type { FloatingIps } from './floatingips.js';
import type { Networks } from './networks.js';
import type { Ports } from './ports.js';
import type { SecurityGroupRules, SecurityGroups } from './secgroups.js';
import type { FloatingIpDoc, NetworkDoc, PortDoc, SecurityGroupDoc, SubnetDoc, TrunkDoc } from './types.js';

const COMPUTE_OWNER = 'compute:nova';
/** Octavia's device owner of VIP ports. */
const VIP_OWNER = 'Octavia';

/** What compute asks of the network service: a server's ports, addresses and security groups. */
export class ServerNetworking implements NetworkClient {
  constructor(
    private readonly m: ModelContext,
    private readonly ports: Ports,
    private readonly groups: SecurityGroups,
    private readonly rules: SecurityGroupRules,
    private readonly nets: Networks,
    private readonly fips: FloatingIps,
    private readonly auto: AutoAllocation,
  ) {}

  securityGroups(auth: AuthContext) {
    return {
      list: () => this.groups.list(auth),
      show: (id: string) => this.groups.show(auth, id),
      create: (body: Obj) => this.groups.create(auth, body),
      update: (id: string, body: Obj) => this.groups.update(auth, id, body),
      remove: (id: string) => this.groups.remove(auth, id),
      createRule: (body: Obj) => this.rules.create(auth, body),
      removeRule: (id: string) => this.rules.remove(auth, id),
    };
  }

  networks(auth: AuthContext) {
    return { list: () => this.nets.list(auth), show: (id: string) => this.nets.show(auth, id) };
  }

  floatingIps(auth: AuthContext) {
    return {
      list: () => this.fips.list(auth),
      show: (id: string) => this.fips.show(auth, id),
      create: (body: Obj) => this.fips.create(auth, body),
      update: (id: string, body: Obj) => this.fips.update(auth, id, body),
      remove: (id: string) => this.fips.remove(auth, id),
    };
  }

  private async toServerPort(p: Res<PortDoc>): Promise<ServerPort> {
    const net = await this.m.store.get<NetworkDoc>('network', p.doc.network_id);
    return { portId: p.id, networkId: p.doc.network_id, networkName: net?.doc.name ?? '', macAddress: p.doc.mac_address, fixedIps: p.doc.fixed_ips };
  }

  /** The network `auto` stands for: the project's only network, else the only shared one (Nova's rule). */
  private async usableNetwork(auth: AuthContext): Promise<string | undefined> {
    const nets = (await this.m.store.list<NetworkDoc>('network')).filter((n) => !n.doc.external);
    const own = nets.filter((n) => n.project_id === auth.projectId);
    const candidates = own.length ? own : nets.filter((n) => n.doc.shared);
    if (candidates.length > 1) throw conflict('Multiple possible networks found, use a Network ID to be more specific.');
    return candidates[0]?.id;
  }

  async checkAutoNetwork(auth: AuthContext): Promise<void> {
    await this.usableNetwork(auth);
  }

  /** `auto` without a usable network: the project's auto-allocated topology, as Nova asks Neutron for it. */
  private async autoNetwork(auth: AuthContext): Promise<string> {
    const id = await this.usableNetwork(auth);
    if (id) return id;
    return this.auto.networkFor(auth, auth.projectId ?? '').catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 409) throw badRequest(`Unable to automatically allocate a network for project ${auth.projectId}`);
      throw e;
    });
  }

  private async portBody(auth: AuthContext, serverId: string, host: string, securityGroups: string[] | undefined): Promise<Obj> {
    const groups = securityGroups?.length ? await this.groups.checkUsable(auth, auth.projectId ?? '', securityGroups) : undefined;
    return { device_id: serverId, device_owner: COMPUTE_OWNER, 'binding:host_id': host, ...(groups ? { security_groups: groups } : {}) };
  }

  /** Binds a port a user passed in (it must be free) to the server. */
  private async bindExisting(auth: AuthContext, serverId: string, portId: string, host: string): Promise<Res<PortDoc>> {
    const p = await this.ports.find(auth, portId);
    if (p.doc.device_id) throw conflict(`Port ${portId} is still in use.`);
    const bound = await this.ports.updatePort(auth, p, { device_id: serverId, device_owner: COMPUTE_OWNER, 'binding:host_id': host }, undefined, true);
    await this.bindSubPorts(p.id, (sub) => this.ports.updatePort(auth, sub, { 'binding:host_id': host }, undefined, true));
    return bound;
  }

  /** The sub-ports of a trunk follow its parent port's binding (Neutron's trunk plugin). */
  private async bindSubPorts(parentId: string, rebind: (sub: Res<PortDoc>) => Promise<unknown>): Promise<void> {
    for (const t of await this.m.store.list<TrunkDoc>('trunk', { ref_id: parentId })) {
      for (const s of t.doc.sub_ports) {
        const sub = await this.m.store.get<PortDoc>('port', s.port_id);
        if (sub) await rebind(sub);
      }
    }
  }

  async allocateServerPorts(auth: AuthContext, req: { serverId: string; networks: NetworkRequest; securityGroups?: string[]; host: string; ifAvailable?: boolean }): Promise<ServerPort[]> {
    if (req.networks === 'none') return [];
    const auto = req.networks !== 'auto' ? undefined : req.ifAvailable ? await this.usableNetwork(auth) : await this.autoNetwork(auth);
    const wanted = req.networks === 'auto' ? (auto ? [{ uuid: auto }] : []) : req.networks;
    const done: Res<PortDoc>[] = [];
    try {
      for (const w of wanted) {
        if (w.port) {
          done.push(await this.bindExisting(auth, req.serverId, w.port, req.host));
          continue;
        }
        if (!w.uuid) throw badRequest('Bad networks format: network uuid is not in proper format.');
        const body = { network_id: w.uuid, ...(await this.portBody(auth, req.serverId, req.host, req.securityGroups)), ...(w.fixed_ip ? { fixed_ips: [{ ip_address: w.fixed_ip }] } : {}) };
        done.push(await this.ports.createPort(auth, body, { serverOwned: true, binds: true }));
      }
    } catch (e) {
      for (const p of done) await this.releasePort(p);
      // Nova answers unknown networks, ports and security groups in a server create with 400.
      throw e instanceof ApiError && e.status === 404 ? badRequest(e.message) : e;
    }
    return Promise.all(done.map((p) => this.toServerPort(p)));
  }

  /** Created ports go away; a user's port is unbound and kept. */
  private async releasePort(p: Res<PortDoc>): Promise<void> {
    if (p.doc.server_owned) await this.ports.deletePort(p);
    else {
      await this.m.modify(p, undefined, (d) => ({ ...d, device_id: '', device_owner: '', host_id: '', ...UNBOUND }), () => ({ ref_id: null }));
      await this.bindSubPorts(p.id, (sub) => this.m.modify(sub, undefined, (d) => ({ ...d, host_id: '', ...UNBOUND })));
    }
  }

  private serverPortRows(serverId: string): Promise<Res<PortDoc>[]> {
    return this.m.store.list<PortDoc>('port', { ref_id: serverId });
  }

  async releaseServerPorts(serverId: string): Promise<void> {
    for (const p of await this.serverPortRows(serverId)) await this.releasePort(p);
  }

  async serverAddresses(serverIds: string[]): Promise<Map<string, Record<string, ServerAddress[]>>> {
    const out = new Map<string, Record<string, ServerAddress[]>>();
    const names = new Map<string, string>();
    for (const id of serverIds) {
      const byNet: Record<string, ServerAddress[]> = {};
      for (const p of await this.serverPortRows(id)) {
        if (!names.has(p.doc.network_id)) names.set(p.doc.network_id, (await this.m.store.get<NetworkDoc>('network', p.doc.network_id))?.doc.name ?? '');
        const list = (byNet[names.get(p.doc.network_id)!] ??= []);
        const mac = p.doc.mac_address;
        for (const f of p.doc.fixed_ips) list.push({ addr: f.ip_address, version: parseIp(f.ip_address)!.version, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': mac });
        for (const fip of await this.m.store.list<FloatingIpDoc>('floatingip', { ref_id: p.id })) {
          list.push({ addr: fip.doc.floating_ip_address, version: 4, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': mac });
        }
      }
      out.set(id, byNet);
    }
    return out;
  }

  async serverPorts(serverId: string): Promise<ServerPort[]> {
    return Promise.all((await this.serverPortRows(serverId)).map((p) => this.toServerPort(p)));
  }

  async attachInterface(auth: AuthContext, serverId: string, req: { net_id?: string; port_id?: string; fixed_ips?: Array<{ ip_address?: string; subnet_id?: string }>; host: string }): Promise<ServerPort> {
    if (req.port_id) return this.toServerPort(await this.bindExisting(auth, serverId, req.port_id, req.host));
    const netId = req.net_id ?? (await this.autoNetwork(auth));
    const body = { network_id: netId, ...(await this.portBody(auth, serverId, req.host, undefined)), ...(req.fixed_ips ? { fixed_ips: req.fixed_ips } : {}) };
    return this.toServerPort(await this.ports.createPort(auth, body, { serverOwned: true, binds: true }));
  }

  private async serverPort(auth: AuthContext, serverId: string, portId: string): Promise<Res<PortDoc>> {
    const p = await this.m.store.get<PortDoc>('port', portId);
    if (!p || p.ref_id !== serverId || (!isAdmin(auth) && p.project_id !== auth.projectId)) throw notFound(`Port ${portId} is not attached to server ${serverId}.`);
    return p;
  }

  async detachInterface(auth: AuthContext, serverId: string, portId: string): Promise<void> {
    await this.releasePort(await this.serverPort(auth, serverId, portId));
  }

  async serverSecurityGroups(auth: AuthContext, serverId: string): Promise<Array<{ id: string; name: string }>> {
    const ids = new Set((await this.serverPortRows(serverId)).flatMap((p) => p.doc.security_groups));
    const groups = await this.m.store.list<SecurityGroupDoc>('security_group', { ids: [...ids] });
    return groups.filter((g) => isAdmin(auth) || g.project_id === auth.projectId).map((g) => ({ id: g.id, name: g.doc.name }));
  }

  async addServerSecurityGroup(auth: AuthContext, serverId: string, group: string): Promise<void> {
    const [id] = await this.groups.checkUsable(auth, auth.projectId ?? '', [group]).catch(() => {
      throw notFound(`Security group ${group} not found for project ${auth.projectId}.`);
    });
    for (const p of await this.serverPortRows(serverId)) {
      if (!p.doc.port_security_enabled) throw badRequest(`Cannot add security group ${group} to port ${p.id}: port security is disabled.`);
      if (!p.doc.security_groups.includes(id)) await this.m.modify(p, undefined, (d) => ({ ...d, security_groups: [...d.security_groups, id] }));
    }
  }

  async removeServerSecurityGroup(auth: AuthContext, serverId: string, group: string): Promise<void> {
    const attached = await this.serverSecurityGroups(auth, serverId);
    const hit = attached.find((g) => g.id === group) ?? attached.find((g) => g.name === group);
    if (!hit) throw notFound(`Security group ${group} not associated with the instance ${serverId}.`);
    for (const p of await this.serverPortRows(serverId)) {
      if (p.doc.security_groups.includes(hit.id)) await this.m.modify(p, undefined, (d) => ({ ...d, security_groups: d.security_groups.filter((x) => x !== hit.id) }));
    }
  }

  async createVipPort(auth: AuthContext, req: { networkId?: string; subnetId?: string; portId?: string; address?: string; name: string; deviceId: string }): Promise<VipPort> {
    const toVip = (p: Res<PortDoc>, created: boolean): VipPort => {
      const ip = p.doc.fixed_ips.find((f) => !req.subnetId || f.subnet_id === req.subnetId) ?? p.doc.fixed_ips[0];
      if (!ip) throw badRequest(`Port ${p.id} has no IP address.`);
      return { portId: p.id, address: ip.ip_address, subnetId: ip.subnet_id, networkId: p.doc.network_id, created };
    };
    if (req.portId) {
      const p = await this.ports.find(auth, req.portId);
      if (p.doc.device_id) throw conflict(`Port ${req.portId} is still in use.`);
      return toVip(await this.ports.updatePort(auth, p, { device_id: req.deviceId, device_owner: VIP_OWNER }, undefined, true), false);
    }
    let networkId = req.networkId;
    if (req.subnetId) {
      const subnet = await this.m.store.get<SubnetDoc>('subnet', req.subnetId);
      if (!subnet) throw notFound(`Subnet ${req.subnetId} not found.`);
      if (networkId && networkId !== subnet.doc.network_id) throw badRequest(`Subnet ${req.subnetId} is not on network ${networkId}.`);
      networkId = subnet.doc.network_id;
    }
    if (!networkId) throw badRequest('A VIP needs a subnet, a network or a port.');
    const body: Obj = { network_id: networkId, name: req.name, device_id: req.deviceId, device_owner: VIP_OWNER, ...(req.subnetId || req.address ? { fixed_ips: [{ ...(req.subnetId ? { subnet_id: req.subnetId } : {}), ...(req.address ? { ip_address: req.address } : {}) }] } : {}) };
    return toVip(await this.ports.createPort(auth, body, { binds: true }), true);
  }

  async deletePort(portId: string): Promise<void> {
    const p = await this.m.store.get<PortDoc>('port', portId);
    if (p) await this.ports.deletePort(p);
  }
}
