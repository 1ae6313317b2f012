import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { nowIso } from '../../../platform/ids.js';
import type { NetworkTables } from './tables.js';

/**
 * Associations of service flavors with service profiles (flavors and profiles themselves are
 * resources of `net_resources`). The key refuses the same association twice, across processes.
 */
export class FlavorProfileStore {
  constructor(private readonly db: Kysely<NetworkTables>) {}

  /** False when the profile is already associated with the flavor. */
  async associate(flavorId: string, profileId: string): Promise<boolean> {
    try {
      await this.db.insertInto('net_flavor_profiles').values({ flavor_id: flavorId, service_profile_id: profileId, created_at: nowIso() }).execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  /** False when there was no such association. */
  async disassociate(flavorId: string, profileId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('net_flavor_profiles').where('flavor_id', '=', flavorId).where('service_profile_id', '=', profileId).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Every association, oldest first (a flavor's first profile is the one routers use, as Neutron's). */
  all(): Promise<Array<{ flavor_id: string; service_profile_id: string }>> {
    return this.db.selectFrom('net_flavor_profiles').select(['flavor_id', 'service_profile_id']).orderBy('created_at').orderBy('service_profile_id').execute();
  }

  async ofFlavor(flavorId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('net_flavor_profiles').select('service_profile_id').where('flavor_id', '=', flavorId).orderBy('created_at').orderBy('service_profile_id').execute();
    return rows.map((r) => r.service_profile_id);
  }

  async inUse(profileId: string): Promise<boolean> {
    return !!(await this.db.selectFrom('net_flavor_profiles').select('flavor_id').where('service_profile_id', '=', profileId).executeTakeFirst());
  }

  async dropFlavor(flavorId: string): Promise<void> {
    await this.db.deleteFrom('net_flavor_profiles').where('flavor_id', '=', flavorId).execute();
  }
}
