import type { FastifyInstance, FastifyReply } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isObj, type Obj } from '../../../platform/http/validate.js';
import { type MetadefService, type Namespace } from '../model/metadefs.js';
import { METADEF_SCHEMAS } from '../model/metadef-schemas.js';
import type { MetadefItemRow } from '../store/tables.js';

type Ns = { ns: string };
type NsItem = { ns: string; name: string };

const time = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');
const body = (b: unknown): Obj => {
  if (!isObj(b)) throw badRequest('The request body must be a JSON object.');
  return b;
};
const stamp = (r: MetadefItemRow) => ({ created_at: time(r.created_at), updated_at: time(r.updated_at) });
const parsed = (r: MetadefItemRow) => JSON.parse(r.body) as Obj;

const objectView = (ns: string, r: MetadefItemRow) => ({ name: r.name, ...parsed(r), ...stamp(r), self: `/v2/metadefs/namespaces/${ns}/objects/${r.name}`, schema: 'v2/schemas/metadefs/object' });
const propertyView = (r: MetadefItemRow) => ({ name: r.name, ...parsed(r) });
const tagView = (r: MetadefItemRow) => ({ name: r.name, ...stamp(r) });
const associationView = (r: MetadefItemRow) => ({ name: r.name, ...parsed(r), ...stamp(r) });

/** A namespace as Glance shows it; `detail` adds its contents (the show call), each only when non-empty. */
function namespaceView({ row, items }: Namespace, detail: boolean) {
  const of = (kind: MetadefItemRow['kind']) => items.filter((i) => i.kind === kind);
  const base = {
    namespace: row.namespace,
    display_name: row.display_name ?? undefined,
    description: row.description ?? undefined,
    visibility: row.visibility,
    protected: !!row.protected,
    owner: row.owner,
    created_at: time(row.created_at),
    updated_at: time(row.updated_at),
    self: `/v2/metadefs/namespaces/${row.namespace}`,
    schema: '/v2/schemas/metadefs/namespace',
  };
  const associations = of('resource_type').map(associationView);
  if (!detail) return { ...base, ...(associations.length ? { resource_type_associations: associations } : {}) };
  const [objects, properties, tags] = [of('object'), of('property'), of('tag')];
  return {
    ...base,
    ...(associations.length ? { resource_type_associations: associations } : {}),
    ...(objects.length ? { objects: objects.map((o) => objectView(row.namespace, o)) } : {}),
    ...(properties.length ? { properties: Object.fromEntries(properties.map((p) => [p.name, parsed(p)])) } : {}),
    ...(tags.length ? { tags: tags.map((t) => ({ name: t.name })) } : {}),
  };
}

const created = <T>(reply: FastifyReply, v: T): T => {
  reply.code(201);
  return v;
};
const gone = (reply: FastifyReply) => {
  reply.code(204);
  return '';
};

