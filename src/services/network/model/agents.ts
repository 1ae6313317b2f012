import type { AuthContext } from '../../../platform/auth.js';
import { optString, type Obj } from '../../../platform/http/validate.js';
import type { AgentStore } from '../store/agents.js';
import type { AgentRow } from '../store/tables.js';
import { boolField, invalid, onlyKeys, UUID, type ModelContext } from './context.js';
import { nConflict, nNotFound } from './errors.js';
import type { Networks } from './networks.js';
import { ROUTER_INTERFACE, type Routers } from './routers.js';
import { DHCP_AGENT, isAlive, L3_AGENT } from './scheduler.js';
import type { FloatingIpDoc, PortDoc, RouterDoc, SubnetDoc } from './types.js';

/** Agent times as Neutron prints them: `2024-01-02 03:04:05`. */
const agentTime = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, '');

const agentNotFound = (id: string) => nNotFound('AgentNotFound', `Agent ${id} could not be found.`);

/**
 * Agents (agent) and what they host (l3_agent_scheduler, dhcp_agent_scheduler). The views carry
 * what each agent really serves: its `configurations` are counted from its bindings.
 */
export class Agents {
  constructor(
    private readonly m: ModelContext,
    private readonly store: AgentStore,
    private readonly routers: Pick<Routers, 'list' | 'find'>,
    private readonly networks: Pick<Networks, 'list'>,
  ) {}

  private async configurations(a: AgentRow): Promise<Obj> {
    const plane = { data_plane: this.m.driver.name };
    if (a.agent_type === DHCP_AGENT) {
      const ids = await this.store.agentNetworks(a.id);
      const subnets = (await this.m.store.list<SubnetDoc>('subnet')).filter((s) => ids.includes(s.doc.network_id) && s.doc.enable_dhcp);
      const ports = (await this.m.store.list<PortDoc>('port')).filter((p) => ids.includes(p.doc.network_id));
      return { ...plane, networks: ids.length, subnets: subnets.length, ports: ports.length, dhcp_lease_duration: 86400 };
    }
    const ids = await this.store.agentRouters(a.id);
    const routers = await this.m.store.list<RouterDoc>('router', { ids });
    const interfaces = (await this.m.store.list<PortDoc>('port')).filter((p) => p.ref_id && ids.includes(p.ref_id) && p.doc.device_owner === ROUTER_INTERFACE);
    const fips = (await this.m.store.list<FloatingIpDoc>('floatingip')).filter((f) => f.doc.router_id && ids.includes(f.doc.router_id));
    return {
      ...plane,
      agent_mode: 'legacy',
      handle_internal_only_routers: true,
      routers: routers.length,
      ex_gw_ports: routers.filter((r) => r.doc.gateway).length,
      interfaces: interfaces.length,
      floating_ips: fips.length,
    };
  }

  private async view(a: AgentRow): Promise<Obj> {
    return {
      id: a.id,
      agent_type: a.agent_type,
      binary: a.binary,
      topic: a.topic,
      host: a.host,
      admin_state_up: a.admin_state_up === 1,
      created_at: agentTime(a.created_at),
      started_at: agentTime(a.started_at),
      heartbeat_timestamp: agentTime(a.heartbeat_timestamp),
      alive: isAlive(a),
      configurations: await this.configurations(a),
      description: a.description,
      availability_zone: a.availability_zone,
    };
  }

  private async find(id: string): Promise<AgentRow> {
    const a = await this.store.get(id);
    if (!a) throw agentNotFound(id);
    return a;
  }

  async list(): Promise<Obj[]> {
    return Promise.all((await this.store.all()).map((a) => this.view(a)));
  }

  async show(id: string): Promise<Obj> {
    return this.view(await this.find(id));
  }

  /** Only `admin_state_up` and `description` change; a disabled agent gets nothing new scheduled. */
  async update(id: string, body: Obj): Promise<Obj> {
    onlyKeys(body, ['admin_state_up', 'description']);
    const description = optString(body, 'description', { max: 255, nullable: true });
    const up = boolField(body, 'admin_state_up');
    await this.find(id);
    await this.store.update(id, {
      ...(up !== undefined ? { admin_state_up: up ? 1 : 0 } : {}),
      ...(description !== undefined ? { description } : {}),
    });
    return this.show(id);
  }

  /** Deletes an agent and its bindings; a live agent registers again with its next report, as Neutron's do. */
  async remove(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw agentNotFound(id);
  }

