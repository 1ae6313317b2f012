import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fromDbBool } from '../../../platform/db/database.js';
import { badRequest, unauthorized } from '../../../platform/errors.js';
import { boolParam, optBool, optInt, optObj, optString, optStringArray, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { OidcSettings } from '../model/oidc.js';
import { identityPolicy } from '../policy.js';
import { parseJson } from '../store/json.js';
import type { IdpRow, MappingRow, ProtocolRow } from '../store/tables.js';
import type { IdentityDeps } from './deps.js';
import { collectionLinks, renderToken } from './render.js';

const FED = 'OS-FEDERATION';
const ID_RULE = /^[A-Za-z0-9_.@-]{1,64}$/;

function renderIdp(base: string, i: IdpRow) {
  const self = `${base}/v3/${FED}/identity_providers/${i.id}`;
  return {
    id: i.id,
    enabled: fromDbBool(i.enabled),
    description: i.description,
    domain_id: i.domain_id,
    remote_ids: parseJson<string[]>(i.remote_ids, []),
    authorization_ttl: i.authorization_ttl,
    oidc: parseJson<OidcSettings>(i.oidc, {}),
    links: { self, protocols: `${self}/protocols` },
  };
}

function renderMapping(base: string, m: MappingRow) {
  return { id: m.id, rules: parseJson<Obj[]>(m.rules, []), schema_version: m.schema_version, links: { self: `${base}/v3/${FED}/mappings/${m.id}` } };
}

function renderProtocol(base: string, p: ProtocolRow) {
  const idp = `${base}/v3/${FED}/identity_providers/${p.idp_id}`;
  return { id: p.id, mapping_id: p.mapping_id, remote_id_attribute: p.remote_id_attribute, links: { self: `${idp}/protocols/${p.id}`, identity_provider: idp } };
}

/** Our extension of the provider: where and how its OpenID Connect tokens are checked. */
function oidcSettings(b: Obj): OidcSettings | undefined {
  const o = optObj(b, 'oidc');
  if (!o) return undefined;
  const audience = typeof o.audience === 'string' ? o.audience : optStringArray(o, 'audience', { path: 'oidc/audience' });
  const url = (field: string) => {
    const v = optString(o, field, { max: 1024, path: `oidc/${field}` }) ?? undefined;
    if (v !== undefined && !/^https?:\/\/\S+$/.test(v)) throw badRequest(`Invalid input for field 'oidc/${field}': expected an http(s) URL.`);
    return v;
  };
  return { issuer: url('issuer'), audience, jwks_uri: url('jwks_uri') };
}

function idpFields(b: Obj) {
  const known = ['enabled', 'description', 'domain_id', 'remote_ids', 'authorization_ttl', 'oidc'];
  const extra = Object.keys(b).find((k) => !known.includes(k));
  if (extra) throw badRequest(`Invalid input for field 'identity_provider': additional property '${extra}' is not allowed.`);
  return {
    enabled: optBool(b, 'enabled'),
    description: optString(b, 'description', { nullable: true, max: 65535 }),
    remoteIds: b.remote_ids === null ? [] : optStringArray(b, 'remote_ids', { maxItem: 255 }),
    authorizationTtl: optInt(b, 'authorization_ttl', { nullable: true, min: 0 }),
    oidc: oidcSettings(b),
  };
}

export function registerFederationRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const f = d.federation;
  const param = (req: FastifyRequest, name: string) => {
    const v = (req.params as Record<string, string>)[name];
    if (!ID_RULE.test(v)) throw badRequest(`Invalid input for field '${name}': '${v}' does not match ${ID_RULE.source}.`);
    return v;
  };
  const idps = `/v3/${FED}/identity_providers`;

  // --- identity providers ---
  app.put(`${idps}/:idp`, async (req, reply) => {
    enforce(identityPolicy, 'identity:create_identity_provider', req.auth);
    const b = wrapped(req.body, 'identity_provider');
    const row = await f.createIdp(param(req, 'idp'), { ...idpFields(b), domainId: optString(b, 'domain_id', { nullable: true, max: 64 }) ?? undefined });
    reply.code(201);
    return { identity_provider: renderIdp(base(), row) };
  });
  app.get(idps, async (req) => {
    enforce(identityPolicy, 'identity:list_identity_providers', req.auth);
    const q = query(req.query);
    const rows = await f.listIdps({ id: q.id, enabled: boolParam(q.enabled) });
    return { identity_providers: rows.map((r) => renderIdp(base(), r)), links: collectionLinks(base(), req) };
  });
  app.get(`${idps}/:idp`, async (req) => {
    enforce(identityPolicy, 'identity:get_identity_provider', req.auth);
    return { identity_provider: renderIdp(base(), await f.getIdp(param(req, 'idp'))) };
  });
  app.patch(`${idps}/:idp`, async (req) => {
    enforce(identityPolicy, 'identity:update_identity_provider', req.auth);
    const b = wrapped(req.body, 'identity_provider');
    if (b.domain_id !== undefined) throw badRequest("Invalid input for field 'identity_provider': 'domain_id' cannot be changed.");
    return { identity_provider: renderIdp(base(), await f.updateIdp(param(req, 'idp'), idpFields(b))) };
  });
  app.delete(`${idps}/:idp`, async (req, reply) => {
    enforce(identityPolicy, 'identity:delete_identity_provider', req.auth);
    await f.deleteIdp(param(req, 'idp'));
    reply.code(204);
  });

  // --- mappings ---
  const mappings = `/v3/${FED}/mappings`;
  const mappingBody = (req: FastifyRequest) => {
    const b = wrapped(req.body, 'mapping');
    return { rules: b.rules, schemaVersion: optString(b, 'schema_version', { max: 5 }) ?? undefined };
  };
  app.put(`${mappings}/:id`, async (req, reply) => {
    enforce(identityPolicy, 'identity:create_mapping', req.auth);
    const m = mappingBody(req);
    const row = await f.createMapping(param(req, 'id'), m.rules, m.schemaVersion);
    reply.code(201);
    return { mapping: renderMapping(base(), row) };
  });
  app.get(mappings, async (req) => {
    enforce(identityPolicy, 'identity:list_mappings', req.auth);
    return { mappings: (await f.listMappings()).map((m) => renderMapping(base(), m)), links: collectionLinks(base(), req) };
  });
  app.get(`${mappings}/:id`, async (req) => {
    enforce(identityPolicy, 'identity:get_mapping', req.auth);
    return { mapping: renderMapping(base(), await f.getMapping(param(req, 'id'))) };
  });
  app.patch(`${mappings}/:id`, async (req) => {
    enforce(identityPolicy, 'identity:update_mapping', req.auth);
    const m = mappingBody(req);
    return { mapping: renderMapping(base(), await f.updateMapping(param(req, 'id'), m.rules, m.schemaVersion)) };
  });
  app.delete(`${mappings}/:id`, async (req, reply) => {
    enforce(identityPolicy, 'identity:delete_mapping', req.auth);
    await f.deleteMapping(param(req, 'id'));
    reply.code(204);
  });

  // --- protocols ---
  const protocols = `${idps}/:idp/protocols`;
  app.put(`${protocols}/:protocol`, async (req, reply) => {
    enforce(identityPolicy, 'identity:create_protocol', req.auth);
    const b = wrapped(req.body, 'protocol');
    const row = await f.createProtocol(
      param(req, 'idp'),
      param(req, 'protocol'),
      reqString(b, 'mapping_id', { max: 64 }),
      optString(b, 'remote_id_attribute', { nullable: true, max: 64 }) ?? null,
    );
    reply.code(201);
    return { protocol: renderProtocol(base(), row) };
  });
  app.get(protocols, async (req) => {
    enforce(identityPolicy, 'identity:list_protocols', req.auth);
    return { protocols: (await f.listProtocols(param(req, 'idp'))).map((p) => renderProtocol(base(), p)), links: collectionLinks(base(), req) };
  });
  app.get(`${protocols}/:protocol`, async (req) => {
    enforce(identityPolicy, 'identity:get_protocol', req.auth);
    return { protocol: renderProtocol(base(), await f.getProtocol(param(req, 'idp'), param(req, 'protocol'))) };
  });
  app.patch(`${protocols}/:protocol`, async (req) => {
    enforce(identityPolicy, 'identity:update_protocol', req.auth);
    const b = wrapped(req.body, 'protocol');
    const row = await f.updateProtocol(param(req, 'idp'), param(req, 'protocol'), {
      mappingId: optString(b, 'mapping_id', { max: 64 }) ?? undefined,
      remoteIdAttribute: optString(b, 'remote_id_attribute', { nullable: true, max: 64 }),
    });
    return { protocol: renderProtocol(base(), row) };
  });
  app.delete(`${protocols}/:protocol`, async (req, reply) => {
    enforce(identityPolicy, 'identity:delete_protocol', req.auth);
    await f.deleteProtocol(param(req, 'idp'), param(req, 'protocol'));
    reply.code(204);
  });

  // --- federated login: a bearer token of the provider's issuer for an unscoped token ---
  const login = async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw unauthorized('The request you have made requires authentication.');
    const principal = await f.authenticate(param(req, 'idp'), param(req, 'protocol'), m[1]);
    const { token, payload } = await d.tokens.issue(principal, { kind: 'unscoped' });
    reply.code(201);
    reply.header('x-subject-token', token);
    return renderToken(payload, undefined, d.serviceProviders.enabled());
  };
  // Keystone's path (keystoneauth's OIDC plugins post there) and the one under /v3/auth.
  for (const url of [`${protocols}/:protocol/auth`, `/v3/auth/${FED}/identity_providers/:idp/protocols/:protocol/auth`]) {
    app.post(url, { config: { public: true } }, login);
    app.get(url, { config: { public: true } }, login);
  }
}
