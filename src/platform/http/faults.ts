import type { FastifyReply } from 'fastify';
import type { ApiError } from '../errors.js';

/** HTTP reason phrases as webob prints them, and so every OpenStack API in its fault titles. */
const WEBOB_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export const statusTitle = (status: number): string => WEBOB_TITLES[status] ?? 'Error';

/**
 * Fault names of the Nova family of WSGI APIs (Nova, Cinder): `{"itemNotFound": {...}}`.
 * Unlisted statuses fall back to the caller's generic name (`computeFault`).
 */
const WSGI_FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export const wsgiFaultName = (status: number, fallback = 'computeFault'): string => WSGI_FAULT_NAMES[status] ?? fallback;

/**
 * Sets Keystone's `WWW-Authenticate` challenge on a 401, as keystonemiddleware does in front of
 * every OpenStack API. Returns true when the error is a 401.
 */
export function challenge(err: ApiError, reply: FastifyReply, identityUrl: string | undefined): boolean {
  if (err.status !== 401) return false;
  if (identityUrl) reply.header('www-authenticate', `Keystone uri="${identityUrl}"`);
  return true;
}

/** keystonemiddleware's 401 body, in Keystone's format, for the APIs it guards. */
export const keystoneUnauthorizedBody = (err: ApiError) => ({ error: { code: 401, title: 'Unauthorized', message: err.message } });
