import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest } from '../../../platform/errors.js';

export const MIN_VERSION = '3.0';
export const MAX_VERSION = '3.70';
const MAX_MINOR = 70;
const UPDATED = '2023-08-31T00:00:00Z';

function v3(base: string) {
  return {
    id: 'v3.0',
    status: 'CURRENT',
    version: MAX_VERSION,
    min_version: MIN_VERSION,
    updated: UPDATED,
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${base}/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
}

/** The requested minor version of API 3 (`OpenStack-API-Version: volume 3.x`, default 3.0). */
export function minorVersion(req: FastifyRequest): number {
  const header = req.headers['openstack-api-version'];
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return 0;
  // Cinder takes the first entry whose service names "volume" anywhere: gophercloud sends `volumev3 3.27`.
  const entry = text.split(',').map((s) => s.trim().split(/\s+/)).find(([svc]) => svc?.toLowerCase().includes('volume'));
  if (!entry) return 0;
  const value = entry[1] ?? '';
  if (value === 'latest') return MAX_MINOR;
  const m = /^(\d+)\.(\d+)$/.exec(value);
  if (!m) throw badRequest(`Invalid API version request string ${value}.`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major !== 3 || minor > MAX_MINOR) {
    throw new ApiError('notAcceptable', `Version ${value} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`);
  }
  return minor;
}

/** At least microversion 3.`minor`. */
export const atLeast = (req: FastifyRequest, minor: number): boolean => minorVersion(req) >= minor;

/** Version discovery (`GET /` 300, `GET /v3/` 200) and the microversion headers of every v3 response. */
export function registerVersionRoutes(app: FastifyInstance, baseUrl: () => string): void {
  app.get('/', { config: { public: true } }, async (_req, reply) => {
    reply.code(300);
    return { versions: [v3(baseUrl())] };
  });
  app.get('/v3', { config: { public: true } }, async () => ({ versions: [v3(baseUrl())] }));
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/v3/')) return;
    const minor = minorVersion(req);
    reply.header('openstack-api-version', `volume 3.${minor}`);
    reply.header('vary', 'OpenStack-API-Version');
  });
}
