import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { isObj, reqString, type Obj } from '../../../platform/http/validate.js';
import { callerOf } from '../model/common.js';
import { authorize, targetOf, type ApiDeps } from './common.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;
type KeyReq = FastifyRequest<{ Params: { id: string; key: string } }>;

/** Barbican stores metadata keys lower case. */
const metaKey = (k: string): string => {
  if (k.length === 0 || k.length > 255) throw badRequest('Invalid metadata key: 1 to 255 characters.');
  return k.toLowerCase();
};

function keyValue(body: unknown): { key: string; value: string } {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const b: Obj = body;
  return { key: metaKey(reqString(b, 'key', { max: 255 })), value: reqString(b, 'value', { min: 0, max: 255 }) };
}

/** User metadata of a secret: `/v1/secrets/{id}/metadata` and `/metadata/{key}`. */
export function registerSecretMetadataRoutes(app: FastifyInstance, d: ApiDeps): void {
  const load = async (req: IdReq, action: string) => {
    const caller = callerOf(req.auth);
    const { row, acl } = await d.secrets.find(req.params.id);
    authorize(req, action, targetOf(req, row, acl));
    return { caller, row };
  };

  app.get('/v1/secrets/:id/metadata', async (req: IdReq) => {
    const { row } = await load(req, 'secret_meta:get');
    return { metadata: d.secrets.metadata(row) };
  });

  app.put('/v1/secrets/:id/metadata', async (req: IdReq, reply) => {
    const { caller } = await load(req, 'secret_meta:put');
    const body = req.body;
    if (!isObj(body) || !isObj(body.metadata)) throw badRequest("Invalid input for field 'metadata': expected an object.");
    const next: Record<string, string> = {};
    for (const [k, v] of Object.entries(body.metadata)) {
      if (typeof v !== 'string' || v.length > 255) throw badRequest(`Invalid metadata value for '${k}': a string of at most 255 characters.`);
      next[metaKey(k)] = v;
    }
    await d.secrets.updateMetadata(caller, req.params.id, () => next);
    reply.code(201);
    return { metadata_ref: `${d.baseUrl()}/v1/secrets/${req.params.id}/metadata` };
  });

  app.post('/v1/secrets/:id/metadata', async (req: IdReq, reply) => {
    const { caller } = await load(req, 'secret_meta:post');
    const { key, value } = keyValue(req.body);
    await d.secrets.updateMetadata(caller, req.params.id, (m) => {
      if (key in m) throw conflict(`Metadata key '${key}' already exists.`);
      return { ...m, [key]: value };
    });
    reply.code(201).header('location', `${d.baseUrl()}/v1/secrets/${req.params.id}/metadata/${key}`);
    return { key, value };
  });

  app.get('/v1/secrets/:id/metadata/:key', async (req: KeyReq) => {
    const { row } = await load(req, 'secret_meta:get');
    const key = metaKey(req.params.key);
    const m = d.secrets.metadata(row);
    if (!(key in m)) throw notFound('Secret metadata not found.');
    return { key, value: m[key] };
  });

  app.put('/v1/secrets/:id/metadata/:key', async (req: KeyReq) => {
    const { caller } = await load(req, 'secret_meta:put');
    const key = metaKey(req.params.key);
    const body = keyValue(req.body);
    if (body.key !== key) throw badRequest('Key in request body does not match key in URL.');
    await d.secrets.updateMetadata(caller, req.params.id, (m) => {
      if (!(key in m)) throw notFound('Secret metadata not found.');
      return { ...m, [key]: body.value };
    });
    return body;
  });

  app.delete('/v1/secrets/:id/metadata/:key', async (req: KeyReq, reply) => {
    const { caller } = await load(req, 'secret_meta:delete');
    const key = metaKey(req.params.key);
    await d.secrets.updateMetadata(caller, req.params.id, (m) => {
      if (!(key in m)) throw notFound('Secret metadata not found.');
      const { [key]: _gone, ...rest } = m;
      return rest;
    });
    return reply.code(204).send();
  });
}
