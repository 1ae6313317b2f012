import type { FastifyInstance, FastifyRequest } from 'fastify';
import { conflict, badRequest, forbidden, notFound } from '../../../platform/errors.js';
import { fromDbBool, isUniqueViolation, toDbBool } from '../../../platform/db/database.js';
import { hexId, nowIso } from '../../../platform/ids.js';
import { enforce } from '../../../platform/policy.js';
import {
  boolParam,
  optBool,
  optObj,
  optString,
  optStringArray,
  query,
  reqString,
  wrapped,
  type Obj,
} from '../../../platform/http/validate.js';
import { identityPolicy, isCloudAdmin } from '../policy.js';
import { parseJson } from '../store/json.js';
import type { DomainRow, ProjectRow } from '../store/tables.js';
import { deleteDomainCascade } from '../model/domains.js';
import type { IdentityDeps } from './deps.js';
import { collectionLinks, selfLink } from './render.js';
import { inexactFilter, refuseMissing } from './common.js';

export function renderDomain(base: string, d: DomainRow) {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: fromDbBool(d.enabled),
    tags: parseJson<string[]>(d.tags, []),
    options: parseJson<Obj>(d.options, {}),
    links: selfLink(base, `domains/${d.id}`),
    ...parseJson<Obj>(d.extra, {}),
  };
}

export function renderProject(base: string, p: ProjectRow) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domain_id,
    description: p.description,
    enabled: fromDbBool(p.enabled),
    parent_id: p.parent_id ?? p.domain_id,
    is_domain: false,
    tags: parseJson<string[]>(p.tags, []),
    options: parseJson<Obj>(p.options, {}),
    links: selfLink(base, `projects/${p.id}`),
    ...parseJson<Obj>(p.extra, {}),
  };
}

/**
 * A domain as Keystone shows it through the projects API: it keeps every domain as a project that
 * acts as a domain (no domain and no parent of its own).
 */
function renderDomainAsProject(base: string, d: DomainRow) {
  const { links: _l, ...domain } = renderDomain(base, d);
  return { ...domain, domain_id: null, parent_id: null, is_domain: true, links: selfLink(base, `projects/${d.id}`) };
}

const TAG_RULE = /^[^,/]{1,255}$/;
function validTags(tags: string[] | undefined): string[] | undefined {
  if (!tags) return undefined;
  if (tags.length > 80) throw badRequest("Invalid input for field 'tags': at most 80 tags are allowed.");
  for (const t of tags) if (!TAG_RULE.test(t)) throw badRequest(`Invalid input for field 'tags': '${t}' must not contain ',' or '/'.`);
  return [...new Set(tags)];
}

/** Fields Keystone accepts besides the known ones are kept and returned ("extra" attributes). */
export function extraOf(o: Obj, known: string[]): Obj {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !known.includes(k) && k !== 'id' && k !== 'links'));
}

const PROJECT_FIELDS = ['name', 'domain_id', 'parent_id', 'description', 'enabled', 'is_domain', 'tags', 'options'];
const DOMAIN_FIELDS = ['name', 'description', 'enabled', 'tags', 'options', 'explicit_domain_id'];

/** Tag filters of Keystone lists: tags (all), tags-any, not-tags, not-tags-any; comma separated. */
export function tagFilter(q: Record<string, string>) {
  const split = (v?: string) => (v ? v.split(',') : undefined);
  const all = split(q.tags);
  const any = split(q['tags-any']);
  const notAll = split(q['not-tags']);
  const notAny = split(q['not-tags-any']);
  return (tags: string[]) =>
    (!all || all.every((t) => tags.includes(t))) &&
    (!any || any.some((t) => tags.includes(t))) &&
    (!notAll || !notAll.every((t) => tags.includes(t))) &&
    (!notAny || !notAny.some((t) => tags.includes(t)));
}

