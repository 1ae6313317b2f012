import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { boolParam, optObj, query, reqString, wrapped } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { ServerGroup } from '../model/groups.js';
import { computePolicy } from '../policy.js';
import { paging, type ComputeApi } from './common.js';

function render(g: ServerGroup, mv: number) {
  return {
    id: g.row.id,
    name: g.row.name,
    ...(mv >= 64 ? { policy: g.row.policy, rules: g.rules } : { policies: [g.row.policy], metadata: {} }),
    members: g.members,
    ...(mv >= 13 ? { project_id: g.row.project_id, user_id: g.row.user_id } : {}),
  };
}

/** `os-server-groups`: policy (2.64: one `policy` and `rules`, before: a `policies` list). */
export function registerServerGroupRoutes(app: FastifyInstance, api: ComputeApi): void {
  const groups = api.model.groups;
  app.get('/v2.1/os-server-groups', async (req: FastifyRequest) => {
    const q = query(req.query);
    const all = q.all_projects !== undefined && (q.all_projects === '' || boolParam(q.all_projects) !== false);
    if (all) enforce(computePolicy, 'server_group:list:all', req.auth);
    const { limit } = paging(q);
    const offset = q.offset !== undefined ? Number(q.offset) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw badRequest(`Invalid input for query parameters offset. Value: ${q.offset}.`);
    const list = (await groups.list(req.auth, all)).slice(offset, offset + limit);
    return { server_groups: list.map((g) => render(g, req.mv)) };
  });
  app.post('/v2.1/os-server-groups', async (req) => {
    const g = wrapped(req.body, 'server_group');
    const name = reqString(g, 'name', { max: 255 });
    let policy: string;
    let rules: Record<string, number> = {};
    if (req.mv >= 64) {
      policy = reqString(g, 'policy');
      const r = optObj(g, 'rules') ?? {};
      for (const [k, v] of Object.entries(r)) {
        if (k !== 'max_server_per_host' || typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw badRequest(`Invalid input for field/attribute rules. Value: ${JSON.stringify(r)}.`);
      }
      rules = r as Record<string, number>;
      if ('policies' in g) throw badRequest("Invalid input for field/attribute server_group. Additional properties are not allowed ('policies' was unexpected)");
    } else {
      const p = g.policies;
      if (!Array.isArray(p) || p.length !== 1 || typeof p[0] !== 'string') throw badRequest("Invalid input for field/attribute policies. A list of exactly one policy is expected.");
      policy = p[0];
    }
    if (!req.auth.projectId) throw badRequest('A project-scoped token is required.');
    return { server_group: render(await groups.create(req.auth, name, policy, rules), req.mv) };
  });
  app.get<{ Params: { id: string } }>('/v2.1/os-server-groups/:id', async (req) => ({ server_group: render(await groups.find(req.auth, req.params.id), req.mv) }));
  app.delete<{ Params: { id: string } }>('/v2.1/os-server-groups/:id', async (req, reply) => {
    await groups.remove(req.auth, req.params.id);
    reply.code(204);
  });
}
