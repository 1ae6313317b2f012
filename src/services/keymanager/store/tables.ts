/** Rows of the key manager's tables (prefix `km_`); JSON columns are text, booleans 0/1. */
export interface SecretRow {
  id: string;
  project_id: string;
  creator_id: string;
  name: string | null;
  secret_type: string;
  algorithm: string | null;
  bit_length: number | null;
  mode: string | null;
  expiration: string | null;
  /** Normalised payload content type; null until the secret has a payload (two-step create). */
  content_type: string | null;
  /** The payload sealed with the project's key-encryption key (base64); never the plaintext. */
  payload: string | null;
  /** User metadata, a JSON object of strings. */
  metadata: string;
  created_at: string;
  updated_at: string;
}

/** A project's key-encryption key, wrapped by the data folder's master key. */
export interface ProjectKeyRow {
  project_id: string;
  wrapped_kek: string;
  created_at: string;
}

export interface ContainerRow {
  id: string;
  project_id: string;
  creator_id: string;
  name: string | null;
  type: string;
  /** JSON list of `{name, secret_id}`. */
  secret_refs: string;
  created_at: string;
  updated_at: string;
}

export interface ConsumerRow {
  container_id: string;
  name: string;
  url: string;
  created_at: string;
}

/** Read ACL of a secret or container (`entity_id` is the secret's or container's id). */
export interface AclRow {
  entity_id: string;
  project_access: number;
  /** JSON list of user ids. */
  users: string;
  created_at: string;
  updated_at: string;
}

export interface OrderRow {
  id: string;
  project_id: string;
  creator_id: string;
  type: string;
  /** JSON of the order's `meta`. */
  meta: string;
  status: string;
  secret_id: string | null;
  container_id: string | null;
  error_status_code: string | null;
  error_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface ProjectQuotaRow {
  project_id: string;
  /** JSON of the resource -> limit overrides. */
  quotas: string;
}

export interface KeyManagerTables {
  km_secrets: SecretRow;
  km_project_keys: ProjectKeyRow;
  km_containers: ContainerRow;
  km_container_consumers: ConsumerRow;
  km_acls: AclRow;
  km_orders: OrderRow;
  km_project_quotas: ProjectQuotaRow;
}