/** Glance's metadata definitions API (`/v2/metadefs/...`) and its schemas. */
export function registerMetadefRoutes(app: FastifyInstance, m: MetadefService): void {
  const base = '/v2/metadefs/namespaces';
  const started = new Date().toISOString();

  app.get('/v2/metadefs/resource_types', async (req) => ({
    resource_types: (await m.resourceTypes(req.auth)).map((r) => ({ name: r.name, created_at: time(r.created_at ?? started), updated_at: time(r.created_at ?? started) })),
  }));

  app.get(base, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const list = await m.list(req.auth, { visibility: q.visibility, resourceTypes: q.resource_types?.split(',') });
    return { namespaces: list.map((n) => namespaceView(n, false)), first: base, schema: '/v2/schemas/metadefs/namespaces' };
  });
  app.post(base, async (req, reply) => created(reply, namespaceView(await m.create(req.auth, body(req.body)), true)));
  app.get<{ Params: Ns }>(`${base}/:ns`, async (req) => namespaceView(await m.get(req.auth, req.params.ns), true));
  app.put<{ Params: Ns }>(`${base}/:ns`, async (req) => namespaceView(await m.update(req.auth, req.params.ns, body(req.body)), true));
  app.delete<{ Params: Ns }>(`${base}/:ns`, async (req, reply) => {
    await m.remove(req.auth, req.params.ns);
    return gone(reply);
  });

  // Objects.
  app.get<{ Params: Ns }>(`${base}/:ns/objects`, async (req) => ({
    objects: (await m.items(req.auth, req.params.ns, 'object')).map((o) => objectView(req.params.ns, o)),
    schema: 'v2/schemas/metadefs/objects',
  }));
  app.post<{ Params: Ns }>(`${base}/:ns/objects`, async (req, reply) => created(reply, objectView(req.params.ns, (await m.addItems(req.auth, req.params.ns, 'object', [body(req.body)]))[0])));
  app.get<{ Params: NsItem }>(`${base}/:ns/objects/:name`, async (req) => objectView(req.params.ns, await m.item(req.auth, req.params.ns, 'object', req.params.name)));
  app.put<{ Params: NsItem }>(`${base}/:ns/objects/:name`, async (req) => objectView(req.params.ns, await m.updateItem(req.auth, req.params.ns, 'object', req.params.name, body(req.body))));
  app.delete<{ Params: NsItem }>(`${base}/:ns/objects/:name`, async (req, reply) => {
    await m.removeItems(req.auth, req.params.ns, 'object', req.params.name);
    return gone(reply);
  });

  // Properties.
  app.get<{ Params: Ns }>(`${base}/:ns/properties`, async (req) => ({
    properties: Object.fromEntries((await m.items(req.auth, req.params.ns, 'property')).map((p) => [p.name, parsed(p)])),
  }));
  app.post<{ Params: Ns }>(`${base}/:ns/properties`, async (req, reply) => created(reply, propertyView((await m.addItems(req.auth, req.params.ns, 'property', [body(req.body)]))[0])));
  app.get<{ Params: NsItem }>(`${base}/:ns/properties/:name`, async (req) => propertyView(await m.item(req.auth, req.params.ns, 'property', req.params.name)));
  app.put<{ Params: NsItem }>(`${base}/:ns/properties/:name`, async (req) => propertyView(await m.updateItem(req.auth, req.params.ns, 'property', req.params.name, body(req.body))));
  app.delete<{ Params: NsItem }>(`${base}/:ns/properties/:name`, async (req, reply) => {
    await m.removeItems(req.auth, req.params.ns, 'property', req.params.name);
    return gone(reply);
  });

  // Tags: a bulk create replaces the namespace's tags, as Glance's does.
  app.get<{ Params: Ns }>(`${base}/:ns/tags`, async (req) => ({ tags: (await m.items(req.auth, req.params.ns, 'tag')).map(tagView) }));
  app.post<{ Params: Ns }>(`${base}/:ns/tags`, async (req, reply) => {
    const tags = body(req.body).tags;
    if (!Array.isArray(tags) || !tags.every(isObj)) throw badRequest('Invalid tags: a list of {"name": ...} objects is required.');
    return created(reply, { tags: (await m.addItems(req.auth, req.params.ns, 'tag', tags, true)).map((t) => ({ name: t.name })) });
  });
  app.delete<{ Params: Ns }>(`${base}/:ns/tags`, async (req, reply) => {
    await m.removeItems(req.auth, req.params.ns, 'tag');
    return gone(reply);
  });
  app.post<{ Params: NsItem }>(`${base}/:ns/tags/:name`, async (req, reply) => created(reply, tagView((await m.addItems(req.auth, req.params.ns, 'tag', [{ name: req.params.name }]))[0])));
  app.get<{ Params: NsItem }>(`${base}/:ns/tags/:name`, async (req) => tagView(await m.item(req.auth, req.params.ns, 'tag', req.params.name)));
  app.put<{ Params: NsItem }>(`${base}/:ns/tags/:name`, async (req) => tagView(await m.updateItem(req.auth, req.params.ns, 'tag', req.params.name, body(req.body))));
  app.delete<{ Params: NsItem }>(`${base}/:ns/tags/:name`, async (req, reply) => {
    await m.removeItems(req.auth, req.params.ns, 'tag', req.params.name);
    return gone(reply);
  });

  // Resource type associations.
  app.get<{ Params: Ns }>(`${base}/:ns/resource_types`, async (req) => ({ resource_type_associations: (await m.items(req.auth, req.params.ns, 'resource_type')).map(associationView) }));
  app.post<{ Params: Ns }>(`${base}/:ns/resource_types`, async (req, reply) => created(reply, associationView((await m.addItems(req.auth, req.params.ns, 'resource_type', [body(req.body)]))[0])));
  app.delete<{ Params: NsItem }>(`${base}/:ns/resource_types/:name`, async (req, reply) => {
    await m.removeItems(req.auth, req.params.ns, 'resource_type', req.params.name);
    return gone(reply);
  });

  app.get<{ Params: { name: string } }>('/v2/schemas/metadefs/:name', async (req) => {
    const schema = METADEF_SCHEMAS[req.params.name];
    if (!schema) throw notFound(`No schema metadefs/${req.params.name}.`);
    return schema;
  });
}
