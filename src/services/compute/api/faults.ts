import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';
import { challenge, keystoneUnauthorizedBody, wsgiFaultName } from '../../../platform/http/faults.js';

/** `{"itemNotFound": {"code": 404, "message": "..."}}`; 401s come from keystonemiddleware in Keystone's format. */
export function novaFault(identityUrl: () => string | undefined) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    reply.code(err.status).type('application/json');
    if (challenge(err, reply, identityUrl())) return keystoneUnauthorizedBody(err);
    return { [wsgiFaultName(err.status)]: { code: err.status, message: err.message, ...(err.extra ?? {}) } };
  };
}
