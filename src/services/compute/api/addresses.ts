import type { FastifyInstance } from 'fastify';
import { notFound } from '../../../platform/errors.js';
import { enforce } from '../../../platform/policy.js';
import { computePolicy } from '../policy.js';
import type { ComputeApi } from './common.js';

/** `/servers/{id}/ips` (addresses by network) and `os-server-password` (the metadata service's encrypted password). */
export function registerAddressRoutes(app: FastifyInstance, api: ComputeApi): void {
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/ips', async (req) => {
    const v = await api.servers.view(req.auth, req.params.id);
    enforce(computePolicy, 'server:show', req.auth, { project_id: v.row.project_id });
    return { addresses: v.addresses };
  });
  app.get<{ Params: { id: string; network: string } }>('/v2.1/servers/:id/ips/:network', async (req) => {
    const v = await api.servers.view(req.auth, req.params.id);
    enforce(computePolicy, 'server:show', req.auth, { project_id: v.row.project_id });
    const found = v.addresses[req.params.network];
    if (!found) throw notFound('Instance is not a member of specified network');
    return { [req.params.network]: found };
  });

  // Guests post an encrypted password to the metadata service; there is none here, so it is always empty.
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/os-server-password', async (req) => {
    const row = await api.servers.find(req.auth, req.params.id);
    enforce(computePolicy, 'server:show', req.auth, { project_id: row.project_id });
    return { password: '' };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/servers/:id/os-server-password', async (req, reply) => {
    const row = await api.servers.find(req.auth, req.params.id);
    enforce(computePolicy, 'server:update', req.auth, { project_id: row.project_id });
    reply.code(204);
  });
}
