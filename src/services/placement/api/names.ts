import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { isObj, query, type Obj } from '../../../platform/http/validate.js';
import type { InventoryInput } from '../client.js';
import type { NameStore } from '../store/names.js';
import type { ProviderStore } from '../store/providers.js';
import type { InventoryRow } from '../store/tables.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;
type NameReq = FastifyRequest<{ Params: { name: string } }>;
type ClassReq = FastifyRequest<{ Params: { id: string; rc: string } }>;

export interface NameDeps {
  providers: ProviderStore;
  traits: NameStore;
  classes: NameStore;
  baseUrl: () => string;
}

/** Placement answers routes newer than the negotiated microversion with 404, as upstream does. */
export function since(req: FastifyRequest, minor: number): void {
  if (req.placementVersion < minor) throw notFound('The resource could not be found.');
}

export const inventoryBody = (i: InventoryRow) => ({
  total: i.total,
  reserved: i.reserved,
  min_unit: i.min_unit,
  max_unit: i.max_unit,
  step_size: i.step_size,
  allocation_ratio: i.allocation_ratio,
});

/** One inventory record of a request body, validated as placement's schema does. */
export function parseInventory(rc: string, v: unknown): InventoryInput {
  if (!isObj(v)) throw badRequest(`JSON does not validate: inventory of ${rc} must be an object`);
  const int = (k: string, min: number) => {
    const n = v[k];
    if (n === undefined) return undefined;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw badRequest(`JSON does not validate: '${k}' of ${rc} must be an integer of at least ${min}`);
    return n;
  };
  const total = int('total', 1);
  if (total === undefined) throw badRequest(`JSON does not validate: 'total' is a required property of ${rc}`);
  const ratio = v.allocation_ratio;
  if (ratio !== undefined && (typeof ratio !== 'number' || ratio <= 0)) throw badRequest(`JSON does not validate: 'allocation_ratio' of ${rc} must be a positive number`);
  const input: InventoryInput = {
    total,
    reserved: int('reserved', 0),
    min_unit: int('min_unit', 1),
    max_unit: int('max_unit', 1),
    step_size: int('step_size', 1),
    allocation_ratio: ratio as number | undefined,
  };
  if ((input.reserved ?? 0) > total) throw badRequest(`Unable to update inventory for resource provider: reserved of ${rc} is greater than total`);
  return input;
}

/** A `resource_provider_generation` the body must carry. */
function generationOf(body: Obj): number {
  const g = body.resource_provider_generation;
  if (typeof g !== 'number' || !Number.isInteger(g)) throw badRequest("JSON does not validate: 'resource_provider_generation' is a required property");
  return g;
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw badRequest(`JSON does not validate: '${what}' must be a list of strings`);
  return v as string[];
}

/** `in:A,B` or `startswith:X` as the traits list filter takes them. */
function nameFilter(spec: string | undefined): (n: string) => boolean {
  if (!spec) return () => true;
  if (spec.startsWith('in:')) {
    const set = new Set(spec.slice(3).split(','));
    return (n) => set.has(n);
  }
  if (spec.startsWith('startswith:')) {
    const prefix = spec.slice('startswith:'.length);
    return (n) => n.startsWith(prefix);
  }
  throw badRequest(`Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${spec}"`);
}

