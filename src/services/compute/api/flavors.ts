import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isObj, optInt, optString, query, reqString, wrapped } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { Flavor } from '../model/flavors.js';
import { computePolicy } from '../policy.js';
import { nextLinks, novaBool, paging, renderCtx, since, type ComputeApi } from './common.js';
import { renderFlavor } from './render.js';

const FLAVOR_ID = /^(?! )[a-zA-Z0-9. _-]+(?<! )$/;
const SORT: Record<string, keyof Flavor> = { flavorid: 'id', id: 'id', name: 'name', memory_mb: 'ram', ram: 'ram', vcpus: 'vcpus', root_gb: 'disk', disk: 'disk', swap: 'swap', rxtx_factor: 'rxtx_factor', ephemeral_gb: 'ephemeral', created_at: 'id' };

function parseCreate(body: unknown, mv: number) {
  const f = wrapped(body, 'flavor');
  const name = reqString(f, 'name', { max: 255 });
  if (!name.trim()) throw badRequest("Invalid input for field/attribute name. Value: ''. The name must not be empty");
  const id = f.id === null || f.id === undefined ? undefined : typeof f.id === 'number' ? String(f.id) : (optString(f, 'id', { max: 255 }) as string);
  if (id !== undefined && !FLAVOR_ID.test(id)) throw badRequest(`Invalid input for field/attribute id. Value: ${id}. '${id}' does not match the flavor id pattern`);
  const int = (field: string, min: number, required: boolean) => {
    const v = optInt(f, field, { min, max: 2 ** 31 - 1 });
    if (v === undefined || v === null) {
      if (required) throw badRequest(`Invalid input for field/attribute flavor. '${field}' is a required property`);
      return 0;
    }
    return v;
  };
  const rxtx = f.rxtx_factor === undefined ? 1 : Number(f.rxtx_factor);
  if (!(rxtx > 0)) throw badRequest('Invalid input for field/attribute rxtx_factor. It must be greater than 0.');
  if (f.description !== undefined && mv < 55) throw badRequest("Invalid input for field/attribute flavor. Additional properties are not allowed ('description' was unexpected)");
  return {
    name,
    id,
    ram: int('ram', 1, true),
    vcpus: int('vcpus', 1, true),
    disk: int('disk', 0, true),
    swap: int('swap', 0, false),
    ephemeral: int('OS-FLV-EXT-DATA:ephemeral', 0, false),
    rxtx_factor: rxtx,
    is_public: novaBool(f, 'os-flavor-access:is_public'),
    description: optString(f, 'description', { max: 65535, nullable: true }) ?? null,
  };
}

