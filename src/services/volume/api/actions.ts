import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isoNaive } from '../../../platform/ids.js';
import { isObj, optBool, optString, reqString, type Obj } from '../../../platform/http/validate.js';
import { authorize, body, metadataOf, params, v3Route, type ApiDeps } from './common.js';
import { atLeast } from './versions.js';

/** `os-set_bootable` accepts booleans and their string forms, as Cinder's strutils does. */
function boolish(v: unknown, field: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v.toLowerCase())) return ['true', '1', 'yes', 'on'].includes(v.toLowerCase());
  throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. It is not a boolean.`);
}

const inner = (v: unknown, action: string): Obj => {
  if (v === null || v === undefined) return {};
  if (!isObj(v)) throw badRequest(`Invalid input for field/attribute ${action}. Value: ${JSON.stringify(v)}. It is not a dict.`);
  return v;
};

/** `POST /volumes/{id}/action`: one action per request, named by the body's only key. */
export function registerActionRoutes(app: FastifyInstance, d: ApiDeps): void {
  v3Route(app, 'POST', '/volumes/:id/action', async (req, reply) => {
    const b = body(req);
    const keys = Object.keys(b);
    if (keys.length !== 1) throw badRequest('Malformed request body: exactly one action is expected.');
    const action = keys[0];
    const args = inner(b[action], action);
    const auth0 = authorize(req, 'volume:get_all');
    const vol = await d.volumes.find(auth0, params(req).id);
    const may = (rule: string) => authorize(req, rule, vol);
    reply.code(202);
    switch (action) {
      case 'revert':
        if (!atLeast(req, 40)) throw badRequest('There is no such action: revert');
        await d.snapshots.revertVolume(may('volume:revert_to_snapshot'), vol.id, args.snapshot_id);
        return '';
      case 'os-extend': {
        const auth = may(vol.status === 'in-use' ? 'volume:extend_attached_volume' : 'volume:extend');
        const size = args.new_size;
        const n = typeof size === 'string' && /^\d+$/.test(size) ? Number(size) : size;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw badRequest(`Invalid input for field/attribute new_size. Value: ${JSON.stringify(size)}.`);
        await d.volumes.extend(auth, vol.id, n, atLeast(req, 42));
        return '';
      }
      case 'os-set_bootable':
        await d.volumes.setBootable(may('volume_extension:volume_actions:set_bootable'), vol.id, boolish(args.bootable, 'bootable'));
        reply.code(200);
        return '';
      case 'os-set_image_metadata': {
        const meta = metadataOf(args.metadata);
        reply.code(200);
        return { metadata: await d.volumes.setImageMetadata(may('volume_extension:volume_image_metadata:set'), vol.id, meta) };
      }
      case 'os-unset_image_metadata':
        await d.volumes.unsetImageMetadata(may('volume_extension:volume_image_metadata:remove'), vol.id, reqString(args, 'key'));
        reply.code(200);
        return '';
      case 'os-show_image_metadata':
        reply.code(200);
        return { metadata: JSON.parse(vol.image_metadata) };
      case 'os-volume_upload_image': {
        const auth = may('volume_extension:volume_actions:upload_image');
        const visibility = optString(args, 'visibility') ?? undefined;
        if (visibility === 'public') may('volume_extension:volume_actions:upload_public');
        const force = args.force === undefined ? false : boolish(args.force, 'force');
        const f = {
          image_name: reqString(args, 'image_name', { max: 255 }),
          force,
          disk_format: optString(args, 'disk_format') ?? 'raw',
          container_format: optString(args, 'container_format') ?? 'bare',
          visibility,
          protected: optBool(args, 'protected'),
        };
        const { row, image } = await d.volumes.uploadToImage(auth, vol.id, f);
        const type = (await d.types.names()).get(row.volume_type_id);
        return {
          'os-volume_upload_image': {
            id: row.id,
            updated_at: isoNaive(row.updated_at),
            status: 'uploading',
            display_description: row.description,
            size: row.size,
            volume_type: type ? { name: type, id: row.volume_type_id } : null,
            image_id: image.id,
            container_format: f.container_format,
            disk_format: f.disk_format,
            image_name: f.image_name,
            protected: f.protected ?? false,
            visibility: image.visibility,
          },
        };
      }
      case 'os-reset_status':
        await d.volumes.resetStatus(may('volume_extension:volume_admin_actions:reset_status'), vol.id, { status: optString(args, 'status') ?? undefined, attach_status: optString(args, 'attach_status') ?? undefined });
        return '';
      case 'os-unmanage':
        await d.manage.unmanageVolume(may('volume_extension:volume_unmanage'), vol.id);
        return '';
      case 'os-force_delete':
        await d.volumes.forceDelete(may('volume_extension:volume_admin_actions:force_delete'), vol.id);
        return '';
      case 'os-reserve':
        await d.attachments.reserve(may('volume_extension:volume_actions:reserve'), vol);
        return '';
      case 'os-unreserve':
        await d.attachments.unreserve(may('volume_extension:volume_actions:unreserve'), vol);
        return '';
      case 'os-attach': {
        const auth = may('volume_extension:volume_actions:attach');
        const instanceId = optString(args, 'instance_uuid') ?? undefined;
        const hostName = optString(args, 'host_name') ?? undefined;
        if (!instanceId && !hostName) throw badRequest('Invalid request to attach volume to an invalid target');
        const mode = optString(args, 'mode') ?? 'rw';
        if (!['rw', 'ro'].includes(mode)) throw badRequest('Invalid request to attach volume with an invalid mode. Attaching mode should be \'rw\' or \'ro\'');
        await d.attachments.legacyAttach(auth, vol, { instanceId, hostName, mountpoint: reqString(args, 'mountpoint'), mode });
        return '';
      }
      case 'os-begin_detaching':
        await d.attachments.beginDetaching(may('volume_extension:volume_actions:begin_detaching'), vol);
        return '';
      case 'os-roll_detaching':
        await d.attachments.rollDetaching(may('volume_extension:volume_actions:roll_detaching'), vol);
        return '';
      case 'os-detach':
        await d.attachments.legacyDetach(may('volume_extension:volume_actions:detach'), vol, optString(args, 'attachment_id') ?? undefined);
        return '';
      case 'os-force_detach':
        await d.attachments.forceDetach(may('volume_extension:volume_admin_actions:force_detach'), vol, optString(args, 'attachment_id', { nullable: true }) ?? undefined);
        return '';
      case 'os-update_readonly_flag':
        if (args.readonly === undefined) throw badRequest('Must specify readonly in request.');
        await d.volumes.setReadonly(may('volume_extension:volume_actions:update_readonly_flag'), vol.id, boolish(args.readonly, 'readonly'));
        return '';
      case 'os-retype':
        await d.volumes.retype(may('volume:retype'), vol.id, reqString(args, 'new_type'));
        return '';
      case 'os-initialize_connection':
        may('volume_extension:volume_actions:initialize_connection');
        if (!isObj(args.connector)) throw badRequest('Must specify \'connector\'');
        reply.code(200);
        return { connection_info: await d.attachments.connectionInfo(vol) };
      case 'os-terminate_connection':
        may('volume_extension:volume_actions:terminate_connection');
        return '';
      default:
        throw badRequest(`There is no such action: ${action}`);
    }
  });
}
