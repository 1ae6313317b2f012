import type { Obj } from '../../../platform/http/validate.js';
import type { ModelContext } from './context.js';
import { poolSize } from './ipam.js';
import type { NetworkDoc, SubnetDoc } from './types.js';

/** Address usage per network and subnet (network-ip-availability, admin only); totals are bigints (IPv6). */
export class IpAvailability {
  constructor(private readonly m: ModelContext) {}

  /** Every network with its subnets' address counts; with `ipVersions`, only those subnets and the networks that have one. */
  async list(ipVersions?: number[]): Promise<Obj[]> {
    const nets = await this.m.store.list<NetworkDoc>('network');
    const subnets = (await this.m.store.list<SubnetDoc>('subnet')).filter((s) => !ipVersions || ipVersions.includes(s.doc.ip_version));
    const out: Obj[] = [];
    for (const n of nets) {
      const subs: Obj[] = [];
      const own = subnets.filter((x) => x.parent_id === n.id);
      if (ipVersions && !own.length) continue;
      for (const s of own) {
        subs.push({ subnet_id: s.id, subnet_name: s.doc.name, cidr: s.doc.cidr, ip_version: s.doc.ip_version, total_ips: poolSize(s.doc), used_ips: await this.m.ipam.countAllocated(s.id) });
      }
      out.push({
        network_id: n.id,
        network_name: n.doc.name,
        project_id: n.project_id,
        tenant_id: n.project_id,
        total_ips: subs.reduce((a, s) => a + (s.total_ips as bigint), 0n),
        used_ips: subs.reduce((a, s) => a + (s.used_ips as number), 0),
        subnet_ip_availability: subs,
        id: n.id,
      });
    }
    return out;
  }
}
