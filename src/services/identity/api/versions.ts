import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectJsonHome } from './json-home.js';
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

const wantsJsonHome = (req: FastifyRequest) => (req.headers.accept ?? '').includes('application/json-home');

/**
 * Version discovery: `GET /` lists the versions (300 Multiple Choices, as Keystone), `GET /v3` shows
 * v3; both answer `Accept: application/json-home` with the JSON home document (paths under / name
 * /v3). Registered first, so that the document sees every route added after it.
 */
export function registerVersionRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const home = collectJsonHome(app);
  app.get('/', { config: { public: true } }, async (req, reply) => {
    if (wantsJsonHome(req)) return reply.type('application/json-home').send(home('/v3'));
    reply.code(300);
    return { versions: { values: [v3(d.baseUrl())] } };
  });
  app.get('/v3', { config: { public: true } }, async (req, reply) => {
    if (wantsJsonHome(req)) return reply.type('application/json-home').send(home(''));
    return { version: v3(d.baseUrl()) };
  });
}
