import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { boolParam, optBool, optInt, optString, wrapped } from '../../../platform/http/validate.js';
import type { VolumeRow } from '../store/tables.js';
import { authorize, listScope, body, filtersOf, metadataOf, nextLinks, page, params, q, sortOf, v3Route, type ApiDeps } from './common.js';
import { summary, volumeView } from './render.js';
import { atLeast } from './versions.js';

/** Volumes: create, list (summary and detail), show, update, delete, metadata. */
export function registerVolumeRoutes(app: FastifyInstance, d: ApiDeps): void {
  const typeNames = () => d.types.names();
  const render = async (req: FastifyRequest, v: VolumeRow, names?: Map<string, string>, extended = true) => {
    const typeName = (names ?? (await typeNames())).get(v.volume_type_id) ?? v.volume_type_id;
    return volumeView(req, d.baseUrl(), v, typeName, await d.attachments.of(v.id), extended);
  };
  const find = async (req: FastifyRequest, action: string) => {
    const auth = authorize(req, 'volume:get_all');
    const v = await d.volumes.find(auth, params(req).id);
    authorize(req, action, v);
    return { auth, v };
  };

  const list = (detail: boolean) => async (req: FastifyRequest) => {
    const query = q(req);
    const { auth, all } = listScope(req, 'volume:get_all');
    let metadata: Record<string, string> | undefined;
    if (query.metadata) {
      try {
        metadata = metadataOf(JSON.parse(query.metadata.replace(/'/g, '"')));
      } catch {
        throw badRequest(`Invalid input received: metadata filter ${query.metadata} is not a dict.`);
      }
    }
    if (query.bootable !== undefined) boolParam(query.bootable);
    const rows = await d.volumes.list(auth, { allTenants: all, projectId: query.project_id, filters: filtersOf(query), metadata, sort: sortOf(query) });
    const { items, next } = page(rows, query);
    const names = await typeNames();
    const volumes = detail ? await Promise.all(items.map((v) => render(req, v, names))) : items.map(summary(d.baseUrl(), 'volumes'));
    const withCount = atLeast(req, 45) && query.with_count !== undefined && boolParam(query.with_count);
    const links = nextLinks(req, d.baseUrl(), next);
    return { volumes, ...(links ? { volumes_links: links } : {}), ...(withCount ? { count: rows.length } : {}) };
  };
  v3Route(app, 'GET', '/volumes', list(false));
  v3Route(app, 'GET', '/volumes/detail', list(true));

  // 3.12: count and size of the volumes a listing would show (3.36 adds their metadata).
  v3Route(app, 'GET', '/volumes/summary', async (req) => {
    if (!atLeast(req, 12)) throw notFound('The resource could not be found.');
    const { auth, all } = listScope(req, 'volume:get_all');
    const rows = await d.volumes.list(auth, { allTenants: all, filters: {}, sort: [] });
    const summary = { total_count: rows.length, total_size: rows.reduce((n, v) => n + v.size, 0) };
    if (!atLeast(req, 36)) return { 'volume-summary': summary };
    const metadata: Record<string, string[]> = {};
    for (const v of rows) for (const [k, val] of Object.entries(JSON.parse(v.metadata) as Record<string, string>)) if (!(metadata[k] ??= []).includes(val)) metadata[k].push(val);
    return { 'volume-summary': { ...summary, metadata } };
  });

  v3Route(app, 'POST', '/volumes', async (req, reply) => {
    const auth = authorize(req, 'volume:create');
    const b = body(req);
    const v = wrapped(b, 'volume');
    const size = optInt(v, 'size', { nullable: true, path: 'size' });
    const image = optString(v, 'imageRef', { nullable: true }) ?? optString(v, 'image_id', { nullable: true });
    const multiattach = optBool(v, 'multiattach');
    if (multiattach) authorize(req, 'volume:multiattach');
    const row = await d.volumes.create(auth, {
      size: size ?? undefined,
      name: optString(v, 'name', { max: 255, nullable: true }) ?? optString(v, 'display_name', { max: 255, nullable: true }),
      description: optString(v, 'description', { max: 255, nullable: true }) ?? optString(v, 'display_description', { max: 255, nullable: true }),
      metadata: v.metadata === undefined || v.metadata === null ? undefined : metadataOf(v.metadata),
      volume_type: optString(v, 'volume_type', { nullable: true }) ?? undefined,
      availability_zone: optString(v, 'availability_zone', { nullable: true }) ?? undefined,
      imageRef: image ?? undefined,
      snapshot_id: optString(v, 'snapshot_id', { nullable: true }) ?? undefined,
      source_volid: optString(v, 'source_volid', { nullable: true }) ?? undefined,
      backup_id: atLeast(req, 47) ? (optString(v, 'backup_id', { nullable: true }) ?? undefined) : undefined,
      multiattach,
      group_id: atLeast(req, 13) ? (optString(v, 'group_id', { nullable: true }) ?? undefined) : undefined,
      requestId: req.id,
    });
    reply.code(202);
    return { volume: await render(req, row, undefined, false) };
  });

  v3Route(app, 'GET', '/volumes/:id', async (req) => {
    const { v } = await find(req, 'volume:get');
    return { volume: await render(req, v) };
  });

  v3Route(app, 'PUT', '/volumes/:id', async (req) => {
    const { auth, v } = await find(req, 'volume:update');
    const f = wrapped(body(req), 'volume');
    const name = optString(f, 'name', { max: 255, nullable: true }) ?? optString(f, 'display_name', { max: 255, nullable: true });
    const description = optString(f, 'description', { max: 255, nullable: true }) ?? optString(f, 'display_description', { max: 255, nullable: true });
    const metadata = f.metadata === undefined ? undefined : metadataOf(f.metadata);
    if (name === undefined && description === undefined && metadata === undefined) throw badRequest('Malformed request body: volume has no name, description or metadata to update.');
    return { volume: await render(req, await d.volumes.update(auth, v.id, { name, description, metadata }), undefined, false) };
  });

  v3Route(app, 'DELETE', '/volumes/:id', async (req, reply) => {
    const { auth, v } = await find(req, 'volume:delete');
    const query = q(req);
    await d.volumes.remove(auth, v.id, boolParam(query.cascade) ?? false);
    reply.code(202);
    return '';
  });

  // Metadata: GET, POST (merge), PUT (replace), and one key at a time.
  v3Route(app, 'GET', '/volumes/:id/metadata', async (req) => {
    const { v } = await find(req, 'volume:get_volume_metadata');
    return { metadata: JSON.parse(v.metadata) };
  });
  for (const method of ['POST', 'PUT'] as const) {
    v3Route(app, method, '/volumes/:id/metadata', async (req) => {
      const { auth, v } = await find(req, 'volume:update_volume_metadata');
      const meta = metadataOf(body(req).metadata);
      return { metadata: await d.volumes.setMetadata(auth, v.id, meta, method === 'PUT') };
    });
  }
  v3Route(app, 'GET', '/volumes/:id/metadata/:key', async (req) => {
    const { v } = await find(req, 'volume:get_volume_metadata');
    const meta = JSON.parse(v.metadata) as Record<string, string>;
    const key = params(req).key;
    if (!(key in meta)) throw notFound(`Volume ${v.id} has no metadata with key ${key}.`);
    return { meta: { [key]: meta[key] } };
  });
  v3Route(app, 'PUT', '/volumes/:id/metadata/:key', async (req) => {
    const { auth, v } = await find(req, 'volume:update_volume_metadata');
    const meta = metadataOf(body(req).meta, 'meta');
    const key = params(req).key;
    if (Object.keys(meta).length !== 1 || !(key in meta)) throw badRequest('Malformed request body: the meta must have exactly the key of the URL.');
    await d.volumes.setMetadata(auth, v.id, meta, false);
    return { meta };
  });
  v3Route(app, 'DELETE', '/volumes/:id/metadata/:key', async (req, reply) => {
    const { auth, v } = await find(req, 'volume:update_volume_metadata');
    await d.volumes.deleteMetadata(auth, v.id, params(req).key);
    reply.code(200);
    return '';
  });
}
