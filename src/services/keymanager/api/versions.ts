import type { FastifyInstance } from 'fastify';

/** The one API version: 1.0 (no microversions beyond it are implemented). */
function v1(base: string) {
  return {
    id: 'v1',
    status: 'CURRENT',
    min_version: '1.0',
    max_version: '1.0',
    links: [
      { rel: 'self', href: `${base}/v1/` },
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.key-manager-v1+json' }],
  };
}

/** `GET /` answers 300 Multiple Choices listing v1, `GET /v1` describes it, as Barbican does. */
export function registerVersionRoutes(app: FastifyInstance, baseUrl: () => string): void {
  app.get('/', { config: { public: true } }, async (_req, reply) => {
    reply.code(300);
    return { versions: { values: [v1(baseUrl())] } };
  });
  app.get('/v1', { config: { public: true } }, async () => ({ version: v1(baseUrl()) }));
}
