/** The network service's tables (see migrations.ts). */
export interface ResourceRow {
  id: string;
  kind: string;
  project_id: string;
  parent_id: string | null;
  ref_id: string | null;
  doc: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** A Neutron agent of one host (see store/agents.ts). */
export interface AgentRow {
  id: string;
  agent_type: string;
  binary: string;
  topic: string;
  host: string;
  availability_zone: string | null;
  admin_state_up: number;
  description: string | null;
  created_at: string;
  started_at: string;
  heartbeat_timestamp: string;
}

export interface NetworkTables {
  net_resources: ResourceRow;
  net_ip_allocations: { subnet_id: string; ip_address: string; port_id: string; claimed_at: string };
  net_macs: { network_id: string; mac_address: string; port_id: string; claimed_at: string };
  net_default_groups: { project_id: string; security_group_id: string };
  net_markers: { name: string };
  net_quotas: { project_id: string; resource: string; hard_limit: number };
  net_agents: AgentRow;
  net_router_agents: { router_id: string; agent_id: string };
  net_network_agents: { network_id: string; agent_id: string };
  net_flavor_profiles: { flavor_id: string; service_profile_id: string; created_at: string };
}
