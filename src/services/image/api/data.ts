import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { ApiError, badRequest } from '../../../platform/errors.js';
import type { ImageDeps } from './deps.js';

type IdParams = { id: string };

/** The request body as a raw stream: image data is never buffered. */
function rawBody(req: FastifyRequest): AsyncIterable<Buffer> {
  const type = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0].trim().toLowerCase();
  if (type !== 'application/octet-stream') throw new ApiError('unsupportedMediaType', `The request media type ${type} is not supported by this server.`);
  return (req.body as Readable | undefined) ?? req.raw;
}

function contentLength(req: FastifyRequest): number | undefined {
  const v = req.headers['content-length'];
  return v === undefined || req.headers['transfer-encoding'] ? undefined : Number(v);
}

/** A single `bytes=start-end` range (the only form Glance serves). */
function parseRange(header: string | undefined): { start: number; end?: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) throw new ApiError('rangeNotSatisfiable', `Invalid Range header: ${header}`);
  return { start: Number(m[1]), end: m[2] === '' ? undefined : Number(m[2]) };
}

export function registerDataRoutes(app: FastifyInstance, d: ImageDeps): void {
  // Pass octet-stream bodies through untouched: no body limit, no buffering.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  app.put<{ Params: IdParams }>('/v2/images/:id/file', async (req, reply) => {
    await d.data.upload(req.auth, req.params.id, rawBody(req), contentLength(req));
    reply.code(204);
  });

  app.put<{ Params: IdParams }>('/v2/images/:id/stage', async (req, reply) => {
    await d.data.stage(req.auth, req.params.id, rawBody(req), contentLength(req));
    reply.code(204);
  });

  app.get<{ Params: IdParams }>('/v2/images/:id/file', async (req, reply) => {
    const range = parseRange(req.headers.range);
    const got = await d.data.download(req.auth, req.params.id, range);
    if (!got) {
      reply.code(204);
      return reply.send();
    }
    const { rec, stream, start, end } = got;
    reply.header('content-type', 'application/octet-stream');
    reply.header('content-length', String(end - start + 1));
    if (rec.row.checksum) reply.header('content-md5', rec.row.checksum);
    if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${rec.row.size}`);
    return reply.send(stream);
  });

  app.post<{ Params: IdParams }>('/v2/images/:id/import', async (req, reply) => {
    if (req.body === undefined) throw badRequest('Body expected in request.');
    await d.data.startImport(req.auth, req.params.id, req.body, req.id);
    reply.code(202);
  });

  app.get<{ Params: IdParams }>('/v2/images/:id/tasks', async (req) => {
    const rec = await d.images.find(req.auth, req.params.id);
    return { tasks: rec.row.import_task ? [JSON.parse(rec.row.import_task)] : [] };
  });
}
