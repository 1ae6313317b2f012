import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { isObj, optInt, optString, query, type Obj } from '../../../platform/http/validate.js';
import { decodeBase64, normaliseContentType, SECRET_TYPES, utcIso } from '../model/common.js';
import type { DateFilter, NewSecret, SecretFilters } from '../model/secrets.js';
import type { SecretRow } from '../store/tables.js';
import { ownTarget } from '../policy.js';
import { authorize, created, listPage, paging, targetOf, time, type ApiDeps } from './common.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

const schemaError = (what: string) => badRequest(`Provided object does not match schema 'Secret': ${what}`);

export function renderSecret(base: string, row: SecretRow) {
  return {
    status: 'ACTIVE',
    secret_type: row.secret_type,
    name: row.name,
    algorithm: row.algorithm,
    bit_length: row.bit_length,
    mode: row.mode,
    expiration: time(row.expiration),
    created: time(row.created_at),
    updated: time(row.updated_at),
    creator_id: row.creator_id,
    secret_ref: `${base}/v1/secrets/${row.id}`,
    ...(row.content_type ? { content_types: { default: row.content_type } } : {}),
  };
}

/** The JSON body of `POST /v1/secrets`, validated like Barbican's secret schema. */
function parseNewSecret(body: unknown, maxBytes: number): NewSecret {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const b: Obj = body;
  const secretType = optString(b, 'secret_type', { max: 80 }) ?? 'opaque';
  if (!(SECRET_TYPES as readonly string[]).includes(secretType)) throw schemaError(`'${secretType}' is not one of ${SECRET_TYPES.join(', ')}`);
  const expiration = optString(b, 'expiration', { nullable: true, max: 64 });
  const out: NewSecret = {
    name: optString(b, 'name', { nullable: true, max: 255 }),
    secretType,
    algorithm: optString(b, 'algorithm', { nullable: true, max: 255 }),
    bitLength: optInt(b, 'bit_length', { min: 0, nullable: true }),
    mode: optString(b, 'mode', { nullable: true, max: 255 }),
    expiration: expiration ? utcIso(expiration, 'expiration') : null,
  };
  const payload = optString(b, 'payload', { nullable: true });
  const contentType = optString(b, 'payload_content_type', { nullable: true, max: 255 });
  const encoding = optString(b, 'payload_content_encoding', { nullable: true, max: 255 });
  if (payload === undefined || payload === null) {
    if (contentType) throw schemaError("If 'payload_content_type' is specified, 'payload' must be specified as well.");
    return out;
  }
  if (payload === '') throw schemaError("If 'payload' specified, must be non empty");
  if (!contentType) throw schemaError("If 'payload' is supplied, 'payload_content_type' must also be supplied.");
  const normal = normaliseContentType(contentType);
  if (!normal) throw schemaError(`payload_content_type '${contentType}' is not supported`);
  if (encoding && encoding.toLowerCase() !== 'base64') throw schemaError(`payload_content_encoding '${encoding}' is not supported`);
  if (normal !== 'text/plain' && !encoding) throw schemaError(`payload_content_encoding must be specified when payload_content_type is ${normal}.`);
  if (normal === 'text/plain' && encoding) throw schemaError('payload_content_encoding must not be given for text/plain.');
  const data = encoding ? decodeBase64(payload) : Buffer.from(payload, 'utf8');
  if (data.length > maxBytes) throw new ApiError('payloadTooLarge', `Could not add secret data as it was too large: more than ${maxBytes} bytes.`);
  out.payload = { data, contentType: normal };
  return out;
}

const DATE_COLUMNS = { created: 'created_at', updated: 'updated_at', expiration: 'expiration' } as const;
const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
const SORT_KEYS: Record<string, keyof SecretRow> = {
  created: 'created_at',
  updated: 'updated_at',
  expiration: 'expiration',
  name: 'name',
  secret_type: 'secret_type',
  algorithm: 'algorithm',
  bit_length: 'bit_length',
  mode: 'mode',
};

/** `GET /v1/secrets` filters: equality on name/alg/mode/bits/secret_type, `gt:`/`lt:` on times, `sort=key:dir,...`. */
function parseFilters(q: Record<string, string>): SecretFilters {
  const dates: DateFilter[] = [];
  for (const [param, column] of Object.entries(DATE_COLUMNS)) {
    if (!q[param]) continue;
    for (const part of q[param].split(',')) {
      const m = /^(?:(gt|gte|lt|lte):)?(.+)$/.exec(part.trim())!;
      dates.push({ column, op: m[1] ? OPS[m[1] as keyof typeof OPS] : '=', value: utcIso(m[2], param) });
    }
  }
  const sort = (q.sort ? q.sort.split(',') : []).map((s) => {
    const [key, dir = 'asc'] = s.trim().split(':');
    if (!SORT_KEYS[key] || !['asc', 'desc'].includes(dir)) throw badRequest(`Invalid sort key or direction: '${s}'.`);
    return { column: SORT_KEYS[key], desc: dir === 'desc' };
  });
  let bitLength: number | undefined;
  if (q.bits !== undefined) {
    if (!/^\d+$/.test(q.bits)) throw badRequest(`Invalid bits: '${q.bits}'.`);
    bitLength = Number(q.bits);
  }
  return { name: q.name, algorithm: q.alg, mode: q.mode, bitLength, secretType: q.secret_type, dates, sort, ...paging(q) };
}

