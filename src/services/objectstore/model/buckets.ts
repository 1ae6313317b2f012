import type { AuthContext } from '../../../platform/auth.js';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { nowIso } from '../../../platform/ids.js';
import type { BucketStore } from '../store/buckets.js';
import type { BucketRow } from '../store/tables.js';
import type { UploadStore } from '../store/uploads.js';
import { CANNED_ACLS } from './access.js';
import type { Engine } from './engine.js';
import { invalidArgument, noSuchBucket, s3Error } from './errors.js';
import type { Segment } from '../store/tables.js';

/** S3's bucket naming rules (the strict, DNS-compatible set). */
export function validBucketName(name: string): boolean {
  return (
    name.length >= 3 &&
    name.length <= 63 &&
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.endsWith('-s3alias')
  );
}

export interface CreateBucket {
  name: string;
  location?: string;
  acl?: string;
  objectLock: boolean;
}

/** Buckets: global names, owned by the project of the key that created them. */
export class Buckets {
  constructor(
    private readonly store: BucketStore,
    private readonly uploads: UploadStore,
    private readonly engine: Engine,
    private readonly region: string,
    private readonly encryptByDefault: boolean,
  ) {}

  async get(name: string): Promise<BucketRow> {
    const b = await this.store.get(name);
    if (!b) throw noSuchBucket();
    return b;
  }

  find(name: string): Promise<BucketRow | undefined> {
    return this.store.get(name);
  }

  list(projectId: string): Promise<BucketRow[]> {
    return this.store.listForProject(projectId);
  }

  async create(req: CreateBucket, auth: AuthContext): Promise<BucketRow> {
    if (!validBucketName(req.name)) throw s3Error('badRequest', 'InvalidBucketName', 'The specified bucket is not valid.');
    if (req.location && req.location !== this.region && req.location !== 'us-east-1') {
      throw s3Error('badRequest', 'InvalidLocationConstraint', 'The specified location-constraint is not valid');
    }
    if (req.acl && !CANNED_ACLS.includes(req.acl)) throw invalidArgument('Invalid canned ACL');
    const row: BucketRow = {
      name: req.name,
      project_id: auth.projectId!,
      owner_user_id: auth.userId,
      region: this.region,
      created_at: nowIso(),
      // Object lock needs versioning, and S3 turns it on with the lock.
      versioning: req.objectLock ? 'Enabled' : '',
      object_lock: req.objectLock ? 1 : 0,
      acl: req.acl ?? 'private',
      policy: null,
      cors: null,
      lifecycle: null,
      tagging: null,
      encryption: null,
      lock_config: null,
      encrypt: this.encryptByDefault ? 1 : 0,
    };
    try {
      await this.store.insert(row);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const existing = await this.store.get(req.name);
      if (existing?.project_id === auth.projectId) {
        throw s3Error('conflict', 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
      }
      throw s3Error('conflict', 'BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.');
    }
    return row;
  }

  /** Deletes an empty bucket; its unfinished multipart uploads go with it. */
  async delete(bucket: BucketRow): Promise<void> {
    if (!(await this.store.deleteIfEmpty(bucket.name))) {
      throw s3Error('conflict', 'BucketNotEmpty', 'The bucket you tried to delete is not empty');
    }
    for (const up of await this.uploads.forBucket(bucket.name)) {
      const { parts } = await this.uploads.remove(up.upload_id);
      await this.engine.blobs.remove(parts.map((p) => (JSON.parse(p.segment) as Segment).blob));
    }
  }

  async update(bucket: BucketRow, patch: Partial<Omit<BucketRow, 'name' | 'project_id'>>): Promise<void> {
    await this.store.update(bucket.name, patch);
  }

  async setVersioning(bucket: BucketRow, status: string): Promise<void> {
    if (status !== 'Enabled' && status !== 'Suspended') throw s3Error('badRequest', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
    if (bucket.object_lock && status === 'Suspended') {
      throw s3Error('conflict', 'InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.');
    }
    await this.store.update(bucket.name, { versioning: status });
  }

  /** Whether new objects in the bucket are encrypted at rest by the service. */
  encrypts(bucket: BucketRow): boolean {
    return !!bucket.encrypt;
  }
}
