import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';
import { challenge, statusTitle } from '../../../platform/http/faults.js';

/** Keystone's fault format: `{"error": {"code", "title", "message"}}`, 401s with WWW-Authenticate. */
export function keystoneFault(baseUrl: () => string) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    challenge(err, reply, baseUrl());
    reply.code(err.status).type('application/json');
    return { error: { code: err.status, title: statusTitle(err.status), message: err.message } };
  };
}
