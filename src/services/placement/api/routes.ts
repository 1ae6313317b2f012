import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, forbidden } from '../../../platform/errors.js';
import { isObj, optString, query, type Obj } from '../../../platform/http/validate.js';
import { uuid } from '../../../platform/ids.js';
import type { InventoryInput, Resources } from '../client.js';
import type { ProviderRow } from '../store/tables.js';
import { inventoryBody, parseInventory, registerNameRoutes, type NameDeps } from './names.js';

export const MAX_VERSION = '1.39';
const MIN = 0;
const MAX = 39;

declare module 'fastify' {
  interface FastifyRequest {
    placementVersion: number;
  }
}


/** `placement 1.N` from OpenStack-API-Version (default 1.0, `latest` = max); 406 outside the range. */
function negotiate(req: FastifyRequest): number {
  const h = req.headers['openstack-api-version'];
  const spec = (Array.isArray(h) ? h.join(',') : h ?? '')
    .split(',')
    .map((s) => s.trim().split(/\s+/))
    .find(([svc]) => svc?.toLowerCase() === 'placement')?.[1];
  if (!spec) return MIN;
  if (spec === 'latest') return MAX;
  const m = /^1\.(\d+)$/.exec(spec);
  if (!m) throw badRequest(`invalid version string: ${spec}`);
  const minor = Number(m[1]);
  if (minor > MAX) throw new ApiError('notAcceptable', `Unacceptable version header: ${spec}`);
  return minor;
}

function requireAdmin(auth: AuthContext) {
  if (!auth.roles.includes('admin')) throw forbidden('Policy does not allow placement:resource_providers:list to be performed.');
}

