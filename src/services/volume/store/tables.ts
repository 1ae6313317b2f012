/** Rows of the block storage service's tables (prefix `vol_`); JSON columns are text. */
export interface VolumeRow {
  id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  /** Status to return to when a temporary operation (extend, upload, backup) ends. */
  previous_status: string | null;
  availability_zone: string;
  volume_type_id: string;
  bootable: number;
  multiattach: number;
  /** Cinder's admin `readonly` flag (`os-update_readonly_flag`), null until first set. */
  readonly: number | null;
  source_volid: string | null;
  snapshot_id: string | null;
  image_id: string | null;
  metadata: string;
  image_metadata: string;
  /** Data key wrapped by the master key (encrypted types); the seam for a key manager. */
  encryption_key: string | null;
  encryption_key_id: string | null;
  fault: string | null;
  /** The generic volume group the volume belongs to (3.13). */
  group_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface AttachmentRow {
  id: string;
  volume_id: string;
  project_id: string;
  instance_uuid: string | null;
  attached_host: string | null;
  mountpoint: string | null;
  attach_mode: string;
  /** reserved | attaching | attached | detached */
  attach_status: string;
  connector: string | null;
  attach_time: string | null;
  created_at: string;
  updated_at: string;
}

export interface TypeRow {
  id: string;
  name: string;
  description: string | null;
  is_public: number;
  extra_specs: string;
  /** JSON of the type's encryption spec; volumes of a type with one are encrypted at rest. */
  encryption: string | null;
  /** The QoS specs associated with the type. */
  qos_specs_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface TypeAccessRow {
  type_id: string;
  project_id: string;
}

export interface SnapshotRow {
  id: string;
  project_id: string;
  user_id: string;
  volume_id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  metadata: string;
  encryption_key: string | null;
  fault: string | null;
  /** Progress reported through `os-update_snapshot_status` (Nova's assisted snapshots); null: derived from the status. */
  progress: string | null;
  /** The group snapshot this snapshot was taken for (3.14); such snapshots go with it. */
  group_snapshot_id: string | null;
  created_at: string;
  updated_at: string;
}

/** Cinder's group types (3.11): what kind of group, described by group specs. */
export interface GroupTypeRow {
  id: string;
  name: string;
  description: string | null;
  is_public: number;
  group_specs: string;
  created_at: string;
  updated_at: string;
}

/** A generic volume group (3.13): volumes of the listed types, snapshotted together. */
export interface GroupRow {
  id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  /** creating | available | updating | deleting | error | error_deleting | in-use */
  status: string;
  availability_zone: string;
  group_type_id: string;
  /** JSON array of volume type ids. */
  volume_type_ids: string;
  group_snapshot_id: string | null;
  source_group_id: string | null;
  created_at: string;
  updated_at: string;
}

/** A snapshot of every volume of a group at once (3.14). */
export interface GroupSnapshotRow {
  id: string;
  project_id: string;
  user_id: string;
  group_id: string;
  group_type_id: string;
  name: string | null;
  description: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

export interface BackupRow {
  id: string;
  project_id: string;
  user_id: string;
  volume_id: string;
  snapshot_id: string | null;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  is_incremental: number;
  availability_zone: string;
  metadata: string;
  encryption_key: string | null;
  fail_reason: string | null;
  /** The volume being restored, while status is `restoring`. */
  restore_volume_id: string | null;
  /** The container the caller named (Cinder's backup `container`); null: the default one. */
  container: string | null;
  /** The backup whose stored bytes this one uses (an imported record); null: its own. */
  data_id: string | null;
  /** JSON of the volume's metadata, image metadata and bootable flag, which a restore gives back (as Cinder's backup metadata). */
  volume_meta: string | null;
  /** The backup an incremental one follows (Cinder's parent_id): the newest of the volume in the same project. */
  parent_id: string | null;
  data_timestamp: string;
  created_at: string;
  updated_at: string;
}

/** A volume offered to another project (Cinder's volume transfer); gone once accepted or deleted. */
export interface TransferRow {
  id: string;
  volume_id: string;
  /** The volume's project when the transfer was made. */
  project_id: string;
  name: string | null;
  salt: string;
  /** sha256 of salt and auth key; the key itself is shown once, at creation. */
  crypt_hash: string;
  no_snapshots: number;
  created_at: string;
  updated_at: string;
}

/** Cinder's QoS specs: key/values for a consumer (`front-end`: the hypervisor, `back-end`: the driver). */
export interface QosRow {
  id: string;
  name: string;
  consumer: string;
  specs: string;
  created_at: string;
  updated_at: string;
}

/** Admin state of a Cinder service (`os-services` enable/disable, freeze/thaw); a missing row is enabled. */
export interface ServiceRow {
  binary: string;
  host: string;
  disabled: number;
  disabled_reason: string | null;
  frozen: number;
  updated_at: string;
}

/** Cinder's user messages: why an asynchronous request failed, for the project that made it. */
export interface MessageRow {
  id: string;
  project_id: string;
  request_id: string;
  resource_type: string;
  resource_uuid: string;
  event_id: string;
  message_level: string;
  user_message: string;
  created_at: string;
  expires_at: string;
}

export interface QuotaRow {
  project_id: string;
  resource: string;
  hard_limit: number;
}

export interface QuotaClassRow {
  class_name: string;
  resource: string;
  hard_limit: number;
}

export interface VolumeTables {
  vol_volumes: VolumeRow;
  vol_attachments: AttachmentRow;
  vol_types: TypeRow;
  vol_type_access: TypeAccessRow;
  vol_snapshots: SnapshotRow;
  vol_backups: BackupRow;
  vol_quotas: QuotaRow;
  vol_transfers: TransferRow;
  vol_quota_classes: QuotaClassRow;
  vol_qos_specs: QosRow;
  vol_services: ServiceRow;
  vol_messages: MessageRow;
  vol_group_types: GroupTypeRow;
  vol_groups: GroupRow;
  vol_group_snapshots: GroupSnapshotRow;
}
