import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';
import { challenge, statusTitle } from '../../../platform/http/faults.js';

/** `{"code": 404, "title": "Not Found", "description": "Secret not found."}`, as Barbican renders every error. */
export function barbicanFault(identityUrl: () => string | undefined) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    reply.code(err.status);
    challenge(err, reply, identityUrl());
    reply.type('application/json');
    return { code: err.status, title: statusTitle(err.status), description: err.message };
  };
}
