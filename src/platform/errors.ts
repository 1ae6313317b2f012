/**
 * Domain errors. Models and stores throw these; each API maps them to its own fault format in
 * one place (its `api/faults.ts`), so no handler repeats try/catch.
 */
export type ErrorKind =
  | 'badRequest'
  | 'unauthorized'
  | 'forbidden'
  | 'notFound'
  | 'methodNotAllowed'
  | 'notAcceptable'
  | 'conflict'
  | 'gone'
  | 'preconditionFailed'
  | 'payloadTooLarge'
  | 'unsupportedMediaType'
  | 'rangeNotSatisfiable'
  | 'overQuota'
  | 'notImplemented'
  | 'unavailable'
  | 'internal';

const STATUS: Record<ErrorKind, number> = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  methodNotAllowed: 405,
  notAcceptable: 406,
  conflict: 409,
  gone: 410,
  preconditionFailed: 412,
  payloadTooLarge: 413,
  unsupportedMediaType: 415,
  rangeNotSatisfiable: 416,
  overQuota: 403,
  notImplemented: 501,
  unavailable: 503,
  internal: 500,
};

export class ApiError extends Error {
  readonly status: number;
  /** A service-specific error code (e.g. S3's `NoSuchBucket`, Neutron's `NetworkNotFound`). */
  readonly code?: string;
  /** Extra fields some fault formats carry (S3's `Resource`, Nova's `details`). */
  readonly extra?: Record<string, unknown>;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    opts: { code?: string; status?: number; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.status = opts.status ?? STATUS[kind];
    this.code = opts.code;
    this.extra = opts.extra;
  }
}

export const badRequest = (msg: string, code?: string) => new ApiError('badRequest', msg, { code });
export const unauthorized = (msg = 'The request you have made requires authentication.', code?: string) =>
  new ApiError('unauthorized', msg, { code });
export const forbidden = (msg = 'You are not authorized to perform the requested action.', code?: string) =>
  new ApiError('forbidden', msg, { code });
export const notFound = (msg: string, code?: string) => new ApiError('notFound', msg, { code });
export const conflict = (msg: string, code?: string) => new ApiError('conflict', msg, { code });

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
