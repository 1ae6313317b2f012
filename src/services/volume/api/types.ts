import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isoNaive } from '../../../platform/ids.js';
import { boolParam, isObj, optBool, optString, reqString, wrapped } from '../../../platform/http/validate.js';
import type { Encryption } from '../model/types.js';
import { authorize, body, metadataOf, params, q, v3Route, type ApiDeps } from './common.js';
import { typeView } from './render.js';

/** Volume types (admin CRUD), their extra specs, access lists and `/types/default`. */
export function registerTypeRoutes(app: FastifyInstance, d: ApiDeps): void {
  v3Route(app, 'GET', '/types', async (req) => {
    const auth = authorize(req, 'volume_extension:type_get_all');
    const isPublic = q(req).is_public;
    const pub = isPublic === undefined || isPublic.toLowerCase() === 'none' ? undefined : boolParam(isPublic);
    return { volume_types: (await d.types.list(auth, pub)).map((t) => typeView(req, t)) };
  });
  v3Route(app, 'GET', '/types/default', async (req) => {
    const auth = authorize(req, 'volume_extension:type_get');
    return { volume_type: typeView(req, await d.types.defaultType(auth)) };
  });
  v3Route(app, 'GET', '/types/:id', async (req) => {
    const auth = authorize(req, 'volume_extension:type_get');
    return { volume_type: typeView(req, await d.types.find(auth, params(req).id)) };
  });
  v3Route(app, 'POST', '/types', async (req) => {
    authorize(req, 'volume_extension:types_manage');
    const t = wrapped(body(req), 'volume_type');
    const specs = t.extra_specs === undefined ? undefined : metadataOf(t.extra_specs, 'extra_specs');
    const isPublic = optBool(t, 'os-volume-type-access:is_public') ?? optBool(t, 'is_public');
    const created = await d.types.create({ name: reqString(t, 'name', { max: 255 }).trim(), description: optString(t, 'description', { max: 255, nullable: true }), is_public: isPublic, extra_specs: specs });
    return { volume_type: typeView(req, created, 'create') };
  });
  v3Route(app, 'PUT', '/types/:id', async (req) => {
    const auth = authorize(req, 'volume_extension:types_manage');
    const t = wrapped(body(req), 'volume_type');
    const f = { name: optString(t, 'name', { max: 255, min: 1 }) ?? undefined, description: optString(t, 'description', { max: 255, nullable: true }), is_public: optBool(t, 'is_public') };
    if (f.name === undefined && f.description === undefined && f.is_public === undefined) throw badRequest('Specify volume type name, description, is_public or a combination thereof.');
    return { volume_type: typeView(req, await d.types.update(auth, params(req).id, f), 'update') };
  });
  v3Route(app, 'DELETE', '/types/:id', async (req, reply) => {
    const auth = authorize(req, 'volume_extension:types_manage');
    await d.types.remove(auth, params(req).id);
    reply.code(202);
    return '';
  });

  v3Route(app, 'GET', '/types/:id/extra_specs', async (req) => {
    const auth = authorize(req, 'volume_extension:types_extra_specs:index');
    return { extra_specs: typeView(req, await d.types.find(auth, params(req).id)).extra_specs };
  });
  v3Route(app, 'POST', '/types/:id/extra_specs', async (req) => {
    const auth = authorize(req, 'volume_extension:types_extra_specs:update');
    // Cinder echoes the specs it was given, not the merged set.
    const specs = metadataOf(body(req).extra_specs, 'extra_specs');
    await d.types.setSpecs(auth, params(req).id, specs);
    return { extra_specs: specs };
  });
  v3Route(app, 'GET', '/types/:id/extra_specs/:key', async (req) => {
    const auth = authorize(req, 'volume_extension:types_extra_specs:index');
    const specs = typeView(req, await d.types.find(auth, params(req).id)).extra_specs as Record<string, string>;
    const key = params(req).key;
    if (!(key in specs)) throw notFound(`Volume Type ${params(req).id} has no extra specs with key ${key}.`);
    return { [key]: specs[key] };
  });
  v3Route(app, 'PUT', '/types/:id/extra_specs/:key', async (req) => {
    const auth = authorize(req, 'volume_extension:types_extra_specs:update');
    const spec = metadataOf(body(req), 'extra_specs');
    const key = params(req).key;
    if (Object.keys(spec).length !== 1 || !(key in spec)) throw badRequest('Request body and URI mismatch');
    await d.types.setSpecs(auth, params(req).id, spec);
    return spec;
  });
  v3Route(app, 'DELETE', '/types/:id/extra_specs/:key', async (req, reply) => {
    const auth = authorize(req, 'volume_extension:types_extra_specs:update');
    await d.types.unsetSpec(auth, params(req).id, params(req).key);
    reply.code(202);
    return '';
  });

  // Encryption of a type (admin): the body of GET is the spec itself, {} for clear-text types.
  const encryptionBody = (req: FastifyRequest) => {
    const e = wrapped(body(req), 'encryption');
    // As Cinder's schema: a count of bits >= 0, as a number or a string of digits.
    const keySize = e.key_size === undefined || e.key_size === null ? e.key_size : /^[0-9]+$/.test(String(e.key_size)) ? Number(e.key_size) : NaN;
    if (Number.isNaN(keySize)) throw badRequest('Invalid input for field/attribute key_size.');
    return {
      provider: optString(e, 'provider', { max: 255 }) ?? undefined,
      cipher: optString(e, 'cipher', { max: 255, nullable: true }),
      key_size: keySize as number | null | undefined,
      control_location: optString(e, 'control_location') ?? undefined,
    };
  };
  const encryptionView = (typeId: string, e: Encryption) => ({ volume_type_id: typeId, ...e, created_at: isoNaive(e.created_at), updated_at: e.updated_at && isoNaive(e.updated_at), deleted: false, deleted_at: null });
  v3Route(app, 'GET', '/types/:id/encryption', async (req) => {
    const t = await d.types.find(authorize(req, 'volume_extension:volume_type_encryption'), params(req).id);
    return t.encryption ? encryptionView(t.row.id, t.encryption) : {};
  });
  // One field of the spec, as `{field: value}` (Cinder's show of an encryption "item").
  v3Route(app, 'GET', '/types/:id/encryption/:key', async (req) => {
    const t = await d.types.find(authorize(req, 'volume_extension:volume_type_encryption'), params(req).id);
    const view: Record<string, unknown> | undefined = t.encryption ? encryptionView(t.row.id, t.encryption) : undefined;
    const key = params(req).key;
    if (!view || !(key in view)) throw notFound(`Volume type encryption for type ${t.row.id} does not exist.`);
    return { [key]: view[key] };
  });
  v3Route(app, 'POST', '/types/:id/encryption', async (req) => {
    const auth = authorize(req, 'volume_extension:volume_type_encryption');
    const f = encryptionBody(req);
    if (!f.provider) throw badRequest('Invalid input for field/attribute provider. Value: None.');
    const e = await d.types.setEncryption(auth, params(req).id, f, true);
    // As Cinder, the answer is the request's fields with the type's and the spec's ids, not the stored row.
    const given = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
    return { encryption: { ...given, volume_type_id: params(req).id, encryption_id: e.encryption_id } };
  });
  v3Route(app, 'PUT', '/types/:id/encryption/:eid', async (req) => {
    const auth = authorize(req, 'volume_extension:volume_type_encryption');
    const e = await d.types.setEncryption(auth, params(req).id, encryptionBody(req), false);
    return { encryption: { provider: e.provider, cipher: e.cipher, key_size: e.key_size, control_location: e.control_location } };
  });
  v3Route(app, 'DELETE', '/types/:id/encryption/:eid', async (req, reply) => {
    await d.types.removeEncryption(authorize(req, 'volume_extension:volume_type_encryption'), params(req).id);
    reply.code(202);
    return '';
  });

  v3Route(app, 'GET', '/types/:id/os-volume-type-access', async (req) => {
    const auth = authorize(req, 'volume_extension:types_manage');
    const projects = await d.types.access(auth, params(req).id);
    return { volume_type_access: projects.map((p) => ({ volume_type_id: params(req).id, project_id: p })) };
  });
  v3Route(app, 'POST', '/types/:id/action', async (req, reply) => {
    const b = body(req);
    const [action] = Object.keys(b);
    const args = b[action];
    if (Object.keys(b).length !== 1 || !isObj(args)) throw badRequest('Malformed request body.');
    const project = reqString(args, 'project');
    if (action === 'addProjectAccess') await d.types.addAccess(authorize(req, 'volume_extension:volume_type_access:addProjectAccess'), params(req).id, project);
    else if (action === 'removeProjectAccess') await d.types.removeAccess(authorize(req, 'volume_extension:volume_type_access:removeProjectAccess'), params(req).id, project);
    else throw badRequest(`There is no such action: ${action}`);
    reply.code(202);
    return '';
  });
}
