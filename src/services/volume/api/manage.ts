import type { FastifyInstance } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isObj, optBool, optString, reqString, wrapped } from '../../../platform/http/validate.js';
import { authorize, body, metadataOf, q, v3Route, type ApiDeps } from './common.js';
import { snapshotView, volumeView } from './render.js';
import { atLeast } from './versions.js';

const refOf = (v: Record<string, unknown>) => {
  if (!isObj(v.ref)) throw badRequest("Invalid input for field/attribute ref. 'ref' is a required property and a dict.");
  return v.ref;
};

/**
 * Cinder's manage of existing blocks: `POST /os-volume-manage` and `/os-snapshot-manage`, also as
 * `/manageable_volumes` and `/manageable_snapshots` since 3.8 (admin). Unmanage is an action of
 * the volume or snapshot (`os-unmanage`, in actions.ts and snapshots.ts). The lists of blocks take
 * `host` and no paging parameters.
 */
export function registerManageRoutes(app: FastifyInstance, d: ApiDeps): void {
  // The lists (3.8): summary entries, or with `/detail` the reasons and Cinder ids too.
  for (const kind of ['volume', 'snapshot'] as const) {
    for (const detail of [false, true]) {
      v3Route(app, 'GET', `/manageable_${kind}s${detail ? '/detail' : ''}`, async (req) => {
        if (!atLeast(req, 8)) throw notFound('The resource could not be found.');
        authorize(req, kind === 'volume' ? 'volume_extension:list_manageable' : 'snapshot_extension:list_manageable');
        const host = optString(q(req), 'host');
        if (!host) throw badRequest('Invalid input received: host must be specified.');
        const all = await d.manage.manageable(kind, host);
        const entries = detail ? all : all.map((m) => ({ reference: m.reference, size: m.size, safe_to_manage: m.safe_to_manage, ...(kind === 'snapshot' ? { source_reference: m.source_reference } : {}) }));
        return { [`manageable-${kind}s`]: entries };
      });
    }
  }

  for (const path of ['/os-volume-manage', '/manageable_volumes']) {
    v3Route(app, 'POST', path, async (req, reply) => {
      if (path === '/manageable_volumes' && !atLeast(req, 8)) throw notFound('The resource could not be found.');
      const auth = authorize(req, 'volume_extension:volume_manage');
      const v = wrapped(body(req), 'volume');
      const row = await d.manage.manageVolume(auth, {
        host: reqString(v, 'host'),
        ref: refOf(v),
        name: optString(v, 'name', { max: 255, nullable: true }),
        description: optString(v, 'description', { max: 255, nullable: true }),
        volume_type: optString(v, 'volume_type', { nullable: true }) ?? undefined,
        availability_zone: optString(v, 'availability_zone', { nullable: true }) ?? undefined,
        bootable: optBool(v, 'bootable'),
        metadata: v.metadata === undefined || v.metadata === null ? undefined : metadataOf(v.metadata),
      });
      const typeName = (await d.types.names()).get(row.volume_type_id) ?? row.volume_type_id;
      reply.code(202);
      return { volume: volumeView(req, d.baseUrl(), row, typeName, []) };
    });
  }
  for (const path of ['/os-snapshot-manage', '/manageable_snapshots']) {
    v3Route(app, 'POST', path, async (req, reply) => {
      if (path === '/manageable_snapshots' && !atLeast(req, 8)) throw notFound('The resource could not be found.');
      const auth = authorize(req, 'snapshot_extension:snapshot_manage');
      const s = wrapped(body(req), 'snapshot');
      const row = await d.manage.manageSnapshot(auth, {
        volumeId: reqString(s, 'volume_id'),
        ref: refOf(s),
        name: optString(s, 'name', { max: 255, nullable: true }),
        description: optString(s, 'description', { max: 255, nullable: true }),
        metadata: s.metadata === undefined || s.metadata === null ? undefined : metadataOf(s.metadata),
      });
      reply.code(202);
      // As Cinder's manage answer: without the extended attributes of show and detail.
      return { snapshot: snapshotView(req, row, false) };
    });
  }
}
