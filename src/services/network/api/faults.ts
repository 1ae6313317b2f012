import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';
import { challenge, keystoneUnauthorizedBody } from '../../../platform/http/faults.js';

/** Exception names Neutron uses when a fault carries no more specific type. */
const DEFAULT_TYPES: Record<number, string> = {
  400: 'HTTPBadRequest',
  403: 'PolicyNotAuthorized',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  409: 'Conflict',
  412: 'PreconditionFailed',
  413: 'HTTPRequestEntityTooLarge',
  415: 'HTTPUnsupportedMediaType',
  500: 'HTTPInternalServerError',
  501: 'HTTPNotImplemented',
  503: 'ServiceUnavailable',
};

/**
 * Neutron's fault format `{"NeutronError": {"type", "message", "detail"}}`; 401s come from
 * keystonemiddleware in Keystone's format with WWW-Authenticate.
 */
export function neutronFault(identityUrl: () => string | undefined) {
  return (err: ApiError, _req: FastifyRequest, reply: FastifyReply) => {
    reply.code(err.status).type('application/json');
    if (challenge(err, reply, identityUrl())) return keystoneUnauthorizedBody(err);
    return { NeutronError: { type: err.code ?? DEFAULT_TYPES[err.status] ?? 'NeutronException', message: err.message, detail: '' } };
  };
}
