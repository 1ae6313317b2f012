import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isObj, optString, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { ENDPOINT_GROUP_FILTERS, type EndpointGroupFilters } from '../model/catalog.js';
import { groupFilters } from '../model/endpoint-filter.js';
import { identityPolicy } from '../policy.js';
import type { EndpointGroupRow } from '../store/tables.js';
import { renderEndpoint } from './catalog.js';
import type { IdentityDeps } from './deps.js';
import { renderProject } from './projects.js';
import { collectionLinks } from './render.js';

const PREFIX = '/v3/OS-EP-FILTER';

function renderGroup(base: string, g: EndpointGroupRow) {
  return { id: g.id, name: g.name, description: g.description, filters: groupFilters(g), links: { self: `${base}${PREFIX}/endpoint_groups/${g.id}` } };
}

/** `filters`: a non-empty object over service_id, region_id and interface (Keystone's check). */
function filtersOf(b: Obj): EndpointGroupFilters {
  const f = b.filters;
  if (!isObj(f) || Object.keys(f).length === 0) throw badRequest('filters field is required and cannot be empty');
  for (const [k, v] of Object.entries(f)) {
    if (!(ENDPOINT_GROUP_FILTERS as readonly string[]).includes(k) || typeof v !== 'string') {
      throw badRequest(
        `Expecting to find ${ENDPOINT_GROUP_FILTERS.join(' or ')} in endpoint_group. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
      );
    }
  }
  return f as EndpointGroupFilters;
}

/** OS-EP-FILTER: endpoint groups and project-endpoint associations. */
export function registerEndpointFilterRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const f = d.endpointFilter;
  const p = (req: FastifyRequest) => req.params as Record<string, string>;
  const allow = (req: FastifyRequest, action: string) => enforce(identityPolicy, action, req.auth);
  const projects = (req: FastifyRequest, rows: Parameters<typeof renderProject>[1][]) => ({
    projects: rows.map((r) => renderProject(base(), r)),
    links: collectionLinks(base(), req),
  });
  const endpoints = (req: FastifyRequest, rows: Parameters<typeof renderEndpoint>[1][]) => ({
    endpoints: rows.map((e) => renderEndpoint(base(), e)),
    links: collectionLinks(base(), req),
  });

  // --- endpoint groups ---
  app.get(`${PREFIX}/endpoint_groups`, async (req) => {
    allow(req, 'identity:list_endpoint_groups');
    const rows = await f.listGroups(query(req.query).name);
    return { endpoint_groups: rows.map((g) => renderGroup(base(), g)), links: collectionLinks(base(), req) };
  });
  app.post(`${PREFIX}/endpoint_groups`, async (req, reply) => {
    allow(req, 'identity:create_endpoint_group');
    const b = wrapped(req.body, 'endpoint_group');
    const row = await f.createGroup({
      name: reqString(b, 'name', { max: 255 }),
      description: optString(b, 'description', { nullable: true }) ?? null,
      filters: filtersOf(b),
    });
    reply.code(201);
    return { endpoint_group: renderGroup(base(), row) };
  });
  // HEAD (the `check` of clients) is answered by Fastify from the GET routes.
  app.get(`${PREFIX}/endpoint_groups/:id`, async (req) => {
    allow(req, 'identity:get_endpoint_group');
    return { endpoint_group: renderGroup(base(), await f.group(p(req).id)) };
  });
  app.patch(`${PREFIX}/endpoint_groups/:id`, async (req) => {
    allow(req, 'identity:update_endpoint_group');
    const b = wrapped(req.body, 'endpoint_group');
    if (b.id !== undefined && b.id !== p(req).id) throw badRequest('Cannot change ID');
    const row = await f.updateGroup(p(req).id, {
      name: optString(b, 'name', { max: 255, min: 1 }) ?? undefined,
      description: optString(b, 'description', { nullable: true }),
      filters: b.filters !== undefined ? filtersOf(b) : undefined,
    });
    return { endpoint_group: renderGroup(base(), row) };
  });
  app.delete(`${PREFIX}/endpoint_groups/:id`, async (req, reply) => {
    allow(req, 'identity:delete_endpoint_group');
    await f.deleteGroup(p(req).id);
    reply.code(204);
  });
  app.get(`${PREFIX}/endpoint_groups/:id/endpoints`, async (req) => {
    allow(req, 'identity:list_endpoints_associated_with_endpoint_group');
    return endpoints(req, await f.endpointsOfGroup(p(req).id));
  });
  app.get(`${PREFIX}/endpoint_groups/:id/projects`, async (req) => {
    allow(req, 'identity:list_projects_associated_with_endpoint_group');
    return projects(req, await f.projectsOfGroup(p(req).id));
  });
  const groupProject = `${PREFIX}/endpoint_groups/:id/projects/:project_id`;
  app.get(groupProject, async (req) => {
    allow(req, 'identity:get_endpoint_group_in_project');
    const { id, project_id } = p(req);
    await f.checkGroupInProject(id, project_id);
    return { project_endpoint_group: { endpoint_group_id: id, project_id, links: { self: `${base()}${PREFIX}/endpoint_groups/${id}/projects/${project_id}` } } };
  });
  app.put(groupProject, async (req, reply) => {
    allow(req, 'identity:add_endpoint_group_to_project');
    await f.addGroupToProject(p(req).id, p(req).project_id);
    reply.code(204);
  });
  app.delete(groupProject, async (req, reply) => {
    allow(req, 'identity:remove_endpoint_group_from_project');
    await f.removeGroupFromProject(p(req).id, p(req).project_id);
    reply.code(204);
  });

  // --- project-endpoint associations ---
  app.get(`${PREFIX}/projects/:project_id/endpoint_groups`, async (req) => {
    allow(req, 'identity:list_endpoint_groups_for_project');
    const rows = await f.groupsOfProject(p(req).project_id);
    return { endpoint_groups: rows.map((g) => renderGroup(base(), g)), links: collectionLinks(base(), req) };
  });
  app.get(`${PREFIX}/projects/:project_id/endpoints`, async (req) => {
    allow(req, 'identity:list_endpoints_for_project');
    return endpoints(req, await f.endpointsOfProject(p(req).project_id));
  });
  app.get(`${PREFIX}/endpoints/:endpoint_id/projects`, async (req) => {
    allow(req, 'identity:list_projects_for_endpoint');
    return projects(req, await f.projectsOfEndpoint(p(req).endpoint_id));
  });
  const projectEndpoint = `${PREFIX}/projects/:project_id/endpoints/:endpoint_id`;
  app.get(projectEndpoint, async (req, reply) => {
    allow(req, 'identity:check_endpoint_in_project');
    await f.checkEndpointInProject(p(req).project_id, p(req).endpoint_id);
    reply.code(204);
  });
  app.put(projectEndpoint, async (req, reply) => {
    allow(req, 'identity:add_endpoint_to_project');
    await f.addEndpointToProject(p(req).project_id, p(req).endpoint_id);
    reply.code(204);
  });
  app.delete(projectEndpoint, async (req, reply) => {
    allow(req, 'identity:remove_endpoint_from_project');
    await f.removeEndpointFromProject(p(req).project_id, p(req).endpoint_id);
    reply.code(204);
  });
}
