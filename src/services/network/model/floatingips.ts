import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { optString, reqString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { normalizeIp, parseIp } from './addresses.js';
import { checkTags, standard, type Collection } from './collection.js';
import { adminOnly, isAdmin, onlyKeys, type ModelContext } from './context.js';
import { nBadRequest, nConflict, nNotFound } from './errors.js';
import type { Ports } from './ports.js';
import type { Routers } from './routers.js';
import type { FloatingIpDoc, NetworkDoc, PortDoc, SubnetDoc } from './types.js';

export const FLOATINGIP_OWNER = 'network:floatingip';
const UPDATE = ['port_id', 'fixed_ip_address', 'description'];
const CREATE = [...UPDATE, 'floating_network_id', 'floating_ip_address', 'subnet_id', 'project_id', 'tenant_id', 'dns_name', 'dns_domain', 'tags'];

type Association = Pick<FloatingIpDoc, 'port_id' | 'fixed_ip_address' | 'router_id'>;

export class FloatingIps implements Collection {
  readonly kind = 'floatingip' as const;
  readonly singular = 'floatingip';
  readonly plural = 'floatingips';
  readonly attributes = ['floating_network_id', 'floating_ip_address', 'port_id', 'fixed_ip_address', 'router_id', 'status', 'port_details', 'dns_name', 'dns_domain', 'port_forwardings', 'qos_policy_id'];

  constructor(
    private readonly m: ModelContext,
    private readonly ports: Ports,
    private readonly routers: Routers,
  ) {}

  private async view(f: Res<FloatingIpDoc>): Promise<Obj> {
    const d = f.doc;
    const port = d.port_id ? await this.m.store.get<PortDoc>('port', d.port_id) : undefined;
    return {
      ...standard(f),
      name: undefined,
      floating_network_id: d.floating_network_id,
      floating_ip_address: d.floating_ip_address,
      port_id: d.port_id,
      fixed_ip_address: d.fixed_ip_address,
      router_id: d.router_id,
      status: d.port_id ? 'ACTIVE' : 'DOWN',
      dns_name: d.dns_name,
      dns_domain: d.dns_domain,
      port_forwardings: [],
      qos_policy_id: null,
      qos_network_policy_id: null,
      port_details: port
        ? { name: port.doc.name, network_id: port.doc.network_id, mac_address: port.doc.mac_address, admin_state_up: port.doc.admin_state_up, status: port.doc.status, device_id: port.doc.device_id, device_owner: port.doc.device_owner }
        : null,
    };
  }

  /**
   * floatingip-pools: the IPv4 subnets of the external networks the caller sees that may hand
   * out floating IPs (no service types, or `network:floatingip` among them).
   */
  async pools(auth: AuthContext): Promise<Obj[]> {
    const grants = await this.m.grants(auth.projectId);
    const external = new Set(
      (await this.m.store.list<NetworkDoc>('network'))
        .filter((n) => (n.doc.external || grants.external.has(n.id)) && this.m.networkVisible(auth, n, grants))
        .map((n) => n.id),
    );
    return (await this.m.store.list<SubnetDoc>('subnet'))
      .filter((s) => external.has(s.doc.network_id) && s.doc.ip_version === 4 && (!s.doc.service_types.length || s.doc.service_types.includes(FLOATINGIP_OWNER)))
      .map((s) => ({ subnet_id: s.id, subnet_name: s.doc.name, network_id: s.doc.network_id, cidr: s.doc.cidr, project_id: s.project_id, tenant_id: s.project_id }));
  }

  find(auth: AuthContext, id: string): Promise<Res<FloatingIpDoc>> {
    return this.m.owned<FloatingIpDoc>(auth, 'floatingip', id);
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const rows = await this.m.store.list<FloatingIpDoc>('floatingip', isAdmin(auth) ? {} : { project_id: auth.projectId });
    return Promise.all(rows.map((f) => this.view(f)));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.find(auth, id));
  }

  /** Resolves port and fixed address to the router that reaches the external network (Neutron's rules). */
  private async associate(auth: AuthContext, fip: { id: string; project: string }, netId: string, portId: string | null, fixedIp: string | undefined): Promise<Association> {
    if (portId === null) return { port_id: null, fixed_ip_address: null, router_id: null };
    const port = await this.ports.findVisible(auth, portId);
    // As Neutron: a project associates its floating IPs with its own ports only (admins with any).
    if (!isAdmin(auth) && port.project_id !== fip.project) {
      throw nBadRequest('BadRequest', `Bad floatingip request: Cannot process floating IP association with Port ${portId}, since that port is owned by a different tenant.`);
    }
    const v4 = port.doc.fixed_ips.filter((f) => parseIp(f.ip_address)?.version === 4);
    let fixed = v4[0];
    if (fixedIp !== undefined) {
      const want = normalizeIp(fixedIp);
      fixed = port.doc.fixed_ips.find((f) => f.ip_address === want)!;
      if (!fixed) throw nBadRequest('BadRequest', `Bad floatingip request: Port ${portId} does not have fixed ip ${fixedIp}.`);
    } else if (v4.length === 0) {
      throw nBadRequest('BadRequest', `Bad floatingip request: Port ${portId} does not have any IPv4 address; a floating IP cannot be associated with it.`);
    } else if (v4.length > 1) {
      throw nBadRequest('BadRequest', `Bad floatingip request: Port ${portId} has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP.`);
    }
    const routerId = await this.routers.routerFor(netId, fixed.subnet_id);
    if (!routerId) {
      throw nNotFound('ExternalGatewayForFloatingIPNotFound', `External network ${netId} is not reachable from subnet ${fixed.subnet_id}. Therefore, cannot associate Port ${portId} with a Floating IP.`);
    }
    const taken = (await this.m.store.list<FloatingIpDoc>('floatingip', { ref_id: portId })).find((f) => f.id !== fip.id && f.doc.fixed_ip_address === fixed.ip_address && f.doc.floating_network_id === netId);
    if (taken) {
      throw nConflict('FloatingIPPortAlreadyAssociated', `Cannot associate floating IP ${fip.id} with port ${portId} using fixed IP ${fixed.ip_address}, as that fixed IP already has a floating IP on external network ${netId}.`);
    }
    return { port_id: portId, fixed_ip_address: fixed.ip_address, router_id: routerId };
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, CREATE);
    adminOnly(auth, body, ['floating_ip_address'], 'create_floatingip');
    const project = this.m.owner(auth, body);
    const netId = reqString(body, 'floating_network_id');
    const net = await this.m.network(auth, netId);
    const g = await this.m.grants(auth.projectId);
    if (!net.doc.external && !g.external.has(net.id)) throw nBadRequest('BadRequest', `Bad floatingip request: Network ${netId} is not a valid external network.`);
    await this.m.checkQuota(project, 'floatingip');
    const id = uuid();
    const assoc = await this.associate(auth, { id, project }, netId, optString(body, 'port_id', { nullable: true }) ?? null, optString(body, 'fixed_ip_address') ?? undefined);
    const subnetId = optString(body, 'subnet_id') ?? undefined;
    const address = optString(body, 'floating_ip_address') ?? undefined;
    const fixed = address !== undefined || subnetId !== undefined ? [{ ...(subnetId ? { subnet_id: subnetId } : {}), ...(address ? { ip_address: address } : {}) }] : undefined;
    const port = await this.ports.createPort(auth, { network_id: netId, device_owner: FLOATINGIP_OWNER, device_id: id, ...(fixed ? { fixed_ips: fixed } : {}) }, { projectId: '', binds: true, anyNetwork: true });
    const ipv4 = port.doc.fixed_ips.find((f) => parseIp(f.ip_address)?.version === 4);
    if (!ipv4) {
      await this.ports.deletePort(port);
      throw nBadRequest('BadRequest', `Bad floatingip request: Network ${netId} does not contain any IPv4 subnet.`);
    }
    const doc: FloatingIpDoc = {
      name: '',
      description: optString(body, 'description', { max: 255 }) ?? '',
      tags: body.tags === undefined ? [] : checkTags(body.tags),
      floating_network_id: netId,
      floating_ip_address: ipv4.ip_address,
      floating_port_id: port.id,
      ...assoc,
      dns_name: optString(body, 'dns_name', { max: 255 }) ?? '',
      dns_domain: optString(body, 'dns_domain', { max: 255 }) ?? '',
    };
    try {
      return this.view(await this.m.insertCounted('floatingip', { id, project_id: project, parent_id: netId, ref_id: assoc.port_id, doc }));
    } catch (e) {
      await this.ports.deletePort(port);
      throw e;
    }
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    onlyKeys(body, UPDATE);
    const f = await this.find(auth, id);
    const description = optString(body, 'description', { max: 255 }) ?? undefined;
    let assoc: Association | undefined;
    // An empty update disassociates: the floating IP's original API had nothing else to change.
    if (body.port_id !== undefined || Object.keys(body).length === 0) {
      assoc = await this.associate(auth, { id, project: f.project_id }, f.doc.floating_network_id, optString(body, 'port_id', { nullable: true }) ?? null, optString(body, 'fixed_ip_address') ?? undefined);
    }
    const saved = await this.m.modify(f, ifMatch, (d) => ({ ...d, ...(assoc ?? {}), description: description ?? d.description }), (d) => ({ ref_id: d.port_id }));
    return this.view(saved);
  }

  async remove(auth: AuthContext, id: string, ifMatch?: number): Promise<void> {
    const f = await this.find(auth, id);
    if (ifMatch !== undefined) await this.m.modify(f, ifMatch, (d) => d);
    await this.drop(f);
  }

  private async drop(f: Res<FloatingIpDoc>): Promise<void> {
    await this.m.store.delete('floatingip', f.id);
    const port = await this.m.store.get<PortDoc>('port', f.doc.floating_port_id);
    if (port) await this.ports.deletePort(port);
  }

  /** Deletes the floating IPs of a network that no port uses (before the network goes). */
  async removeDisassociated(networkId: string): Promise<void> {
    for (const f of await this.m.store.list<FloatingIpDoc>('floatingip', { parent_id: networkId })) {
      if (!f.doc.port_id) await this.drop(f);
    }
  }

  async setTags(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]> {
    return (await this.m.modify(await this.find(auth, id), ifMatch, (d) => ({ ...d, tags: change(d.tags) }))).doc.tags;
  }
}
