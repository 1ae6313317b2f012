import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
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

/** Status tree, stats, failover, quotas, providers, flavors and availability zones. */
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

    app.get(`${p}/providers`, async (req: Req) => {
      enforce(policy, 'provider:get_all', req.auth);
      return listResponse('providers', m.providers.map((d) => ({ name: d.name, description: d.description })), req.query, selfUrl(req, baseUrl()));
    });
    // Neither provider takes flavor or availability zone metadata: asking for its capabilities, or
    // making a profile for it (which the provider would validate), is Octavia's answer for a
    // driver without that support, 501.
    const notImplemented = (provider: unknown, what: string) => {
      if (typeof provider !== 'string' || !m.providers.some((d) => d.name === provider)) throw badRequest(`Provider '${String(provider)}' is not enabled.`);
      return new ApiError('notImplemented', `Provider '${provider}' does not support a requested action: ${what}`, { status: 501 });
    };
    for (const [path, action, what] of [
      ['flavor_capabilities', 'provider-flavor:get_all', 'flavor metadata'],
      ['availability_zone_capabilities', 'provider-availability-zone:get_all', 'availability zone metadata'],
    ]) {
      app.get(`${p}/providers/:provider/${path}`, async (req: Req) => {
        enforce(policy, action, req.auth);
        throw notImplemented(req.params.provider, what);
      });
    }
    for (const [path, wrapper, data, action] of [
      ['flavorprofiles', 'flavorprofile', 'flavor_data', 'flavor-profile:post'],
      ['availabilityzoneprofiles', 'availability_zone_profile', 'availability_zone_data', 'availability-zone-profile:post'],
    ]) {
      app.post(`${p}/${path}`, async (req: Req) => {
        const body = wrapped(req.body, wrapper);
        enforce(policy, action, req.auth);
        for (const f of ['name', 'provider_name', data]) if (typeof body[f] !== 'string') throw badRequest(`Invalid input for field/attribute ${f}. Value: '${String(body[f] ?? 'None')}'. Mandatory field missing.`);
        throw notImplemented(body.provider_name, `${data} validation`);
      });
    }

    // No flavors or availability zones exist (and none can be made): the lists are truthfully empty.
    for (const [path, plural, action] of [
      ['flavors', 'flavors', 'flavor:get_all'],
      ['flavorprofiles', 'flavorprofiles', 'flavor-profile:get_all'],
      ['availabilityzones', 'availability_zones', 'availability-zone:get_all'],
      ['availabilityzoneprofiles', 'availability_zone_profiles', 'availability-zone-profile:get_all'],
    ]) {
      app.get(`${p}/${path}`, async (req: Req) => {
        enforce(policy, action, req.auth);
        return { [plural]: [], [`${plural}_links`]: [] };
      });
      app.get(`${p}/${path}/:id`, async (req: Req) => {
        enforce(policy, action, req.auth);
        throw notFound(`${path === 'flavors' ? 'Flavor' : path === 'flavorprofiles' ? 'Flavor profile' : 'Availability Zone'} ${req.params.id} not found.`);
      });
    }
  }
}
