import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isObj } from '../../../platform/http/validate.js';
import { allowed, enforce } from '../../../platform/policy.js';
import type { Agents } from '../model/agents.js';
import { nBadRequest } from '../model/errors.js';
import { networkPolicy } from '../policy.js';
import { fieldsOf, listResponse, pick, type RawQuery } from './listing.js';
import { hidden } from './resources.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;
type PairReq = FastifyRequest<{ Params: { id: string; other: string } }>;

const AGENT_ATTRIBUTES = ['agent_type', 'binary', 'topic', 'host', 'admin_state_up', 'created_at', 'started_at', 'heartbeat_timestamp', 'alive', 'configurations', 'availability_zone'];

/** The body of a scheduler POST: `{"router_id": ...}` / `{"network_id": ...}`. */
function idIn(body: unknown, field: string): unknown {
  if (!isObj(body)) throw nBadRequest('HTTPBadRequest', 'Body contains invalid data');
  return body[field];
}

/** Neutron's scheduler POSTs answer 201 with a JSON `null` (the plugin returns nothing). */
const createdNull = (reply: FastifyReply) => reply.code(201).type('application/json').send('null');

/**
 * `/v2.0/agents` (agent) with `l3-routers` and `dhcp-networks` below an agent, `l3-agents` below
 * a router and `dhcp-agents` below a network (l3_agent_scheduler, dhcp_agent_scheduler), and
 * `/v2.0/availability_zones`, which come from the agents. Agents are admins' alone: like
 * Neutron's, the list is empty and an agent not found for anyone else.
 */
export function registerAgentRoutes(app: FastifyInstance, agents: Agents, baseUrl: () => string): void {
  const visible = (req: FastifyRequest) => {
    if (!allowed(networkPolicy, 'get_agent', req.auth)) throw hidden();
  };
  app.get('/v2.0/agents', async (req) => {
    if (!allowed(networkPolicy, 'get_agent', req.auth)) return { agents: [] };
    return listResponse({ plural: 'agents', attributes: AGENT_ATTRIBUTES }, await agents.list(), req.query as RawQuery, `${baseUrl()}${req.url}`);
  });
  app.get('/v2.0/agents/:id', async (req: IdReq) => {
    visible(req);
    return { agent: pick(await agents.show(req.params.id), fieldsOf(req.query as RawQuery)) };
  });
  app.put('/v2.0/agents/:id', async (req: IdReq) => {
    visible(req);
    enforce(networkPolicy, 'update_agent', req.auth);
    const body = isObj(req.body) ? req.body.agent : undefined;
    if (!isObj(body)) throw nBadRequest('HTTPBadRequest', "Resource body required: 'agent' is missing or not an object.");
    return { agent: await agents.update(req.params.id, body) };
  });
  app.delete('/v2.0/agents/:id', async (req: IdReq, reply) => {
    visible(req);
    enforce(networkPolicy, 'delete_agent', req.auth);
    await agents.remove(req.params.id);
    reply.code(204);
  });

  app.get('/v2.0/agents/:id/l3-routers', async (req: IdReq) => {
    enforce(networkPolicy, 'get_l3-routers', req.auth);
    return { routers: await agents.hostedRouters(req.auth, req.params.id) };
  });
  app.post('/v2.0/agents/:id/l3-routers', async (req: IdReq, reply) => {
    enforce(networkPolicy, 'create_l3-router', req.auth);
    await agents.addRouter(req.auth, req.params.id, idIn(req.body, 'router_id'));
    return createdNull(reply);
  });
  app.delete('/v2.0/agents/:id/l3-routers/:other', async (req: PairReq, reply) => {
    enforce(networkPolicy, 'delete_l3-router', req.auth);
    await agents.removeRouter(req.auth, req.params.id, req.params.other);
    reply.code(204);
  });
  app.get('/v2.0/routers/:id/l3-agents', async (req: IdReq) => {
    enforce(networkPolicy, 'get_l3-agents', req.auth);
    return { agents: await agents.routerAgents(req.params.id) };
  });

  app.get('/v2.0/agents/:id/dhcp-networks', async (req: IdReq) => {
    enforce(networkPolicy, 'get_dhcp-networks', req.auth);
    return { networks: await agents.hostedNetworks(req.auth, req.params.id) };
  });
  app.post('/v2.0/agents/:id/dhcp-networks', async (req: IdReq, reply) => {
    enforce(networkPolicy, 'create_dhcp-network', req.auth);
    await agents.addNetwork(req.auth, req.params.id, idIn(req.body, 'network_id'));
    return createdNull(reply);
  });
  app.delete('/v2.0/agents/:id/dhcp-networks/:other', async (req: PairReq, reply) => {
    enforce(networkPolicy, 'delete_dhcp-network', req.auth);
    await agents.removeNetwork(req.params.id, req.params.other);
    reply.code(204);
  });
  app.get('/v2.0/networks/:id/dhcp-agents', async (req: IdReq) => {
    enforce(networkPolicy, 'get_dhcp-agents', req.auth);
    return { agents: await agents.networkAgents(req.params.id) };
  });

  app.get('/v2.0/availability_zones', async (req) => {
    enforce(networkPolicy, 'get_availability_zone', req.auth);
    const q = req.query as RawQuery;
    for (const k of Object.keys(q)) if (!['name', 'resource', 'state', 'fields'].includes(k)) throw nBadRequest('HTTPBadRequest', `${k} is invalid attribute for filtering`);
    const out = (await agents.zones()).filter((z) => (['name', 'resource', 'state'] as const).every((k) => q[k] === undefined || [q[k]].flat().includes(z[k])));
    return { availability_zones: out.map((z) => pick(z, fieldsOf(q))) };
  });
}
