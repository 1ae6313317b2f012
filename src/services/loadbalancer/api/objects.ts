import type { FastifyInstance, FastifyRequest } from 'fastify';
import { enforce, type PolicyTable } from '../../../platform/policy.js';
import { boolParam, query } from '../../../platform/http/validate.js';
import type { Octavia } from '../model/octavia.js';
import type { Kind, Obj } from '../store/objects.js';
import { parseBody, PLURAL, WRAPPER } from './bodies.js';
import { listResponse, pickFields } from './listing.js';
import { view } from './render.js';

export const PREFIXES = ['/v2/lbaas', '/v2.0/lbaas'];

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | string[]> }>;

/** Renders objects with their relations; loads each load balancer's tree once. */
async function views(m: Octavia, objs: Obj[]) {
  const trees = new Map<string, Obj[]>();
  for (const id of new Set(objs.map((o) => o.lb_id))) trees.set(id, await m.store.tree(id));
  return objs.map((o) => view(o, trees.get(o.lb_id) ?? [o]));
}

/** Kinds that live under their parent's URL: members of a pool, rules of an L7 policy. */
const NESTED: Partial<Record<Kind, { parent: Kind; path: string }>> = { member: { parent: 'pool', path: 'pools' }, l7rule: { parent: 'l7policy', path: 'l7policies' } };

export const selfUrl = (req: FastifyRequest, base: string) => `${base}${req.url}`;

/** CRUD routes of one kind of object (members under their pool), under both of Octavia's prefixes. */
export function registerObjectRoutes(app: FastifyInstance, m: Octavia, policy: PolicyTable, kind: Kind, baseUrl: () => string): void {
  const plural = PLURAL[kind];
  const nested = NESTED[kind];
  const target = (o: Obj) => ({ project_id: o.project_id });
  const parentOf = async (req: Req) => (nested ? (await m.find(req.auth, nested.parent, req.params.parent_id)).id : undefined);
  for (const prefix of PREFIXES) {
    const coll = nested ? `${prefix}/${nested.path}/:parent_id/${plural}` : `${prefix}/${plural}`;
    app.get(coll, async (req: Req) => {
      enforce(policy, `${kind}:get_all`, req.auth, { project_id: req.auth.projectId });
      const objs = await m.list(req.auth, kind, await parentOf(req));
      return listResponse(plural, await views(m, objs), req.query, selfUrl(req, baseUrl()));
    });
    app.post(coll, async (req: Req, reply) => {
      const body = parseBody(kind, req.body, 'post');
      const owner = kind === 'loadbalancer' ? undefined : await m.parentProject(kind, body, req.params.parent_id);
      enforce(policy, `${kind}:post`, req.auth, { project_id: owner ?? body.project_id ?? req.auth.projectId });
      const parentId = await parentOf(req);
      const obj = kind === 'loadbalancer' ? await m.createLoadBalancer(req.auth, body) : await m.createChild(req.auth, kind, body, parentId);
      reply.code(201);
      return { [WRAPPER[kind]]: (await views(m, [obj]))[0] };
    });
    app.get(`${coll}/:id`, async (req: Req) => {
      await parentOf(req);
      const obj = await m.find(req.auth, kind, req.params.id);
      enforce(policy, `${kind}:get_one`, req.auth, target(obj));
      return { [WRAPPER[kind]]: pickFields((await views(m, [obj]))[0], req.query) };
    });
    app.put(`${coll}/:id`, async (req: Req) => {
      const body = parseBody(kind, req.body, 'put');
      await parentOf(req);
      enforce(policy, `${kind}:put`, req.auth, target(await m.find(req.auth, kind, req.params.id)));
      const obj = kind === 'loadbalancer' ? await m.updateLoadBalancer(req.auth, req.params.id, body) : await m.updateChild(req.auth, kind, req.params.id, body);
      return { [WRAPPER[kind]]: (await views(m, [obj]))[0] };
    });
    app.delete(`${coll}/:id`, async (req: Req, reply) => {
      await parentOf(req);
      enforce(policy, `${kind}:delete`, req.auth, target(await m.find(req.auth, kind, req.params.id)));
      if (kind === 'loadbalancer') await m.deleteLoadBalancer(req.auth, req.params.id, boolParam(query(req.query).cascade) ?? false);
      else await m.deleteChild(req.auth, kind, req.params.id);
      reply.code(204);
    });
  }
}