function parseResources(spec: string | undefined): Resources {
  if (!spec) throw badRequest("Invalid query string parameters: 'resources' is a required property");
  const out: Resources = {};
  for (const part of spec.split(',')) {
    const m = /^([A-Z0-9_]+):(\d+)$/.exec(part.trim());
    if (!m) throw badRequest(`Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ${spec}.`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** `member_of` (each given parameter is one `in:`-list, all must hold) and `required` (`!` forbids) filters. */
function providerFilter(req: FastifyRequest) {
  const raw = req.query as Record<string, string | string[] | undefined>;
  const all = (k: string) => ([] as string[]).concat(raw[k] ?? []).filter((v) => v !== '');
  const memberOf = all('member_of').map((v) => (v.startsWith('in:') ? v.slice(3) : v).split(','));
  const traits = all('required').flatMap((v) => v.split(','));
  if (req.placementVersion < 3 && memberOf.length) throw badRequest("Invalid query string parameters: Additional properties are not allowed ('member_of' was unexpected)");
  if (req.placementVersion < 18 && traits.length) throw badRequest("Invalid query string parameters: Additional properties are not allowed ('required' was unexpected)");
  return {
    memberOf,
    required: traits.filter((t) => !t.startsWith('!')),
    forbidden: traits.filter((t) => t.startsWith('!')).map((t) => t.slice(1)),
  };
}

/** The placement API as far as operators, the scheduler and osc-placement need it (admin only, as upstream's defaults). */
export function registerPlacementRoutes(app: FastifyInstance, d: NameDeps): void {
  const { providers: store, baseUrl } = d;
  app.decorateRequest('placementVersion', 0);
  app.addHook('preHandler', async (req, reply) => {
    if (req.url === '/' || req.url === '') return;
    req.placementVersion = negotiate(req);
    reply.header('openstack-api-version', `placement 1.${req.placementVersion}`);
    reply.header('vary', 'openstack-api-version');
    requireAdmin(req.auth);
  });

  const provider = (p: ProviderRow, v: number) => ({
    uuid: p.id,
    name: p.name,
    generation: p.generation,
    ...(v >= 14 ? { parent_provider_uuid: null, root_provider_uuid: p.id } : {}),
    links: [
      { rel: 'self', href: `/resource_providers/${p.id}` },
      { rel: 'inventories', href: `/resource_providers/${p.id}/inventories` },
      { rel: 'usages', href: `/resource_providers/${p.id}/usages` },
      { rel: 'allocations', href: `/resource_providers/${p.id}/allocations` },
      ...(v >= 1 ? [{ rel: 'aggregates', href: `/resource_providers/${p.id}/aggregates` }] : []),
      ...(v >= 6 ? [{ rel: 'traits', href: `/resource_providers/${p.id}/traits` }] : []),
    ],
  });
  const inventory = inventoryBody;

  app.get('/', { config: { public: true } }, async () => ({
    versions: [{ id: 'v1.0', max_version: MAX_VERSION, min_version: '1.0', status: 'CURRENT', links: [{ rel: 'self', href: `${baseUrl()}/` }] }],
  }));

  app.get('/resource_providers', async (req) => {
    const q = query(req.query);
    let found = await store.list({ name: q.name, uuid: q.uuid, ...providerFilter(req) });
    if (q.resources) {
      const fitting = new Set((await store.candidates(parseResources(q.resources), found.map((p) => p.id))).map((c) => c.providerId));
      found = found.filter((p) => fitting.has(p.id));
    }
    return { resource_providers: found.map((p) => provider(p, req.placementVersion)) };
  });
  app.post('/resource_providers', async (req, reply) => {
    if (!isObj(req.body)) throw badRequest('Malformed JSON');
    const name = optString(req.body, 'name', { max: 200, min: 1 });
    if (!name) throw badRequest("JSON does not validate: 'name' is a required property");
    const id = (optString(req.body, 'uuid') ?? uuid()) as string;
    const p = await store.create(id, name);
    reply.code(req.placementVersion >= 20 ? 200 : 201).header('location', `${baseUrl()}/resource_providers/${p.id}`);
    return req.placementVersion >= 20 ? provider(p, req.placementVersion) : '';
  });
  app.get<{ Params: { id: string } }>('/resource_providers/:id', async (req) => provider(await store.get(req.params.id), req.placementVersion));
  app.put<{ Params: { id: string } }>('/resource_providers/:id', async (req) => {
    if (!isObj(req.body)) throw badRequest('Malformed JSON');
    const name = optString(req.body, 'name', { max: 200, min: 1 });
    if (!name) throw badRequest("JSON does not validate: 'name' is a required property");
    return provider(await store.rename(req.params.id, name), req.placementVersion);
  });
  app.delete<{ Params: { id: string } }>('/resource_providers/:id', async (req, reply) => {
    await store.remove(req.params.id);
    reply.code(204);
  });

  app.get<{ Params: { id: string } }>('/resource_providers/:id/inventories', async (req) => {
    const p = await store.get(req.params.id);
    const inv = await store.inventories(p.id);
    return { inventories: Object.fromEntries(inv.map((i) => [i.resource_class, inventory(i)])), resource_provider_generation: p.generation };
  });
  app.put<{ Params: { id: string } }>('/resource_providers/:id/inventories', async (req) => {
    if (!isObj(req.body) || !isObj(req.body.inventories) || typeof req.body.resource_provider_generation !== 'number') {
      throw badRequest("JSON does not validate: 'resource_provider_generation' and 'inventories' are required properties");
    }
    const inventories: Record<string, InventoryInput> = {};
    for (const [rc, v] of Object.entries(req.body.inventories as Obj)) {
      if (!(await d.classes.exists(rc))) throw badRequest(`Unknown resource class in inventory for resource provider ${req.params.id}: ${rc}`);
      inventories[rc] = parseInventory(rc, v);
    }
    const p = await store.setInventories(req.params.id, inventories, req.body.resource_provider_generation);
    const inv = await store.inventories(p.id);
    return { inventories: Object.fromEntries(inv.map((i) => [i.resource_class, inventory(i)])), resource_provider_generation: p.generation };
  });
  app.get<{ Params: { id: string } }>('/resource_providers/:id/usages', async (req) => {
    const p = await store.get(req.params.id);
    return { usages: await store.usages(p.id), resource_provider_generation: p.generation };
  });
  app.get<{ Params: { id: string } }>('/resource_providers/:id/allocations', async (req) => {
    const p = await store.get(req.params.id);
    const allocations: Record<string, { resources: Resources }> = {};
    for (const a of await store.providerAllocations(p.id)) (allocations[a.consumer_id] ??= { resources: {} }).resources[a.resource_class] = a.used;
    return { allocations, resource_provider_generation: p.generation };
  });

  app.get<{ Params: { consumer: string } }>('/allocations/:consumer', async (req) => {
    const rows = await store.consumerAllocations(req.params.consumer);
    const allocations: Record<string, { generation: number; resources: Resources }> = {};
    for (const a of rows) {
      allocations[a.provider_id] ??= { generation: (await store.get(a.provider_id)).generation, resources: {} };
      allocations[a.provider_id].resources[a.resource_class] = a.used;
    }
    return { allocations, ...(rows.length && req.placementVersion >= 12 ? { project_id: rows[0].project_id, user_id: rows[0].user_id } : {}) };
  });
  app.put<{ Params: { consumer: string } }>('/allocations/:consumer', async (req, reply) => {
    const body = isObj(req.body) ? req.body : {};
    if (!isObj(body.allocations) || typeof body.project_id !== 'string' || typeof body.user_id !== 'string') {
      throw badRequest("JSON does not validate: 'allocations', 'project_id' and 'user_id' are required properties");
    }
    const byProvider: Record<string, Resources> = {};
    for (const [rp, v] of Object.entries(body.allocations as Obj)) {
      const res = isObj(v) && isObj(v.resources) ? v.resources : undefined;
      if (!res || !Object.values(res).every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 1)) throw badRequest(`JSON does not validate: allocations of ${rp} need positive integer 'resources'`);
      byProvider[rp] = res as Resources;
    }
    await store.putAllocations(req.params.consumer, byProvider, { projectId: body.project_id, userId: body.user_id });
    reply.code(204);
  });
  app.delete<{ Params: { consumer: string } }>('/allocations/:consumer', async (req, reply) => {
    await store.release(req.params.consumer);
    reply.code(204);
  });

  app.get('/usages', async (req) => {
    const q = query(req.query);
    if (!q.project_id) throw badRequest("Invalid query string parameters: 'project_id' is a required property");
    return { usages: await store.projectUsages(q.project_id) };
  });
  app.get('/allocation_candidates', async (req) => {
    const q = query(req.query);
    const want = parseResources(q.resources);
    const filter = providerFilter(req);
    const among = filter.memberOf.length || filter.required.length || filter.forbidden.length ? (await store.list(filter)).map((p) => p.id) : undefined;
    const found = await store.candidates(want, among);
    const limit = q.limit ? Number(q.limit) : undefined;
    const picked = limit && limit > 0 ? found.slice(0, limit) : found;
    const summaries: Record<string, { resources: Record<string, { capacity: number; used: number }> }> = {};
    for (const c of picked) {
      const used = await store.usages(c.providerId);
      summaries[c.providerId] = {
        resources: Object.fromEntries(Object.entries(c.free).map(([rc, free]) => [rc, { capacity: free + (used[rc] ?? 0), used: used[rc] ?? 0 }])),
      };
    }
    return {
      allocation_requests: picked.map((c) => ({ allocations: { [c.providerId]: { resources: want } } })),
      provider_summaries: summaries,
    };
  });
  registerNameRoutes(app, d);
}