/**
 * The media type to answer a payload in: the stored one for no `Accept` or `*\/*`, else the first
 * supported type asked for. Like Barbican, a binary secret may be read as text/plain when its
 * bytes are UTF-8, and any payload as application/octet-stream.
 */
function payloadType(req: FastifyRequest, stored: string, data: Buffer): string {
  const header = req.headers.accept;
  if (!header) return stored;
  for (const part of header.split(',')) {
    const t = part.split(';')[0].trim().toLowerCase();
    if (t === '*/*') return stored;
    const normal = normaliseContentType(t);
    if (normal === 'text/plain' && stored !== 'text/plain' && !isUtf8(data)) continue;
    if (normal) return normal;
  }
  throw new ApiError('notAcceptable', 'Wrong payload content-type');
}

/** Metadata unless the client asks for a non-JSON type: Barbican's legacy payload retrieval. */
function wantsPayload(req: FastifyRequest): boolean {
  const header = req.headers.accept?.trim().toLowerCase();
  return !!header && header !== '*/*' && !header.startsWith('application/json');
}

export function registerSecretRoutes(app: FastifyInstance, d: ApiDeps): void {
  const base = () => d.baseUrl();

  async function sendPayload(req: IdReq, reply: FastifyReply) {
    const { row, acl } = await d.secrets.find(req.params.id);
    authorize(req, 'secret:decrypt', targetOf(req, row, acl));
    if (!row.content_type) throw notFound('Secret payload not found.');
    const data = await d.secrets.payload(row);
    const type = payloadType(req, row.content_type, data);
    reply.type(type === 'text/plain' ? 'text/plain; charset=utf-8' : type);
    return reply.send(data);
  }

  app.post('/v1/secrets', async (req, reply) => {
    const caller = authorize(req, 'secrets:post', ownTarget(req.auth));
    const row = await d.secrets.create(caller, parseNewSecret(req.body, d.maxSecretBytes));
    return created(reply, 'secret_ref', `${base()}/v1/secrets/${row.id}`);
  });

  app.get('/v1/secrets', async (req) => {
    const caller = authorize(req, 'secrets:get', ownTarget(req.auth));
    const filters = parseFilters(query(req.query));
    const { rows, total } = await d.secrets.list(caller, filters);
    return listPage(`${base()}/v1/secrets`, 'secrets', rows.map((r) => renderSecret(base(), r)), total, filters);
  });

  app.get('/v1/secrets/:id', async (req: IdReq, reply) => {
    if (wantsPayload(req)) return sendPayload(req, reply);
    const { row, acl } = await d.secrets.find(req.params.id);
    authorize(req, 'secret:get', targetOf(req, row, acl));
    return renderSecret(base(), row);
  });

  app.get('/v1/secrets/:id/payload', async (req: IdReq, reply) => sendPayload(req, reply));

  // Second step of a two-step create: the raw payload with its Content-Type (and Content-Encoding: base64).
  app.put('/v1/secrets/:id', async (req: IdReq, reply) => {
    const { row, acl } = await d.secrets.find(req.params.id);
    authorize(req, 'secret:put', targetOf(req, row, acl));
    const type = normaliseContentType(req.headers['content-type'] ?? '');
    if (!type) throw new ApiError('unsupportedMediaType', `Unsupported Content-Type: '${req.headers['content-type'] ?? ''}'.`);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (raw.length === 0) throw badRequest('No secret payload provided.');
    const encoding = req.headers['content-encoding']?.toLowerCase();
    if (encoding && encoding !== 'base64') throw badRequest(`Unsupported Content-Encoding: '${encoding}'.`);
    const data = encoding === 'base64' ? decodeBase64(raw.toString('latin1')) : raw;
    if (data.length > d.maxSecretBytes) throw new ApiError('payloadTooLarge', `Could not add secret data as it was too large: more than ${d.maxSecretBytes} bytes.`);
    await d.secrets.putPayload(row, data, type);
    return reply.code(204).send();
  });

  app.delete('/v1/secrets/:id', async (req: IdReq, reply) => {
    const { row, acl } = await d.secrets.find(req.params.id);
    authorize(req, 'secret:delete', targetOf(req, row, acl));
    await d.secrets.delete(row);
    return reply.code(204).send();
  });
}
