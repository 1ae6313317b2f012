import type { EndpointRow, IdentityDb, RegionRow, ServiceRow } from './tables.js';

/** Regions, services and endpoints: the rows the catalog is built from. */
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
    await this.db.deleteFrom('id_regions').where('id', '=', id).execute();
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
    await this.db.deleteFrom('id_endpoints').where('id', '=', id).execute();
  }
}
