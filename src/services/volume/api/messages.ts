import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../../../platform/errors.js';
import { isoNaive } from '../../../platform/ids.js';
import type { MessageRow } from '../store/tables.js';
import { authorize, listScope, params, v3Route, type ApiDeps } from './common.js';
import { atLeast } from './versions.js';

/** User messages (`/messages`, 3.3+): list, show, delete. */
export function registerMessageRoutes(app: FastifyInstance, d: ApiDeps): void {
  const gate = (req: FastifyRequest) => {
    if (!atLeast(req, 3)) throw notFound('The resource could not be found.');
  };
  const view = (m: MessageRow) => ({
    id: m.id,
    event_id: m.event_id,
    message_level: m.message_level,
    user_message: m.user_message,
    resource_type: m.resource_type,
    resource_uuid: m.resource_uuid,
    request_id: m.request_id,
    created_at: isoNaive(m.created_at),
    guaranteed_until: isoNaive(m.expires_at),
    links: [
      { rel: 'self', href: `${d.baseUrl()}/v3/${m.project_id}/messages/${m.id}` },
      { rel: 'bookmark', href: `${d.baseUrl()}/${m.project_id}/messages/${m.id}` },
    ],
  });
  v3Route(app, 'GET', '/messages', async (req) => {
    gate(req);
    const { auth, all } = listScope(req, 'message:get_all');
    return { messages: (await d.messages.list(auth, all)).map(view) };
  });
  v3Route(app, 'GET', '/messages/:id', async (req) => {
    gate(req);
    const auth = authorize(req, 'message:get_all');
    const m = await d.messages.find(auth, params(req).id);
    authorize(req, 'message:get', m);
    return { message: view(m) };
  });
  v3Route(app, 'DELETE', '/messages/:id', async (req, reply) => {
    gate(req);
    const auth = authorize(req, 'message:get_all');
    const m = await d.messages.find(auth, params(req).id);
    authorize(req, 'message:delete', m);
    await d.messages.remove(auth, m.id);
    reply.code(204);
    return '';
  });
}
