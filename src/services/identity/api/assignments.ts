import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, forbidden, notFound } from '../../../platform/errors.js';
import { toDbBool } from '../../../platform/db/database.js';
import { query, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { AssignmentLister, type AssignmentEntity, type AssignmentQuery } from '../model/assignments.js';
import type { RevocationEvent } from '../model/revocations.js';
import { identityPolicy, isCloudAdmin } from '../policy.js';
import type { AssignmentRow, AssignmentType, RoleRow } from '../store/tables.js';
import { collection, queryFlag, refuseMissing } from './common.js';
import type { IdentityDeps } from './deps.js';
import { collectionLinks } from './render.js';
import { renderRole } from './roles.js';

type TargetKind = 'projects' | 'domains' | 'system';
type ActorKind = 'users' | 'groups';
type GrantParams = { id?: string; actor: string; role?: string };

const TYPE: Record<ActorKind, Record<TargetKind, AssignmentType>> = {
  users: { projects: 'UserProject', domains: 'UserDomain', system: 'UserSystem' },
  groups: { projects: 'GroupProject', domains: 'GroupDomain', system: 'GroupSystem' },
};

/** Keystone's policy action names per operation, for project/domain grants and system grants. */
const ACTIONS = {
  list: ['identity:list_grants', 'identity:list_system_grants'],
  check: ['identity:check_grant', 'identity:check_system_grant'],
  create: ['identity:create_grant', 'identity:create_system_grant'],
  revoke: ['identity:revoke_grant', 'identity:revoke_system_grant'],
} as const;

export function registerAssignmentRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const lister = new AssignmentLister(d.roles, d.users, d.projects);

  /** Resolves target, actor and role of a grant URL and enforces the operation on both domains. */
  async function resolve(req: FastifyRequest, kind: TargetKind, actorKind: ActorKind, p: GrantParams, op: keyof typeof ACTIONS) {
    const action = ACTIONS[op][kind === 'system' ? 1 : 0];
    let targetId = 'all';
    let targetDomain: string | undefined;
    if (kind === 'projects') {
      const project = await d.projects.getProject(p.id!);
      if (!project) refuseMissing(req, action, notFound(`Could not find project: ${p.id}.`));
      [targetId, targetDomain] = [project.id, project.domain_id];
    } else if (kind === 'domains') {
      const domain = await d.projects.getDomain(p.id!);
      if (!domain) refuseMissing(req, action, notFound(`Could not find domain: ${p.id}.`));
      [targetId, targetDomain] = [domain.id, domain.id];
    }
    const actor = actorKind === 'users' ? await d.users.getUser(p.actor) : await d.users.getGroup(p.actor);
    if (!actor) refuseMissing(req, action, notFound(`Could not find ${actorKind === 'users' ? 'user' : 'group'}: ${p.actor}.`));
    let role: RoleRow | undefined;
    if (p.role !== undefined) {
      role = await d.roles.getRole(p.role);
      if (!role) refuseMissing(req, action, notFound(`Could not find role: ${p.role}.`));
      // Keystone checks a domain-specific role against the project's domain only; domain grants may use it.
      if (kind === 'projects' && role.domain_id && role.domain_id !== targetDomain) {
        throw forbidden(`Domain-specific role ${role.id} cannot be granted outside domain ${role.domain_id}.`);
      }
    }
    const roleName = role?.name;
    if (kind === 'system') enforce(identityPolicy, action, req.auth, { role_name: roleName });
    else {
      const roleDomain = role?.domain_id;
      enforce(identityPolicy, action, req.auth, { domain_id: targetDomain, role_name: roleName, role_domain_id: roleDomain });
      enforce(identityPolicy, action, req.auth, { domain_id: actor.domain_id, role_name: roleName, role_domain_id: roleDomain });
    }
    return { targetId, actorId: actor.id, role };
  }

  /** Tokens carrying a role that was just unassigned stop working at once. */
  async function revokeGrant(kind: TargetKind, actorKind: ActorKind, a: AssignmentRow): Promise<void> {
    const where: Partial<RevocationEvent> = { role_id: a.role_id };
    if (kind === 'domains') where.domain_id = a.target_id;
    // Project inheritance reaches sub-projects, which a project_id would not match.
    else if (kind === 'projects' && !a.inherited) where.project_id = a.target_id;
    const users = actorKind === 'users' ? [a.actor_id] : await d.users.userIdsOfGroup(a.actor_id);
    for (const user_id of users) await d.revocations.revoke({ ...where, user_id });
  }

  function grantRoutes(prefix: string, kind: TargetKind, actorKind: ActorKind, inherited: boolean): void {
    const suffix = inherited ? '/inherited_to_projects' : '';
    const collection = `${prefix}/${actorKind}/:actor/roles${suffix}`;
    const member = `${prefix}/${actorKind}/:actor/roles/:role${suffix}`;
    const row = (r: { targetId: string; actorId: string; role?: RoleRow }): AssignmentRow => ({
      type: TYPE[actorKind][kind],
      actor_id: r.actorId,
      target_id: r.targetId,
      role_id: r.role!.id,
      inherited: toDbBool(inherited),
    });
    const missing = (a: AssignmentRow) =>
      notFound(`Could not find role assignment with role: ${a.role_id}, user or group: ${a.actor_id}, project, domain, or system: ${a.target_id}.`);

    app.get<{ Params: GrantParams }>(collection, async (req) => {
      const r = await resolve(req, kind, actorKind, req.params, 'list');
      const rows = await d.roles.listAssignments({ types: [TYPE[actorKind][kind]], actorIds: [r.actorId], targetIds: [r.targetId], inherited });
      const roles = (await Promise.all(rows.map((a) => d.roles.getRole(a.role_id)))).filter((x): x is RoleRow => !!x);
      return { roles: roles.map((x) => renderRole(base(), x)), links: collectionLinks(base(), req) };
    });

    app.put<{ Params: GrantParams }>(member, async (req, reply) => {
      await d.roles.addAssignment(row(await resolve(req, kind, actorKind, req.params, 'create')));
      reply.code(204);
    });

    // HEAD is answered from this route as well.
    app.get<{ Params: GrantParams }>(member, async (req, reply) => {
      const a = row(await resolve(req, kind, actorKind, req.params, 'check'));
      const found = await d.roles.listAssignments({ types: [a.type], actorIds: [a.actor_id], targetIds: [a.target_id], roleId: a.role_id, inherited });
      if (!found.length) throw missing(a);
      reply.code(204);
    });

    app.delete<{ Params: GrantParams }>(member, async (req, reply) => {
      const a = row(await resolve(req, kind, actorKind, req.params, 'revoke'));
      if ((await d.roles.removeAssignment(a)) === 0) throw missing(a);
      await revokeGrant(kind, actorKind, a);
      reply.code(204);
    });
  }

  for (const actorKind of ['users', 'groups'] as const) {
    grantRoutes('/v3/projects/:id', 'projects', actorKind, false);
    grantRoutes('/v3/domains/:id', 'domains', actorKind, false);
    grantRoutes('/v3/system', 'system', actorKind, false);
    grantRoutes('/v3/OS-INHERIT/projects/:id', 'projects', actorKind, true);
    grantRoutes('/v3/OS-INHERIT/domains/:id', 'domains', actorKind, true);
  }

  app.get('/v3/role_assignments', async (req) => {
    const q = query(req.query);
    const aq = assignmentQuery(q);
    const own = isCloudAdmin(req.auth) ? undefined : req.auth.domainId;
    const action = aq.includeSubtree ? 'identity:list_role_assignments_for_tree' : 'identity:list_role_assignments';
    enforce(identityPolicy, action, req.auth, { domain_id: own ?? '' });
    let entities = await lister.list(aq);
    const names = new Names(d);
    // A domain reader or manager sees the assignments on its own domain and its projects only.
    if (own) entities = await filterAsync(entities, async (e) => e.domainId === own || (!!e.projectId && (await names.project(e.projectId))?.domain_id === own));
    const includeNames = queryFlag(q, 'include_names');
    const rendered = [];
    for (const e of entities) rendered.push(await renderAssignment(base(), e, includeNames ? names : undefined));
    return collection(d, req, 'role_assignments', rendered);
  });
}

