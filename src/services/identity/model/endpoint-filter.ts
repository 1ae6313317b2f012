import { notFound } from '../../../platform/errors.js';
import { hexId } from '../../../platform/ids.js';
import type { CatalogStore } from '../store/catalog.js';
import { parseJson } from '../store/json.js';
import type { ProjectStore } from '../store/projects.js';
import type { EndpointGroupRow, EndpointRow, ProjectRow } from '../store/tables.js';
import { inEndpointGroup, type Catalog, type EndpointGroupFilters } from './catalog.js';

export const groupFilters = (g: EndpointGroupRow) => parseJson<EndpointGroupFilters>(g.filters, {});

/**
 * OS-EP-FILTER: endpoint groups and the endpoints (directly or through groups) associated with a
 * project, which limit the catalog of that project's tokens. Every change rebuilds the cached
 * catalog (see Catalog), so token validation stays free of database reads.
 */
export class EndpointFilter {
  constructor(
    private readonly store: CatalogStore,
    private readonly projects: ProjectStore,
    private readonly catalog: Catalog,
  ) {}

  async group(id: string): Promise<EndpointGroupRow> {
    const g = await this.store.getEndpointGroup(id);
    if (!g) throw notFound(`Could not find Endpoint Group: ${id}.`);
    return g;
  }

  listGroups(name?: string): Promise<EndpointGroupRow[]> {
    return this.store.listEndpointGroups(name);
  }

  async createGroup(input: { name: string; description: string | null; filters: EndpointGroupFilters }): Promise<EndpointGroupRow> {
    const row: EndpointGroupRow = { id: hexId(), name: input.name, description: input.description, filters: JSON.stringify(input.filters) };
    await this.store.insertEndpointGroup(row);
    return row;
  }

  async updateGroup(id: string, patch: { name?: string; description?: string | null; filters?: EndpointGroupFilters }): Promise<EndpointGroupRow> {
    const g = await this.group(id);
    const next: EndpointGroupRow = {
      ...g,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.filters !== undefined ? { filters: JSON.stringify(patch.filters) } : {}),
    };
    await this.store.updateEndpointGroup(id, next);
    await this.catalog.changed();
    return next;
  }

  async deleteGroup(id: string): Promise<void> {
    await this.group(id);
    await this.store.deleteEndpointGroup(id);
    await this.catalog.changed();
  }

  async endpointsOfGroup(id: string): Promise<EndpointRow[]> {
    const filters = groupFilters(await this.group(id));
    return (await this.store.listEndpoints()).filter((e) => inEndpointGroup(e, filters));
  }

  async projectsOfGroup(id: string): Promise<ProjectRow[]> {
    await this.group(id);
    const links = await this.store.listProjectEndpointGroups({ groupId: id });
    return this.projects.listProjects({ ids: links.map((l) => l.project_id) });
  }

  async groupsOfProject(projectId: string): Promise<EndpointGroupRow[]> {
    await this.project(projectId);
    const links = new Set((await this.store.listProjectEndpointGroups({ projectId })).map((l) => l.endpoint_group_id));
    return (await this.store.listEndpointGroups()).filter((g) => links.has(g.id));
  }

  async checkGroupInProject(groupId: string, projectId: string): Promise<void> {
    await Promise.all([this.project(projectId), this.group(groupId)]);
    if (!(await this.store.listProjectEndpointGroups({ projectId, groupId })).length) {
      throw notFound(`Could not find Endpoint Group Project Association: ${groupId}, ${projectId}.`);
    }
  }

  async addGroupToProject(groupId: string, projectId: string): Promise<void> {
    await Promise.all([this.project(projectId), this.group(groupId)]);
    await this.store.addProjectEndpointGroup(projectId, groupId);
    await this.catalog.changed();
  }

  async removeGroupFromProject(groupId: string, projectId: string): Promise<void> {
    await Promise.all([this.project(projectId), this.group(groupId)]);
    if (!(await this.store.removeProjectEndpointGroup(projectId, groupId))) {
      throw notFound(`Could not find Endpoint Group Project Association: ${groupId}, ${projectId}.`);
    }
    await this.catalog.changed();
  }

  /** The endpoints a project is limited to: its own associations and its groups' endpoints. */
  async endpointsOfProject(projectId: string): Promise<EndpointRow[]> {
    await this.project(projectId);
    const [direct, links, groups, endpoints] = await Promise.all([
      this.store.listProjectEndpoints({ projectId }),
      this.store.listProjectEndpointGroups({ projectId }),
      this.store.listEndpointGroups(),
      this.store.listEndpoints(),
    ]);
    const ids = new Set(direct.map((a) => a.endpoint_id));
    const filters = groups.filter((g) => links.some((l) => l.endpoint_group_id === g.id)).map(groupFilters);
    return endpoints.filter((e) => ids.has(e.id) || filters.some((f) => inEndpointGroup(e, f)));
  }

  async projectsOfEndpoint(endpointId: string): Promise<ProjectRow[]> {
    await this.endpoint(endpointId);
    const links = await this.store.listProjectEndpoints({ endpointId });
    return this.projects.listProjects({ ids: links.map((l) => l.project_id) });
  }

  async checkEndpointInProject(projectId: string, endpointId: string): Promise<void> {
    await Promise.all([this.project(projectId), this.endpoint(endpointId)]);
    if (!(await this.store.listProjectEndpoints({ projectId, endpointId })).length) {
      throw notFound(`Could not find project endpoint association: ${endpointId}, ${projectId}.`);
    }
  }

  async addEndpointToProject(projectId: string, endpointId: string): Promise<void> {
    await Promise.all([this.project(projectId), this.endpoint(endpointId)]);
    await this.store.addProjectEndpoint(projectId, endpointId);
    await this.catalog.changed();
  }

  async removeEndpointFromProject(projectId: string, endpointId: string): Promise<void> {
    if (!(await this.store.removeProjectEndpoint(projectId, endpointId))) {
      throw notFound(`Could not find project endpoint association: ${endpointId}, ${projectId}.`);
    }
    await this.catalog.changed();
  }

  private async project(id: string): Promise<ProjectRow> {
    const p = await this.projects.getProject(id);
    if (!p) throw notFound(`Could not find project: ${id}.`);
    return p;
  }

  private async endpoint(id: string): Promise<EndpointRow> {
    const e = await this.store.getEndpoint(id);
    if (!e) throw notFound(`Could not find endpoint: ${id}.`);
    return e;
  }
}
