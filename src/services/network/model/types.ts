/** The documents stored for each resource (standard attributes live in columns, see store/). */
export interface Tagged {
  name: string;
  description: string;
  tags: string[];
}

export interface NetworkDoc extends Tagged {
  admin_state_up: boolean;
  shared: boolean;
  external: boolean;
  mtu: number;
  network_type: string;
  physical_network: string | null;
  segmentation_id: number | null;
  availability_zone_hints: string[];
  port_security_enabled: boolean;
  dns_domain: string;
  is_default: boolean;
  /** qos; absent on networks stored before it existed. */
  qos_policy_id?: string | null;
}

export interface Pool {
  start: string;
  end: string;
}

export interface SubnetDoc extends Tagged {
  network_id: string;
  ip_version: 4 | 6;
  cidr: string;
  gateway_ip: string | null;
  allocation_pools: Pool[];
  host_routes: Array<{ destination: string; nexthop: string }>;
  dns_nameservers: string[];
  enable_dhcp: boolean;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  subnetpool_id: string | null;
  service_types: string[];
  dns_publish_fixed_ip: boolean;
  /** segment; absent on subnets stored before it existed. */
  segment_id?: string | null;
}

export interface SubnetPoolDoc extends Tagged {
  prefixes: string[];
  ip_version: 4 | 6;
  default_prefixlen: number;
  min_prefixlen: number;
  max_prefixlen: number;
  shared: boolean;
  is_default: boolean;
  default_quota: number | null;
  /** address-scope; absent on pools stored before it existed. */
  address_scope_id?: string | null;
}

export interface QosPolicyDoc extends Tagged {
  shared: boolean;
  is_default: boolean;
}

/** A QoS rule: its type and that type's fields (see RULE_TYPES). */
export interface QosRuleDoc {
  type: string;
  [field: string]: unknown;
}

export interface SubPort {
  port_id: string;
  segmentation_type: 'vlan' | 'inherit';
  segmentation_id: number | null;
}

export interface TrunkDoc extends Tagged {
  port_id: string;
  admin_state_up: boolean;
  sub_ports: SubPort[];
}

export interface AddressScopeDoc {
  name: string;
  ip_version: 4 | 6;
  shared: boolean;
}

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

export interface DhcpOpt {
  opt_name: string;
  opt_value: string;
  ip_version: 4 | 6;
}

export interface PortDoc extends Tagged {
  network_id: string;
  mac_address: string;
  admin_state_up: boolean;
  status: 'DOWN' | 'ACTIVE' | 'BUILD';
  device_id: string;
  device_owner: string;
  fixed_ips: FixedIp[];
  allowed_address_pairs: Array<{ ip_address: string; mac_address: string }>;
  /** extra_dhcp_opt; absent on ports stored before it existed. */
  extra_dhcp_opts?: DhcpOpt[];
  security_groups: string[];
  port_security_enabled: boolean;
  host_id: string;
  vnic_type: string;
  profile: Record<string, unknown>;
  vif_type: string;
  vif_details: Record<string, unknown>;
  dns_name: string;
  dns_domain: string;
  /** qos; absent on ports stored before it existed. */
  qos_policy_id?: string | null;
  /** Set on ports compute created for a server (deleted with it), unset on ports a user passed in. */
  server_owned?: boolean;
}

export interface RouterDoc extends Tagged {
  admin_state_up: boolean;
  gateway: { network_id: string; enable_snat: boolean; port_id: string } | null;
  routes: Array<{ destination: string; nexthop: string }>;
  availability_zone_hints: string[];
  /** flavors (l3-flavors): the service flavor the router was created with; absent on routers stored before it existed. */
  flavor_id?: string | null;
}

export interface FloatingIpDoc extends Tagged {
  floating_network_id: string;
  floating_ip_address: string;
  floating_port_id: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  dns_name: string;
  dns_domain: string;
}

export interface SecurityGroupDoc extends Tagged {
  stateful: boolean;
  is_default: boolean;
}

export interface RuleFields {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
}

export interface RuleDoc extends RuleFields {
  security_group_id: string;
  /** security-groups-remote-address-group; absent on rules stored before it existed. */
  remote_address_group_id?: string | null;
}

export interface AddressGroupDoc {
  name: string;
  description: string;
  /** CIDRs, as their network. */
  addresses: string[];
}

export interface DefaultRuleDoc extends RuleFields {
  used_in_default_sg: boolean;
  used_in_non_default_sg: boolean;
}

export interface RbacDoc {
  object_type: 'network' | 'security_group' | 'subnetpool' | 'address_scope' | 'address_group' | 'qos_policy';
  object_id: string;
  action: 'access_as_shared' | 'access_as_external';
  target_tenant: string;
}
