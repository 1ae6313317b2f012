import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isObj, optInt, wrapped } from '../../../platform/http/validate.js';
import { enforce, type PolicyTable } from '../../../platform/policy.js';
import { seesAll, type Octavia } from '../model/octavia.js';
import { QUOTA_KEYS } from '../model/settings.js';
import { parseBody } from './bodies.js';
import { listResponse } from './listing.js';
import { PREFIXES, selfUrl } from './objects.js';
import { statusTree } from './render.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | string[]> }>;

/** Octavia also accepts (and prints) the old names `loadbalancer` and `healthmonitor`. */
const ALIASES: Record<string, string> = { loadbalancer: 'load_balancer', healthmonitor: 'health_monitor' };

function quotaView(projectId: string | undefined, limits: Record<string, number>) {
  return { ...(projectId ? { project_id: projectId } : {}), ...limits, loadbalancer: limits.load_balancer, healthmonitor: limits.health_monitor };
}

/** Status tree, stats, failover, batch member update, quotas and the (empty) amphora list. */
export function registerExtraRoutes(app: FastifyInstance, m: Octavia, policy: PolicyTable, baseUrl: () => string, defaults: Record<string, number>): void {
  for (const p of PREFIXES) {
    app.get(`${p}/loadbalancers/:id/status`, async (req: Req) => {
      const lb = await m.find(req.auth, 'loadbalancer', req.params.id);
      enforce(policy, 'loadbalancer:get_status', req.auth, { project_id: lb.project_id });
      return statusTree(await m.store.tree(lb.id));
    });
    app.get(`${p}/loadbalancers/:id/stats`, async (req: Req) => {
      const lb = await m.find(req.auth, 'loadbalancer', req.params.id);
      enforce(policy, 'loadbalancer:get_stats', req.auth, { project_id: lb.project_id });
      const listeners = (await m.store.tree(lb.id)).filter((o) => o.kind === 'listener').map((o) => o.id);
      return { stats: m.stats(lb, listeners) };
    });
    app.get(`${p}/listeners/:id/stats`, async (req: Req) => {
      const listener = await m.find(req.auth, 'listener', req.params.id);
      enforce(policy, 'listener:get_stats', req.auth, { project_id: listener.project_id });
      return { stats: m.stats((await m.store.get('loadbalancer', listener.lb_id))!, [listener.id]) };
    });
    app.put(`${p}/loadbalancers/:id/failover`, async (req: Req, reply) => {
      const lb = await m.find(req.auth, 'loadbalancer', req.params.id);
      enforce(policy, 'loadbalancer:put_failover', req.auth, { project_id: lb.project_id });
      await m.failover(req.auth, lb.id);
      reply.code(202);
    });

    app.put(`${p}/pools/:parent_id/members`, async (req: Req, reply) => {
      const list = isObj(req.body) ? req.body.members : undefined;
      if (!Array.isArray(list)) throw badRequest("Invalid input for field/attribute members. Value: 'None'. Mandatory field missing.");
      const wanted = list.map((x) => parseBody('member', { member: x }, 'post'));
      const pool = await m.find(req.auth, 'pool', req.params.parent_id);
      enforce(policy, 'member:put', req.auth, { project_id: pool.project_id });
      await m.replaceMembers(req.auth, pool.id, wanted);
      reply.code(202);
    });

    app.get(`${p}/quotas`, async (req: Req) => {
      enforce(policy, seesAll(req.auth) ? 'quota:get_all' : 'quota:get_one', req.auth, { project_id: req.auth.projectId });
      const rows = (await m.store.quotas()).filter((r) => seesAll(req.auth) || r.project_id === req.auth.projectId);
      const items = await Promise.all(rows.map(async (r) => quotaView(r.project_id, await m.quotaLimits(r.project_id))));
      return listResponse('quotas', items.map((q) => ({ ...q, id: q.project_id })), req.query, selfUrl(req, baseUrl()));
    });
    app.get(`${p}/quotas/defaults`, async (req: Req) => {
      enforce(policy, 'quota:get_defaults', req.auth, { project_id: req.auth.projectId });
      return { quota: quotaView(undefined, defaults) };
    });
    app.get(`${p}/quotas/:project_id`, async (req: Req) => {
      enforce(policy, 'quota:get_one', req.auth, { project_id: req.params.project_id });
      return { quota: quotaView(undefined, await m.quotaLimits(req.params.project_id)) };
    });
    app.put(`${p}/quotas/:project_id`, async (req: Req, reply) => {
      const body = wrapped(req.body, 'quota');
      enforce(policy, 'quota:put', req.auth, { project_id: req.params.project_id });
      const set: Record<string, number> = {};
      for (const k of Object.keys(body)) {
        const key = ALIASES[k] ?? k;
        if (!(QUOTA_KEYS as readonly string[]).includes(key)) throw badRequest(`Invalid input for field/attribute quota. Unknown attribute for argument quota: ${k}`);
        set[key] = optInt(body, k, { min: -1, max: 2_000_000_000 })!;
      }
      reply.code(202);
      return { quota: quotaView(undefined, await m.setQuota(req.params.project_id, set)) };
    });
    app.delete(`${p}/quotas/:project_id`, async (req: Req, reply) => {
      enforce(policy, 'quota:delete', req.auth, { project_id: req.params.project_id });
      await m.store.deleteQuota(req.params.project_id);
      reply.code(204);
    });

    // No amphorae exist (the data planes run in the server process): the admin list is truthfully
    // empty, so clients that list them before acting (openstacksdk) work; amphora actions are 404s.
    const octavia = p.replace('/lbaas', '/octavia');
    app.get(`${octavia}/amphorae`, async (req: Req) => {
      enforce(policy, 'amphora:get_all', req.auth);
      return listResponse('amphorae', [], req.query, selfUrl(req, baseUrl()));
    });
    app.get(`${octavia}/amphorae/:id`, async (req: Req) => {
      enforce(policy, 'amphora:get_one', req.auth);
      throw notFound(`Amphora ${req.params.id} not found.`);
    });
  }
}
