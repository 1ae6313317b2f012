import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';

/** Nova's fault names by status (nova/api/openstack/wsgi.py); anything else is a computeFault. */
const NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** `{"itemNotFound": {"code": 404, "message": "..."}}`; 401s come from keystonemiddleware in Keystone's format. */
export function novaFault(identityUrl: () => string | undefined) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    reply.code(err.status).type('application/json');
    if (err.status === 401) {
      const uri = identityUrl();
      if (uri) reply.header('www-authenticate', `Keystone uri="${uri}"`);
      return { error: { code: 401, title: 'Unauthorized', message: err.message } };
    }
    return { [NAMES[err.status] ?? 'computeFault']: { code: err.status, message: err.message, ...(err.extra ?? {}) } };
  };
}
