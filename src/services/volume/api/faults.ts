import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';
import { challenge, keystoneUnauthorizedBody, wsgiFaultName } from '../../../platform/http/faults.js';

/** `{"itemNotFound": {"code": 404, "message": "..."}}`, as Cinder renders every error. */
export function cinderFault(identityUrl: () => string | undefined) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    reply.code(err.status);
    if (challenge(err, reply, identityUrl())) return keystoneUnauthorizedBody(err);
    if (err.status === 413) reply.header('retry-after', '0');
    const name = wsgiFaultName(err.status);
    return { [name]: { code: err.status, message: err.message, ...(err.status === 413 ? { retryAfter: '0' } : {}) } };
  };
}
