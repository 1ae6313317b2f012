import type { FastifyInstance, FastifyRequest } from 'fastify';
import { enforce } from '../../../platform/policy.js';
import type { AutoAllocation } from '../model/autoallocate.js';
import { networkPolicy } from '../policy.js';
import { fieldsOf, type RawQuery } from './listing.js';

type TopologyReq = FastifyRequest<{ Params: { project?: string } }>;

/** `/v2.0/auto-allocated-topology[/{project_id}]`: show (builds on first use), dry run, delete. */
export function registerAutoAllocationRoutes(app: FastifyInstance, auto: AutoAllocation): void {
  const show = async (req: TopologyReq) => {
    enforce(networkPolicy, 'get_auto_allocated_topology', req.auth, { project_id: req.params.project ?? req.auth.projectId });
    return { auto_allocated_topology: await auto.show(req.auth, req.params.project, fieldsOf(req.query as RawQuery) ?? []) };
  };
  app.get('/v2.0/auto-allocated-topology', show);
  app.get('/v2.0/auto-allocated-topology/:project', show);
  app.delete('/v2.0/auto-allocated-topology/:project', async (req: TopologyReq, reply) => {
    enforce(networkPolicy, 'delete_auto_allocated_topology', req.auth, { project_id: req.params.project });
    await auto.remove(req.auth, req.params.project);
    reply.code(204);
  });
}
