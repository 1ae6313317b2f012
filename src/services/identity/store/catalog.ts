import type { EndpointGroupRow, EndpointRow, IdentityDb, RegionRow, ServiceRow } from './tables.js';

/** Regions, services, endpoints and the project endpoint filter: the rows the catalog is built from. */
export class CatalogStore {
  constructor(private readonly db: IdentityDb) {}

  listRegions(): Promise<RegionRow[]> {
    return this.db.selectFrom('id_regions').selectAll().orderBy('id').execute();
  }
  getRegion(id: string): Promise<RegionRow | undefined> {
    return this.db.selectFrom('id_regions').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async insertRegion(row: RegionRow): Promise<void> {
    await this.db.insertInto('id_regions').values(row).execute();
  }
  async updateRegion(id: string, patch: Partial<RegionRow>): Promise<void> {
    await this.db.updateTable('id_regions').set(patch).where('id', '=', id).execute();
  }
  async deleteRegion(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('id_policy_associations').where('region_id', '=', id).execute();
      await trx.deleteFrom('id_regions').where('id', '=', id).execute();
    });
  }

  listServices(): Promise<ServiceRow[]> {
    return this.db.selectFrom('id_services').selectAll().orderBy('type').execute();
  }
  getService(id: string): Promise<ServiceRow | undefined> {
    return this.db.selectFrom('id_services').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async insertService(row: ServiceRow): Promise<void> {
    await this.db.insertInto('id_services').values(row).execute();
  }
  async updateService(id: string, patch: Partial<ServiceRow>): Promise<void> {
    await this.db.updateTable('id_services').set(patch).where('id', '=', id).execute();
  }
  async deleteService(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const endpoints = trx.selectFrom('id_endpoints').select('id').where('service_id', '=', id);
      await trx.deleteFrom('id_project_endpoints').where('endpoint_id', 'in', endpoints).execute();
      await trx.deleteFrom('id_policy_associations').where((eb) => eb.or([eb('service_id', '=', id), eb('endpoint_id', 'in', endpoints)])).execute();
      await trx.deleteFrom('id_endpoints').where('service_id', '=', id).execute();
      await trx.deleteFrom('id_services').where('id', '=', id).execute();
    });
  }

  listEndpoints(): Promise<EndpointRow[]> {
    return this.db.selectFrom('id_endpoints').selectAll().orderBy('id').execute();
  }
  getEndpoint(id: string): Promise<EndpointRow | undefined> {
    return this.db.selectFrom('id_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async insertEndpoint(row: EndpointRow): Promise<void> {
    await this.db.insertInto('id_endpoints').values(row).execute();
  }
  async updateEndpoint(id: string, patch: Partial<EndpointRow>): Promise<void> {
    await this.db.updateTable('id_endpoints').set(patch).where('id', '=', id).execute();
  }
  async deleteEndpoint(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('id_project_endpoints').where('endpoint_id', '=', id).execute();
      await trx.deleteFrom('id_policy_associations').where('endpoint_id', '=', id).execute();
      await trx.deleteFrom('id_endpoints').where('id', '=', id).execute();
    });
  }

  listEndpointGroups(name?: string): Promise<EndpointGroupRow[]> {
    let q = this.db.selectFrom('id_endpoint_groups').selectAll().orderBy('name').orderBy('id');
    if (name !== undefined) q = q.where('name', '=', name);
    return q.execute();
  }
  getEndpointGroup(id: string): Promise<EndpointGroupRow | undefined> {
    return this.db.selectFrom('id_endpoint_groups').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async insertEndpointGroup(row: EndpointGroupRow): Promise<void> {
    await this.db.insertInto('id_endpoint_groups').values(row).execute();
  }
  async updateEndpointGroup(id: string, patch: Partial<EndpointGroupRow>): Promise<void> {
    await this.db.updateTable('id_endpoint_groups').set(patch).where('id', '=', id).execute();
  }
  async deleteEndpointGroup(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('id_project_endpoint_groups').where('endpoint_group_id', '=', id).execute();
      await trx.deleteFrom('id_endpoint_groups').where('id', '=', id).execute();
    });
  }

  /** Project-endpoint associations, by project or by endpoint. */
  listProjectEndpoints(f: { projectId?: string; endpointId?: string } = {}): Promise<Array<{ project_id: string; endpoint_id: string }>> {
    let q = this.db.selectFrom('id_project_endpoints').selectAll().orderBy('project_id').orderBy('endpoint_id');
    if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
    if (f.endpointId !== undefined) q = q.where('endpoint_id', '=', f.endpointId);
    return q.execute();
  }
  async addProjectEndpoint(projectId: string, endpointId: string): Promise<void> {
    const exists = await this.listProjectEndpoints({ projectId, endpointId });
    if (!exists.length) await this.db.insertInto('id_project_endpoints').values({ project_id: projectId, endpoint_id: endpointId }).execute();
  }
  async removeProjectEndpoint(projectId: string, endpointId: string): Promise<number> {
    const r = await this.db.deleteFrom('id_project_endpoints').where('project_id', '=', projectId).where('endpoint_id', '=', endpointId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Project-endpoint group associations, by project or by group. */
  listProjectEndpointGroups(f: { projectId?: string; groupId?: string } = {}): Promise<Array<{ project_id: string; endpoint_group_id: string }>> {
    let q = this.db.selectFrom('id_project_endpoint_groups').selectAll().orderBy('project_id').orderBy('endpoint_group_id');
    if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
    if (f.groupId !== undefined) q = q.where('endpoint_group_id', '=', f.groupId);
    return q.execute();
  }
  async addProjectEndpointGroup(projectId: string, groupId: string): Promise<void> {
    const exists = await this.listProjectEndpointGroups({ projectId, groupId });
    if (!exists.length) await this.db.insertInto('id_project_endpoint_groups').values({ project_id: projectId, endpoint_group_id: groupId }).execute();
  }
  async removeProjectEndpointGroup(projectId: string, groupId: string): Promise<number> {
    const r = await this.db
      .deleteFrom('id_project_endpoint_groups')
      .where('project_id', '=', projectId)
      .where('endpoint_group_id', '=', groupId)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
