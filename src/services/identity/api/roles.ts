import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, forbidden, notFound } from '../../../platform/errors.js';
import { hexId } from '../../../platform/ids.js';
import { isObj, optString, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { identityPolicy } from '../policy.js';
import { parseJson } from '../store/json.js';
import type { RoleRow } from '../store/tables.js';
import { collection, duplicateAs, inexactFilter } from './common.js';
import type { IdentityDeps } from './deps.js';
import { extraOf } from './projects.js';
import { collectionLinks, selfLink } from './render.js';

const ROLE_FIELDS = ['name', 'domain_id', 'description', 'options'];
/** Keystone's `[assignment] prohibited_implied_role` default. */
const PROHIBITED_IMPLIED = ['admin'];

export function renderRole(base: string, r: RoleRow) {
  return {
    id: r.id,
    name: r.name,
    domain_id: r.domain_id || null,
    description: r.description,
    options: parseJson<Obj>(r.options, {}),
    links: selfLink(base, `roles/${r.id}`),
    ...parseJson<Obj>(r.extra, {}),
  };
}

const brief = (base: string, r: RoleRow) => ({ id: r.id, name: r.name, links: selfLink(base, `roles/${r.id}`) });

/** The only role option Keystone knows: `immutable` (a boolean, null removes it). */
function roleOptions(current: Obj, requested: unknown): Obj {
  if (!isObj(requested)) throw badRequest("Invalid input for field 'options': expected an object.");
  const out = { ...current };
  for (const [k, v] of Object.entries(requested)) {
    if (k !== 'immutable') throw badRequest(`Invalid input for field 'options': '${k}' is not a valid role option.`);
    if (v === null) delete out[k];
    else if (typeof v !== 'boolean') throw badRequest("Invalid input for field 'options/immutable': expected a boolean.");
    else out[k] = v;
  }
  return out;
}

const immutable = (r: RoleRow) => parseJson<Obj>(r.options, {}).immutable === true;

export function registerRoleRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  /** Keystone loads the role before it enforces: a missing one is 404 for everyone. */
  const loadRole = async (req: FastifyRequest, id: string, action: string) => {
    const r = await d.roles.getRole(id);
    if (!r) throw notFound(`Could not find role: ${id}.`);
    enforce(identityPolicy, action, req.auth, { domain_id: r.domain_id });
    return r;
  };

  app.get('/v3/roles', async (req) => {
    const q = query(req.query);
    enforce(identityPolicy, 'identity:list_roles', req.auth, { domain_id: q.domain_id });
    const named = inexactFilter(q, 'name');
    const rows = (await d.roles.listRoles({ name: q.name, domainId: q.domain_id })).filter((r) => named(r.name));
    return collection(d, req, 'roles', rows.map((r) => renderRole(base(), r)));
  });

  app.post('/v3/roles', async (req, reply) => {
    enforce(identityPolicy, 'identity:create_role', req.auth);
    const b = wrapped(req.body, 'role');
    const name = reqString(b, 'name', { max: 255 });
    const domainId = optString(b, 'domain_id', { nullable: true, max: 64 }) ?? '';
    if (domainId && !(await d.projects.getDomain(domainId))) throw notFound(`Could not find domain: ${domainId}.`);
    const row: RoleRow = {
      id: hexId(),
      name,
      domain_id: domainId,
      description: optString(b, 'description', { nullable: true, max: 255 }) ?? null,
      options: JSON.stringify(b.options === undefined ? {} : roleOptions({}, b.options)),
      extra: JSON.stringify(extraOf(b, ROLE_FIELDS)),
    };
    await d.roles.insertRole(row).catch(duplicateAs('role', `Duplicate entry found with name ${name}`));
    reply.code(201);
    return { role: renderRole(base(), row) };
  });

  app.get<{ Params: { id: string } }>('/v3/roles/:id', async (req) => ({
    role: renderRole(base(), await loadRole(req, req.params.id, 'identity:get_role')),
  }));

  app.patch<{ Params: { id: string } }>('/v3/roles/:id', async (req) => {
    const r = await loadRole(req, req.params.id, 'identity:update_role');
    const b = wrapped(req.body, 'role');
    const options = b.options === undefined ? undefined : roleOptions(parseJson<Obj>(r.options, {}), b.options);
    // Only clearing `immutable` itself is allowed on an immutable role.
    if (immutable(r) && (options?.immutable !== false || Object.keys(b).some((k) => k !== 'options'))) {
      throw forbidden(`Cannot update role ${r.id}: it is immutable.`);
    }
    if (b.domain_id !== undefined && (b.domain_id ?? '') !== r.domain_id) throw badRequest('Update of `domain_id` is not allowed.');
    const patch: Partial<RoleRow> = {};
    const name = optString(b, 'name', { max: 255, min: 1 });
    if (name) patch.name = name;
    const desc = optString(b, 'description', { nullable: true, max: 255 });
    if (desc !== undefined) patch.description = desc;
    if (options) patch.options = JSON.stringify(options);
    const extra = extraOf(b, ROLE_FIELDS);
    if (Object.keys(extra).length) patch.extra = JSON.stringify({ ...parseJson<Obj>(r.extra, {}), ...extra });
    await d.roles.updateRole(r.id, patch).catch(duplicateAs('role', `Duplicate entry found with name ${name}`));
    return { role: renderRole(base(), { ...r, ...patch }) };
  });

  app.delete<{ Params: { id: string } }>('/v3/roles/:id', async (req, reply) => {
    const r = await loadRole(req, req.params.id, 'identity:delete_role');
    if (immutable(r)) throw forbidden(`Cannot delete role ${r.id}: it is immutable.`);
    await d.roles.deleteRole(r.id);
    await d.revocations.revoke({ role_id: r.id });
    reply.code(204);
  });

  // --- implied roles ---
  const inference = (prior: RoleRow, implied: RoleRow) => ({
    role_inference: { prior_role: brief(base(), prior), implies: brief(base(), implied) },
    links: selfLink(base(), `roles/${prior.id}/implies/${implied.id}`),
  });
  const loadPair = async (req: FastifyRequest<{ Params: { id: string; implied: string } }>, action: string) => {
    const prior = await loadRole(req, req.params.id, action);
    const implied = await d.roles.getRole(req.params.implied);
    if (!implied) throw notFound(`Could not find role: ${req.params.implied}.`);
    return { prior, implied };
  };
  const impliesOf = async (priorId: string) =>
    (await d.roles.listImplied()).filter((r) => r.prior_role_id === priorId).map((r) => r.implied_role_id);

  app.put<{ Params: { id: string; implied: string } }>('/v3/roles/:id/implies/:implied', async (req, reply) => {
    const { prior, implied } = await loadPair(req, 'identity:create_implied_role');
    if (PROHIBITED_IMPLIED.includes(implied.name) || (!prior.domain_id && implied.domain_id)) {
      throw forbidden(`${implied.id} cannot be an implied roles.`);
    }
    if ((await d.resolver.expand([implied.id])).some((r) => r.id === prior.id)) {
      throw badRequest(`Role ${implied.id} already implies ${prior.id}: the inference would be a loop.`);
    }
    await d.roles.addImplied(prior.id, implied.id);
    reply.code(201);
    return inference(prior, implied);
  });

  const checkPair = async (req: FastifyRequest<{ Params: { id: string; implied: string } }>) => {
    const { prior, implied } = await loadPair(req, 'identity:get_implied_role');
    if (!(await impliesOf(prior.id)).includes(implied.id)) throw notFound(`${prior.id} does not imply ${implied.id}.`);
    return inference(prior, implied);
  };
  app.get<{ Params: { id: string; implied: string } }>('/v3/roles/:id/implies/:implied', { exposeHeadRoute: false }, checkPair);
  // Keystone answers the HEAD check with 204, not with the GET's 200.
  app.head<{ Params: { id: string; implied: string } }>('/v3/roles/:id/implies/:implied', async (req, reply) => {
    await checkPair(req);
    reply.code(204);
  });

  app.delete<{ Params: { id: string; implied: string } }>('/v3/roles/:id/implies/:implied', async (req, reply) => {
    const { prior, implied } = await loadPair(req, 'identity:delete_implied_role');
    if ((await d.roles.removeImplied(prior.id, implied.id)) === 0) throw notFound(`${prior.id} does not imply ${implied.id}.`);
    // Tokens carry the implied roles they were issued with.
    await d.revocations.revoke({ role_id: prior.id });
    reply.code(204);
  });

  const inferencesOf = async (prior: RoleRow) => {
    const implied = await Promise.all((await impliesOf(prior.id)).map((id) => d.roles.getRole(id)));
    return { prior_role: brief(base(), prior), implies: implied.filter((r): r is RoleRow => !!r).map((r) => brief(base(), r)) };
  };

  app.get<{ Params: { id: string } }>('/v3/roles/:id/implies', async (req) => {
    const prior = await loadRole(req, req.params.id, 'identity:list_implied_roles');
    return { role_inference: await inferencesOf(prior), links: selfLink(base(), `roles/${prior.id}/implies`) };
  });

  app.get('/v3/role_inferences', async (req) => {
    enforce(identityPolicy, 'identity:list_role_inference_rules', req.auth);
    const priors = [...new Set((await d.roles.listImplied()).map((r) => r.prior_role_id))];
    const roles = (await Promise.all(priors.map((id) => d.roles.getRole(id)))).filter((r): r is RoleRow => !!r);
    return { role_inferences: await Promise.all(roles.map(inferencesOf)), links: collectionLinks(base(), req) };
  });
}
