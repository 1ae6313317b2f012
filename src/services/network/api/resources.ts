import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isObj, optString, type Obj } from '../../../platform/http/validate.js';
import { allowed, enforce } from '../../../platform/policy.js';
import { checkTags, type Collection } from '../model/collection.js';
import { nBadRequest, nNotFound } from '../model/errors.js';
import { networkPolicy } from '../policy.js';
import { fieldsOf, listResponse, pick, type RawQuery } from './listing.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

/** Neutron's answer for a resource its get policy hides from the caller. */
export const hidden = () => nNotFound('HTTPNotFound', 'The resource could not be found.');

/** `If-Match: revision_number=N` (revision-if-match); other If-Match forms are refused. */
export function ifMatch(req: FastifyRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined) return undefined;
  const m = /^\s*revision_number=(\d+)\s*$/.exec(String(h));
  if (!m) throw nBadRequest('HTTPBadRequest', `If-Match header without revision_number: ${String(h)}`);
  return Number(m[1]);
}

function bodyOf(body: unknown, key: string): Obj {
  if (!isObj(body)) throw nBadRequest('HTTPBadRequest', 'Body contains invalid data');
  const inner = body[key];
  if (!isObj(inner)) throw nBadRequest('HTTPBadRequest', `Resource body required: '${key}' is missing or not an object.`);
  return inner;
}

/**
 * Checks of the request body alone, before any lookup or policy check, as Neutron validates a
 * body before it enforces policy: an over-long name is 400 even for a caller who may not create
 * the resource or cannot see it.
 */
function checkInput(c: Collection, body: Obj, action: 'create' | 'update'): Obj {
  for (const field of ['name', 'description', 'project_id', 'tenant_id']) optString(body, field, { max: 255 });
  c.checkInput?.(body, action);
  return body;
}

/**
 * The routes every collection shares: list, create (one or bulk), show, update, delete, and the
 * tag sub-resource. Each authorizes with the policy table and calls one model operation.
 */
export function registerCollection(app: FastifyInstance, c: Collection, path: string, baseUrl: () => string): void {
  const base = `/v2.0/${path}`;
  const get = `get_${c.singular}`;
  const url = (req: FastifyRequest) => `${baseUrl()}${req.url}`;
  const policyTarget = (req: IdReq) => {
    if (c.hideWhenDenied && !allowed(networkPolicy, get, req.auth)) throw hidden();
    return c.policyTarget ? c.policyTarget(req.auth, req.params.id) : c.show(req.auth, req.params.id);
  };

  app.get(base, async (req) => {
    if (c.hideWhenDenied && !allowed(networkPolicy, get, req.auth)) return { [c.plural]: [] };
    enforce(networkPolicy, get, req.auth);
    return listResponse(c, await c.list(req.auth), req.query as RawQuery, url(req));
  });

  app.post(base, async (req, reply) => {
    const body = req.body;
    if (isObj(body) && Array.isArray(body[c.plural])) {
      const items = body[c.plural] as unknown[];
      // Bulk create is all or nothing, as Neutron's: a failure removes what this request created.
      const out: Obj[] = [];
      try {
        // An item may also come wrapped in its singular key, as Neutron accepts.
        const bodies = items.map((item) => checkInput(c, bodyOf(isObj(item) && c.singular in item ? item : { [c.singular]: item }, c.singular), 'create'));
        enforce(networkPolicy, `create_${c.singular}`, req.auth);
        for (const item of bodies) out.push(await c.create(req.auth, item));
      } catch (e) {
        for (const made of out.reverse()) await c.remove(req.auth, String(made.id)).catch(() => undefined);
        throw e;
      }
      reply.code(201);
      return { [c.plural]: out };
    }
    const input = checkInput(c, bodyOf(body, c.singular), 'create');
    enforce(networkPolicy, `create_${c.singular}`, req.auth);
    const created = await c.create(req.auth, input);
    reply.code(201);
    return { [c.singular]: created };
  });

  app.get(`${base}/:id`, async (req: IdReq) => {
    if (c.hideWhenDenied && !allowed(networkPolicy, get, req.auth)) throw hidden();
    enforce(networkPolicy, get, req.auth);
    return { [c.singular]: pick(await c.show(req.auth, req.params.id), fieldsOf(req.query as RawQuery)) };
  });

  app.put(`${base}/:id`, async (req: IdReq) => {
    const input = c.update && checkInput(c, bodyOf(req.body, c.singular), 'update');
    const target = await policyTarget(req);
    if (!c.update || !input) throw nBadRequest('HTTPBadRequest', `${c.plural} cannot be updated.`);
    enforce(networkPolicy, `update_${c.singular}`, req.auth, target);
    return { [c.singular]: await c.update(req.auth, req.params.id, input, ifMatch(req)) };
  });

  app.delete(`${base}/:id`, async (req: IdReq, reply) => {
    const target = await policyTarget(req);
    enforce(networkPolicy, `delete_${c.singular}`, req.auth, target);
    await c.remove(req.auth, req.params.id, ifMatch(req));
    reply.code(204);
  });

  registerTags(app, c, base);
}

