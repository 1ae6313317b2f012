import type { AgentStore } from '../store/agents.js';
import type { AgentRow } from '../store/tables.js';
import type { ModelContext } from './context.js';
import type { RouterDoc, SubnetDoc } from './types.js';

export const DHCP_AGENT = 'DHCP agent';
export const L3_AGENT = 'L3 agent';

/** Neutron's defaults: agents report every `report_interval`, and are down after `agent_down_time`. */
export const REPORT_INTERVAL_MS = 30_000;
const AGENT_DOWN_MS = 75_000;

/**
 * The agents of this cloud's data plane, as upstream names them: DHCP serving and routing of the
 * networks this process manages. Every process reports them for its network host.
 */
const OWN_AGENTS = [
  { agent_type: DHCP_AGENT, binary: 'neutron-dhcp-agent', topic: 'dhcp_agent' },
  { agent_type: L3_AGENT, binary: 'neutron-l3-agent', topic: 'l3_agent' },
];

export const isAlive = (a: AgentRow, now = Date.now()): boolean => now - Date.parse(a.heartbeat_timestamp) <= AGENT_DOWN_MS;

/**
 * Places routers on L3 agents and networks on DHCP agents, as Neutron's default schedulers do: the
 * live, enabled agent hosting the fewest (LeastRoutersScheduler, WeightScheduler with one DHCP
 * agent per network). A router is placed when it is created, a network when it gets its first
 * DHCP-enabled subnet, and whatever is still unplaced when agents start (their full sync).
 */
export class AgentScheduler {
  constructor(
    private readonly m: ModelContext,
    readonly store: AgentStore,
  ) {}

  /** A heartbeat of this process's agents; `started` on the first one after a start. */
  async report(started: boolean): Promise<void> {
    for (const a of OWN_AGENTS) await this.store.beat({ ...a, host: this.m.settings.networkHost, availability_zone: this.m.settings.availabilityZone }, started);
    await this.store.sweep();
  }

  private async leastLoaded(type: string): Promise<AgentRow | undefined> {
    const now = Date.now();
    const candidates = (await this.store.all()).filter((a) => a.agent_type === type && a.admin_state_up === 1 && isAlive(a, now));
    const loads = await this.store.loads();
    return candidates.sort((a, b) => (loads.get(a.id) ?? 0) - (loads.get(b.id) ?? 0))[0];
  }

  /** Hosts a router that no agent hosts yet; with no live agent it stays unhosted, as in Neutron. */
  async scheduleRouter(routerId: string): Promise<void> {
    if (await this.store.routerAgent(routerId)) return;
    const agent = await this.leastLoaded(L3_AGENT);
    if (agent) await this.store.bindRouter(routerId, agent.id);
  }

  async scheduleNetwork(networkId: string): Promise<void> {
    if ((await this.store.networkAgents(networkId)).length) return;
    const agent = await this.leastLoaded(DHCP_AGENT);
    if (agent) await this.store.bindNetwork(networkId, agent.id);
  }

  networkZones(ids: string[]): Promise<Map<string, string[]>> {
    return this.store.networkZones(ids);
  }

  routerZones(routerId: string): Promise<string[]> {
    return this.store.routerZones(routerId);
  }

  /** Places every router, and every network with a DHCP-enabled subnet, that no agent hosts. */
  async autoSchedule(): Promise<void> {
    for (const r of await this.m.store.list<RouterDoc>('router')) await this.scheduleRouter(r.id);
    const dhcp = new Set((await this.m.store.list<SubnetDoc>('subnet')).filter((s) => s.doc.enable_dhcp).map((s) => s.doc.network_id));
    for (const id of dhcp) await this.scheduleNetwork(id);
  }
}