/** Validates the filter combinations as Keystone does (each useless combination is a 400). */
function assignmentQuery(q: Record<string, string>): AssignmentQuery {
  const inheritedTo = q['scope.OS-INHERIT:inherited_to'];
  const aq: AssignmentQuery = {
    userId: q['user.id'] || undefined,
    groupId: q['group.id'] || undefined,
    roleId: q['role.id'] || undefined,
    projectId: q['scope.project.id'] || undefined,
    domainId: q['scope.domain.id'] || undefined,
    system: q['scope.system'] ? true : undefined,
    inherited: inheritedTo === undefined ? undefined : inheritedTo === 'projects',
    effective: queryFlag(q, 'effective'),
    includeSubtree: queryFlag(q, 'include_subtree'),
  };
  if (aq.domainId && aq.projectId) throw badRequest('Specify a domain or project, not both');
  if (aq.system && aq.domainId) throw badRequest('Specify system or domain, not both');
  if (aq.system && aq.projectId) throw badRequest('Specify system or project, not both');
  if (aq.userId && aq.groupId) throw badRequest('Specify a user or group, not both');
  if (aq.effective && aq.groupId) throw badRequest('Combining effective and group filter will always result in an empty list.');
  if (aq.effective && aq.inherited && aq.domainId) {
    throw badRequest('Combining effective, domain and inherited filters will always result in an empty list.');
  }
  if (aq.includeSubtree && !aq.projectId) throw badRequest('scope.project.id must be specified if include_subtree is also specified');
  return aq;
}