  /** Availability zones (availability_zone): those of DHCP agents for networks, of L3 agents for routers. */
  async zones(): Promise<Array<{ name: string; resource: string; state: string }>> {
    const zones = new Map<string, { name: string; resource: string; state: string }>();
    for (const a of await this.store.all()) {
      const resource = a.agent_type === DHCP_AGENT ? 'network' : a.agent_type === L3_AGENT ? 'router' : undefined;
      if (!resource || !a.availability_zone) continue;
      const key = `${a.availability_zone}|${resource}`;
      const up = a.admin_state_up === 1 || zones.get(key)?.state === 'available';
      zones.set(key, { name: a.availability_zone, resource, state: up ? 'available' : 'unavailable' });
    }
    return [...zones.values()].sort((x, y) => x.resource.localeCompare(y.resource) || x.name.localeCompare(y.name));
  }

  private async agentOf(id: string, type: string, invalidType: string, message: string): Promise<AgentRow> {
    const a = await this.find(id);
    if (a.agent_type !== type || a.admin_state_up !== 1) throw nNotFound(invalidType, message);
    return a;
  }

  /** `/v2.0/agents/{id}/l3-routers` */
  async hostedRouters(auth: AuthContext, agentId: string): Promise<Obj[]> {
    await this.find(agentId);
    const ids = await this.store.agentRouters(agentId);
    return (await this.routers.list(auth)).filter((r) => ids.includes(r.id as string));
  }

  /** Hosts a router on an L3 agent: a no-op when it already does, 409 when another agent does (legacy routers have one). */
  async addRouter(auth: AuthContext, agentId: string, routerId: unknown): Promise<void> {
    if (typeof routerId !== 'string' || !UUID.test(routerId)) throw invalid('router_id', routerId ?? null, 'is not a valid UUID');
    await this.routers.find(auth, routerId);
    await this.agentOf(agentId, L3_AGENT, 'InvalidL3Agent', `Agent ${agentId} is not a L3 Agent or has been disabled`);
    const current = await this.store.routerAgent(routerId);
    if (!current && (await this.store.bindRouter(routerId, agentId))) return;
    // Hosted already, or another request bound it first: fine when it is this agent.
    const holder = current ?? (await this.store.routerAgent(routerId));
    if (holder !== agentId) throw nConflict('RouterHostedByL3Agent', `The router ${routerId} has been already hosted by the L3 Agent ${holder}.`);
  }

  /** Unhosts a router; it stays unhosted until added again or the agents restart. */
  async removeRouter(auth: AuthContext, agentId: string, routerId: string): Promise<void> {
    await this.find(agentId);
    await this.routers.find(auth, routerId);
    await this.store.unbindRouter(routerId, agentId);
  }

  /** `/v2.0/routers/{id}/l3-agents` (like Neutron's, empty for a router it does not know). */
  async routerAgents(routerId: string): Promise<Obj[]> {
    const id = (await this.m.store.get('router', routerId)) && (await this.store.routerAgent(routerId));
    const a = id ? await this.store.get(id) : undefined;
    return a ? [await this.view(a)] : [];
  }

  /** `/v2.0/agents/{id}/dhcp-networks` */
  async hostedNetworks(auth: AuthContext, agentId: string): Promise<Obj[]> {
    await this.find(agentId);
    const ids = await this.store.agentNetworks(agentId);
    return (await this.networks.list(auth)).filter((n) => ids.includes(n.id as string));
  }

  async addNetwork(auth: AuthContext, agentId: string, networkId: unknown): Promise<void> {
    if (typeof networkId !== 'string' || !UUID.test(networkId)) throw invalid('network_id', networkId ?? null, 'is not a valid UUID');
    await this.m.network(auth, networkId);
    await this.agentOf(agentId, DHCP_AGENT, 'InvalidDHCPAgent', `Agent ${agentId} is not a valid DHCP Agent or has been disabled.`);
    if (!(await this.store.bindNetwork(networkId, agentId))) {
      throw nConflict('NetworkHostedByDHCPAgent', `The network ${networkId} has been already hosted by the DHCP Agent ${agentId}.`);
    }
  }

  async removeNetwork(agentId: string, networkId: string): Promise<void> {
    await this.find(agentId);
    if (!(await this.store.unbindNetwork(networkId, agentId))) {
      throw nConflict('NetworkNotHostedByDhcpAgent', `The network ${networkId} is not hosted by the DHCP Agent ${agentId}.`);
    }
  }

  /** `/v2.0/networks/{id}/dhcp-agents` */
  async networkAgents(networkId: string): Promise<Obj[]> {
    if (!(await this.m.store.get('network', networkId))) return [];
    const rows = (await Promise.all((await this.store.networkAgents(networkId)).map((id) => this.store.get(id)))).filter((a): a is AgentRow => !!a);
    return Promise.all(rows.map((a) => this.view(a)));
  }
}