/** Traits, resource classes, provider traits and aggregates, and inventories one class at a time. */
export function registerNameRoutes(app: FastifyInstance, d: NameDeps): void {
  const { providers, traits, classes } = d;

  app.get('/traits', async (req) => {
    since(req, 6);
    const q = query(req.query);
    const keep = nameFilter(q.name);
    let names = (await traits.all()).filter(keep);
    if (q.associated !== undefined) {
      if (!['true', 'false'].includes(q.associated)) throw badRequest(`The query parameter "associated" only accepts "true" or "false"`);
      const used = await providers.associatedTraits();
      names = names.filter((n) => used.has(n) === (q.associated === 'true'));
    }
    return { traits: names };
  });
  app.get('/traits/:name', async (req: NameReq, reply) => {
    since(req, 6);
    if (!(await traits.exists(req.params.name))) throw notFound(`No such trait(s): ${req.params.name}`);
    reply.code(204);
  });
  app.put('/traits/:name', async (req: NameReq, reply) => {
    since(req, 6);
    const made = await traits.create(req.params.name);
    reply.code(made ? 201 : 204).header('location', `${d.baseUrl()}/traits/${req.params.name}`);
  });
  app.delete('/traits/:name', async (req: NameReq, reply) => {
    since(req, 6);
    await traits.remove(req.params.name, () => providers.traitInUse(req.params.name));
    reply.code(204);
  });

  const traitsBody = async (id: string) => {
    const p = await providers.get(id);
    return { traits: await providers.traits(id), resource_provider_generation: p.generation };
  };
  app.get('/resource_providers/:id/traits', async (req: IdReq) => {
    since(req, 6);
    return traitsBody(req.params.id);
  });
  app.put('/resource_providers/:id/traits', async (req: IdReq) => {
    since(req, 6);
    if (!isObj(req.body)) throw badRequest('Malformed JSON');
    const names = stringList(req.body.traits, 'traits');
    const generation = generationOf(req.body);
    await providers.get(req.params.id);
    const missing = await traits.unknown(names);
    if (missing.length) throw badRequest(`No such trait(s): ${missing.join(', ')}`);
    await providers.setTraits(req.params.id, names, generation);
    return traitsBody(req.params.id);
  });
  app.delete('/resource_providers/:id/traits', async (req: IdReq, reply) => {
    since(req, 6);
    await providers.setTraits(req.params.id, []);
    reply.code(204);
  });

  // Aggregates: a bare list before 1.19, with the provider generation from 1.19 on.
  const aggregatesBody = async (req: IdReq) => {
    const p = await providers.get(req.params.id);
    const aggregates = await providers.aggregates(p.id);
    return req.placementVersion >= 19 ? { aggregates, resource_provider_generation: p.generation } : { aggregates };
  };
  app.get('/resource_providers/:id/aggregates', async (req: IdReq) => {
    since(req, 1);
    return aggregatesBody(req);
  });
  app.put('/resource_providers/:id/aggregates', async (req: IdReq) => {
    since(req, 1);
    const modern = req.placementVersion >= 19;
    const body = req.body;
    if (modern && !isObj(body)) throw badRequest('Malformed JSON');
    const list = stringList(modern ? (body as Obj).aggregates : body, 'aggregates');
    if (!list.every((a) => /^[0-9a-fA-F-]{32,36}$/.test(a))) throw badRequest("JSON does not validate: aggregates must be UUIDs");
    await providers.setAggregates(req.params.id, list, modern ? generationOf(body as Obj) : undefined);
    return aggregatesBody(req);
  });

  const classBody = (name: string) => ({ name, links: [{ rel: 'self', href: `/resource_classes/${name}` }] });
  app.get('/resource_classes', async (req) => {
    since(req, 2);
    return { resource_classes: (await classes.all()).map(classBody) };
  });
  app.get('/resource_classes/:name', async (req: NameReq) => {
    since(req, 2);
    if (!(await classes.exists(req.params.name))) throw notFound(`No such resource class ${req.params.name}.`);
    return classBody(req.params.name);
  });
  app.post('/resource_classes', async (req, reply) => {
    since(req, 2);
    const name = isObj(req.body) ? req.body.name : undefined;
    if (typeof name !== 'string') throw badRequest("JSON does not validate: 'name' is a required property");
    if (!(await classes.create(name))) throw new ApiError('conflict', `Conflicting resource class already exists: ${name}`, { code: 'placement.duplicate_name' });
    reply.code(201).header('location', `${d.baseUrl()}/resource_classes/${name}`);
  });
  app.put('/resource_classes/:name', async (req: NameReq, reply) => {
    since(req, 7);
    const made = await classes.create(req.params.name);
    reply.code(made ? 201 : 204).header('location', `${d.baseUrl()}/resource_classes/${req.params.name}`);
  });
  app.delete('/resource_classes/:name', async (req: NameReq, reply) => {
    since(req, 2);
    await classes.remove(req.params.name, () => providers.classInUse(req.params.name));
    reply.code(204);
  });

  const oneInventory = async (id: string, rc: string) => {
    const p = await providers.get(id);
    const row = (await providers.inventories(id)).find((i) => i.resource_class === rc);
    if (!row) throw notFound(`No inventory of class ${rc} for ${id}`);
    return { ...inventoryBody(row), resource_provider_generation: p.generation };
  };
  const checkClass = async (id: string, rc: string) => {
    if (!(await classes.exists(rc))) throw badRequest(`Unknown resource class in inventory for resource provider ${id}: ${rc}`);
  };
  app.get('/resource_providers/:id/inventories/:rc', async (req: ClassReq) => oneInventory(req.params.id, req.params.rc));
  app.put('/resource_providers/:id/inventories/:rc', async (req: ClassReq) => {
    if (!isObj(req.body)) throw badRequest('Malformed JSON');
    const { id, rc } = req.params;
    const generation = generationOf(req.body);
    await providers.get(id);
    await checkClass(id, rc);
    const { resource_provider_generation: _g, ...inv } = req.body;
    await providers.setInventory(id, rc, parseInventory(rc, inv), generation);
    return oneInventory(id, rc);
  });
  app.post('/resource_providers/:id/inventories', async (req: IdReq, reply) => {
    if (!isObj(req.body)) throw badRequest('Malformed JSON');
    const { resource_class: rc, resource_provider_generation: _g, ...inv } = req.body;
    if (typeof rc !== 'string') throw badRequest("JSON does not validate: 'resource_class' is a required property");
    const generation = generationOf(req.body);
    const p = await providers.get(req.params.id);
    await checkClass(p.id, rc);
    if ((await providers.inventories(p.id)).some((i) => i.resource_class === rc)) {
      throw new ApiError('conflict', `Update to inventory failed for resource provider ${p.id}: inventory of ${rc} already exists`);
    }
    await providers.setInventory(p.id, rc, parseInventory(rc, inv), generation);
    reply.code(201).header('location', `${d.baseUrl()}/resource_providers/${p.id}/inventories/${rc}`);
    return oneInventory(p.id, rc);
  });
  app.delete('/resource_providers/:id/inventories/:rc', async (req: ClassReq, reply) => {
    await providers.deleteInventory(req.params.id, req.params.rc);
    reply.code(204);
  });
  app.delete('/resource_providers/:id/inventories', async (req: IdReq, reply) => {
    since(req, 5);
    await providers.deleteInventory(req.params.id, undefined);
    reply.code(204);
  });
}
