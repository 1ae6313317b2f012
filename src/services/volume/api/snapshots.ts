import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { boolParam, isObj, optString, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { authorize, listScope, body, filtersOf, metadataOf, nextLinks, page, params, q, sortOf, v3Route, type ApiDeps } from './common.js';
import { snapshotView } from './render.js';
import { atLeast } from './versions.js';

const missingVolume = (): never => {
  throw notFound('Volume None could not be found.');
};

/** Volume snapshots: create (force for in-use), list, show, update, metadata, delete, reset status. */
export function registerSnapshotRoutes(app: FastifyInstance, d: ApiDeps): void {
  const find = async (req: FastifyRequest, action: string) => {
    const auth = authorize(req, 'volume:get_all_snapshots');
    const s = await d.snapshots.find(auth, params(req).id);
    authorize(req, action, s);
    return { auth, s };
  };
  const list = (detail: boolean) => async (req: FastifyRequest) => {
    const query = q(req);
    const { auth, all } = listScope(req, 'volume:get_all_snapshots');
    const rows = await d.snapshots.list(auth, { allTenants: all, filters: filtersOf(query), sort: sortOf(query) });
    const { items, next } = page(rows, query);
    const snapshots = items.map((s) => snapshotView(req, s, detail));
    const links = nextLinks(req, d.baseUrl(), next);
    const withCount = atLeast(req, 45) && query.with_count !== undefined && boolParam(query.with_count);
    return { snapshots, ...(links ? { snapshots_links: links } : {}), ...(withCount ? { count: rows.length } : {}) };
  };
  v3Route(app, 'GET', '/snapshots', list(false));
  v3Route(app, 'GET', '/snapshots/detail', list(true));

  v3Route(app, 'POST', '/snapshots', async (req, reply) => {
    const auth = authorize(req, 'volume:create_snapshot');
    const s = wrapped(body(req), 'snapshot');
    const force = s.force === undefined ? false : typeof s.force === 'boolean' ? s.force : boolParam(String(s.force));
    const row = await d.snapshots.create(auth, {
      // Cinder requires the key, but looks a null volume id up and does not find it.
      volumeId: s.volume_id === null ? missingVolume() : reqString(s, 'volume_id'),
      name: optString(s, 'name', { max: 255, nullable: true }) ?? optString(s, 'display_name', { max: 255, nullable: true }),
      description: optString(s, 'description', { max: 255, nullable: true }) ?? optString(s, 'display_description', { max: 255, nullable: true }),
      // Since 3.66 a snapshot of an in-use volume needs no force flag.
      force: !!force || atLeast(req, 66),
      metadata: s.metadata === undefined ? undefined : metadataOf(s.metadata),
    });
    reply.code(202);
    return { snapshot: snapshotView(req, row, false) };
  });
  v3Route(app, 'GET', '/snapshots/:id', async (req) => ({ snapshot: snapshotView(req, (await find(req, 'volume:get_snapshot')).s) }));
  v3Route(app, 'PUT', '/snapshots/:id', async (req) => {
    const { auth, s } = await find(req, 'volume:update_snapshot');
    const f = wrapped(body(req), 'snapshot');
    const name = optString(f, 'name', { max: 255, nullable: true }) ?? optString(f, 'display_name', { max: 255, nullable: true });
    const description = optString(f, 'description', { max: 255, nullable: true }) ?? optString(f, 'display_description', { max: 255, nullable: true });
    if (name === undefined && description === undefined) throw badRequest('Malformed request body: snapshot has no name or description to update.');
    return { snapshot: snapshotView(req, await d.snapshots.update(auth, s.id, { name, description }), false) };
  });
  v3Route(app, 'DELETE', '/snapshots/:id', async (req, reply) => {
    const { auth, s } = await find(req, 'volume:delete_snapshot');
    await d.snapshots.remove(auth, s.id);
    reply.code(202);
    return '';
  });
  v3Route(app, 'POST', '/snapshots/:id/action', async (req, reply) => {
    const b = body(req);
    const [action] = Object.keys(b);
    const args = b[action];
    if (Object.keys(b).length !== 1 || !(isObj(args) || (action === 'os-force_delete' && args === null))) throw badRequest(`There is no such action: ${action ?? ''}`);
    reply.code(202);
    switch (action) {
      case 'os-reset_status': {
        const { auth, s } = await find(req, 'volume_extension:snapshot_admin_actions:reset_status');
        const status = reqString(args as Obj, 'status');
        if (!['available', 'error', 'creating', 'deleting', 'error_deleting'].includes(status)) throw badRequest('Invalid input received: Must specify a valid status.');
        await d.snapshots.resetStatus(auth, s.id, status);
        return '';
      }
      case 'os-force_delete': {
        const { auth, s } = await find(req, 'volume_extension:snapshot_admin_actions:force_delete');
        await d.snapshots.forceDelete(auth, s.id);
        return '';
      }
      case 'os-unmanage': {
        const { auth, s } = await find(req, 'snapshot_extension:snapshot_unmanage');
        await d.manage.unmanageSnapshot(auth, s.id);
        return '';
      }
      case 'os-update_snapshot_status': {
        const { auth, s } = await find(req, 'snapshot_extension:snapshot_actions:update_snapshot_status');
        const a = args as Obj;
        await d.snapshots.updateStatus(auth, s.id, reqString(a, 'status'), optString(a, 'progress') ?? undefined);
        return '';
      }
      default:
        throw badRequest(`There is no such action: ${action}`);
    }
  });

  v3Route(app, 'GET', '/snapshots/:id/metadata', async (req) => ({ metadata: JSON.parse((await find(req, 'volume:get_snapshot')).s.metadata) }));
  for (const method of ['POST', 'PUT'] as const) {
    v3Route(app, method, '/snapshots/:id/metadata', async (req) => {
      const { auth, s } = await find(req, 'volume:snapshot_metadata');
      return { metadata: await d.snapshots.setMetadata(auth, s.id, metadataOf(body(req).metadata), method === 'PUT') };
    });
  }
  v3Route(app, 'GET', '/snapshots/:id/metadata/:key', async (req) => {
    const { s } = await find(req, 'volume:get_snapshot');
    const meta = JSON.parse(s.metadata) as Record<string, string>;
    const key = params(req).key;
    if (!(key in meta)) throw notFound(`Snapshot ${s.id} has no metadata with key ${key}.`);
    return { meta: { [key]: meta[key] } };
  });
  v3Route(app, 'PUT', '/snapshots/:id/metadata/:key', async (req) => {
    const { auth, s } = await find(req, 'volume:snapshot_metadata');
    const meta = metadataOf(body(req).meta, 'meta');
    if (Object.keys(meta).length !== 1 || !(params(req).key in meta)) throw badRequest('Request body and URI mismatch');
    await d.snapshots.setMetadata(auth, s.id, meta, false);
    return { meta };
  });
  v3Route(app, 'DELETE', '/snapshots/:id/metadata/:key', async (req) => {
    const { auth, s } = await find(req, 'volume:snapshot_metadata');
    await d.snapshots.deleteMetadata(auth, s.id, params(req).key);
    return '';
  });
}
