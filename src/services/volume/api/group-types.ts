import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { boolParam, optBool, optString, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { authorize, body, metadataOf, params, q, sortOf, v3Route, type ApiDeps } from './common.js';
import { groupTypeView } from './render.js';
import { atLeast } from './versions.js';

/** Cinder's GROUP_TYPE microversion: below it the group type routes do not exist. */
const GROUP_TYPE = 11;

/** `is_public` as Cinder's strict bool_from_string takes it: a boolean or its string form. */
function publicFlag(t: Obj): boolean | undefined {
  return typeof t.is_public === 'string' ? boolParam(t.is_public) : optBool(t, 'is_public');
}

/** Group types (3.11): admin CRUD, `/group_types/default` and group specs. */
export function registerGroupTypeRoutes(app: FastifyInstance, d: ApiDeps): void {
  const gated = (req: FastifyRequest, action?: string) => {
    if (!atLeast(req, GROUP_TYPE)) throw notFound('The resource could not be found.');
    return action ? authorize(req, action) : authorize(req, 'group:get_all');
  };
  v3Route(app, 'GET', '/group_types', async (req) => {
    const auth = gated(req);
    const raw = q(req).is_public;
    const isPublic = raw === undefined ? true : raw.toLowerCase() === 'none' ? undefined : boolParam(raw);
    return { group_types: (await d.groupTypes.list(auth, isPublic, sortOf(q(req)))).map((t) => groupTypeView(req, t)) };
  });
  v3Route(app, 'GET', '/group_types/:id', async (req) => {
    const auth = gated(req);
    const id = params(req).id;
    return { group_type: groupTypeView(req, id === 'default' ? await d.groupTypes.defaultType(auth) : await d.groupTypes.find(auth, id)) };
  });
  v3Route(app, 'POST', '/group_types', async (req, reply) => {
    gated(req, 'group:group_types:create');
    const t = wrapped(body(req), 'group_type');
    const created = await d.groupTypes.create({
      name: reqString(t, 'name', { max: 255 }).trim(),
      description: optString(t, 'description', { max: 255, nullable: true }),
      is_public: publicFlag(t),
      group_specs: t.group_specs === undefined ? undefined : metadataOf(t.group_specs, 'group_specs'),
    });
    reply.code(202);
    return { group_type: groupTypeView(req, created) };
  });
  v3Route(app, 'PUT', '/group_types/:id', async (req) => {
    const auth = gated(req, 'group:group_types:update');
    const t = wrapped(body(req), 'group_type');
    const name = optString(t, 'name', { max: 255 }) ?? undefined;
    if (name !== undefined && !name.trim()) throw badRequest('Group type name can not be empty.');
    const f = { name, description: optString(t, 'description', { max: 255, nullable: true }), is_public: publicFlag(t) };
    if (f.name === undefined && f.description === undefined && f.is_public === undefined) throw badRequest('Specify group type name, description or a combination thereof.');
    return { group_type: groupTypeView(req, await d.groupTypes.update(auth, params(req).id, f)) };
  });
  v3Route(app, 'DELETE', '/group_types/:id', async (req, reply) => {
    const auth = gated(req, 'group:group_types:delete');
    await d.groupTypes.remove(auth, params(req).id);
    reply.code(202);
    return '';
  });

  v3Route(app, 'GET', '/group_types/:id/group_specs', async (req) => {
    const auth = gated(req, 'group:group_types_specs');
    return { group_specs: (await d.groupTypes.find(auth, params(req).id)).specs };
  });
  v3Route(app, 'POST', '/group_types/:id/group_specs', async (req, reply) => {
    const auth = gated(req, 'group:group_types_specs');
    // As Cinder, the answer echoes the specs given, not the merged set.
    const specs = metadataOf(body(req).group_specs, 'group_specs');
    await d.groupTypes.setSpecs(auth, params(req).id, specs);
    reply.code(202);
    return { group_specs: specs };
  });
  v3Route(app, 'GET', '/group_types/:id/group_specs/:key', async (req) => {
    const auth = gated(req, 'group:group_types_specs');
    const { id, key } = params(req);
    return { [key]: await d.groupTypes.spec(auth, id, key) };
  });
  v3Route(app, 'PUT', '/group_types/:id/group_specs/:key', async (req) => {
    const auth = gated(req, 'group:group_types_specs');
    const { id, key } = params(req);
    const spec = metadataOf(body(req), 'group_specs');
    if (Object.keys(spec).length !== 1 || !(key in spec)) throw badRequest('Request body and URI mismatch');
    await d.groupTypes.setSpecs(auth, id, spec);
    return spec;
  });
  v3Route(app, 'DELETE', '/group_types/:id/group_specs/:key', async (req, reply) => {
    const auth = gated(req, 'group:group_types_specs');
    const { id, key } = params(req);
    await d.groupTypes.unsetSpec(auth, id, key);
    reply.code(202);
    return '';
  });
}
