import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';
import { statusTitle } from '../../../platform/http/faults.js';

/** Placement's fault format: `{"errors": [{"status", "title", "detail", "code", "request_id"}]}`. */
export function placementFault(err: ApiError, req: FastifyRequest, reply: FastifyReply) {
  reply.code(err.status).type('application/json');
  return {
    errors: [
      {
        status: err.status,
        title: statusTitle(err.status),
        detail: err.message,
        code: err.code?.startsWith('placement.') ? err.code : 'placement.undefined_code',
        request_id: req.id,
      },
    ],
  };
}
