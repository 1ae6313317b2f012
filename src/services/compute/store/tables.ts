/** Rows of the compute service's own tables (prefix `compute_`). JSON columns are text. */
export interface FlavorRow {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  rxtx_factor: number;
  is_public: number;
  disabled: number;
  description: string | null;
  extra_specs: string;
  created_at: string;
}

export interface KeypairRow {
  id: string;
  user_id: string;
  name: string;
  type: string;
  public_key: string;
  fingerprint: string;
  created_at: string;
}

export interface ServerRow {
  id: string;
  project_id: string;
  user_id: string;
  name: string;
  hostname: string;
  description: string | null;
  image_id: string | null;
  flavor_id: string;
  /** Sizes of the current flavor, as columns for quota sums. */
  vcpus: number;
  memory_mb: number;
  root_gb: number;
  /** The flavor as it was at boot (Nova embeds a copy). JSON. */
  flavor: string;
  /** Old flavor during a resize (for revert). JSON or null. */
  old_flavor: string | null;
  key_name: string | null;
  key_data: string | null;
  user_data: string | null;
  /** Files to inject (`personality`, before 2.57): `[{path, contents}]`, contents base64. JSON. */
  personality: string | null;
  metadata: string;
  vm_state: string;
  task_state: string | null;
  power_state: number;
  host: string | null;
  availability_zone: string | null;
  requested_az: string | null;
  access_ipv4: string;
  access_ipv6: string;
  config_drive: string;
  disk_config: string;
  locked: number;
  locked_by: string | null;
  locked_reason: string | null;
  launched_at: string | null;
  terminated_at: string | null;
  reservation_id: string;
  launch_index: number;
  server_group_id: string | null;
  /** `{code, message, details, created}` while in ERROR. JSON or null. */
  fault: string | null;
  /** The create request's `networks`, security groups and block devices. JSON. */
  request: string;
  deleted: number;
  created_at: string;
  updated_at: string;
}

export interface ServerTagRow {
  server_id: string;
  tag: string;
}

export interface InstanceActionRow {
  id: string;
  server_id: string;
  project_id: string;
  user_id: string;
  action: string;
  request_id: string;
  message: string | null;
  start_time: string;
  updated_at: string;
  /** `[{event, start_time, finish_time, result, host, traceback}]`. JSON. */
  events: string;
}

export interface ServerGroupRow {
  id: string;
  project_id: string;
  user_id: string;
  name: string;
  policy: string;
  rules: string;
  created_at: string;
}

export interface QuotaRow {
  project_id: string;
  resource: string;
  hard_limit: number;
}

export interface HostStateRow {
  host: string;
  disabled: number;
  disabled_reason: string | null;
  forced_down: number;
  /** Fault injection of the simulated driver: builds to fail, extra latency, host down. */
  fail_builds: number;
  latency_ms: number;
  down: number;
  updated_at: string;
  /** The zone the host's aggregates give it; null: the configured zone. */
  zone: string | null;
}

/** A control service (nova-scheduler, nova-conductor) of one host, with its last heartbeat. */
export interface ControlServiceRow {
  id: string;
  binary: string;
  host: string;
  created_at: string;
  updated_at: string;
}

export interface AggregateRow {
  id: number;
  uuid: string;
  name: string;
  /** JSON object; `availability_zone` is the aggregate's zone. */
  metadata: string;
  created_at: string;
  updated_at: string | null;
}

/** A resize, cold or live migration of a server (`os-migrations`). */
export interface MigrationRow {
  id: number;
  uuid: string;
  server_id: string;
  project_id: string;
  user_id: string;
  migration_type: 'resize' | 'migration' | 'live-migration';
  status: string;
  source_compute: string | null;
  dest_compute: string | null;
  old_flavor_id: string;
  new_flavor_id: string;
  created_at: string;
  updated_at: string | null;
}

export interface VolumeAttachmentRow {
  server_id: string;
  volume_id: string;
  device: string;
  boot_index: number | null;
  delete_on_termination: number;
  tag: string | null;
  attachment_id: string;
  created_at: string;
}

/** A guest account of the simulated hypervisor whose password its guest agent set (scrypt hash, never the password). */
export interface GuestAccountRow {
  server_id: string;
  user_name: string;
  password_hash: string;
  updated_at: string;
}

export interface ComputeTables {
  compute_flavors: FlavorRow;
  compute_flavor_access: { flavor_id: string; project_id: string };
  compute_keypairs: KeypairRow;
  compute_servers: ServerRow;
  compute_server_tags: ServerTagRow;
  compute_instance_actions: InstanceActionRow;
  compute_server_groups: ServerGroupRow;
  compute_quotas: QuotaRow;
  compute_hosts: HostStateRow;
  compute_control_services: ControlServiceRow;
  compute_volume_attachments: VolumeAttachmentRow;
  compute_aggregates: AggregateRow;
  compute_aggregate_hosts: { aggregate_id: number; host: string };
  compute_migrations: MigrationRow;
  compute_sequences: { name: string; next: number };
  compute_guest_accounts: GuestAccountRow;
}
