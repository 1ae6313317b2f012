import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';

/** Cinder's fault names by status (webob faults of cinder.api.openstack.wsgi). */
const NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** `{"itemNotFound": {"code": 404, "message": "..."}}`, as Cinder renders every error. */
export function cinderFault(identityUrl: () => string | undefined) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    reply.code(err.status);
    if (err.status === 401) {
      const uri = identityUrl();
      if (uri) reply.header('www-authenticate', `Keystone uri="${uri}"`);
      return { error: { code: 401, title: 'Unauthorized', message: err.message } };
    }
    if (err.status === 413) reply.header('retry-after', '0');
    const name = NAMES[err.status] ?? 'computeFault';
    return { [name]: { code: err.status, message: err.message, ...(err.status === 413 ? { retryAfter: '0' } : {}) } };
  };
}