/** The update of the fields domains and projects share (name, description, enabled, tags, options, extra). */
function containerPatch(b: Obj, row: DomainRow | ProjectRow, known: string[]) {
  const patch: Partial<DomainRow & ProjectRow> = {};
  const name = optString(b, 'name', { max: 64, min: 1 }) ?? undefined;
  if (name !== undefined) patch.name = name;
  const desc = optString(b, 'description', { nullable: true });
  if (desc !== undefined) patch.description = desc ?? '';
  const enabled = optBool(b, 'enabled');
  if (enabled !== undefined) patch.enabled = toDbBool(enabled);
  const tags = validTags(optStringArray(b, 'tags'));
  if (tags) patch.tags = JSON.stringify(tags);
  const options = optObj(b, 'options');
  if (options) patch.options = JSON.stringify({ ...parseJson<Obj>(row.options, {}), ...options });
  const extra = extraOf(b, known);
  if (Object.keys(extra).length) patch.extra = JSON.stringify({ ...parseJson<Obj>(row.extra, {}), ...extra });
  return { patch, name, enabled };
}

export function registerProjectRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();

  /** Keystone loads the domain of an update or delete before it enforces: 404 comes first. */
  const loadDomain = async (id: string) => {
    const dom = await d.projects.getDomain(id);
    if (!dom) throw notFound(`Could not find domain: ${id}.`);
    return dom;
  };
  const loadProject = async (req: FastifyRequest, id: string, action: string, found?: ProjectRow) => {
    const p = found ?? (await d.projects.getProject(id));
    if (!p) refuseMissing(req, action, notFound(`Could not find project: ${id}.`));
    enforce(identityPolicy, action, req.auth, { id: p.id, domain_id: p.domain_id });
    return p;
  };

  // --- domains ---
  app.get('/v3/domains', async (req) => {
    const q = query(req.query);
    const isAdmin = isCloudAdmin(req.auth);
    if (!isAdmin && !req.auth.domainId) enforce(identityPolicy, 'identity:list_domains', req.auth);
    const rows = await d.projects.listDomains({
      name: q.name,
      enabled: boolParam(q.enabled),
      ids: isAdmin ? undefined : [req.auth.domainId!],
    });
    return { domains: rows.map((r) => renderDomain(base(), r)), links: collectionLinks(base(), req) };
  });

  app.post('/v3/domains', async (req, reply) => {
    enforce(identityPolicy, 'identity:create_domain', req.auth);
    const b = wrapped(req.body, 'domain');
    const row: DomainRow = {
      id: optString(b, 'explicit_domain_id', { max: 64 }) ?? hexId(),
      name: reqString(b, 'name', { max: 64 }),
      description: optString(b, 'description', { max: 65535 }) ?? '',
      enabled: toDbBool(optBool(b, 'enabled') ?? true),
      tags: JSON.stringify(validTags(optStringArray(b, 'tags')) ?? []),
      options: JSON.stringify(optObj(b, 'options') ?? {}),
      extra: JSON.stringify(extraOf(b, DOMAIN_FIELDS)),
      created_at: nowIso(),
    };
    await d.projects.insertDomain(row).catch((e) => {
      throw isUniqueViolation(e) ? conflict(`Conflict occurred attempting to store domain - Duplicate entry found with name ${row.name}.`) : e;
    });
    reply.code(201);
    return { domain: renderDomain(base(), row) };
  });

  app.get<{ Params: { id: string } }>('/v3/domains/:id', async (req) => {
    const dom = (await d.projects.getDomain(req.params.id)) ?? refuseMissing(req, 'identity:get_domain', notFound(`Could not find domain: ${req.params.id}.`));
    enforce(identityPolicy, 'identity:get_domain', req.auth, { id: dom.id });
    return { domain: renderDomain(base(), dom) };
  });

  app.patch<{ Params: { id: string } }>('/v3/domains/:id', async (req) => {
    const dom = await loadDomain(req.params.id);
    enforce(identityPolicy, 'identity:update_domain', req.auth);
    const b = wrapped(req.body, 'domain');
    const { patch, name, enabled } = containerPatch(b, dom, DOMAIN_FIELDS);
    await d.projects.updateDomain(dom.id, patch).catch((e) => {
      throw isUniqueViolation(e) ? conflict(`Conflict occurred attempting to store domain - Duplicate entry found with name ${name}.`) : e;
    });
    if (enabled === false) await d.revocations.revoke({ domain_id: dom.id });
    return { domain: renderDomain(base(), { ...dom, ...patch }) };
  });

  app.delete<{ Params: { id: string } }>('/v3/domains/:id', async (req, reply) => {
    const dom = await loadDomain(req.params.id);
    enforce(identityPolicy, 'identity:delete_domain', req.auth);
    await deleteDomainCascade(d, dom);
    reply.code(204);
  });

  // --- projects ---
  app.get('/v3/projects', async (req) => {
    const q = query(req.query);
    const isAdmin = isCloudAdmin(req.auth);
    let domainId: string | undefined = q.domain_id;
    if (!isAdmin) {
      // Domain readers and managers see their domain only; others get 403 as in Keystone.
      if (!req.auth.domainId) enforce(identityPolicy, 'identity:list_projects', req.auth, {});
      if (domainId && domainId !== req.auth.domainId) return { projects: [], links: collectionLinks(base(), req) };
      domainId = req.auth.domainId;
      enforce(identityPolicy, 'identity:list_projects', req.auth, { domain_id: domainId });
    }
    if (q.is_domain !== undefined && boolParam(q.is_domain)) {
      // Only what sees every domain lists them as projects (the domain-scoped see their projects).
      const domains = isAdmin ? await d.projects.listDomains({ name: q.name, enabled: boolParam(q.enabled) }) : [];
      return { projects: domains.map((r) => renderDomainAsProject(base(), r)), links: collectionLinks(base(), req) };
    }
    const rows = await d.projects.listProjects({ name: q.name, domainId, enabled: boolParam(q.enabled), parentId: q.parent_id });
    const tagged = tagFilter(q);
    const named = inexactFilter(q, 'name');
    return {
      projects: rows.filter((r) => tagged(parseJson<string[]>(r.tags, [])) && named(r.name)).map((r) => renderProject(base(), r)),
      links: collectionLinks(base(), req),
    };
  });

  app.post('/v3/projects', async (req, reply) => {
    const b = wrapped(req.body, 'project');
    if (optBool(b, 'is_domain')) throw badRequest('Projects acting as domains are not supported; create a domain instead.');
    const parentId = optString(b, 'parent_id', { nullable: true, max: 64 }) ?? undefined;
    const parent = parentId ? await d.projects.getProject(parentId) : undefined;
    const named = optString(b, 'domain_id', { max: 64 });
    // As Keystone, the policy sees the body: a domain manager must name its domain.
    enforce(identityPolicy, 'identity:create_project', req.auth, { domain_id: named });
    const domainId = named ?? parent?.domain_id ?? (parentId && !parent ? parentId : undefined) ?? req.auth.domainId ?? req.auth.projectDomainId ?? 'default';
    const dom = await d.projects.getDomain(domainId);
    if (!dom) throw badRequest(`Could not find domain: ${domainId}.`);
    if (parentId && !parent && parentId !== domainId) throw badRequest(`Could not find project: ${parentId}.`);
    if (parent && parent.domain_id !== domainId) throw badRequest('Cannot create a project in a different domain than its parent.');
    const row: ProjectRow = {
      id: hexId(),
      name: reqString(b, 'name', { max: 64 }),
      domain_id: domainId,
      parent_id: parent ? parent.id : null,
      description: optString(b, 'description', { nullable: true }) ?? '',
      enabled: toDbBool(optBool(b, 'enabled') ?? true),
      tags: JSON.stringify(validTags(optStringArray(b, 'tags')) ?? []),
      options: JSON.stringify(optObj(b, 'options') ?? {}),
      extra: JSON.stringify(extraOf(b, PROJECT_FIELDS)),
      created_at: nowIso(),
    };
    await d.projects.insertProject(row).catch((e) => {
      throw isUniqueViolation(e) ? conflict(`Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${row.name}.`) : e;
    });
    reply.code(201);
    return { project: renderProject(base(), row) };
  });

  app.get<{ Params: { id: string } }>('/v3/projects/:id', async (req) => {
    const found = await d.projects.getProject(req.params.id);
    const domain = found ? undefined : await d.projects.getDomain(req.params.id);
    if (domain) {
      // A project acting as a domain has no domain: only those who read every project read it.
      enforce(identityPolicy, 'identity:get_project', req.auth, { id: domain.id });
      return { project: renderDomainAsProject(base(), domain) };
    }
    const p = await loadProject(req, req.params.id, 'identity:get_project', found);
    const q = query(req.query);
    const body: Obj = renderProject(base(), p);
    if (q.parents_as_ids !== undefined || q.parents_as_list !== undefined) {
      const ancestors = await d.projects.ancestors(p);
      body.parents = q.parents_as_list !== undefined ? ancestors.map((a) => ({ project: renderProject(base(), a) })) : Object.fromEntries(ancestors.map((a) => [a.id, null]));
    }
    if (q.subtree_as_ids !== undefined || q.subtree_as_list !== undefined) {
      const children = await d.projects.listProjects({ parentId: p.id });
      body.subtree = q.subtree_as_list !== undefined ? children.map((c) => ({ project: renderProject(base(), c) })) : Object.fromEntries(children.map((c) => [c.id, null]));
    }
    return { project: body };
  });

  app.patch<{ Params: { id: string } }>('/v3/projects/:id', async (req) => {
    const p = await loadProject(req, req.params.id, 'identity:update_project');
    const b = wrapped(req.body, 'project');
    if (b.domain_id !== undefined && b.domain_id !== p.domain_id) throw badRequest("Invalid input for field 'domain_id': the domain of a project cannot be changed.");
    if (b.parent_id !== undefined && (b.parent_id ?? p.domain_id) !== (p.parent_id ?? p.domain_id)) throw forbidden('Update of `parent_id` is not allowed.');
    const { patch, name, enabled } = containerPatch(b, p, PROJECT_FIELDS);
    await d.projects.updateProject(p.id, patch).catch((e) => {
      throw isUniqueViolation(e) ? conflict(`Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${name}.`) : e;
    });
    if (enabled === false) await d.revocations.revoke({ project_id: p.id });
    return { project: renderProject(base(), { ...p, ...patch }) };
  });

  app.delete<{ Params: { id: string } }>('/v3/projects/:id', async (req, reply) => {
    const p = await loadProject(req, req.params.id, 'identity:delete_project');
    if ((await d.projects.countChildren(p.id)) > 0) throw forbidden(`Cannot delete the project ${p.id} since it is not a leaf in the hierarchy.`);
    await d.roles.removeAssignmentsOfTarget(p.id);
    await d.projects.deleteProject(p.id);
    await d.revocations.revoke({ project_id: p.id });
    reply.code(204);
  });

  // --- project tags ---
  app.get<{ Params: { id: string } }>('/v3/projects/:id/tags', async (req) => {
    const p = await loadProject(req, req.params.id, 'identity:project_tags');
    return { tags: parseJson<string[]>(p.tags, []), links: collectionLinks(base(), req) };
  });
  app.put<{ Params: { id: string } }>('/v3/projects/:id/tags', async (req) => {
    const p = await loadProject(req, req.params.id, 'identity:update_project_tags');
    const tags = validTags(optStringArray({ tags: (req.body as Obj | undefined)?.tags }, 'tags')) ?? [];
    await d.projects.updateProject(p.id, { tags: JSON.stringify(tags) });
    return { tags, links: collectionLinks(base(), req) };
  });
  app.delete<{ Params: { id: string } }>('/v3/projects/:id/tags', async (req, reply) => {
    const p = await loadProject(req, req.params.id, 'identity:update_project_tags');
    await d.projects.updateProject(p.id, { tags: '[]' });
    reply.code(204);
  });
  app.get<{ Params: { id: string; tag: string } }>('/v3/projects/:id/tags/:tag', async (req, reply) => {
    const p = await loadProject(req, req.params.id, 'identity:project_tags');
    if (!parseJson<string[]>(p.tags, []).includes(req.params.tag)) throw notFound(`Tag ${req.params.tag} not found.`);
    reply.code(204);
  });
  app.put<{ Params: { id: string; tag: string } }>('/v3/projects/:id/tags/:tag', async (req, reply) => {
    const p = await loadProject(req, req.params.id, 'identity:update_project_tags');
    const tags = validTags([...parseJson<string[]>(p.tags, []), req.params.tag])!;
    await d.projects.updateProject(p.id, { tags: JSON.stringify(tags) });
    reply.code(201).header('location', `${base()}/v3/projects/${p.id}/tags/${encodeURIComponent(req.params.tag)}`);
    return '';
  });
  app.delete<{ Params: { id: string; tag: string } }>('/v3/projects/:id/tags/:tag', async (req, reply) => {
    const p = await loadProject(req, req.params.id, 'identity:update_project_tags');
    const tags = parseJson<string[]>(p.tags, []);
    if (!tags.includes(req.params.tag)) throw notFound(`Tag ${req.params.tag} not found.`);
    await d.projects.updateProject(p.id, { tags: JSON.stringify(tags.filter((t) => t !== req.params.tag)) });
    reply.code(204);
  });
}
