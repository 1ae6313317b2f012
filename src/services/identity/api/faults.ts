import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';

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

/** Keystone's fault format: `{"error": {"code", "title", "message"}}`, 401s with WWW-Authenticate. */
export function keystoneFault(baseUrl: () => string) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    if (err.status === 401) reply.header('www-authenticate', `Keystone uri="${baseUrl()}"`);
    reply.code(err.status).type('application/json');
    return { error: { code: err.status, title: TITLES[err.status] ?? 'Error', message: err.message } };
  };
}
