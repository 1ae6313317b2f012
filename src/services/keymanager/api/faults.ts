import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';

/** HTTP reason phrases Barbican (webob) puts into `title`. */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** `{"code": 404, "title": "Not Found", "description": "Secret not found."}`, as Barbican renders every error. */
export function barbicanFault(identityUrl: () => string | undefined) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    reply.code(err.status);
    if (err.status === 401) {
      const uri = identityUrl();
      if (uri) reply.header('www-authenticate', `Keystone uri="${uri}"`);
    }
    reply.type('application/json');
    return { code: err.status, title: TITLES[err.status] ?? 'Error', description: err.message };
  };
}
