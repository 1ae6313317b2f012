import { hostname } from 'node:os';

/** The `network` config section. */
export interface NetworkSettings {
  /** The data-plane driver; only `simulated` exists so far. */
  driver: 'simulated';
  /** MTU of tenant networks (VXLAN over a 1500 underlay). */
  mtu: number;
  availabilityZone: string;
  /** Host of this process's DHCP and L3 agents, which router and floating IP ports are bound to. */
  networkHost: string;
  /** DNS domain of ports (`dns_assignment` fqdn). */
  dnsDomain: string;
  /** The external network created on first start; `false` for none. */
  publicNetwork: { name: string; subnetName: string; cidr: string } | false;
  /** Default quotas per project (Neutron's defaults); -1 is unlimited. */
  quotas: Record<string, number>;
}

export const QUOTA_RESOURCES = ['network', 'subnet', 'subnetpool', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule', 'rbac_policy'] as const;

export const DEFAULT_SETTINGS: NetworkSettings = {
  driver: 'simulated',
  mtu: 1450,
  availabilityZone: 'nova',
  networkHost: hostname(),
  dnsDomain: 'openstacklocal.',
  // TEST-NET-3 (RFC 5737): documentation addresses that route nowhere.
  publicNetwork: { name: 'public', subnetName: 'public-subnet', cidr: '203.0.113.0/24' },
  quotas: { network: 100, subnet: 100, subnetpool: -1, port: 500, router: 10, floatingip: 50, security_group: 10, security_group_rule: 100, rbac_policy: 10 },
};
