import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { conflict } from '../../../platform/errors.js';
import type { ComputeTables, FlavorRow } from './tables.js';

export class FlavorStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  get(id: string): Promise<FlavorRow | undefined> {
    return this.db.selectFrom('compute_flavors').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byName(name: string): Promise<FlavorRow | undefined> {
    return this.db.selectFrom('compute_flavors').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Flavors visible to a project (public ones and those it has access to); all when `projectId` is undefined. */
  async list(projectId: string | undefined, isPublic: boolean | undefined): Promise<FlavorRow[]> {
    let q = this.db.selectFrom('compute_flavors').selectAll();
    if (isPublic !== undefined) q = q.where('is_public', '=', isPublic ? 1 : 0);
    if (projectId !== undefined) {
      q = q.where((eb) =>
        eb.or([eb('is_public', '=', 1), eb('id', 'in', eb.selectFrom('compute_flavor_access').select('flavor_id').where('project_id', '=', projectId))]),
      );
    }
    return q.execute();
  }

  async insert(row: FlavorRow): Promise<void> {
    try {
      await this.db.insertInto('compute_flavors').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`Flavor with ${(await this.get(row.id)) ? `ID ${row.id}` : `name ${row.name}`} already exists.`);
      throw e;
    }
  }

  async update(id: string, patch: Partial<Omit<FlavorRow, 'id'>>): Promise<void> {
    await this.db.updateTable('compute_flavors').set(patch).where('id', '=', id).execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('compute_flavor_access').where('flavor_id', '=', id).execute();
    await this.db.deleteFrom('compute_flavors').where('id', '=', id).execute();
  }

  access(id: string): Promise<string[]> {
    return this.db.selectFrom('compute_flavor_access').select('project_id').where('flavor_id', '=', id).orderBy('project_id').execute().then((r) => r.map((x) => x.project_id));
  }

  async hasAccess(id: string, projectId: string): Promise<boolean> {
    return !!(await this.db.selectFrom('compute_flavor_access').select('flavor_id').where('flavor_id', '=', id).where('project_id', '=', projectId).executeTakeFirst());
  }

  async addAccess(id: string, projectId: string): Promise<void> {
    try {
      await this.db.insertInto('compute_flavor_access').values({ flavor_id: id, project_id: projectId }).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`Flavor access already exists for flavor ${id} and project ${projectId} combination.`);
      throw e;
    }
  }

  async removeAccess(id: string, projectId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('compute_flavor_access').where('flavor_id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
