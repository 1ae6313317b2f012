import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { hexId, nowIso } from '../../../platform/ids.js';
import { optString, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { parseJson } from '../store/json.js';
import type { GroupRow } from '../store/tables.js';
import { enforce } from '../../../platform/policy.js';
import { identityPolicy } from '../policy.js';
import { collection, duplicateAs, inexactFilter, listingDomain, refuseMissing } from './common.js';
import type { IdentityDeps } from './deps.js';
import { extraOf } from './projects.js';
import { selfLink } from './render.js';
import { renderUser, userFilter } from './users.js';

const GROUP_FIELDS = ['name', 'domain_id', 'description'];

export function renderGroup(base: string, g: GroupRow) {
  return {
    id: g.id,
    name: g.name,
    domain_id: g.domain_id,
    description: g.description,
    links: selfLink(base, `groups/${g.id}`),
    ...parseJson<Obj>(g.extra, {}),
  };
}

export function registerGroupRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const loadGroup = async (req: FastifyRequest, id: string, action: string) => {
    const g = await d.users.getGroup(id);
    // Keystone loads a group it deletes before enforcing (404 for everyone); other calls refuse first.
    if (!g && action === 'identity:delete_group') throw notFound(`Could not find group: ${id}.`);
    if (!g) refuseMissing(req, action, notFound(`Could not find group: ${id}.`));
    enforce(identityPolicy, action, req.auth, { id: g.id, group_id: g.id, domain_id: g.domain_id });
    return g;
  };
  /** Membership routes: the group decides the policy, the user must exist and share its domain view. */
  const loadMembership = async (req: FastifyRequest<{ Params: { id: string; userId: string } }>, action: string) => {
    const g = await loadGroup(req, req.params.id, action);
    const u = await d.users.getUser(req.params.userId);
    if (!u) refuseMissing(req, action, notFound(`Could not find user: ${req.params.userId}.`));
    enforce(identityPolicy, action, req.auth, { domain_id: u.domain_id });
    return { g, u };
  };

  app.get('/v3/groups', async (req) => {
    const q = query(req.query);
    const domainId = listingDomain(req, 'identity:list_groups', q.domain_id);
    const named = inexactFilter(q, 'name');
    const rows = domainId === null ? [] : (await d.users.listGroups({ domainId, name: q.name })).filter((g) => named(g.name));
    return collection(d, req, 'groups', rows.map((g) => renderGroup(base(), g)));
  });

  app.post('/v3/groups', async (req, reply) => {
    const b = wrapped(req.body, 'group');
    const named = optString(b, 'domain_id', { max: 64 });
    enforce(identityPolicy, 'identity:create_group', req.auth, { domain_id: named });
    const domainId = named ?? req.auth.domainId ?? 'default';
    const name = reqString(b, 'name', { max: 64 });
    if (!(await d.projects.getDomain(domainId))) throw notFound(`Could not find domain: ${domainId}.`);
    const row: GroupRow = {
      id: hexId(),
      name,
      domain_id: domainId,
      description: optString(b, 'description', { nullable: true }) ?? '',
      extra: JSON.stringify(extraOf(b, GROUP_FIELDS)),
      created_at: nowIso(),
    };
    await d.users.insertGroup(row).catch(duplicateAs('group', `Duplicate entry found with name ${name} at domain ID ${domainId}`));
    reply.code(201);
    return { group: renderGroup(base(), row) };
  });

  app.get<{ Params: { id: string } }>('/v3/groups/:id', async (req) => {
    return { group: renderGroup(base(), await loadGroup(req, req.params.id, 'identity:get_group')) };
  });

  app.patch<{ Params: { id: string } }>('/v3/groups/:id', async (req) => {
    const g = await loadGroup(req, req.params.id, 'identity:update_group');
    const b = wrapped(req.body, 'group');
    if (b.domain_id !== undefined && b.domain_id !== g.domain_id) throw badRequest('Update of `domain_id` is not allowed.');
    const patch: Partial<GroupRow> = {};
    const name = optString(b, 'name', { max: 64, min: 1 });
    if (name) patch.name = name;
    const desc = optString(b, 'description', { nullable: true });
    if (desc !== undefined) patch.description = desc ?? '';
    const extra = extraOf(b, GROUP_FIELDS);
    if (Object.keys(extra).length) patch.extra = JSON.stringify({ ...parseJson<Obj>(g.extra, {}), ...extra });
    await d.users.updateGroup(g.id, patch).catch(duplicateAs('group', `Duplicate entry found with name ${name} at domain ID ${g.domain_id}`));
    return { group: renderGroup(base(), { ...g, ...patch }) };
  });

  app.delete<{ Params: { id: string } }>('/v3/groups/:id', async (req, reply) => {
    const g = await loadGroup(req, req.params.id, 'identity:delete_group');
    const members = await d.users.userIdsOfGroup(g.id);
    await d.users.deleteGroup(g.id);
    // The members lose the group's roles: their tokens must not keep them.
    for (const userId of members) await d.revocations.revoke({ user_id: userId });
    reply.code(204);
  });

  app.get<{ Params: { id: string } }>('/v3/groups/:id/users', async (req) => {
    const g = await loadGroup(req, req.params.id, 'identity:list_users_in_group');
    const q = query(req.query);
    const users = (await d.users.listUsers({ ids: await d.users.userIdsOfGroup(g.id) })).filter(userFilter(q));
    return collection(d, req, 'users', users.map((u) => renderUser(base(), u)));
  });

  app.put<{ Params: { id: string; userId: string } }>('/v3/groups/:id/users/:userId', async (req, reply) => {
    const { g, u } = await loadMembership(req, 'identity:add_user_to_group');
    await d.users.addMember(g.id, u.id);
    reply.code(204);
  });

  // HEAD is answered from this route as well.
  app.get<{ Params: { id: string; userId: string } }>('/v3/groups/:id/users/:userId', async (req, reply) => {
    const { g, u } = await loadMembership(req, 'identity:check_user_in_group');
    if (!(await d.users.groupIdsOfUser(u.id)).includes(g.id)) throw notFound(`User '${u.id}' not found in group '${g.id}'.`);
    reply.code(204);
  });

  app.delete<{ Params: { id: string; userId: string } }>('/v3/groups/:id/users/:userId', async (req, reply) => {
    const { g, u } = await loadMembership(req, 'identity:remove_user_from_group');
    if ((await d.users.removeMember(g.id, u.id)) === 0) throw notFound(`User '${u.id}' not found in group '${g.id}'.`);
    await d.revocations.revoke({ user_id: u.id });
    reply.code(204);
  });
}
