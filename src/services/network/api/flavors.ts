import type { FastifyInstance, FastifyRequest } from 'fastify';
import { enforce } from '../../../platform/policy.js';
import { SERVICE_PROVIDERS, type Flavors } from '../model/flavors.js';
import { networkPolicy } from '../policy.js';
import { listResponse, type RawQuery } from './listing.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

/**
 * What the flavors extension adds beside its two collections: associating a flavor with service
 * profiles, and the service providers (service-type) a profile's driver must name.
 */
export function registerFlavorRoutes(app: FastifyInstance, flavors: Flavors, baseUrl: () => string): void {
  app.post('/v2.0/flavors/:id/service_profiles', async (req: IdReq, reply) => {
    enforce(networkPolicy, 'create_flavor_service_profile', req.auth);
    const id = await flavors.associate(req.auth, req.params.id, req.body);
    reply.code(201);
    return { service_profile: { id } };
  });
  app.delete('/v2.0/flavors/:id/service_profiles/:profile', async (req: FastifyRequest<{ Params: { id: string; profile: string } }>, reply) => {
    enforce(networkPolicy, 'delete_flavor_service_profile', req.auth);
    await flavors.disassociate(req.params.id, req.params.profile);
    reply.code(204);
  });
  const providers = { plural: 'service_providers', attributes: ['service_type', 'name', 'default'] };
  app.get('/v2.0/service-providers', async (req) => {
    enforce(networkPolicy, 'get_service_provider', req.auth);
    const views = SERVICE_PROVIDERS.map((p) => ({ service_type: p.service_type, name: p.name, default: p.default }));
    return listResponse(providers, views, req.query as RawQuery, `${baseUrl()}${req.url}`);
  });
}
