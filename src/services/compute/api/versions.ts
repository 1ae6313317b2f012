import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../../platform/errors.js';

export const MIN_MINOR = 1;
export const MAX_MINOR = 95;
export const MAX_VERSION = `2.${MAX_MINOR}`;

declare module 'fastify' {
  interface FastifyRequest {
    /** The negotiated compute microversion's minor number (2.N). */
    mv: number;
  }
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/**
 * The requested microversion: `OpenStack-API-Version: compute 2.N` wins over the legacy
 * `X-OpenStack-Nova-API-Version: 2.N`; none means 2.1, `latest` the maximum; outside the range is 406.
 */
export function negotiate(req: FastifyRequest): number {
  const modern = header(req, 'openstack-api-version')
    ?.split(',')
    .map((s) => s.trim().split(/\s+/))
    .find(([svc]) => svc?.toLowerCase() === 'compute')?.[1];
  const spec = modern ?? header(req, 'x-openstack-nova-api-version')?.trim();
  if (!spec) return MIN_MINOR;
  if (spec.toLowerCase() === 'latest') return MAX_MINOR;
  const m = /^(\d+)\.(\d+)$/.exec(spec);
  if (!m) throw new ApiError('badRequest', `API Version String ${spec} is of invalid format. Must be of format MajorNum.MinorNum.`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 2 || minor < MIN_MINOR || minor > MAX_MINOR) {
    throw new ApiError('notAcceptable', `Version ${spec} is not supported by the API. Minimum is 2.${MIN_MINOR} and maximum is ${MAX_VERSION}.`);
  }
  return minor;
}

export function echoVersion(reply: FastifyReply, minor: number): void {
  reply.header('openstack-api-version', `compute 2.${minor}`);
  reply.header('x-openstack-nova-api-version', `2.${minor}`);
  reply.header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
}

function v21(base: string) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: MAX_VERSION,
    min_version: `2.${MIN_MINOR}`,
    updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${base}/v2.1/` }],
  };
}

/** Version discovery (`GET /`, `GET /v2.1`) and the microversion hook of every API route. */
export function registerVersionRoutes(app: FastifyInstance, baseUrl: () => string): void {
  app.decorateRequest('mv', MIN_MINOR);
  app.addHook('onRequest', async (req, reply) => {
    // Echo the default before negotiating, so even a 406 carries the headers.
    echoVersion(reply, MIN_MINOR);
    req.mv = negotiate(req);
    echoVersion(reply, req.mv);
    reply.header('x-compute-request-id', req.id);
  });
  app.get('/', { config: { public: true } }, async () => ({
    versions: [
      { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: `${baseUrl()}/v2/` }] },
      v21(baseUrl()),
    ],
  }));
  // The v2.0 compatibility endpoint's version document (its routes are v2.1's, as in Nova).
  app.get('/v2', { config: { public: true } }, async () => ({
    version: {
      id: 'v2.0',
      status: 'SUPPORTED',
      version: '',
      min_version: '',
      updated: '2011-01-21T11:33:21Z',
      links: [
        { rel: 'self', href: `${baseUrl()}/v2/` },
        { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
      ],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }],
    },
  }));
  app.get('/v2.1', { config: { public: true } }, async () => ({
    version: {
      ...v21(baseUrl()),
      links: [
        { rel: 'self', href: `${baseUrl()}/v2.1/` },
        { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
      ],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    },
  }));
}
