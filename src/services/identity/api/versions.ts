import type { FastifyInstance } from 'fastify';
import type { IdentityDeps } from './deps.js';

const UPDATED = '2023-03-04T00:00:00Z';

function v3(base: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: UPDATED,
    links: [{ rel: 'self', href: `${base}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** Version discovery: `GET /` lists the versions (300 Multiple Choices, as Keystone), `GET /v3` shows v3. */
export function registerVersionRoutes(app: FastifyInstance, d: IdentityDeps): void {
  app.get('/', { config: { public: true } }, async (_req, reply) => {
    reply.code(300);
    return { versions: { values: [v3(d.baseUrl())] } };
  });
  app.get('/v3', { config: { public: true } }, async () => ({ version: v3(d.baseUrl()) }));
}
