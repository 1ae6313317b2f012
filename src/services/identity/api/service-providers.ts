import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fromDbBool } from '../../../platform/db/database.js';
import { badRequest } from '../../../platform/errors.js';
import { boolParam, optBool, optString, query, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { ServiceProviderInput } from '../model/service-providers.js';
import { identityPolicy } from '../policy.js';
import type { ServiceProviderRow } from '../store/tables.js';
import type { IdentityDeps } from './deps.js';
import { collectionLinks } from './render.js';

const SPS = '/v3/OS-FEDERATION/service_providers';
const FIELDS = ['auth_url', 'sp_url', 'description', 'enabled', 'relay_state_prefix'];
/** Keystone's `url` parameter type (after RFC 1738 2.1, lenient). */
const URL_RULE = /^[a-zA-Z0-9+.-]+:.+/;

function renderSp(base: string, s: ServiceProviderRow) {
  return {
    id: s.id,
    enabled: fromDbBool(s.enabled),
    description: s.description,
    auth_url: s.auth_url,
    sp_url: s.sp_url,
    relay_state_prefix: s.relay_state_prefix,
    links: { self: `${base}${SPS}/${s.id}` },
  };
}

function url(b: Obj, field: string): string | undefined {
  const v = optString(b, field, { max: 225 }) ?? undefined;
  if (v !== undefined && !URL_RULE.test(v)) throw badRequest(`Invalid input for field '${field}': '${v}' does not match '${URL_RULE.source}'.`);
  return v;
}

/** The body of a create or update, validated as Keystone's schema (no other properties). */
function spFields(b: Obj): ServiceProviderInput {
  const extra = Object.keys(b).find((k) => !FIELDS.includes(k));
  if (extra) throw badRequest(`Invalid input for field 'service_provider': Additional properties are not allowed ('${extra}' was unexpected).`);
  return {
    authUrl: url(b, 'auth_url'),
    spUrl: url(b, 'sp_url'),
    description: optString(b, 'description', { nullable: true }),
    enabled: optBool(b, 'enabled'),
    relayStatePrefix: optString(b, 'relay_state_prefix', { nullable: true, max: 256 }),
  };
}

/** OS-FEDERATION service providers (Keystone to Keystone). */
export function registerServiceProviderRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const sps = d.serviceProviders;
  const id = (req: FastifyRequest) => {
    const v = (req.params as { id: string }).id;
    if (v.length > 64) throw badRequest(`Invalid input for field 'service_provider_id': '${v}' is too long.`);
    return v;
  };

  app.get(SPS, async (req) => {
    enforce(identityPolicy, 'identity:list_service_providers', req.auth);
    const q = query(req.query);
    const rows = await sps.list({ id: q.id, enabled: boolParam(q.enabled) });
    return { service_providers: rows.map((r) => renderSp(base(), r)), links: collectionLinks(base(), req) };
  });
  app.get(`${SPS}/:id`, async (req) => {
    enforce(identityPolicy, 'identity:get_service_provider', req.auth);
    return { service_provider: renderSp(base(), await sps.get(id(req))) };
  });
  app.put(`${SPS}/:id`, async (req, reply) => {
    enforce(identityPolicy, 'identity:create_service_provider', req.auth);
    const input = spFields(wrapped(req.body, 'service_provider'));
    const { authUrl, spUrl } = input;
    if (authUrl === undefined) throw badRequest("Invalid input for field 'service_provider': 'auth_url' is a required property.");
    if (spUrl === undefined) throw badRequest("Invalid input for field 'service_provider': 'sp_url' is a required property.");
    const row = await sps.create(id(req), { ...input, authUrl, spUrl });
    reply.code(201);
    return { service_provider: renderSp(base(), row) };
  });
  app.patch(`${SPS}/:id`, async (req) => {
    enforce(identityPolicy, 'identity:update_service_provider', req.auth);
    const b = wrapped(req.body, 'service_provider');
    if (Object.keys(b).length === 0) throw badRequest("Invalid input for field 'service_provider': {} does not have enough properties.");
    return { service_provider: renderSp(base(), await sps.update(id(req), spFields(b))) };
  });
  app.delete(`${SPS}/:id`, async (req, reply) => {
    enforce(identityPolicy, 'identity:delete_service_provider', req.auth);
    await sps.delete(id(req));
    reply.code(204);
  });
}