/**
 * The tag sub-resource of a collection at `base` (standard-attr-tag). QoS policies also answer at
 * `/v2.0/policies/{id}/tags`, the path Neutron's tag extension gives them.
 */
export function registerTags(app: FastifyInstance, c: Collection, base: string): void {
  if (!c.setTags) return;
  const get = `get_${c.singular}`;
  const setTags = c.setTags.bind(c);
  const authorizeTags = async (req: IdReq) => {
    const target = await c.show(req.auth, req.params.id);
    enforce(networkPolicy, `update_${c.singular}`, req.auth, target);
    return target;
  };
  app.get(`${base}/:id/tags`, async (req: IdReq) => {
    enforce(networkPolicy, get, req.auth);
    return { tags: (await c.show(req.auth, req.params.id)).tags };
  });
  app.put(`${base}/:id/tags`, async (req: IdReq) => {
    await authorizeTags(req);
    const tags = checkTags(isObj(req.body) ? req.body.tags : undefined);
    return { tags: [...(await setTags(req.auth, req.params.id, () => tags, ifMatch(req)))].sort() };
  });
  app.delete(`${base}/:id/tags`, async (req: IdReq, reply) => {
    await authorizeTags(req);
    await setTags(req.auth, req.params.id, () => [], ifMatch(req));
    reply.code(204);
  });
  type TagReq = FastifyRequest<{ Params: { id: string; tag: string } }>;
  app.get(`${base}/:id/tags/:tag`, async (req: TagReq, reply) => {
    enforce(networkPolicy, get, req.auth);
    const tags = (await c.show(req.auth, req.params.id)).tags as string[];
    if (!tags.includes(req.params.tag)) throw nNotFound('TagNotFound', `Tag ${req.params.tag} could not be found for ${c.singular} ${req.params.id}.`);
    reply.code(204);
  });
  app.put(`${base}/:id/tags/:tag`, async (req: TagReq, reply) => {
    await authorizeTags(req);
    const [tag] = checkTags([req.params.tag]);
    await setTags(req.auth, req.params.id, (t) => (t.includes(tag) ? t : [...t, tag]), ifMatch(req));
    reply.code(201);
  });
  app.delete(`${base}/:id/tags/:tag`, async (req: TagReq, reply) => {
    await authorizeTags(req);
    const tags = (await c.show(req.auth, req.params.id)).tags as string[];
    if (!tags.includes(req.params.tag)) throw nNotFound('TagNotFound', `Tag ${req.params.tag} could not be found for ${c.singular} ${req.params.id}.`);
    await setTags(req.auth, req.params.id, (t) => t.filter((x) => x !== req.params.tag), ifMatch(req));
    reply.code(204);
  });
}
