import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isObj, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { Limit, LimitFilters, LimitInput, RegisteredLimitInput } from '../model/limits.js';
import { FLAT_MODEL, limitNotFound } from '../model/limits.js';
import { identityPolicy, seesAllLimits } from '../policy.js';
import type { RegisteredLimitRow } from '../store/tables.js';
import { collection, duplicateAs } from './common.js';
import type { IdentityDeps } from './deps.js';
import { selfLink } from './render.js';

const fail = (field: string, what: string) => badRequest(`Invalid input for field '${field}': ${what}.`);

/** Keystone's schemas allow no other properties. */
function onlyFields(o: Obj, allowed: readonly string[], path: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length) throw fail(path, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
}

/** A limit value: a JSON integer from -1 (unlimited) to the largest signed 32-bit integer. */
function limitValue(o: Obj, field: string, path: string): number | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw fail(path, `${JSON.stringify(v)} is not of type 'integer'`);
  if (v < -1 || v > 0x7fffffff) throw fail(path, `${v} is out of range -1..2147483647`);
  return v;
}

const optText = (o: Obj, field: string, path: string, max?: number): string | null | undefined => {
  const v = o[field];
  if (v === undefined || v === null) return v;
  if (typeof v !== 'string') throw fail(path, `${JSON.stringify(v)} is not of type 'string'`);
  if (max !== undefined && (v.length < 1 || v.length > max)) throw fail(path, `must be 1 to ${max} characters`);
  return v;
};

/** The body's list under `key`: a non-empty array of objects. */
function batch(body: unknown, key: string): Obj[] {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  onlyFields(body, [key], key);
  const list = body[key];
  if (!Array.isArray(list) || list.length === 0) throw fail(key, 'expected a non-empty list');
  return list.map((item, i) => {
    if (!isObj(item)) throw fail(`${key}/${i}`, 'expected an object');
    return item;
  });
}

const REGISTERED_FIELDS = ['service_id', 'region_id', 'resource_name', 'default_limit', 'description'] as const;

function registeredInput(o: Obj, path: string): RegisteredLimitInput {
  onlyFields(o, REGISTERED_FIELDS, path);
  const defaultLimit = limitValue(o, 'default_limit', `${path}/default_limit`);
  if (defaultLimit === undefined) throw fail(`${path}/default_limit`, 'is a required property');
  return {
    service_id: reqString(o, 'service_id', { max: 255, path: `${path}/service_id` }),
    region_id: optText(o, 'region_id', `${path}/region_id`, 255) ?? null,
    resource_name: reqString(o, 'resource_name', { max: 255, path: `${path}/resource_name` }),
    default_limit: defaultLimit,
    description: optText(o, 'description', `${path}/description`) ?? null,
  };
}

function limitInput(o: Obj, path: string): LimitInput {
  onlyFields(o, ['project_id', 'domain_id', 'service_id', 'region_id', 'resource_name', 'resource_limit', 'description'], path);
  // Keystone's schema: exactly one of project_id and domain_id.
  if ((o.project_id === undefined) === (o.domain_id === undefined)) {
    throw fail(path, 'exactly one of project_id and domain_id is required');
  }
  const resourceLimit = limitValue(o, 'resource_limit', `${path}/resource_limit`);
  if (resourceLimit === undefined) throw fail(`${path}/resource_limit`, 'is a required property');
  return {
    project_id: optText(o, 'project_id', `${path}/project_id`, 64) ?? null,
    domain_id: optText(o, 'domain_id', `${path}/domain_id`, 64) ?? null,
    service_id: reqString(o, 'service_id', { max: 255, path: `${path}/service_id` }),
    region_id: optText(o, 'region_id', `${path}/region_id`, 255) ?? null,
    resource_name: reqString(o, 'resource_name', { max: 255, path: `${path}/resource_name` }),
    resource_limit: resourceLimit,
    description: optText(o, 'description', `${path}/description`) ?? null,
  };
}

function pick<K extends string>(q: Record<string, string>, keys: readonly K[]): Partial<Record<K, string>> {
  return Object.fromEntries(keys.filter((k) => q[k] !== undefined).map((k) => [k, q[k]])) as Partial<Record<K, string>>;
}

const renderRegistered = (base: string, r: RegisteredLimitRow) => ({
  id: r.id,
  service_id: r.service_id,
  region_id: r.region_id,
  resource_name: r.resource_name,
  default_limit: r.default_limit,
  description: r.description,
  links: selfLink(base, `registered_limits/${r.id}`),
});

const renderLimit = (base: string, l: Limit) => ({ ...l, links: selfLink(base, `limits/${l.id}`) });

