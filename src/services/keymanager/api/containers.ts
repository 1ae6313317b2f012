import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isObj, optString, query, reqString, type Obj } from '../../../platform/http/validate.js';
import { callerOf, CONTAINER_TYPES } from '../model/common.js';
import type { SecretRef } from '../model/containers.js';
import type { ConsumerRow, ContainerRow } from '../store/tables.js';
import { ownTarget } from '../policy.js';
import { authorize, created, idFromRef, listPage, paging, targetOf, time, type ApiDeps } from './common.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

const schemaError = (what: string) => badRequest(`Provided object does not match schema 'Container': ${what}`);

function parseContainer(body: unknown): { name?: string | null; type: string; refs: SecretRef[] } {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const type = reqString(body, 'type', { max: 255 });
  if (!(CONTAINER_TYPES as readonly string[]).includes(type)) throw schemaError(`'${type}' is not one of ${CONTAINER_TYPES.join(', ')}`);
  const list = body.secret_refs ?? [];
  if (!Array.isArray(list)) throw schemaError("'secret_refs' must be a list");
  const refs = list.map((item: unknown) => {
    if (!isObj(item)) throw schemaError("each of 'secret_refs' must be an object");
    return { name: optString(item, 'name', { max: 255, nullable: true }) ?? '', secret_id: idFromRef(reqString(item, 'secret_ref', { max: 1024 }), 'secrets') };
  });
  return { name: optString(body, 'name', { max: 255, nullable: true }), type, refs };
}

function consumerInput(body: unknown): { name: string; url: string } {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const b: Obj = body;
  return { name: reqString(b, 'name', { max: 255 }), url: reqString(b, 'URL', { max: 255 }) };
}

export function registerContainerRoutes(app: FastifyInstance, d: ApiDeps): void {
  const base = () => d.baseUrl();
  const render = (row: ContainerRow, consumers: ConsumerRow[]) => ({
    status: 'ACTIVE',
    type: row.type,
    name: row.name,
    created: time(row.created_at),
    updated: time(row.updated_at),
    creator_id: row.creator_id,
    container_ref: `${base()}/v1/containers/${row.id}`,
    secret_refs: d.containers.refs(row).map((r) => ({ name: r.name, secret_ref: `${base()}/v1/secrets/${r.secret_id}` })),
    consumers: consumers.map((c) => ({ name: c.name, URL: c.url })),
  });
  const renderFull = async (row: ContainerRow) => render(row, (await d.containers.consumers(row.id)).rows);
  const load = async (req: IdReq, action: string) => {
    const { row, acl } = await d.containers.find(req.params.id);
    authorize(req, action, targetOf(req, row, acl));
    return row;
  };

  app.post('/v1/containers', async (req, reply) => {
    const caller = authorize(req, 'containers:post', ownTarget(req.auth));
    const row = await d.containers.create(caller, parseContainer(req.body));
    return created(reply, 'container_ref', `${base()}/v1/containers/${row.id}`);
  });

  app.get('/v1/containers', async (req) => {
    const caller = authorize(req, 'containers:get', ownTarget(req.auth));
    const q = query(req.query);
    const page = paging(q);
    const { rows, total } = await d.containers.list(caller, { name: q.name, type: q.type, ...page });
    const items = await Promise.all(rows.map(renderFull));
    return listPage(`${base()}/v1/containers`, 'containers', items, total, page);
  });

  app.get('/v1/containers/:id', async (req: IdReq) => renderFull(await load(req, 'container:get')));

  app.delete('/v1/containers/:id', async (req: IdReq, reply) => {
    await d.containers.delete(await load(req, 'container:delete'));
    return reply.code(204).send();
  });

  const secretInput = (body: unknown): SecretRef => {
    if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
    return {
      name: optString(body, 'name', { max: 255, nullable: true }) ?? '',
      secret_id: idFromRef(reqString(body, 'secret_ref', { max: 1024 }), 'secrets'),
    };
  };

  app.post('/v1/containers/:id/secrets', async (req: IdReq, reply) => {
    const row = await load(req, 'container_secret:post');
    await d.containers.addSecret(callerOf(req.auth), row, secretInput(req.body));
    return created(reply, 'container_ref', `${base()}/v1/containers/${row.id}`);
  });

  app.delete('/v1/containers/:id/secrets', async (req: IdReq, reply) => {
    const row = await load(req, 'container_secret:delete');
    await d.containers.removeSecret(row, secretInput(req.body));
    return reply.code(204).send();
  });

  app.get('/v1/containers/:id/consumers', async (req: IdReq) => {
    const row = await load(req, 'consumers:get');
    const page = paging(query(req.query));
    const { rows, total } = await d.containers.consumers(row.id, page);
    const items = rows.map((c) => ({ name: c.name, URL: c.url, status: 'ACTIVE', created: time(c.created_at), updated: time(c.created_at) }));
    return listPage(`${base()}/v1/containers/${row.id}/consumers`, 'consumers', items, total, page);
  });

  app.post('/v1/containers/:id/consumers', async (req: IdReq) => {
    const row = await load(req, 'consumers:post');
    const { name, url } = consumerInput(req.body);
    await d.containers.addConsumer(row, name, url);
    return renderFull(row);
  });

  app.delete('/v1/containers/:id/consumers', async (req: IdReq) => {
    const row = await load(req, 'consumers:delete');
    const { name, url } = consumerInput(req.body);
    await d.containers.removeConsumer(row, name, url);
    return renderFull(row);
  });
}