export function registerFlavorRoutes(app: FastifyInstance, api: ComputeApi): void {
  const flavors = api.model.flavors;
  const listing = (detail: boolean) => async (req: FastifyRequest) => {
    const q = query(req.query);
    const { limit, marker } = paging(q);
    let list = await flavors.list(req.auth, q.is_public);
    const minRam = q.minRam !== undefined ? Number(q.minRam) : undefined;
    const minDisk = q.minDisk !== undefined ? Number(q.minDisk) : undefined;
    if (Number.isNaN(minRam) || Number.isNaN(minDisk)) throw badRequest('Invalid minRam or minDisk filter: it must be an integer.');
    if (minRam !== undefined) list = list.filter((f) => f.ram >= minRam);
    if (minDisk !== undefined) list = list.filter((f) => f.disk >= minDisk);
    const key = SORT[q.sort_key ?? 'flavorid'];
    if (!key) throw badRequest(`Invalid input for query parameters sort_key. Value: ${q.sort_key}.`);
    const dir = (q.sort_dir ?? 'asc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid input for query parameters sort_dir. Value: ${q.sort_dir}.`);
    list.sort((a, b) => {
      const x = a[key] as string | number;
      const y = b[key] as string | number;
      const c = x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return dir === 'asc' ? c : -c;
    });
    let start = 0;
    if (marker) {
      start = list.findIndex((f) => f.id === marker) + 1;
      if (start === 0) throw badRequest(`marker [${marker}] not found`);
    }
    const page = list.slice(start, start + limit);
    const c = renderCtx(api, req);
    const links = nextLinks(api.baseUrl(), detail ? 'flavors/detail' : 'flavors', q, page.at(-1)?.id, start + limit < list.length);
    return { flavors: page.map((f) => renderFlavor(f, c, detail)), ...(links ? { flavors_links: links } : {}) };
  };
  app.get('/v2.1/flavors', listing(false));
  app.get('/v2.1/flavors/detail', listing(true));
  app.get<{ Params: { id: string } }>('/v2.1/flavors/:id', async (req) => ({ flavor: renderFlavor(await flavors.find(req.auth, req.params.id), renderCtx(api, req)) }));

  app.post('/v2.1/flavors', async (req) => {
    enforce(computePolicy, 'flavor:manage', req.auth);
    const f = await flavors.create(parseCreate(req.body, req.mv));
    return { flavor: renderFlavor(f, renderCtx(api, req)) };
  });
  app.put<{ Params: { id: string } }>('/v2.1/flavors/:id', async (req) => {
    since(req, 55);
    enforce(computePolicy, 'flavor:manage', req.auth);
    const f = wrapped(req.body, 'flavor');
    if (!('description' in f) || Object.keys(f).length !== 1) throw badRequest("Invalid input for field/attribute flavor. 'description' is the only property that may be updated");
    const desc = optString(f, 'description', { max: 65535, nullable: true }) ?? null;
    return { flavor: renderFlavor(await flavors.setDescription(req.params.id, desc), renderCtx(api, req)) };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/flavors/:id', async (req, reply) => {
    enforce(computePolicy, 'flavor:manage', req.auth);
    await flavors.remove(req.params.id);
    reply.code(202);
  });

  // Extra specs
  app.get<{ Params: { id: string } }>('/v2.1/flavors/:id/os-extra_specs', async (req) => ({ extra_specs: (await flavors.find(req.auth, req.params.id)).extra_specs }));
  app.post<{ Params: { id: string } }>('/v2.1/flavors/:id/os-extra_specs', async (req) => {
    enforce(computePolicy, 'flavor:manage', req.auth);
    const specs = isObj(req.body) ? req.body.extra_specs : undefined;
    if (!isObj(specs) || !Object.values(specs).every((v) => ['string', 'number', 'boolean'].includes(typeof v))) throw badRequest("Invalid input for field/attribute extra_specs. 'extra_specs' must be an object of strings");
    const strings = Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, String(v)]));
    await flavors.setExtraSpecs(req.params.id, strings);
    return { extra_specs: strings };
  });
  app.get<{ Params: { id: string; key: string } }>('/v2.1/flavors/:id/os-extra_specs/:key', async (req) => {
    const specs = (await flavors.find(req.auth, req.params.id)).extra_specs;
    if (!(req.params.key in specs)) throw notFound(`Flavor ${req.params.id} has no extra specs with key ${req.params.key}.`);
    return { [req.params.key]: specs[req.params.key] };
  });
  app.put<{ Params: { id: string; key: string } }>('/v2.1/flavors/:id/os-extra_specs/:key', async (req) => {
    enforce(computePolicy, 'flavor:manage', req.auth);
    if (!isObj(req.body) || Object.keys(req.body).length !== 1) throw badRequest('Request body contains too many items');
    const [k, v] = Object.entries(req.body)[0];
    if (k !== req.params.key) throw badRequest('Request body and URI mismatch');
    await flavors.setExtraSpecs(req.params.id, { [k]: String(v) });
    return { [k]: String(v) };
  });
  app.delete<{ Params: { id: string; key: string } }>('/v2.1/flavors/:id/os-extra_specs/:key', async (req) => {
    enforce(computePolicy, 'flavor:manage', req.auth);
    await flavors.deleteExtraSpec(req.params.id, req.params.key);
    return '';
  });

  // Access lists of private flavors
  const accessBody = (id: string, projects: string[]) => ({ flavor_access: projects.map((tenant_id) => ({ flavor_id: id, tenant_id })) });
  app.get<{ Params: { id: string } }>('/v2.1/flavors/:id/os-flavor-access', async (req) => {
    enforce(computePolicy, 'flavor:access:list', req.auth);
    return accessBody(req.params.id, await flavors.access(req.params.id));
  });
  app.post<{ Params: { id: string } }>('/v2.1/flavors/:id/action', async (req) => {
    enforce(computePolicy, 'flavor:manage', req.auth);
    if (!isObj(req.body) || Object.keys(req.body).length !== 1) throw badRequest('Malformed request body');
    const [action, arg] = Object.entries(req.body)[0];
    const tenant = isObj(arg) && typeof arg.tenant === 'string' && arg.tenant ? arg.tenant : undefined;
    if (!tenant) throw badRequest(`Invalid input for field/attribute ${action}. 'tenant' is a required property`);
    if (action === 'addTenantAccess') return accessBody(req.params.id, await flavors.addAccess(req.params.id, tenant));
    if (action === 'removeTenantAccess') return accessBody(req.params.id, await flavors.removeAccess(req.params.id, tenant));
    throw badRequest(`There is no such action: ${action}`);
  });
}
