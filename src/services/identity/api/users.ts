import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { fromDbBool, toDbBool } from '../../../platform/db/database.js';
import { hexId, isoNaive, nowIso } from '../../../platform/ids.js';
import { boolParam, optBool, optString, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { changeOwnPassword, historyAfterChange, mergeUserOptions, passwordColumns, passwordExpiry, validPassword } from '../model/users.js';
import { parseJson } from '../store/json.js';
import type { UserRow } from '../store/tables.js';
import { enforce } from '../../../platform/policy.js';
import { identityPolicy } from '../policy.js';
import { collection, duplicateAs, inexactFilter, listingDomain, refuseMissing, userSettings } from './common.js';
import type { IdentityDeps } from './deps.js';
import { renderGroup } from './groups.js';
import { extraOf, renderProject, tagFilter } from './projects.js';
import { collectionLinks, selfLink } from './render.js';

const USER_FIELDS = ['name', 'domain_id', 'enabled', 'password', 'default_project_id', 'description', 'email', 'options', 'federated'];

/** A user as Keystone renders it: never a password field; optional attributes only when set. */
export function renderUser(base: string, u: UserRow) {
  const out: Obj = {
    id: u.id,
    name: u.name,
    domain_id: u.domain_id,
    enabled: fromDbBool(u.enabled),
    password_expires_at: u.password_expires_at ? isoNaive(u.password_expires_at) : null,
    options: parseJson<Obj>(u.options, {}),
    links: selfLink(base, `users/${u.id}`),
  };
  if (u.default_project_id) out.default_project_id = u.default_project_id;
  if (u.description !== null) out.description = u.description;
  if (u.email !== null) out.email = u.email;
  if (u.federated) out.federated = parseJson<unknown[]>(u.federated, []);
  return { ...out, ...parseJson<Obj>(u.extra, {}) };
}

const EXPIRY_OPS: Record<string, (a: number, b: number) => boolean> = {
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  eq: (a, b) => a === b,
  neq: (a, b) => a !== b,
};

/** Keystone's `password_expires_at={lt|lte|gt|gte|eq|neq}:{timestamp}` filter (default `eq`). */
export function expiryFilter(v: string | undefined): (u: UserRow) => boolean {
  if (v === undefined) return () => true;
  const m = /^(?:(lt|lte|gt|gte|eq|neq):)?(.+)$/.exec(v);
  const at = m ? Date.parse(m[2]) : NaN;
  if (!m || Number.isNaN(at)) throw badRequest(`Invalid input for field 'password_expires_at': '${v}' is not {operator}:{timestamp}.`);
  const op = EXPIRY_OPS[m[1] ?? 'eq'];
  return (u) => u.password_expires_at !== null && op(Date.parse(u.password_expires_at), at);
}

/** The filters every user listing accepts besides the domain. */
export function userFilter(q: Record<string, string>): (u: UserRow) => boolean {
  const enabled = boolParam(q.enabled);
  const named = inexactFilter(q, 'name');
  const expiring = expiryFilter(q.password_expires_at);
  return (u) => (q.name === undefined || u.name === q.name) && (enabled === undefined || fromDbBool(u.enabled) === enabled) && named(u.name) && expiring(u);
}

export function registerUserRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const expiresDays = () => userSettings(d).passwordExpiresDays;
  const loadUser = async (req: FastifyRequest, id: string, action: string, field = 'id') => {
    const u = await d.users.getUser(id);
    if (!u) refuseMissing(req, action, notFound(`Could not find user: ${id}.`));
    enforce(identityPolicy, action, req.auth, { [field]: u.id, domain_id: u.domain_id });
    return u;
  };

  app.get('/v3/users', async (req) => {
    const q = query(req.query);
    const domainId = listingDomain(req, 'identity:list_users', q.domain_id);
    const rows = domainId === null ? [] : (await d.users.listUsers({ domainId })).filter(userFilter(q));
    return collection(d, req, 'users', rows.map((u) => renderUser(base(), u)));
  });

  app.post('/v3/users', async (req, reply) => {
    const b = wrapped(req.body, 'user');
    const named = optString(b, 'domain_id', { max: 64 });
    // As Keystone, the policy sees the body: a domain manager must name its domain.
    enforce(identityPolicy, 'identity:create_user', req.auth, { domain_id: named });
    const domainId = named ?? req.auth.domainId ?? 'default';
    const name = reqString(b, 'name', { max: 255 });
    if (!(await d.projects.getDomain(domainId))) throw notFound(`Could not find domain: ${domainId}.`);
    const password = b.password === undefined ? null : validPassword(b.password);
    const options = b.options === undefined ? {} : mergeUserOptions({}, b.options);
    const fields = {
      enabled: toDbBool(optBool(b, 'enabled') ?? true),
      default_project_id: optString(b, 'default_project_id', { nullable: true, max: 64 }) ?? null,
      description: optString(b, 'description', { nullable: true }) ?? null,
      email: optString(b, 'email', { nullable: true, max: 255 }) ?? null,
    };
    // Hashing is the costly step: only once the whole body is valid.
    const row: UserRow = {
      id: hexId(),
      name,
      domain_id: domainId,
      ...fields,
      ...(await passwordColumns(d.hasher, password, expiresDays(), options)),
      options: JSON.stringify(options),
      extra: JSON.stringify(extraOf(b, USER_FIELDS)),
      federated: null,
      failed_auth_count: 0,
      failed_auth_at: null,
      created_at: nowIso(),
    };
    await d.users.insertUser(row).catch(duplicateAs('user', `Duplicate entry found with name ${name} at domain ID ${domainId}`));
    reply.code(201);
    return { user: renderUser(base(), row) };
  });

  app.get<{ Params: { id: string } }>('/v3/users/:id', async (req) => {
    return { user: renderUser(base(), await loadUser(req, req.params.id, 'identity:get_user')) };
  });

  app.patch<{ Params: { id: string } }>('/v3/users/:id', async (req) => {
    const u = await loadUser(req, req.params.id, 'identity:update_user');
    const b = wrapped(req.body, 'user');
    if (b.domain_id !== undefined && b.domain_id !== u.domain_id) throw badRequest('Update of `domain_id` is not allowed.');
    const patch: Partial<UserRow> = {};
    const name = optString(b, 'name', { max: 255, min: 1 });
    if (name) patch.name = name;
    const enabled = optBool(b, 'enabled');
    if (enabled !== undefined) patch.enabled = toDbBool(enabled);
    // Enabling a user explicitly also lifts a lockout, as Keystone's re-enable does.
    if (enabled === true) Object.assign(patch, { failed_auth_count: 0, failed_auth_at: null });
    const project = optString(b, 'default_project_id', { nullable: true, max: 64 });
    if (project !== undefined) patch.default_project_id = project;
    const desc = optString(b, 'description', { nullable: true });
    if (desc !== undefined) patch.description = desc;
    const email = optString(b, 'email', { nullable: true, max: 255 });
    if (email !== undefined) patch.email = email;
    const options = b.options === undefined ? parseJson<Obj>(u.options, {}) : mergeUserOptions(parseJson<Obj>(u.options, {}), b.options);
    if (b.options !== undefined) {
      patch.options = JSON.stringify(options);
      patch.password_expires_at = passwordExpiry(u.password_created_at, expiresDays(), options);
    }
    const extra = extraOf(b, USER_FIELDS);
    if (Object.keys(extra).length) patch.extra = JSON.stringify({ ...parseJson<Obj>(u.extra, {}), ...extra });
    if (b.password !== undefined) {
      // An admin reset is not checked against the history (Keystone) but enters it.
      Object.assign(patch, await passwordColumns(d.hasher, validPassword(b.password), expiresDays(), options));
      patch.password_history = historyAfterChange(u, userSettings(d).uniqueLastPasswordCount);
    }
    await d.users.updateUser(u.id, patch).catch(duplicateAs('user', `Duplicate entry found with name ${name} at domain ID ${u.domain_id}`));
    // A disabled user or a replaced password ends every session of the user at once.
    if (enabled === false || b.password !== undefined) await d.revocations.revoke({ user_id: u.id });
    return { user: renderUser(base(), { ...u, ...patch }) };
  });

  app.delete<{ Params: { id: string } }>('/v3/users/:id', async (req, reply) => {
    const u = await loadUser(req, req.params.id, 'identity:delete_user');
    await d.users.deleteUser(u.id);
    await d.revocations.revoke({ user_id: u.id });
    reply.code(204);
  });

  app.post<{ Params: { id: string } }>('/v3/users/:id/password', { config: { public: true } }, async (req, reply) => {
    const b = wrapped(req.body, 'user');
    if (typeof b.original_password !== 'string') throw badRequest("Invalid input for field 'original_password': expected a string.");
    const next = validPassword(b.password);
    if (next === null) throw badRequest("Invalid input for field 'password': expected a string.");
    await changeOwnPassword({ ...d, policy: userSettings(d) }, req.params.id, b.original_password, next);
    reply.code(204);
  });

  app.get('/v3/users/:id/password', { config: { public: true } }, async () => {
    throw new ApiError('methodNotAllowed', 'The method is not allowed for the requested URL.');
  });

  app.get<{ Params: { id: string } }>('/v3/users/:id/projects', async (req) => {
    const u = await loadUser(req, req.params.id, 'identity:list_user_projects', 'user_id');
    const q = query(req.query);
    const enabled = boolParam(q.enabled);
    const tagged = tagFilter(q);
    const rows = (await d.resolver.projectsOf(u.id)).filter(
      (p) =>
        (q.domain_id === undefined || p.domain_id === q.domain_id) &&
        (q.name === undefined || p.name === q.name) &&
        (enabled === undefined || fromDbBool(p.enabled) === enabled) &&
        tagged(parseJson<string[]>(p.tags, [])),
    );
    return { projects: rows.map((p) => renderProject(base(), p)), links: collectionLinks(base(), req) };
  });

  app.get<{ Params: { id: string } }>('/v3/users/:id/groups', async (req) => {
    const u = await loadUser(req, req.params.id, 'identity:list_groups_for_user', 'user_id');
    const q = query(req.query);
    const named = inexactFilter(q, 'name');
    const groups = (await d.users.listGroups({ ids: await d.users.groupIdsOfUser(u.id), name: q.name })).filter((g) => named(g.name));
    return collection(d, req, 'groups', groups.map((g) => renderGroup(base(), g)));
  });
}
