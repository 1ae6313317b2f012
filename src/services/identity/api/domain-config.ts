import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isObj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { SECURITY_COMPLIANCE } from '../model/domain-config.js';
import { identityPolicy } from '../policy.js';
import type { IdentityDeps } from './deps.js';

type ConfigParams = { id: string; group?: string; option?: string };

/** The `config` member of the body; a missing one is an empty configuration (Keystone's 403). */
function configBody(body: unknown): unknown {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  return body.config ?? {};
}

/** Keystone's domain-specific configuration API (`/v3/domains/{id}/config` and the defaults). */
export function registerDomainConfigRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const c = d.domainConfigs;
  const params = (req: FastifyRequest) => req.params as ConfigParams;

  // The whole configuration, a group or one option: the same handlers at three depths.
  for (const path of ['/v3/domains/:id/config', '/v3/domains/:id/config/:group', '/v3/domains/:id/config/:group/:option']) {
    app.get(path, async (req) => {
      const { id, group, option } = params(req);
      if (group === SECURITY_COMPLIANCE) {
        enforce(identityPolicy, 'identity:get_security_compliance_domain_config', req.auth);
        return { config: c.securityCompliance(id, option) };
      }
      enforce(identityPolicy, 'identity:get_domain_config', req.auth);
      return { config: await c.get(id, group, option) };
    });
    app.patch(path, async (req) => {
      enforce(identityPolicy, 'identity:update_domain_config', req.auth);
      const { id, group, option } = params(req);
      return { config: await c.update(id, configBody(req.body), group, option) };
    });
    app.delete(path, async (req, reply) => {
      enforce(identityPolicy, 'identity:delete_domain_config', req.auth);
      const { id, group, option } = params(req);
      await c.delete(id, group, option);
      reply.code(204);
    });
  }
  app.put('/v3/domains/:id/config', async (req, reply) => {
    enforce(identityPolicy, 'identity:create_domain_config', req.auth);
    const { config, created } = await c.create(params(req).id, configBody(req.body));
    reply.code(created ? 201 : 200);
    return { config };
  });

  for (const path of ['/v3/domains/config/default', '/v3/domains/config/:group/default', '/v3/domains/config/:group/:option/default']) {
    app.get(path, async (req) => {
      enforce(identityPolicy, 'identity:get_domain_config_default', req.auth);
      const { group, option } = params(req);
      return { config: c.defaults(group, option) };
    });
  }
}
