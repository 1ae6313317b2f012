import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { isoSeconds } from '../../../platform/ids.js';
import { isObj, query } from '../../../platform/http/validate.js';
import type { ImageClient, ImageInfo } from '../../image/client.js';
import { nextLinks, paging, type ComputeApi } from './common.js';
import { stringMap } from './servers.js';

// Nova's image proxy (deprecated since 2.36, still used by older clients): Glance images in Nova's shape.
const STATUS: Record<string, string> = { active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', importing: 'SAVING', uploading: 'SAVING', deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR' };
const PROGRESS: Record<string, number> = { queued: 25, saving: 50, active: 100 };
/** Nova's status filter, back to Glance's statuses. */
const GLANCE_STATUS: Record<string, string[]> = { ACTIVE: ['active'], SAVING: ['queued', 'saving', 'importing', 'uploading'], DELETED: ['deleted', 'pending_delete'], ERROR: ['killed'] };

const links = (base: string, id: string, imageUrl: string) => [
  { rel: 'self', href: `${base}/v2.1/images/${id}` },
  { rel: 'bookmark', href: `${base}/images/${id}` },
  { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${imageUrl}/images/${id}` },
];

function renderImage(i: ImageInfo, api: ComputeApi, detail: boolean) {
  const brief = { id: i.id, name: i.name, links: links(api.baseUrl(), i.id, api.imageUrl()) };
  if (!detail) return brief;
  const server = i.properties.instance_uuid;
  return {
    ...brief,
    status: STATUS[i.status] ?? 'UNKNOWN',
    progress: PROGRESS[i.status] ?? 0,
    minRam: i.min_ram,
    minDisk: i.min_disk,
    created: isoSeconds(i.created_at),
    updated: isoSeconds(i.updated_at),
    metadata: i.properties,
    'OS-EXT-IMG-SIZE:size': i.size,
    ...(server
      ? {
          server: {
            id: server,
            links: [
              { rel: 'self', href: `${api.baseUrl()}/v2.1/servers/${server}` },
              { rel: 'bookmark', href: `${api.baseUrl()}/servers/${server}` },
            ],
          },
        }
      : {}),
  };
}

function images(api: ComputeApi): ImageClient {
  const c = api.model.peers().image;
  if (!c) throw notFound('Image not found.');
  return c;
}

async function find(api: ComputeApi, auth: AuthContext, id: string): Promise<ImageInfo> {
  const i = await images(api).getImage(auth, id);
  if (!i || i.status === 'deleted') throw notFound('Image not found.');
  return i;
}

/** Glance's 404/403 become Nova's "Image not found."; its 400/409 keep their status. */
async function glance<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 403)) throw notFound('Image not found.');
    throw e;
  }
}

function metadataBody(req: FastifyRequest, key: 'metadata' | 'meta'): Record<string, string> {
  if (!isObj(req.body) || !isObj(req.body[key])) throw badRequest(`Invalid input for field/attribute ${key}. '${key}' is a required property`);
  return stringMap(req.body, key);
}

export function registerImageRoutes(app: FastifyInstance, api: ComputeApi): void {
  const listing = (detail: boolean) => async (req: FastifyRequest) => {
    const q = query(req.query);
    const { limit, marker } = paging(q);
    const num = (name: string) => {
      if (q[name] === undefined) return undefined;
      if (!/^\d+$/.test(q[name])) throw badRequest(`Invalid input for query parameters ${name}. Value: ${q[name]}.`);
      return Number(q[name]);
    };
    let changesSince: string | undefined;
    if (q['changes-since'] !== undefined) {
      const d = new Date(q['changes-since']);
      if (Number.isNaN(d.getTime())) throw badRequest(`Invalid input for query parameters changes-since. Value: ${q['changes-since']}.`);
      changesSince = d.toISOString();
    }
    const properties: Record<string, string> = {};
    if (q.server !== undefined) properties.instance_uuid = q.server.replace(/^.*\/servers\//, '');
    if (q.type !== undefined) properties.image_type = q.type;
    const status = q.status !== undefined ? (GLANCE_STATUS[q.status.toUpperCase()] ?? [q.status]) : undefined;
    const list = await glance(() =>
      images(api).listImages(req.auth, { name: q.name, status, properties, changesSince, minRam: num('minRam'), minDisk: num('minDisk'), limit: limit + 1, marker }),
    );
    const page = list.slice(0, limit);
    const next = nextLinks(api.baseUrl(), detail ? 'images/detail' : 'images', q, page.at(-1)?.id, list.length > limit);
    return { images: page.map((i) => renderImage(i, api, detail)), ...(next ? { images_links: next } : {}) };
  };
  app.get('/v2.1/images', listing(false));
  app.get('/v2.1/images/detail', listing(true));
  app.get<{ Params: { id: string } }>('/v2.1/images/:id', async (req) => ({ image: renderImage(await find(api, req.auth, req.params.id), api, true) }));
  app.delete<{ Params: { id: string } }>('/v2.1/images/:id', async (req, reply) => {
    await find(api, req.auth, req.params.id);
    await glance(() => images(api).deleteImage(req.auth, req.params.id));
    reply.code(204);
  });

  app.get<{ Params: { id: string } }>('/v2.1/images/:id/metadata', async (req) => ({ metadata: (await find(api, req.auth, req.params.id)).properties }));
  const replace = async (auth: AuthContext, id: string, props: Record<string, string>) => (await glance(() => images(api).replaceProperties(auth, id, props))).properties;
  app.put<{ Params: { id: string } }>('/v2.1/images/:id/metadata', async (req) => {
    const meta = metadataBody(req, 'metadata');
    await find(api, req.auth, req.params.id);
    return { metadata: await replace(req.auth, req.params.id, meta) };
  });
  app.post<{ Params: { id: string } }>('/v2.1/images/:id/metadata', async (req) => {
    const meta = metadataBody(req, 'metadata');
    const i = await find(api, req.auth, req.params.id);
    return { metadata: await replace(req.auth, i.id, { ...i.properties, ...meta }) };
  });
  app.get<{ Params: { id: string; key: string } }>('/v2.1/images/:id/metadata/:key', async (req) => {
    const i = await find(api, req.auth, req.params.id);
    if (!(req.params.key in i.properties)) throw notFound(`Image ${i.id} has no metadata item ${req.params.key}.`);
    return { meta: { [req.params.key]: i.properties[req.params.key] } };
  });
  app.put<{ Params: { id: string; key: string } }>('/v2.1/images/:id/metadata/:key', async (req) => {
    const meta = metadataBody(req, 'meta');
    if (Object.keys(meta).length !== 1) throw badRequest('Request body contains too many items');
    if (!(req.params.key in meta)) throw badRequest('Request body and URI mismatch');
    const i = await find(api, req.auth, req.params.id);
    const props = await replace(req.auth, i.id, { ...i.properties, ...meta });
    return { meta: { [req.params.key]: props[req.params.key] } };
  });
  app.delete<{ Params: { id: string; key: string } }>('/v2.1/images/:id/metadata/:key', async (req, reply) => {
    const i = await find(api, req.auth, req.params.id);
    if (!(req.params.key in i.properties)) throw notFound(`Image ${i.id} has no metadata item ${req.params.key}.`);
    await replace(req.auth, i.id, Object.fromEntries(Object.entries(i.properties).filter(([k]) => k !== req.params.key)));
    reply.code(204);
  });
}
