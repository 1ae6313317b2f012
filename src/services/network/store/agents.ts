import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { nowIso, uuid } from '../../../platform/ids.js';
import type { AgentRow, NetworkTables } from './tables.js';

function zonesById(rows: Array<{ id: string; zone: string | null }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const zones = out.get(r.id) ?? [];
    if (r.zone && !zones.includes(r.zone)) zones.push(r.zone);
    out.set(r.id, zones.sort());
  }
  return out;
}

/** What an agent reports about itself (Neutron's `agent_state`). */
export interface AgentReport {
  agent_type: string;
  binary: string;
  topic: string;
  host: string;
  availability_zone: string | null;
}

/**
 * Agents and what they host. An agent is one row per type and host, kept alive by heartbeats;
 * router and network bindings are rows keyed so that a second binding of the same pair (and, for
 * legacy routers, a second agent at all) is refused by the database, across processes.
 */
export class AgentStore {
  constructor(private readonly db: Kysely<NetworkTables>) {}

  /**
   * A heartbeat: creates the agent on its first report (and again after an admin deleted it, as a
   * Neutron agent re-registers), else moves its heartbeat, and its start time when it `started`.
   */
  async beat(a: AgentReport, started: boolean): Promise<void> {
    const now = nowIso();
    await this.db
      .insertInto('net_agents')
      .values({ id: uuid(), ...a, admin_state_up: 1, description: null, created_at: now, started_at: now, heartbeat_timestamp: now })
      .onConflict((oc) => oc.columns(['agent_type', 'host']).doUpdateSet(started ? { heartbeat_timestamp: now, started_at: now } : { heartbeat_timestamp: now }))
      .execute();
  }

  all(): Promise<AgentRow[]> {
    return this.db.selectFrom('net_agents').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  get(id: string): Promise<AgentRow | undefined> {
    return this.db.selectFrom('net_agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async update(id: string, set: { admin_state_up?: number; description?: string | null }): Promise<void> {
    if (Object.keys(set).length) await this.db.updateTable('net_agents').set(set).where('id', '=', id).execute();
  }

  /** Deletes an agent with its bindings (Neutron's cascade); false when it was already gone. */
  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('net_agents').where('id', '=', id).executeTakeFirst();
    await this.db.deleteFrom('net_router_agents').where('agent_id', '=', id).execute();
    await this.db.deleteFrom('net_network_agents').where('agent_id', '=', id).execute();
    return Number(r.numDeletedRows) === 1;
  }

  async routerAgent(routerId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('net_router_agents').select('agent_id').where('router_id', '=', routerId).executeTakeFirst();
    return row?.agent_id;
  }

  async agentRouters(agentId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('net_router_agents').select('router_id').where('agent_id', '=', agentId).execute();
    return rows.map((r) => r.router_id);
  }

  /** Binds a router to an agent; false when the router is already hosted (by any agent). */
  async bindRouter(routerId: string, agentId: string): Promise<boolean> {
    return this.insertOnce(() => this.db.insertInto('net_router_agents').values({ router_id: routerId, agent_id: agentId }).execute());
  }

  async unbindRouter(routerId: string, agentId: string): Promise<void> {
    await this.db.deleteFrom('net_router_agents').where('router_id', '=', routerId).where('agent_id', '=', agentId).execute();
  }

  async networkAgents(networkId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('net_network_agents').select('agent_id').where('network_id', '=', networkId).execute();
    return rows.map((r) => r.agent_id);
  }

  async agentNetworks(agentId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('net_network_agents').select('network_id').where('agent_id', '=', agentId).execute();
    return rows.map((r) => r.network_id);
  }

  /** Binds a network to a DHCP agent; false when that agent already hosts it. */
  async bindNetwork(networkId: string, agentId: string): Promise<boolean> {
    return this.insertOnce(() => this.db.insertInto('net_network_agents').values({ network_id: networkId, agent_id: agentId }).execute());
  }

  /** False when the agent did not host the network. */
  async unbindNetwork(networkId: string, agentId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('net_network_agents').where('network_id', '=', networkId).where('agent_id', '=', agentId).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** The zones of the DHCP agents hosting each of `networkIds`. */
  async networkZones(networkIds: string[]): Promise<Map<string, string[]>> {
    if (!networkIds.length) return new Map();
    const rows = await this.db
      .selectFrom('net_network_agents')
      .innerJoin('net_agents', 'net_agents.id', 'net_network_agents.agent_id')
      .select(['net_network_agents.network_id as id', 'net_agents.availability_zone as zone'])
      .where('net_network_agents.network_id', 'in', networkIds)
      .execute();
    return zonesById(rows);
  }

  /** The zone of the L3 agent hosting a router (none when unhosted). */
  async routerZones(routerId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('net_router_agents')
      .innerJoin('net_agents', 'net_agents.id', 'net_router_agents.agent_id')
      .select(['net_router_agents.router_id as id', 'net_agents.availability_zone as zone'])
      .where('net_router_agents.router_id', '=', routerId)
      .execute();
    return zonesById(rows).get(routerId) ?? [];
  }

  /** Hosting counts per agent (the load the schedulers balance). */
  async loads(): Promise<Map<string, number>> {
    const routers = await this.db.selectFrom('net_router_agents').select(['agent_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('agent_id').execute();
    const networks = await this.db.selectFrom('net_network_agents').select(['agent_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('agent_id').execute();
    return new Map([...routers, ...networks].map((r) => [r.agent_id, Number(r.n)]));
  }

  /** Drops bindings of routers and networks that were deleted (the foreign-key cascade Neutron has). */
  async sweep(): Promise<void> {
    await this.db
      .deleteFrom('net_router_agents')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('net_resources').select('id').whereRef('net_resources.id', '=', 'net_router_agents.router_id'))))
      .execute();
    await this.db
      .deleteFrom('net_network_agents')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('net_resources').select('id').whereRef('net_resources.id', '=', 'net_network_agents.network_id'))))
      .execute();
  }

  private async insertOnce(insert: () => Promise<unknown>): Promise<boolean> {
    try {
      await insert();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }
}
