import type { FastifyInstance, FastifyRequest } from 'fastify';
import { enforce } from '../../../platform/policy.js';
import type { PolicyTarget } from '../model/endpoint-policy.js';
import { identityPolicy } from '../policy.js';
import { renderEndpoint } from './catalog.js';
import type { IdentityDeps } from './deps.js';
import { renderPolicy } from './policies.js';
import { collectionLinks } from './render.js';

const PREFIX = '/v3/policies/:policy_id/OS-ENDPOINT-POLICY';
type Params = Record<string, string>;

/** OS-ENDPOINT-POLICY: associations of policies with endpoints, services and service regions. */
export function registerEndpointPolicyRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const ep = d.endpointPolicy;

  /** PUT (create), GET/HEAD (check, 204) and DELETE of one kind of association. */
  const association = (path: string, kind: string, target: (p: Params) => PolicyTarget) => {
    const parts = (req: FastifyRequest) => {
      const p = req.params as Params;
      return [p.policy_id, target(p)] as const;
    };
    app.put(`${PREFIX}/${path}`, async (req, reply) => {
      enforce(identityPolicy, `identity:create_policy_association_for_${kind}`, req.auth);
      await ep.associate(...parts(req));
      reply.code(204);
    });
    app.get(`${PREFIX}/${path}`, async (req, reply) => {
      enforce(identityPolicy, `identity:check_policy_association_for_${kind}`, req.auth);
      await ep.check(...parts(req));
      reply.code(204);
    });
    app.delete(`${PREFIX}/${path}`, async (req, reply) => {
      enforce(identityPolicy, `identity:delete_policy_association_for_${kind}`, req.auth);
      await ep.dissociate(...parts(req));
      reply.code(204);
    });
  };
  association('endpoints/:endpoint_id', 'endpoint', (p) => ({ endpoint_id: p.endpoint_id }));
  association('services/:service_id', 'service', (p) => ({ service_id: p.service_id }));
  association('services/:service_id/regions/:region_id', 'region_and_service', (p) => ({ service_id: p.service_id, region_id: p.region_id }));

  app.get(`${PREFIX}/endpoints`, async (req) => {
    enforce(identityPolicy, 'identity:list_endpoints_for_policy', req.auth);
    const rows = await ep.endpointsOf((req.params as Params).policy_id);
    return { endpoints: rows.map((e) => renderEndpoint(base(), e)), links: collectionLinks(base(), req) };
  });
  app.get('/v3/endpoints/:endpoint_id/OS-ENDPOINT-POLICY/policy', async (req) => {
    enforce(identityPolicy, 'identity:get_policy_for_endpoint', req.auth);
    return { policy: renderPolicy(base(), await ep.policyFor((req.params as { endpoint_id: string }).endpoint_id)) };
  });
}
