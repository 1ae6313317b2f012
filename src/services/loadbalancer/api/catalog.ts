import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { optBool, optString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce, type PolicyTable } from '../../../platform/policy.js';
import type { Catalog, ProfileKind } from '../model/catalog.js';
import type { CatalogKind } from '../store/catalog.js';
import { listResponse, pickFields } from './listing.js';
import { PREFIXES, selfUrl } from './objects.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | string[]> }>;

/** Octavia's URL, wrapper, collection, links key and policy name of each catalog kind. */
const API: Record<CatalogKind, { path: string; wrapper: string; plural: string; links: string; rbac: string }> = {
  flavorprofile: { path: 'flavorprofiles', wrapper: 'flavorprofile', plural: 'flavorprofiles', links: 'flavorprofile_links', rbac: 'flavor-profile' },
  flavor: { path: 'flavors', wrapper: 'flavor', plural: 'flavors', links: 'flavors_links', rbac: 'flavor' },
  azprofile: { path: 'availabilityzoneprofiles', wrapper: 'availability_zone_profile', plural: 'availability_zone_profiles', links: 'availability_zone_profile_links', rbac: 'availability-zone-profile' },
  az: { path: 'availabilityzones', wrapper: 'availability_zone', plural: 'availability_zones', links: 'availability_zones_links', rbac: 'availability-zone' },
};

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

type Field = (o: Obj, f: string) => unknown;
const text =
  (max: number): Field =>
  (o, f) => {
    // Octavia refuses an explicit null for what a PUT may change but a profile must have.
    if (o[f] === null) throw badRequest(`None is not a valid option for ${f}`);
    return optString(o, f, { max });
  };
const nullableText: Field = (o, f) => optString(o, f, { max: 255, nullable: true });
const uuidRef: Field = (o, f) => {
  const v = optString(o, f);
  if (v !== undefined && !UUID.test(v as string)) throw badRequest(`Invalid input for field/attribute ${f}. Value: '${String(v)}'. Value should be UUID format`);
  return v;
};
const bool: Field = (o, f) => optBool(o, f);

/** Fields each kind takes on create (`post`, all required but description and enabled) and update (`put`). */
const FIELDS: Record<CatalogKind, { post: Record<string, Field>; put: Record<string, Field>; optional: string[] }> = {
  flavorprofile: {
    post: { name: text(255), provider_name: text(255), flavor_data: text(4096) },
    put: { name: text(255), provider_name: text(255), flavor_data: text(4096) },
    optional: [],
  },
  flavor: {
    post: { name: text(255), description: nullableText, enabled: bool, flavor_profile_id: uuidRef },
    put: { name: text(255), description: nullableText, enabled: bool },
    optional: ['description', 'enabled'],
  },
  azprofile: {
    post: { name: text(255), provider_name: text(255), availability_zone_data: text(4096) },
    put: { name: text(255), provider_name: text(255), availability_zone_data: text(4096) },
    optional: [],
  },
  az: {
    post: { name: text(255), description: nullableText, enabled: bool, availability_zone_profile_id: uuidRef },
    put: { description: nullableText, enabled: bool },
    optional: ['description', 'enabled'],
  },
};

function parse(kind: CatalogKind, body: unknown, mode: 'post' | 'put'): Obj {
  const { wrapper } = API[kind];
  const o = wrapped(body, wrapper);
  const fields = FIELDS[kind][mode];
  const unknown = Object.keys(o).find((k) => !(k in fields));
  if (unknown) throw badRequest(`Invalid input for field/attribute ${wrapper}. Unknown attribute for argument ${wrapper}: ${unknown}`);
  const out: Obj = {};
  for (const [name, field] of Object.entries(fields)) {
    const v = field(o, name);
    if (v !== undefined) out[name] = v;
    else if (mode === 'post' && !FIELDS[kind].optional.includes(name)) throw badRequest(`Invalid input for field/attribute ${name}. Value: 'None'. Mandatory field missing.`);
  }
  return out;
}

const isProfile = (kind: CatalogKind): kind is ProfileKind => kind === 'flavorprofile' || kind === 'azprofile';

/** Providers with their capabilities, and CRUD of flavor and availability zone profiles, flavors and availability zones. */
export function registerCatalogRoutes(app: FastifyInstance, catalog: Catalog, policy: PolicyTable, baseUrl: () => string): void {
  for (const p of PREFIXES) {
    app.get(`${p}/providers`, async (req: Req) => {
      enforce(policy, 'provider:get_all', req.auth);
      return listResponse('providers', catalog.providers.list(), req.query, selfUrl(req, baseUrl()));
    });
    for (const [path, action, what] of [
      ['flavor_capabilities', 'provider-flavor:get_all', 'flavor'],
      ['availability_zone_capabilities', 'provider-availability-zone:get_all', 'availability_zone'],
    ] as const) {
      app.get(`${p}/providers/:provider/${path}`, async (req: Req) => {
        enforce(policy, action, req.auth);
        // Octavia filters capabilities by name and description and answers without links.
        const { [`${path}_links`]: _links, ...body } = listResponse(path, catalog.providers.capabilities(req.params.provider, what), req.query, selfUrl(req, baseUrl()));
        return body;
      });
    }

    for (const kind of Object.keys(API) as CatalogKind[]) {
      const { path, wrapper, plural, links, rbac } = API[kind];
      app.get(`${p}/${path}`, async (req: Req) => {
        enforce(policy, `${rbac}:get_all`, req.auth);
        const items = (await catalog.store.list(kind)).map((e) => e.doc);
        return listResponse(plural, items, req.query, selfUrl(req, baseUrl()), links);
      });
      app.get(`${p}/${path}/:id`, async (req: Req) => {
        enforce(policy, `${rbac}:get_one`, req.auth);
        return { [wrapper]: pickFields((await catalog.get(kind, req.params.id)).doc, req.query) };
      });
      app.post(`${p}/${path}`, async (req: Req, reply) => {
        const body = parse(kind, req.body, 'post');
        enforce(policy, `${rbac}:post`, req.auth);
        const e = isProfile(kind) ? await catalog.createProfile(kind, body) : await catalog.createOffer(kind, body);
        reply.code(201);
        return { [wrapper]: e.doc };
      });
      app.put(`${p}/${path}/:id`, async (req: Req) => {
        const body = parse(kind, req.body, 'put');
        enforce(policy, `${rbac}:put`, req.auth);
        const e = isProfile(kind) ? await catalog.updateProfile(kind, req.params.id, body) : await catalog.updateOffer(kind, req.params.id, body);
        return { [wrapper]: e.doc };
      });
      app.delete(`${p}/${path}/:id`, async (req: Req, reply) => {
        enforce(policy, `${rbac}:delete`, req.auth);
        if (isProfile(kind)) await catalog.deleteProfile(kind, req.params.id);
        else await catalog.deleteOffer(kind, req.params.id);
        reply.code(204);
      });
    }
  }
}
