import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AuthContext, TokenValidator } from '../auth.js';
import { allowedByAccessRules } from './access-rules.js';
import { ApiError, isApiError, unauthorized } from '../errors.js';
import { uuid } from '../ids.js';
import type { Logger } from '../logging.js';
import type { Metrics } from '../metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on every authenticated route. */
    auth: AuthContext;
  }
  interface FastifyContextConfig {
    /** Route needs no token (version discovery, token issue, S3's own auth). */
    public?: boolean;
  }
}

/** How one API renders a domain error: its fault format lives here and nowhere else. */
export type FaultRenderer = (err: ApiError, req: FastifyRequest, reply: FastifyReply) => unknown;

export interface ServiceAppOptions {
  service: string;
  log: Logger;
  metrics: Metrics;
  renderFault: FaultRenderer;
  /** Header carrying the request id on every response. */
  requestIdHeader?: string;
  newRequestId?: () => string;
  /** Validates `X-Auth-Token` for routes not marked `config.public`; omit for APIs with their own auth. */
  tokens?: TokenValidator;
  /**
   * Catalog type of this API (`compute`, `identity`, ...), matched against the access rules of
   * application-credential tokens. An app without it refuses tokens that carry access rules.
   */
  serviceType?: string;
  bodyLimit?: number;
  /** Rewrites a request URL before routing (e.g. Neutron's optional `.json` suffix). */
  rewriteUrl?: (url: string) => string;
}

/** Maps Fastify's own errors (bad JSON, body too large, schema validation) to domain errors. */
function toApiError(err: FastifyError): ApiError {
  if (isApiError(err)) return err;
  if (err.validation) return new ApiError('badRequest', `Invalid input for field ${err.message}`);
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payloadTooLarge', 'Request is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupportedMediaType', err.message);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('badRequest', 'The request body is not valid JSON.');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode === 404 ? 'notFound' : 'badRequest', err.message, { status: err.statusCode });
  }
  return new ApiError('internal', 'An unexpected error prevented the server from fulfilling your request.');
}

/** A JSON body parser (as Fastify's `parseAs: 'string'`); services may register it for more types. */
export function jsonBody(_req: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const text = body.toString();
  if (text.trim() === '') return done(null, undefined);
  try {
    done(null, JSON.parse(text));
  } catch {
    done(new ApiError('badRequest', 'The request body is not valid JSON.'), undefined);
  }
}

/**
 * The Fastify app every service listener starts from: request ids, JSON bodies, token
 * authentication, metrics, and the one place where errors become the service's faults.
 */
export function createServiceApp(opts: ServiceAppOptions): FastifyInstance {
  const header = opts.requestIdHeader ?? 'x-openstack-request-id';
  const rewrite = opts.rewriteUrl;
  const app = Fastify({
    loggerInstance: opts.log.child({ service: opts.service }) as unknown as FastifyBaseLogger,
    // One log line per request is written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: opts.newRequestId ?? (() => `req-${uuid()}`),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1024 },
    trustProxy: false,
    ...(rewrite ? { rewriteUrl: (req: { url?: string }) => rewrite(req.url ?? '/') } : {}),
  });

  // JSON bodies: an empty body is "no body" (clients send Content-Type on bodiless requests).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBody);

  app.decorateRequest('auth', null as unknown as AuthContext);

  app.addHook('onRequest', async (req, reply) => {
    reply.header(header, req.id);
    if (!opts.tokens || req.routeOptions.config?.public) return;
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || token === '') throw unauthorized();
    req.auth = await opts.tokens.validate(token);
    const rules = req.auth.appCredential?.accessRules;
    if (rules?.length && !(opts.serviceType && allowedByAccessRules(rules, opts.serviceType, req.method, req.url.split('?')[0]))) {
      throw unauthorized('The request is not allowed by the access rules of the application credential.');
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    opts.metrics.httpDuration
      .labels(opts.service, req.method, req.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
    req.log.info(
      { reqId: req.id, method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  app.setNotFoundHandler(async (req, reply) =>
    opts.renderFault(new ApiError('notFound', 'The resource could not be found.'), req, reply),
  );

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const apiErr = toApiError(err);
    if (apiErr.status >= 500) req.log.error({ err, reqId: req.id }, 'request failed');
    return opts.renderFault(apiErr, req, reply);
  });

  return app;
}

/** Adds `GET /metrics` (Prometheus text format) to an app. */
export function exposeMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', { config: { public: true } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
