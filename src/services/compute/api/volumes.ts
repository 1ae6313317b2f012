import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { optString, wrapped } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { VolumeAttachmentRow } from '../store/tables.js';
import { computePolicy } from '../policy.js';
import { isUuid, novaBool, type ComputeApi } from './common.js';

/** An attachment as show and list render it; `created` is the answer of an attach, which Nova never moved to 2.89's shape. */
function render(a: VolumeAttachmentRow, mv: number, created = false) {
  const since89 = mv >= 89 && !created;
  return {
    ...(since89 ? {} : { id: a.volume_id }),
    serverId: a.server_id,
    volumeId: a.volume_id,
    device: a.device,
    ...(mv >= 70 ? { tag: a.tag } : {}),
    ...(mv >= 79 ? { delete_on_termination: a.delete_on_termination === 1 } : {}),
    ...(since89 ? { attachment_id: a.attachment_id, bdm_uuid: a.attachment_id } : {}),
  };
}

/** `os-volume_attachments`: volumes of a server through the block storage service. */
export function registerVolumeRoutes(app: FastifyInstance, api: ComputeApi): void {
  const volumes = api.model.volumes;
  const server = async (req: FastifyRequest, id: string) => {
    const row = await api.servers.find(req.auth, id);
    enforce(computePolicy, 'server:action', req.auth, { project_id: row.project_id });
    return row;
  };
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/os-volume_attachments', async (req) => {
    const row = await server(req, req.params.id);
    return { volumeAttachments: ((await volumes.attachments([row.id])).get(row.id) ?? []).map((a) => render(a, req.mv)) };
  });
  app.get<{ Params: { id: string; volume: string } }>('/v2.1/servers/:id/os-volume_attachments/:volume', async (req) => {
    const row = await server(req, req.params.id);
    const a = ((await volumes.attachments([row.id])).get(row.id) ?? []).find((x) => x.volume_id === req.params.volume);
    if (!a) throw notFound(`Volume ${req.params.volume} is not attached to the server.`);
    return { volumeAttachment: render(a, req.mv) };
  });
  app.post<{ Params: { id: string } }>('/v2.1/servers/:id/os-volume_attachments', async (req) => {
    const body = wrapped(req.body, 'volumeAttachment');
    const volumeId = optString(body, 'volumeId');
    if (!volumeId || !isUuid(volumeId)) throw badRequest("Invalid input for field/attribute volumeAttachment. 'volumeId' is a required property and must be a uuid");
    const device = optString(body, 'device', { nullable: true }) ?? undefined;
    if (device && !/^\/dev\/[a-z]+$/.test(device)) throw badRequest(`The supplied device path (${device}) is invalid.`);
    const row = await server(req, req.params.id);
    api.servers.checkLock(req.auth, row);
    const a = await volumes.attach(req.auth, row, volumeId, {
      device,
      tag: req.mv >= 49 ? (optString(body, 'tag', { max: 60 }) ?? undefined) : undefined,
      deleteOnTermination: req.mv >= 79 ? (novaBool(body, 'delete_on_termination') ?? false) : false,
      multiattachAllowed: req.mv >= 60,
    });
    await api.servers.recordAction(req.auth, row, 'attach_volume', req.id);
    return { volumeAttachment: render(a, req.mv, true) };
  });
  app.put<{ Params: { id: string; volume: string } }>('/v2.1/servers/:id/os-volume_attachments/:volume', async (req, reply) => {
    const body = wrapped(req.body, 'volumeAttachment');
    const allowed = req.mv >= 85 ? ['volumeId', 'device', 'tag', 'delete_on_termination', 'serverId', 'id'] : ['volumeId'];
    const extra = Object.keys(body).find((k) => !allowed.includes(k));
    if (extra) throw badRequest(`Invalid input for field/attribute volumeAttachment. Additional properties are not allowed ('${extra}' was unexpected)`);
    const newVolumeId = optString(body, 'volumeId');
    if (!newVolumeId || !isUuid(newVolumeId)) throw badRequest("Invalid input for field/attribute volumeAttachment. 'volumeId' is a required property and must be a uuid");
    const row = await api.servers.find(req.auth, req.params.id);
    const swapOnly = req.mv < 85;
    enforce(computePolicy, swapOnly || newVolumeId !== req.params.volume ? 'server:volume:swap' : 'server:action', req.auth, { project_id: row.project_id });
    await volumes.update(req.auth, row, req.params.volume, {
      newVolumeId,
      swapOnly,
      fields: {
        device: optString(body, 'device', { nullable: true }),
        tag: optString(body, 'tag', { nullable: true, max: 60 }),
        serverId: optString(body, 'serverId') ?? undefined,
        id: optString(body, 'id') ?? undefined,
        deleteOnTermination: novaBool(body, 'delete_on_termination'),
      },
    });
    reply.code(202);
  });
  app.delete<{ Params: { id: string; volume: string } }>('/v2.1/servers/:id/os-volume_attachments/:volume', async (req, reply) => {
    const row = await server(req, req.params.id);
    api.servers.checkLock(req.auth, row);
    await volumes.detach(req.auth, row, req.params.volume);
    await api.servers.recordAction(req.auth, row, 'detach_volume', req.id);
    reply.code(202);
  });
}
