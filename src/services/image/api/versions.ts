import type { FastifyInstance } from 'fastify';

/** The v2 minor versions Glance (Zed, no image cache, multi-store info) lists, newest first. */
const VERSIONS: Array<[string, string]> = [
  ['2.16', 'CURRENT'],
  ...['2.15', '2.14', '2.13', '2.12', '2.11', '2.10', '2.9', '2.8', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'].map((v): [string, string] => [v, 'SUPPORTED']),
];

function versions(base: string) {
  return { versions: VERSIONS.map(([id, status]) => ({ id: `v${id}`, status, links: [{ rel: 'self', href: `${base}/v2/` }] })) };
}

/** Version discovery: `GET /` answers 300 Multiple Choices, `GET /versions` 200, as Glance. */
export function registerVersionRoutes(app: FastifyInstance, baseUrl: () => string): void {
  app.get('/', { config: { public: true } }, async (_req, reply) => {
    reply.code(300);
    return versions(baseUrl());
  });
  app.get('/versions', { config: { public: true } }, async () => versions(baseUrl()));
}
