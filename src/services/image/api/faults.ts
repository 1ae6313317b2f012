import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../../platform/errors.js';
import { challenge, keystoneUnauthorizedBody, statusTitle } from '../../../platform/http/faults.js';

/** webob picks the body format from Accept among text/html and application/json (html wins ties), else text/plain. */
function negotiate(accept: string | undefined): 'html' | 'json' | 'plain' {
  if (!accept) return 'plain';
  let best: { kind: 'html' | 'json'; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!(q > 0)) continue;
    for (const kind of ['html', 'json'] as const) {
      const full = kind === 'html' ? 'text/html' : 'application/json';
      const matches = type === full || type === '*/*' || type === `${full.split('/')[0]}/*`;
      if (matches && (!best || q > best.q)) best = { kind, q };
    }
  }
  return best?.kind ?? 'plain';
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Glance's faults are webob exceptions: `{"message", "code": "404 Not Found", "title"}` for JSON
 * clients, an HTML page or plain text otherwise. 401s come from keystonemiddleware in Keystone's
 * JSON format with WWW-Authenticate.
 */
export function glanceFault(identityUrl: () => string | undefined) {
  return (err: ApiError, req: FastifyRequest, reply: FastifyReply) => {
    const title = statusTitle(err.status);
    reply.code(err.status);
    if (challenge(err, reply, identityUrl())) {
      reply.type('application/json');
      return keystoneUnauthorizedBody(err);
    }
    if (err.status === 415 && req.method === 'PATCH') {
      reply.header('accept-patch', 'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch');
    }
    const status = `${err.status} ${title}`;
    const kind = negotiate(req.headers.accept);
    if (kind === 'json') {
      reply.type('application/json');
      return { message: `${err.message}<br /><br />\n\n\n`, code: status, title };
    }
    if (kind === 'html') {
      reply.type('text/html; charset=UTF-8');
      return `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${escapeHtml(err.message)}<br /><br />\n\n\n\n </body>\n</html>`;
    }
    reply.type('text/plain; charset=UTF-8');
    return `${status}\n\n${err.message}\n\n   `;
  };
}
