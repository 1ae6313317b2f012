import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';
import { xml } from './xml.js';

/** S3 codes for errors raised without one (platform errors, unmatched routes). */
const DEFAULT_CODES: Record<number, string> = {
  400: 'InvalidRequest',
  401: 'AccessDenied',
  403: 'AccessDenied',
  404: 'NoSuchKey',
  405: 'MethodNotAllowed',
  411: 'MissingContentLength',
  412: 'PreconditionFailed',
  413: 'EntityTooLarge',
  415: 'InvalidRequest',
  416: 'InvalidRange',
  501: 'NotImplemented',
  503: 'ServiceUnavailable',
};

/** S3's fault format: `<Error><Code/><Message/><Resource/><RequestId/></Error>`. */
export function s3Fault(err: ApiError, req: FastifyRequest, reply: FastifyReply) {
  const code = err.code ?? DEFAULT_CODES[err.status] ?? 'InternalError';
  const message = err.status >= 500 && !err.code ? 'We encountered an internal error. Please try again.' : err.message;
  const headers = (err.extra?.headers ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  reply.code(err.status === 401 ? 403 : err.status).type('application/xml');
  const path = (req.raw.url ?? '/').split('?')[0];
  return xml('Error', { Code: code, Message: message, Resource: path, RequestId: req.id }, false);
}
