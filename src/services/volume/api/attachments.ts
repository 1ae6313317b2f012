import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isObj, optString, reqString, wrapped } from '../../../platform/http/validate.js';
import type { AttachmentRow } from '../store/tables.js';
import { authorize, listScope, body, params, q, v3Route, type ApiDeps } from './common.js';
import { attachmentView } from './render.js';
import { atLeast } from './versions.js';

/** The attachments API (3.27+): reserve, update with a connector, complete (3.44), delete. */
export function registerAttachmentRoutes(app: FastifyInstance, d: ApiDeps): void {
  const needs = (req: FastifyRequest, minor: number) => {
    if (!atLeast(req, minor)) throw notFound(`The resource could not be found (the attachments API needs microversion 3.${minor}).`);
  };
  const view = async (req: FastifyRequest, a: AttachmentRow) => {
    const vol = await d.volumes.find(req.auth, a.volume_id);
    return attachmentView(a, await d.attachments.connectionInfo(vol));
  };
  const find = async (req: FastifyRequest, action: string) => {
    needs(req, 27);
    const auth = authorize(req, 'volume:attachment_get');
    const a = await d.attachments.find(auth, params(req).id);
    authorize(req, action, a);
    return { auth, a };
  };

  const list = (detail: boolean) => async (req: FastifyRequest) => {
    needs(req, 27);
    const query = q(req);
    const { auth, all } = listScope(req, 'volume:attachment_get');
    let rows = await d.attachments.list(auth, all);
    if (query.volume_id) rows = rows.filter((r) => r.volume_id === query.volume_id);
    if (query.instance_id) rows = rows.filter((r) => r.instance_uuid === query.instance_id);
    if (query.status) rows = rows.filter((r) => r.attach_status === query.status);
    return { attachments: detail ? await Promise.all(rows.map((a) => view(req, a))) : rows.map((a) => ({ id: a.id, status: a.attach_status, instance: a.instance_uuid, volume_id: a.volume_id })) };
  };
  v3Route(app, 'GET', '/attachments', list(false));
  v3Route(app, 'GET', '/attachments/detail', list(true));
  v3Route(app, 'GET', '/attachments/:id', async (req) => ({ attachment: await view(req, (await find(req, 'volume:attachment_get')).a) }));

  v3Route(app, 'POST', '/attachments', async (req) => {
    needs(req, 27);
    const auth = authorize(req, 'volume:attachment_create');
    const a = wrapped(body(req), 'attachment');
    const connector = a.connector === undefined || a.connector === null ? undefined : a.connector;
    if (connector !== undefined && !isObj(connector)) throw badRequest(`Invalid input for field/attribute connector. It is not a dict.`);
    const mode = optString(a, 'mode') ?? 'rw';
    if (!['rw', 'ro'].includes(mode)) throw badRequest(`Invalid input for field/attribute mode. Value: ${mode}.`);
    const row = await d.attachments.create(auth, { volumeId: reqString(a, 'volume_uuid'), instanceId: optString(a, 'instance_uuid', { nullable: true }) ?? undefined, connector, mode: atLeast(req, 54) ? mode : 'rw' });
    return { attachment: await view(req, row) };
  });
  v3Route(app, 'PUT', '/attachments/:id', async (req) => {
    const { auth, a } = await find(req, 'volume:attachment_update');
    const f = wrapped(body(req), 'attachment');
    if (!isObj(f.connector)) throw badRequest(`Invalid input for field/attribute connector. It is not a dict.`);
    return { attachment: await view(req, await d.attachments.update(auth, a.id, f.connector)) };
  });
  v3Route(app, 'POST', '/attachments/:id/action', async (req, reply) => {
    const b = body(req);
    if (Object.keys(b).length !== 1 || !('os-complete' in b)) throw badRequest(`There is no such action: ${Object.keys(b)[0] ?? ''}`);
    needs(req, 44);
    const { auth, a } = await find(req, 'volume:attachment_complete');
    await d.attachments.complete(auth, a.id);
    reply.code(204);
    return '';
  });
  v3Route(app, 'DELETE', '/attachments/:id', async (req) => {
    const { auth, a } = await find(req, 'volume:attachment_delete');
    await d.attachments.remove(auth, a.id);
    // Cinder answers with the attachments the volume still has.
    const left = await d.attachments.of(a.volume_id);
    return { attachments: left.map((l) => ({ id: l.id, status: l.attach_status, instance: l.instance_uuid, volume_id: l.volume_id })) };
  });
}
