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
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

/** Placement's fault format: `{"errors": [{"status", "title", "detail", "code", "request_id"}]}`. */
export function placementFault(err: ApiError, req: FastifyRequest, reply: FastifyReply) {
  reply.code(err.status).type('application/json');
  return {
    errors: [
      {
        status: err.status,
        title: TITLES[err.status] ?? 'Error',
        detail: err.message,
        code: err.code?.startsWith('placement.') ? err.code : 'placement.undefined_code',
        request_id: req.id,
      },
    ],
  };
}
