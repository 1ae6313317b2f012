import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../../../platform/errors.js';
import { PATCH_MEDIA_TYPES, parseChanges } from '../model/patch.js';
import { importMethods } from '../model/settings.js';
import { STORE_ID } from '../model/data.js';
import type { ImageDeps } from './deps.js';
import { parseListQuery } from './listing.js';
import { renderImage } from './render.js';

type IdParams = { id: string };

/** `next`/`first` links as Glance builds them: the request's query with the marker replaced. */
function pageLinks(url: string, nextMarker?: string) {
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  params.delete('marker');
  const q = params.toString();
  const links: { first: string; next?: string } = { first: q ? `/v2/images?${q}` : '/v2/images' };
  if (nextMarker) {
    params.set('marker', nextMarker);
    links.next = `/v2/images?${params.toString()}`;
  }
  return links;
}

export function registerImageRoutes(app: FastifyInstance, d: ImageDeps): void {
  // JSON-patch bodies of PATCH /v2/images/{id} (other media types are refused by the route).
  app.addContentTypeParser(Object.keys(PATCH_MEDIA_TYPES), { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, (body as string).trim() === '' ? undefined : JSON.parse(body as string));
    } catch {
      done(new ApiError('badRequest', 'The request body is not valid JSON.'), undefined);
    }
  });

  app.get('/v2/images', async (req) => {
    // `/v2/images/` names an image with an empty id in Glance's router: not found, not the list.
    if (req.url.split('?')[0].endsWith('/')) throw notFound('No image found with ID ');
    const q = parseListQuery(req.query as Record<string, string | string[]>);
    const { marker, ...query } = q;
    const recs = await d.images.list(req.auth, query, marker);
    const links = pageLinks(req.url, recs.length > 0 && recs.length === q.limit ? recs[recs.length - 1].row.id : undefined);
    return { images: recs.map(renderImage), ...links, schema: '/v2/schemas/images' };
  });

  app.post('/v2/images', async (req, reply) => {
    const rec = await d.images.create(req.auth, req.body);
    reply.code(201).header('location', `${d.baseUrl()}/v2/images/${rec.row.id}`);
    reply.header('openstack-image-import-methods', importMethods(d.settings).join(','));
    reply.header('openstack-image-store-ids', STORE_ID);
    return renderImage(rec);
  });

  app.get<{ Params: IdParams }>('/v2/images/:id', async (req) => renderImage(await d.images.find(req.auth, req.params.id)));

  app.patch<{ Params: IdParams }>('/v2/images/:id', async (req) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const version = PATCH_MEDIA_TYPES[type];
    if (!version) {
      throw new ApiError('unsupportedMediaType', `Image PATCH expects Content-Type one of: ${Object.keys(PATCH_MEDIA_TYPES).sort().join(', ')}`);
    }
    if (req.body === undefined) throw new ApiError('badRequest', 'Body expected in request.');
    const changes = parseChanges(req.body, version);
    return renderImage(await d.images.update(req.auth, req.params.id, changes));
  });

  app.delete<{ Params: IdParams }>('/v2/images/:id', async (req, reply) => {
    await d.data.deleteImage(req.auth, req.params.id);
    reply.code(204);
  });

  app.put<{ Params: IdParams & { tag: string } }>('/v2/images/:id/tags/:tag', async (req, reply) => {
    await d.images.addTag(req.auth, req.params.id, req.params.tag);
    reply.code(204);
  });

  app.delete<{ Params: IdParams & { tag: string } }>('/v2/images/:id/tags/:tag', async (req, reply) => {
    await d.images.removeTag(req.auth, req.params.id, req.params.tag);
    reply.code(204);
  });

  app.post<{ Params: IdParams }>('/v2/images/:id/actions/deactivate', async (req, reply) => {
    await d.images.setActive(req.auth, req.params.id, false);
    reply.code(204);
  });

  app.post<{ Params: IdParams }>('/v2/images/:id/actions/reactivate', async (req, reply) => {
    await d.images.setActive(req.auth, req.params.id, true);
    reply.code(204);
  });

  app.get('/v2/schemas/image', async () => d.schemas.image());
  app.get('/v2/schemas/images', async () => d.schemas.images());
  app.get('/v2/schemas/member', async () => d.schemas.member());
  app.get('/v2/schemas/members', async () => d.schemas.members());
}
