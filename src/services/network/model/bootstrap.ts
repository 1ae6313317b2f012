import { isUniqueViolation } from '../../../platform/db/database.js';
import { uuid } from '../../../platform/ids.js';
import { formatIp, parseCidr } from './addresses.js';
import type { ModelContext } from './context.js';
import { defaultPools } from './ipam.js';
import { initialDefaultRules } from './secgroups.js';
import type { NetworkDoc, SubnetDoc } from './types.js';

/** Fixed ids make the first start idempotent when several processes start against one database. */
const PUBLIC_NETWORK_ID = '6a3c1d0e-5c1b-4f0e-9d6a-000000000001';
const PUBLIC_SUBNET_ID = '6a3c1d0e-5c1b-4f0e-9d6a-000000000002';

async function once(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
}

/**
 * A fresh cloud gets the default security group rules of scs-0115 and, unless configured
 * otherwise, an external network so that routers and floating IPs work out of the box. The
 * external network belongs to the cloud (no project), as upstream's provider networks do.
 */
export async function bootstrap(m: ModelContext): Promise<string[]> {
  const notices: string[] = [];
  if (await m.store.markOnce('default-security-group-rules')) {
    for (const doc of initialDefaultRules()) await m.store.insert('default_security_group_rule', { id: uuid(), project_id: '', doc });
  }
  const pub = m.settings.publicNetwork;
  if (!pub || (await m.store.get('network', PUBLIC_NETWORK_ID)) || (await m.store.list<NetworkDoc>('network')).some((n) => n.doc.external)) return notices;
  const cidr = parseCidr(pub.cidr, true);
  if (!cidr) throw new Error(`network.publicNetwork.cidr is not a network CIDR: ${pub.cidr}`);
  const net: NetworkDoc = {
    name: pub.name, description: 'External network (bootstrap)', tags: [], admin_state_up: true, shared: true, external: true, is_default: true,
    mtu: 1500, network_type: 'flat', physical_network: 'public', segmentation_id: null, availability_zone_hints: [], port_security_enabled: true, dns_domain: '',
  };
  const gateway = formatIp(cidr.version, cidr.network + 1n);
  const subnet: SubnetDoc = {
    name: pub.subnetName, description: '', tags: [], network_id: PUBLIC_NETWORK_ID, ip_version: cidr.version, cidr: pub.cidr, gateway_ip: gateway,
    allocation_pools: defaultPools(cidr, gateway), host_routes: [], dns_nameservers: [], enable_dhcp: false, ipv6_ra_mode: null, ipv6_address_mode: null,
    subnetpool_id: null, service_types: [], dns_publish_fixed_ip: false,
  };
  await once(() => m.store.insert('network', { id: PUBLIC_NETWORK_ID, project_id: '', doc: net }));
  await once(() => m.store.insert('subnet', { id: PUBLIC_SUBNET_ID, project_id: '', parent_id: PUBLIC_NETWORK_ID, doc: subnet }));
  notices.push(`External network '${pub.name}' with subnet ${pub.cidr} created.`);
  return notices;
}
