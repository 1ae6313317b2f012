import type { FastifyInstance } from 'fastify';
import { nNotFound } from '../model/errors.js';
import { EXTENSIONS } from './extensions.js';

const version = (base: string) => ({ id: 'v2.0', status: 'CURRENT', links: [{ href: `${base}/v2.0/`, rel: 'self' }] });

/** Version discovery (`GET /` lists v2.0, `GET /v2.0` its resources) and the extension list. */
export function registerVersionRoutes(app: FastifyInstance, baseUrl: () => string, collections: string[]): void {
  app.get('/', { config: { public: true } }, async () => ({ versions: [version(baseUrl())] }));
  app.get('/v2.0', { config: { public: true } }, async () => ({
    resources: collections.map((c) => ({ name: (c.split('/').pop() ?? c).replace(/-/g, '_').replace(/ies$/, 'y').replace(/s$/, ''), collection: c, links: [{ href: `${baseUrl()}/v2.0/${c}`, rel: 'self' }] })),
  }));
  const render = (e: (typeof EXTENSIONS)[number]) => ({ ...e, links: [] });
  app.get('/v2.0/extensions', async () => ({ extensions: EXTENSIONS.map(render) }));
  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', async (req) => {
    const e = EXTENSIONS.find((x) => x.alias === req.params.alias);
    if (!e) throw nNotFound('ExtensionNotFound', `Extension with alias ${req.params.alias} does not exist`);
    return { extension: render(e) };
  });
}
