import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.js';
import { fromDbBool, isUniqueViolation, toDbBool } from '../../../platform/db/database.js';
import { hexId } from '../../../platform/ids.js';
import { boolParam, optBool, optString, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { identityPolicy } from '../policy.js';
import { parseJson } from '../store/json.js';
import type { EndpointRow, RegionRow, ServiceRow } from '../store/tables.js';
import { collection } from './common.js';
import type { IdentityDeps } from './deps.js';
import { extraOf } from './projects.js';
import { selfLink } from './render.js';

const INTERFACES = ['public', 'internal', 'admin'];
const REGION_FIELDS = ['description', 'parent_region_id'];
const SERVICE_FIELDS = ['type', 'name', 'description', 'enabled'];
const ENDPOINT_FIELDS = ['service_id', 'interface', 'url', 'region_id', 'region', 'enabled'];
/** Kept in a service's extra by the catalog itself (services this process registers). */
const INTERNAL_EXTRA = ['managed'];

const publicExtra = (text: string) => Object.fromEntries(Object.entries(parseJson<Obj>(text, {})).filter(([k]) => !INTERNAL_EXTRA.includes(k)));

export function renderRegion(base: string, r: RegionRow) {
  return { id: r.id, description: r.description, parent_region_id: r.parent_region_id, links: selfLink(base, `regions/${r.id}`), ...publicExtra(r.extra) };
}

export function renderService(base: string, s: ServiceRow) {
  const out: Obj = { id: s.id, type: s.type, enabled: fromDbBool(s.enabled), links: selfLink(base, `services/${s.id}`) };
  if (s.name !== null) out.name = s.name;
  if (s.description !== null) out.description = s.description;
  return { ...out, ...publicExtra(s.extra) };
}

export function renderEndpoint(base: string, e: EndpointRow) {
  return {
    id: e.id,
    interface: e.interface,
    region_id: e.region_id,
    region: e.region_id,
    url: e.url,
    service_id: e.service_id,
    enabled: fromDbBool(e.enabled),
    links: selfLink(base, `endpoints/${e.id}`),
    ...publicExtra(e.extra),
  };
}

const invalidRef = (attribute: string, target: string) =>
  badRequest(
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );

function validUrl(b: Obj, required: boolean): string | undefined {
  const url = required ? reqString(b, 'url', { max: 225 }) : (optString(b, 'url', { max: 225, min: 1 }) ?? undefined);
  if (url !== undefined && !/^[a-zA-Z0-9+.-]+:.+/.test(url)) throw badRequest(`Invalid input for field 'url': '${url}' is not a URL.`);
  return url;
}

function validInterface(b: Obj, required: boolean): string | undefined {
  const v = required ? reqString(b, 'interface') : (optString(b, 'interface', { min: 1 }) ?? undefined);
  if (v !== undefined && !INTERFACES.includes(v)) throw badRequest(`Invalid input for field 'interface': '${v}' is not one of ${INTERFACES.join(', ')}.`);
  return v;
}

export function registerCatalogRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const s = d.catalogStore;
  /**
   * Keystone enforces region and service calls before it looks the entity up (a missing one is 403
   * to those the policy refuses), but loads an endpoint first (404 for everyone).
   */
  const load = async <T>(req: FastifyRequest, action: string, what: string, id: string, get: (id: string) => Promise<T | undefined>) => {
    const lookupFirst = what === 'endpoint';
    if (!lookupFirst) enforce(identityPolicy, action, req.auth);
    const row = await get(id);
    if (!row) throw notFound(`Could not find ${what}: ${id}.`);
    if (lookupFirst) enforce(identityPolicy, action, req.auth);
    return row;
  };

  // --- regions ---
  /** The parent must exist and must not be the region itself or below it. */
  const checkParent = async (id: string, parentId: string | null) => {
    for (let cur = parentId, depth = 0; cur && depth < 64; depth++) {
      if (cur === id) throw badRequest(`The specified parent region ${parentId} would create a circular region hierarchy.`);
      const parent = await s.getRegion(cur);
      if (!parent) throw notFound(`Could not find region: ${cur}.`);
      cur = parent.parent_region_id;
    }
  };
  const createRegion = async (req: FastifyRequest, b: Obj, id: string) => {
    enforce(identityPolicy, 'identity:create_region', req.auth);
    const row: RegionRow = {
      id,
      description: optString(b, 'description', { nullable: true, max: 255 }) ?? '',
      parent_region_id: optString(b, 'parent_region_id', { nullable: true, max: 255 }) ?? null,
      extra: JSON.stringify(extraOf(b, REGION_FIELDS)),
    };
    await checkParent(id, row.parent_region_id);
    await s.insertRegion(row).catch((e) => {
      throw isUniqueViolation(e) ? conflict(`Conflict occurred attempting to store region - Duplicate ID, ${id}.`) : e;
    });
    await d.catalog.changed();
    return { region: renderRegion(base(), row) };
  };

  app.get('/v3/regions', async (req) => {
    enforce(identityPolicy, 'identity:list_regions', req.auth);
    const q = query(req.query);
    const rows = (await s.listRegions()).filter((r) => q.parent_region_id === undefined || r.parent_region_id === q.parent_region_id);
    return collection(d, req, 'regions', rows.map((r) => renderRegion(base(), r)));
  });
  app.post('/v3/regions', async (req, reply) => {
    const b = wrapped(req.body, 'region');
    const body = await createRegion(req, b, optString(b, 'id', { max: 255, min: 1 }) ?? hexId());
    reply.code(201);
    return body;
  });
  app.put<{ Params: { id: string } }>('/v3/regions/:id', async (req, reply) => {
    const b = wrapped(req.body, 'region');
    if (b.id !== undefined && b.id !== req.params.id) throw badRequest('Conflicting region IDs specified: the body and the URL differ.');
    const body = await createRegion(req, b, req.params.id);
    reply.code(201);
    return body;
  });
  app.get<{ Params: { id: string } }>('/v3/regions/:id', async (req) => ({
    region: renderRegion(base(), await load(req, 'identity:get_region', 'region', req.params.id, (id) => s.getRegion(id))),
  }));
  app.patch<{ Params: { id: string } }>('/v3/regions/:id', async (req) => {
    const r = await load(req, 'identity:update_region', 'region', req.params.id, (id) => s.getRegion(id));
    const b = wrapped(req.body, 'region');
    if (b.id !== undefined && b.id !== r.id) throw badRequest('The region ID cannot be changed.');
    const patch: Partial<RegionRow> = {};
    const desc = optString(b, 'description', { nullable: true, max: 255 });
    if (desc !== undefined) patch.description = desc ?? '';
    const parent = optString(b, 'parent_region_id', { nullable: true, max: 255 });
    if (parent !== undefined) {
      await checkParent(r.id, parent);
      patch.parent_region_id = parent;
    }
    const extra = extraOf(b, [...REGION_FIELDS, 'id']);
    if (Object.keys(extra).length) patch.extra = JSON.stringify({ ...parseJson<Obj>(r.extra, {}), ...extra });
    await s.updateRegion(r.id, patch);
    await d.catalog.changed();
    return { region: renderRegion(base(), { ...r, ...patch }) };
  });
  app.delete<{ Params: { id: string } }>('/v3/regions/:id', async (req, reply) => {
    const r = await load(req, 'identity:delete_region', 'region', req.params.id, (id) => s.getRegion(id));
    const regions = await s.listRegions();
    // The region and every region below it, parents before children.
    const tree = [r.id];
    for (let i = 0; i < tree.length; i++) for (const x of regions) if (x.parent_region_id === tree[i] && !tree.includes(x.id)) tree.push(x.id);
    if ((await s.listEndpoints()).some((e) => e.region_id && tree.includes(e.region_id))) {
      throw forbidden(`Unable to delete region ${r.id} because it or its child regions have associated endpoints.`);
    }
    for (const id of tree.reverse()) await s.deleteRegion(id);
    await d.catalog.changed();
    reply.code(204);
  });

  // --- services ---
  app.get('/v3/services', async (req) => {
    enforce(identityPolicy, 'identity:list_services', req.auth);
    const q = query(req.query);
    const rows = (await s.listServices()).filter((x) => (q.type === undefined || x.type === q.type) && (q.name === undefined || x.name === q.name));
    return collection(d, req, 'services', rows.map((x) => renderService(base(), x)));
  });
  app.post('/v3/services', async (req, reply) => {
    enforce(identityPolicy, 'identity:create_service', req.auth);
    const b = wrapped(req.body, 'service');
    const row: ServiceRow = {
      id: hexId(),
      type: reqString(b, 'type', { max: 255 }),
      name: optString(b, 'name', { nullable: true, max: 255 }) ?? null,
      description: optString(b, 'description', { nullable: true }) ?? null,
      enabled: toDbBool(optBool(b, 'enabled') ?? true),
      extra: JSON.stringify(extraOf(b, [...SERVICE_FIELDS, ...INTERNAL_EXTRA])),
    };
    await s.insertService(row);
    await d.catalog.changed();
    reply.code(201);
    return { service: renderService(base(), row) };
  });
  app.get<{ Params: { id: string } }>('/v3/services/:id', async (req) => ({
    service: renderService(base(), await load(req, 'identity:get_service', 'service', req.params.id, (id) => s.getService(id))),
  }));
  app.patch<{ Params: { id: string } }>('/v3/services/:id', async (req) => {
    const x = await load(req, 'identity:update_service', 'service', req.params.id, (id) => s.getService(id));
    const b = wrapped(req.body, 'service');
    const patch: Partial<ServiceRow> = {};
    const type = optString(b, 'type', { max: 255, min: 1 });
    if (type) patch.type = type;
    const name = optString(b, 'name', { nullable: true, max: 255 });
    if (name !== undefined) patch.name = name;
    const desc = optString(b, 'description', { nullable: true });
    if (desc !== undefined) patch.description = desc;
    const enabled = optBool(b, 'enabled');
    if (enabled !== undefined) patch.enabled = toDbBool(enabled);
    const extra = extraOf(b, [...SERVICE_FIELDS, ...INTERNAL_EXTRA]);
    if (Object.keys(extra).length) patch.extra = JSON.stringify({ ...parseJson<Obj>(x.extra, {}), ...extra });
    await s.updateService(x.id, patch);
    await d.catalog.changed();
    return { service: renderService(base(), { ...x, ...patch }) };
  });
  app.delete<{ Params: { id: string } }>('/v3/services/:id', async (req, reply) => {
    const x = await load(req, 'identity:delete_service', 'service', req.params.id, (id) => s.getService(id));
    await s.deleteService(x.id);
    await d.catalog.changed();
    reply.code(204);
  });

  // --- endpoints ---
  /**
   * `region_id` must name an existing region; the legacy `region` attribute creates the region
   * when it is missing, as Keystone does for backward compatibility.
   */
  const regionOf = async (b: Obj): Promise<string | null | undefined> => {
    const regionId = optString(b, 'region_id', { nullable: true, max: 255 });
    const legacy = regionId == null ? optString(b, 'region', { nullable: true, max: 255 }) : undefined;
    const region = regionId ?? legacy;
    if (region && !(await s.getRegion(region))) {
      if (!legacy) throw invalidRef('endpoint region_id', 'region table');
      await s.insertRegion({ id: legacy, description: '', parent_region_id: null, extra: '{}' }).catch((e) => {
        if (!isUniqueViolation(e)) throw e;
      });
    }
    return region;
  };
  const serviceOf = async (b: Obj, required: boolean): Promise<string | undefined> => {
    const id = required ? reqString(b, 'service_id', { max: 64 }) : (optString(b, 'service_id', { max: 64, min: 1 }) ?? undefined);
    if (id !== undefined && !(await s.getService(id))) throw invalidRef('endpoint service_id', 'service table');
    return id;
  };

  app.get('/v3/endpoints', async (req) => {
    enforce(identityPolicy, 'identity:list_endpoints', req.auth);
    const q = query(req.query);
    const enabled = boolParam(q.enabled);
    const rows = (await s.listEndpoints()).filter(
      (e) =>
        (q.interface === undefined || e.interface === q.interface) &&
        (q.service_id === undefined || e.service_id === q.service_id) &&
        (q.region_id === undefined || e.region_id === q.region_id) &&
        (enabled === undefined || fromDbBool(e.enabled) === enabled),
    );
    return collection(d, req, 'endpoints', rows.map((e) => renderEndpoint(base(), e)));
  });
  app.post('/v3/endpoints', async (req, reply) => {
    enforce(identityPolicy, 'identity:create_endpoint', req.auth);
    const b = wrapped(req.body, 'endpoint');
    const row: EndpointRow = {
      id: hexId(),
      interface: validInterface(b, true)!,
      url: validUrl(b, true)!,
      service_id: (await serviceOf(b, true))!,
      region_id: (await regionOf(b)) ?? null,
      enabled: toDbBool(optBool(b, 'enabled') ?? true),
      extra: JSON.stringify(extraOf(b, ENDPOINT_FIELDS)),
    };
    await s.insertEndpoint(row);
    await d.catalog.changed();
    reply.code(201);
    return { endpoint: renderEndpoint(base(), row) };
  });
  app.get<{ Params: { id: string } }>('/v3/endpoints/:id', async (req) => ({
    endpoint: renderEndpoint(base(), await load(req, 'identity:get_endpoint', 'endpoint', req.params.id, (id) => s.getEndpoint(id))),
  }));
  app.patch<{ Params: { id: string } }>('/v3/endpoints/:id', async (req) => {
    const e = await load(req, 'identity:update_endpoint', 'endpoint', req.params.id, (id) => s.getEndpoint(id));
    const b = wrapped(req.body, 'endpoint');
    const patch: Partial<EndpointRow> = {};
    const iface = validInterface(b, false);
    if (iface) patch.interface = iface;
    const url = validUrl(b, false);
    if (url) patch.url = url;
    const service = await serviceOf(b, false);
    if (service) patch.service_id = service;
    const region = await regionOf(b);
    if (region !== undefined) patch.region_id = region;
    const enabled = optBool(b, 'enabled');
    if (enabled !== undefined) patch.enabled = toDbBool(enabled);
    const extra = extraOf(b, ENDPOINT_FIELDS);
    if (Object.keys(extra).length) patch.extra = JSON.stringify({ ...parseJson<Obj>(e.extra, {}), ...extra });
    await s.updateEndpoint(e.id, patch);
    await d.catalog.changed();
    return { endpoint: renderEndpoint(base(), { ...e, ...patch }) };
  });
  app.delete<{ Params: { id: string } }>('/v3/endpoints/:id', async (req, reply) => {
    const e = await load(req, 'identity:delete_endpoint', 'endpoint', req.params.id, (id) => s.getEndpoint(id));
    await s.deleteEndpoint(e.id);
    await d.catalog.changed();
    reply.code(204);
  });
}
