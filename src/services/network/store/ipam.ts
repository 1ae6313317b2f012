import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { nowIso } from '../../../platform/ids.js';
import type { NetworkTables } from './tables.js';

/**
 * Address and MAC bookkeeping. Claims are single inserts against a primary key, so two processes
 * can never hold the same address: the loser sees `false` and tries another candidate.
 */
export class IpamStore {
  constructor(private readonly db: Kysely<NetworkTables>) {}

  async allocated(subnetId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('net_ip_allocations').select('ip_address').where('subnet_id', '=', subnetId).execute();
    return rows.map((r) => r.ip_address);
  }

  async countAllocated(subnetId: string): Promise<number> {
    const row = await this.db
      .selectFrom('net_ip_allocations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('subnet_id', '=', subnetId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async claimIp(subnetId: string, ip: string, portId: string): Promise<boolean> {
    try {
      await this.db.insertInto('net_ip_allocations').values({ subnet_id: subnetId, ip_address: ip, port_id: portId, claimed_at: nowIso() }).execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async releaseIp(subnetId: string, ip: string): Promise<void> {
    await this.db.deleteFrom('net_ip_allocations').where('subnet_id', '=', subnetId).where('ip_address', '=', ip).execute();
  }

  async claimMac(networkId: string, mac: string, portId: string): Promise<boolean> {
    try {
      await this.db.insertInto('net_macs').values({ network_id: networkId, mac_address: mac, port_id: portId, claimed_at: nowIso() }).execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async releaseMac(networkId: string, mac: string): Promise<void> {
    await this.db.deleteFrom('net_macs').where('network_id', '=', networkId).where('mac_address', '=', mac).execute();
  }

  /**
   * Frees claims older than `before` whose port does not exist: a process died between claiming
   * and creating the port. Younger claims may belong to a create still under way elsewhere.
   */
  async sweepOrphans(before: string): Promise<number> {
    const orphan = (t: 'net_ip_allocations' | 'net_macs') =>
      this.db
        .deleteFrom(t)
        .where('claimed_at', '<', before)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('net_resources').select('id').whereRef('net_resources.id', '=', `${t}.port_id`))))
        .executeTakeFirst();
    const ips = await orphan('net_ip_allocations');
    const macs = await orphan('net_macs');
    return Number(ips.numDeletedRows) + Number(macs.numDeletedRows);
  }

  /** Frees every address and the MAC a port holds. */
  async releasePort(portId: string): Promise<void> {
    await this.db.deleteFrom('net_ip_allocations').where('port_id', '=', portId).execute();
    await this.db.deleteFrom('net_macs').where('port_id', '=', portId).execute();
  }
}
