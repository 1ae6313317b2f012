import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isObj, optInt, optString, query, reqString } from '../../../platform/http/validate.js';
import { callerOf, utcIso } from '../model/common.js';
import type { OrderMeta } from '../model/orders.js';
import type { OrderRow } from '../store/tables.js';
import { ownTarget } from '../policy.js';
import { authorize, created, listPage, paging, time, type ApiDeps } from './common.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

const schemaError = (what: string) => badRequest(`Provided object does not match schema 'Order': ${what}`);

function parseOrder(body: unknown): { type: 'key' | 'asymmetric'; meta: OrderMeta } {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const type = reqString(body, 'type', { max: 255 });
  if (type === 'certificate') throw schemaError('certificate orders are not supported.');
  if (type !== 'key' && type !== 'asymmetric') throw schemaError(`'${type}' is not one of key, asymmetric`);
  if (!isObj(body.meta)) throw schemaError("'meta' is a required property");
  const m = body.meta;
  const contentType = optString(m, 'payload_content_type', { max: 255, nullable: true }) ?? undefined;
  if (contentType && contentType !== 'application/octet-stream') throw schemaError("payload_content_type must be 'application/octet-stream'");
  const bits = optInt(m, 'bit_length', { min: 1 });
  if (bits === undefined || bits === null) throw schemaError("'bit_length' is a required property");
  // Barbican keeps an order's meta as the client sent it: the expiration is echoed verbatim.
  const expiration = optString(m, 'expiration', { nullable: true, max: 64 });
  if (expiration) utcIso(expiration, 'expiration');
  return {
    type,
    meta: {
      name: optString(m, 'name', { max: 255, nullable: true }),
      algorithm: reqString(m, 'algorithm', { max: 255 }),
      bit_length: bits,
      mode: optString(m, 'mode', { max: 255, nullable: true }),
      payload_content_type: contentType,
      expiration,
    },
  };
}

export function registerOrderRoutes(app: FastifyInstance, d: ApiDeps): void {
  const base = () => d.baseUrl();
  const render = (row: OrderRow) => ({
    type: row.type,
    meta: JSON.parse(row.meta) as unknown,
    status: row.status,
    order_ref: `${base()}/v1/orders/${row.id}`,
    ...(row.secret_id ? { secret_ref: `${base()}/v1/secrets/${row.secret_id}` } : {}),
    ...(row.container_id ? { container_ref: `${base()}/v1/containers/${row.container_id}` } : {}),
    creator_id: row.creator_id,
    created: time(row.created_at),
    updated: time(row.updated_at),
    sub_status: 'Unknown',
    sub_status_message: 'Unknown',
  });

  app.post('/v1/orders', async (req, reply) => {
    const caller = authorize(req, 'orders:post', ownTarget(req.auth));
    const { type, meta } = parseOrder(req.body);
    const row = await d.orders.create(caller, type, meta);
    return created(reply, 'order_ref', `${base()}/v1/orders/${row.id}`, 202);
  });

  app.get('/v1/orders', async (req) => {
    const caller = authorize(req, 'orders:get', ownTarget(req.auth));
    const page = paging(query(req.query));
    const { rows, total } = await d.orders.list(caller, page);
    return listPage(`${base()}/v1/orders`, 'orders', rows.map(render), total, page);
  });

  app.get('/v1/orders/:id', async (req: IdReq) => {
    const row = await d.orders.find(callerOf(req.auth), req.params.id);
    authorize(req, 'order:get', { project_id: row.project_id, creator_id: row.creator_id });
    return render(row);
  });

  app.delete('/v1/orders/:id', async (req: IdReq, reply) => {
    const row = await d.orders.find(callerOf(req.auth), req.params.id);
    authorize(req, 'order:delete', { project_id: row.project_id, creator_id: row.creator_id });
    await d.orders.delete(row);
    return reply.code(204).send();
  });
}
