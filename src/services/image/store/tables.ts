import type { Kysely } from 'kysely';

/** Row shapes of the image tables (column conventions: see platform/db/database.ts). */
export interface ImageRow {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  owner: string | null;
  protected: number;
  os_hidden: number;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  /** File name of the stored bytes under <dataDir>/images (set only while active/deactivated). */
  data_file: string | null;
  /** Data key of the bytes, wrapped by the master key; null when stored in the clear. */
  data_key: string | null;
  /** JSON of the bytes staged by glance-direct (StoredData), until the import promotes them. */
  staged: string | null;
  /** JSON of the last import task (Glance's image tasks API shows it). */
  import_task: string | null;
  /** Token of the upload or import in flight (status saving/importing), with its lease. */
  upload_token: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface PropertyRow {
  image_id: string;
  name: string;
  value: string;
}

export interface TagRow {
  image_id: string;
  value: string;
}

export interface MemberRow {
  image_id: string;
  member_id: string;
  status: string;
  created_at: string;
  updated_at: string;
}

/** A metadata definitions namespace (Glance's metadefs catalog). */
export interface MetadefNamespaceRow {
  namespace: string;
  display_name: string | null;
  description: string | null;
  visibility: string;
  protected: number;
  owner: string;
  created_at: string;
  updated_at: string;
}

/** An object, property, tag or resource type association of a namespace; `body` is its JSON. */
export interface MetadefItemRow {
  namespace: string;
  kind: 'object' | 'property' | 'tag' | 'resource_type';
  name: string;
  body: string;
  created_at: string;
  updated_at: string;
}

/** A task of Glance's legacy tasks API (`/v2/tasks`); `input` and `result` are JSON. */
export interface TaskRow {
  id: string;
  type: string;
  status: string;
  input: string;
  result: string | null;
  message: string;
  owner: string;
  user_id: string;
  request_id: string;
  /** The id the imported image gets, chosen at create so that a resumed job finds its image again. */
  target_image_id: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

export interface ImageTables {
  img_images: ImageRow;
  img_properties: PropertyRow;
  img_tags: TagRow;
  img_members: MemberRow;
  img_metadef_namespaces: MetadefNamespaceRow;
  img_metadef_items: MetadefItemRow;
  img_tasks: TaskRow;
}

export type ImageDb = Kysely<ImageTables>;