async function filterAsync<T>(items: T[], keep: (t: T) => Promise<boolean>): Promise<T[]> {
  const flags = await Promise.all(items.map(keep));
  return items.filter((_, i) => flags[i]);
}

/** Looks up the names `include_names` asks for, each entity once per request. */
class Names {
  private cache = new Map<string, Promise<unknown>>();
  constructor(private readonly d: IdentityDeps) {}
  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.cache.has(key)) this.cache.set(key, load());
    return this.cache.get(key) as Promise<T>;
  }
  project = (id: string) => this.once(`p:${id}`, () => this.d.projects.getProject(id));
  domain = (id: string) => this.once(`d:${id}`, () => this.d.projects.getDomain(id));
  user = (id: string) => this.once(`u:${id}`, () => this.d.users.getUser(id));
  group = (id: string) => this.once(`g:${id}`, () => this.d.users.getGroup(id));
  role = (id: string) => this.once(`r:${id}`, () => this.d.roles.getRole(id));
  async domainRef(id: string) {
    return { id, name: (await this.domain(id))?.name ?? '' };
  }
}

/** An assignment as Keystone's `_format_entity` renders it, links included. */
async function renderAssignment(base: string, e: AssignmentEntity, names?: Names) {
  const out: Obj = {};
  const links: Obj = {};
  let scope: Obj;
  let link = '';
  let inherited = e.inheritedToProjects;
  if (e.projectId) {
    const p = names && (await names.project(e.projectId));
    scope = { project: p ? { id: p.id, name: p.name, domain: await names.domainRef(p.domain_id) } : { id: e.projectId } };
    if (e.indirect?.domainId) [inherited, link] = [true, `/domains/${e.indirect.domainId}`];
    else if (e.indirect?.projectId) [inherited, link] = [true, `/projects/${e.indirect.projectId}`];
    else link = `/projects/${e.projectId}`;
  } else if (e.domainId) {
    scope = { domain: names ? await names.domainRef(e.domainId) : { id: e.domainId } };
    link = `/domains/${e.domainId}`;
  } else {
    scope = { system: { all: true } };
    link = '/system';
  }
  if (e.userId) {
    const u = names && (await names.user(e.userId));
    out.user = u ? { id: u.id, name: u.name, domain: await names.domainRef(u.domain_id) } : { id: e.userId };
    if (e.indirect?.groupId) {
      links.membership = `${base}/v3/groups/${e.indirect.groupId}/users/${e.userId}`;
      link += `/groups/${e.indirect.groupId}`;
    } else link += `/users/${e.userId}`;
  } else {
    const g = names && (await names.group(e.groupId!));
    out.group = g ? { id: g.id, name: g.name, domain: await names.domainRef(g.domain_id) } : { id: e.groupId };
    link += `/groups/${e.groupId}`;
  }
  const r = names && (await names.role(e.roleId));
  out.role = r ? { id: r.id, name: r.name, ...(r.domain_id ? { domain: await names.domainRef(r.domain_id) } : {}) } : { id: e.roleId };
  link += `/roles/${e.indirect?.roleId ?? e.roleId}`;
  if (inherited) {
    scope['OS-INHERIT:inherited_to'] = 'projects';
    link = `/OS-INHERIT${link}/inherited_to_projects`;
  }
  links.assignment = `${base}/v3${link}`;
  if (e.indirect?.roleId) links.prior_role = `${base}/v3/prior_role/${e.roleId}/implies/${e.indirect.roleId}`;
  return { ...out, scope, links };
}
