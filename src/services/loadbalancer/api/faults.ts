import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';
import { challenge, keystoneUnauthorizedBody } from '../../../platform/http/faults.js';

/**
 * Octavia's fault format (WSME's): `{"faultcode": "Client"|"Server", "faultstring", "debuginfo"}`.
 * 401s come from keystonemiddleware in Keystone's format with WWW-Authenticate.
 */
export function octaviaFault(identityUrl: () => string | undefined) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    reply.code(err.status).type('application/json');
    if (challenge(err, reply, identityUrl())) return keystoneUnauthorizedBody(err);
    return { faultcode: err.status >= 500 ? 'Server' : 'Client', faultstring: err.message, debuginfo: null };
  };
}
