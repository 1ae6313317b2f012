import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessRule, AuthContext } from '../../../platform/auth.js';
import { fromDbBool } from '../../../platform/db/database.js';
import { badRequest } from '../../../platform/errors.js';
import { isoNaive } from '../../../platform/ids.js';
import { enforce } from '../../../platform/policy.js';
import { isObj, optBool, optString, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import type { AccessRuleInput, RoleRef, StoredRole } from '../model/appcreds.js';
import { identityPolicy } from '../policy.js';
import { parseJson } from '../store/json.js';
import type { AccessRuleRow, AppCredentialRow } from '../store/tables.js';
import { duplicateAs, expiryField } from './common.js';
import type { IdentityDeps } from './deps.js';
import { collectionLinks, selfLink } from './render.js';

function renderAppCred(base: string, c: AppCredentialRow) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    project_id: c.project_id,
    expires_at: c.expires_at ? isoNaive(c.expires_at) : null,
    unrestricted: fromDbBool(c.unrestricted),
    roles: parseJson<StoredRole[]>(c.roles, []),
    access_rules: parseJson<AccessRule[]>(c.access_rules, []),
    links: selfLink(base, `users/${c.user_id}/application_credentials/${c.id}`),
  };
}

/** Keystone checks a per-item rule against the item's owner too: another user's item is 403, not 404. */
function enforceOwner(action: string, auth: AuthContext, owner: string | undefined): void {
  if (owner !== undefined) enforce(identityPolicy, action, auth, { user_id: owner });
}

function renderRule(base: string, r: AccessRuleRow) {
  return { id: r.id, service: r.service, path: r.path, method: r.method, links: selfLink(base, `users/${r.user_id}/access_rules/${r.id}`) };
}

/** `[{id}|{name}]`, each entry an object with a string id or name. */
export function roleRefs(b: Obj): RoleRef[] | undefined {
  const v = b.roles;
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw badRequest("Invalid input for field 'roles': expected a list.");
  return v.map((r, i) => {
    if (!isObj(r) || (typeof r.id !== 'string' && typeof r.name !== 'string')) {
      throw badRequest(`Invalid input for field 'roles/${i}': expected an object with id or name.`);
    }
    return { id: optString(r, 'id', { max: 64 }) ?? undefined, name: optString(r, 'name', { max: 255 }) ?? undefined };
  });
}

function accessRuleInputs(b: Obj): AccessRuleInput[] | undefined {
  const v = b.access_rules;
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw badRequest("Invalid input for field 'access_rules': expected a list.");
  return v.map((r, i) => {
    const path = `access_rules/${i}`;
    if (!isObj(r)) throw badRequest(`Invalid input for field '${path}': expected an object.`);
    const rule = {
      id: optString(r, 'id', { max: 64, path: `${path}/id` }) ?? undefined,
      service: optString(r, 'service', { max: 64, path: `${path}/service` }) ?? undefined,
      path: optString(r, 'path', { max: 255, path: `${path}/path` }) ?? undefined,
      method: optString(r, 'method', { max: 16, path: `${path}/method` }) ?? undefined,
    };
    if (!rule.id && !(rule.service && rule.path && rule.method)) {
      throw badRequest(`Invalid input for field '${path}': expected an id or service, path and method.`);
    }
    return rule;
  });
}

export function registerAppCredentialRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const userParam = (req: FastifyRequest) => (req.params as { user_id: string }).user_id;
  const idParam = (req: FastifyRequest, name: string) => (req.params as Record<string, string>)[name];
  const coll = '/v3/users/:user_id/application_credentials';

  app.post(coll, async (req, reply) => {
    const userId = userParam(req);
    enforce(identityPolicy, 'identity:create_application_credential', req.auth, { user_id: userId });
    const b = wrapped(req.body, 'application_credential');
    const name = reqString(b, 'name', { max: 255 });
    const created = await d.appCreds
      .create(req.auth, userId, {
        name,
        description: optString(b, 'description', { nullable: true, max: 65535 }),
        secret: optString(b, 'secret', { nullable: true, max: 4096 }) ?? undefined,
        expiresAt: expiryField(b, 'expires_at'),
        roles: roleRefs(b),
        unrestricted: optBool(b, 'unrestricted'),
        accessRules: accessRuleInputs(b),
      })
      .catch(duplicateAs('application_credential', `Duplicate entry found with name ${name}`));
    reply.code(201);
    return { application_credential: { ...renderAppCred(base(), created.row), secret: created.secret } };
  });

  app.get(coll, async (req) => {
    const userId = userParam(req);
    enforce(identityPolicy, 'identity:list_application_credentials', req.auth, { user_id: userId });
    const rows = await d.appCreds.list(userId, query(req.query).name);
    return { application_credentials: rows.map((r) => renderAppCred(base(), r)), links: collectionLinks(base(), req) };
  });

  app.get(`${coll}/:id`, async (req) => {
    const userId = userParam(req);
    enforce(identityPolicy, 'identity:get_application_credential', req.auth, { user_id: userId });
    enforceOwner('identity:get_application_credential', req.auth, await d.appCreds.credentialOwner(idParam(req, 'id')));
    return { application_credential: renderAppCred(base(), await d.appCreds.get(userId, idParam(req, 'id'))) };
  });

  app.delete(`${coll}/:id`, async (req, reply) => {
    const userId = userParam(req);
    enforce(identityPolicy, 'identity:delete_application_credential', req.auth, { user_id: userId });
    enforceOwner('identity:delete_application_credential', req.auth, await d.appCreds.credentialOwner(idParam(req, 'id')));
    await d.appCreds.delete(req.auth, userId, idParam(req, 'id'));
    reply.code(204);
  });

  const rules = '/v3/users/:user_id/access_rules';
  app.get(rules, async (req) => {
    const userId = userParam(req);
    enforce(identityPolicy, 'identity:list_access_rules', req.auth, { user_id: userId });
    const q = query(req.query);
    const rows = await d.appCreds.listRules(userId, { service: q.service, path: q.path, method: q.method });
    return { access_rules: rows.map((r) => renderRule(base(), r)), links: collectionLinks(base(), req) };
  });

  app.get(`${rules}/:id`, async (req) => {
    const userId = userParam(req);
    enforce(identityPolicy, 'identity:get_access_rule', req.auth, { user_id: userId });
    enforceOwner('identity:get_access_rule', req.auth, await d.appCreds.ruleOwner(idParam(req, 'id')));
    return { access_rule: renderRule(base(), await d.appCreds.getRule(userId, idParam(req, 'id'))) };
  });

  app.delete(`${rules}/:id`, async (req, reply) => {
    const userId = userParam(req);
    enforce(identityPolicy, 'identity:delete_access_rule', req.auth, { user_id: userId });
    enforceOwner('identity:delete_access_rule', req.auth, await d.appCreds.ruleOwner(idParam(req, 'id')));
    await d.appCreds.deleteRule(userId, idParam(req, 'id'));
    reply.code(204);
  });
}