/** Unified limits (`/v3/registered_limits`, `/v3/limits`) with Keystone's flat enforcement model. */
export function registerLimitRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const u = d.limits;
  const id = (req: FastifyRequest) => (req.params as { id: string }).id;

  // --- registered limits ---
  app.get('/v3/registered_limits', async (req) => {
    enforce(identityPolicy, 'identity:list_registered_limits', req.auth);
    const rows = await u.listRegistered(pick(query(req.query), ['service_id', 'region_id', 'resource_name']));
    return collection(d, req, 'registered_limits', rows.map((r) => renderRegistered(base(), r)));
  });
  app.post('/v3/registered_limits', async (req, reply) => {
    enforce(identityPolicy, 'identity:create_registered_limits', req.auth);
    const inputs = batch(req.body, 'registered_limits').map((o, i) => registeredInput(o, `registered_limits/${i}`));
    const rows = await u.createRegistered(inputs).catch(duplicateAs('registered_limit', 'Duplicate entry'));
    reply.code(201);
    return { registered_limits: rows.map((r) => renderRegistered(base(), r)) };
  });
  app.get('/v3/registered_limits/:id', async (req) => {
    enforce(identityPolicy, 'identity:get_registered_limit', req.auth);
    return { registered_limit: renderRegistered(base(), await u.registered(id(req))) };
  });
  app.patch('/v3/registered_limits/:id', async (req) => {
    enforce(identityPolicy, 'identity:update_registered_limit', req.auth);
    const b = wrapped(req.body, 'registered_limit');
    onlyFields(b, REGISTERED_FIELDS, 'registered_limit');
    const path = (f: string) => `registered_limit/${f}`;
    const patch = {
      ...(b.service_id !== undefined ? { service_id: reqString(b, 'service_id', { max: 255, path: path('service_id') }) } : {}),
      ...(b.region_id !== undefined ? { region_id: optText(b, 'region_id', path('region_id'), 255) ?? null } : {}),
      ...(b.resource_name !== undefined ? { resource_name: reqString(b, 'resource_name', { max: 255, path: path('resource_name') }) } : {}),
      ...(b.default_limit !== undefined ? { default_limit: limitValue(b, 'default_limit', path('default_limit')) } : {}),
      ...(b.description !== undefined ? { description: optText(b, 'description', path('description')) ?? null } : {}),
    };
    const row = await u.updateRegistered(id(req), patch).catch(duplicateAs('registered_limit', 'Duplicate entry'));
    return { registered_limit: renderRegistered(base(), row) };
  });
  app.delete('/v3/registered_limits/:id', async (req, reply) => {
    enforce(identityPolicy, 'identity:delete_registered_limit', req.auth);
    await u.deleteRegistered(id(req));
    reply.code(204);
  });

  // --- limits ---
  app.get('/v3/limits/model', async (req) => {
    enforce(identityPolicy, 'identity:get_limit_model', req.auth);
    return { model: FLAT_MODEL };
  });
  app.get('/v3/limits', async (req) => {
    enforce(identityPolicy, 'identity:list_limits', req.auth);
    const filters: LimitFilters = pick(query(req.query), ['service_id', 'region_id', 'resource_name', 'project_id', 'domain_id']);
    // Keystone's listing: the system and admins see every limit, a domain token its domain's and
    // its projects', a project token its project's.
    const a = req.auth;
    let rows: Limit[] = [];
    if (seesAllLimits(a)) rows = await u.listLimits(filters);
    else if (a.domainId) rows = await u.listLimits(filters, a.domainId);
    else if (a.projectId && (filters.project_id ?? a.projectId) === a.projectId) rows = await u.listLimits({ ...filters, project_id: a.projectId });
    return collection(d, req, 'limits', rows.map((l) => renderLimit(base(), l)));
  });
  app.post('/v3/limits', async (req, reply) => {
    enforce(identityPolicy, 'identity:create_limits', req.auth);
    const inputs = batch(req.body, 'limits').map((o, i) => limitInput(o, `limits/${i}`));
    const rows = await u.createLimits(inputs).catch(duplicateAs('limit', 'Duplicate entry'));
    reply.code(201);
    return { limits: rows.map((l) => renderLimit(base(), l)) };
  });
  app.get('/v3/limits/:id', async (req) => {
    // As Keystone, the rule is checked before the limit is looked up: a missing limit is 403 to
    // those who may only read their own.
    const { limit, domainId } = await u.limitWithDomain(id(req));
    enforce(identityPolicy, 'identity:get_limit', req.auth, { project_id: limit?.project_id ?? undefined, domain_id: domainId });
    if (!limit) throw limitNotFound(id(req));
    return { limit: renderLimit(base(), limit) };
  });
  app.patch('/v3/limits/:id', async (req) => {
    enforce(identityPolicy, 'identity:update_limit', req.auth);
    const b = wrapped(req.body, 'limit');
    onlyFields(b, ['resource_limit', 'description'], 'limit');
    const patch = {
      ...(b.resource_limit !== undefined ? { resource_limit: limitValue(b, 'resource_limit', 'limit/resource_limit') } : {}),
      ...(b.description !== undefined ? { description: optText(b, 'description', 'limit/description') ?? null } : {}),
    };
    return { limit: renderLimit(base(), await u.updateLimit(id(req), patch)) };
  });
  app.delete('/v3/limits/:id', async (req, reply) => {
    enforce(identityPolicy, 'identity:delete_limit', req.auth);
    await u.deleteLimit(id(req));
    reply.code(204);
  });
}
