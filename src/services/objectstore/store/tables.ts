import type { Kysely } from 'kysely';
import type { StoredChecksum } from '../model/checksums.js';

/** One stored piece of an object's bytes: a file, and the data key that encrypts it (if any). */
export interface Segment {
  blob: string;
  size: number;
  /** Data key wrapped by the master key (or by the SSE-C customer key or SSE-KMS key: `c:`/`k:`); absent when stored in clear. */
  key?: string;
  /** The additional checksum of the part this segment was uploaded as (GetObjectAttributes lists it). */
  checksum?: StoredChecksum;
}

export interface BucketRow {
  name: string;
  project_id: string;
  owner_user_id: string;
  region: string;
  created_at: string;
  /** '' (never enabled), 'Enabled' or 'Suspended'. */
  versioning: string;
  object_lock: number;
  /** JSON grant list (model/acl.ts), or the name of a canned ACL in rows written before grant lists. */
  acl: string;
  policy: string | null;
  cors: string | null;
  lifecycle: string | null;
  tagging: string | null;
  encryption: string | null;
  lock_config: string | null;
  /** Encrypt new objects at rest (bucket opt-out). */
  encrypt: number;
  /** Object ownership control: BucketOwnerEnforced | BucketOwnerPreferred | ObjectWriter, or none. */
  ownership: string | null;
  /** JSON PublicAccessBlock (model/access.ts), or none. */
  public_access_block: string | null;
}

export interface ObjectRow {
  id: string;
  bucket: string;
  key: string;
  version_id: string;
  is_latest: number;
  delete_marker: number;
  size: number;
  etag: string;
  last_modified: string;
  /** The user who wrote the version. */
  owner_user_id: string;
  /** The canonical owner (an account, i.e. a project id) S3 reports and ACLs start from. */
  owner_id: string;
  /** JSON grant list; null is the owner's full control. */
  acl: string | null;
  content_type: string | null;
  /** JSON: standard headers (content-disposition, content-encoding, cache-control, expires, content-language). */
  headers: string;
  /** JSON: user metadata without the `x-amz-meta-` prefix. */
  meta: string;
  tags: string;
  /** JSON `{ algorithm, value }` or null. */
  checksum: string | null;
  /** JSON Segment[]. */
  segments: string;
  /** MD5 (base64) of the SSE-C key, when the object is encrypted with a customer key. */
  sse_c_md5: string | null;
  encrypted: number;
  /** SSE-KMS: the key manager secret (id or href, as the client named it) that wraps the data keys. */
  kms_key_id: string | null;
  parts_count: number;
  lock_mode: string | null;
  lock_until: string | null;
  legal_hold: number;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: string;
  owner_user_id: string;
  /** The canonical owner the completed object will have (a project id). */
  owner_id: string;
  /** JSON of the object attributes given at creation (content type, headers, meta, tags, lock, ACL). */
  attrs: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  sse_c_md5: string | null;
  encrypt: number;
  kms_key_id: string | null;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  etag: string;
  size: number;
  last_modified: string;
  checksum: string | null;
  segment: string;
}

/** A multipart upload that became an object version (kept a day, for retried completions). */
export interface CompletedUploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  version_id: string;
  etag: string;
  completed_at: string;
}

export interface ObjectStoreTables {
  s3_buckets: BucketRow;
  s3_objects: ObjectRow;
  s3_uploads: UploadRow;
  s3_parts: PartRow;
  s3_completed_uploads: CompletedUploadRow;
}

export type ObjectStoreDb = Kysely<ObjectStoreTables>;
