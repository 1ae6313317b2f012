import type { AuthContext } from '../../../platform/auth.js';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { nowIso } from '../../../platform/ids.js';
import type { BucketStore } from '../store/buckets.js';
import type { BucketRow } from '../store/tables.js';
import type { UploadStore } from '../store/uploads.js';
import { aclsDisabled, isPublicPolicy, parsePolicy, publicAccessBlock, type PublicAccessBlock } from './access.js';
import { BUCKET_CANNED, checkPublicAclAllowed, OBJECT_CANNED, resolveAcl, storedGrants, type Accounts, type AclRequest, type Grant } from './acl.js';
import type { Engine } from './engine.js';
import type { Writer } from './objects.js';
import { accessDenied, invalidArgument, noSuchBucket, s3Error } from './errors.js';
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
  /** The requested ACL; none is private. */
  acl?: AclRequest;
  ownership?: string;
  objectLock: boolean;
}

export const OWNERSHIPS = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

const aclNotSupported = () => s3Error('badRequest', 'AccessControlListNotSupported', 'The bucket does not allow ACLs');
const aclConflictsWithOwnership = () =>
  s3Error('badRequest', 'InvalidBucketAclWithObjectOwnership', 'Bucket cannot have ACLs set with ObjectOwnership\'s BucketOwnerEnforced setting');
/** Only the owner's full control, which BucketOwnerEnforced keeps. */
const onlyOwner = (grants: Grant[], owner: string) => grants.length === 1 && grants[0].id === owner && grants[0].permission === 'FULL_CONTROL';

/** Buckets: global names, owned by the project of the key that created them. */
export class Buckets {
  constructor(
    private readonly store: BucketStore,
    private readonly uploads: UploadStore,
    private readonly engine: Engine,
    private readonly region: string,
    private readonly encryptByDefault: boolean,
    private readonly accounts: Accounts,
  ) {}

  async get(name: string): Promise<BucketRow> {
    const b = await this.store.get(name);
    if (!b) throw noSuchBucket();
    return b;
  }

  find(name: string): Promise<BucketRow | undefined> {
    return this.store.get(name);
  }

  /** The project's buckets by name, after `after`, at most `limit` (undefined: all). */
  list(projectId: string, opts: { after?: string; prefix?: string; limit?: number } = {}): Promise<BucketRow[]> {
    return this.store.listForProject(projectId, opts);
  }

  async create(req: CreateBucket, auth: AuthContext): Promise<BucketRow> {
    if (!validBucketName(req.name)) throw s3Error('badRequest', 'InvalidBucketName', 'The specified bucket is not valid.');
    if (req.location && req.location !== this.region && req.location !== 'us-east-1') {
      throw s3Error('badRequest', 'InvalidLocationConstraint', 'The specified location-constraint is not valid');
    }
    if (req.ownership !== undefined && !OWNERSHIPS.includes(req.ownership)) throw invalidArgument('Invalid x-amz-object-ownership header');
    const grants = await resolveAcl(req.acl ?? { canned: 'private' }, auth.projectId!, auth.projectId!, BUCKET_CANNED, this.accounts);
    if (req.ownership === 'BucketOwnerEnforced' && !onlyOwner(grants, auth.projectId!)) throw aclConflictsWithOwnership();
    const row: BucketRow = {
      name: req.name,
      project_id: auth.projectId!,
      owner_user_id: auth.userId,
      region: this.region,
      created_at: nowIso(),
      // Object lock needs versioning, and S3 turns it on with the lock.
      versioning: req.objectLock ? 'Enabled' : '',
      object_lock: req.objectLock ? 1 : 0,
      acl: JSON.stringify(grants),
      policy: null,
      cors: null,
      lifecycle: null,
      tagging: null,
      encryption: null,
      lock_config: null,
      encrypt: this.encryptByDefault ? 1 : 0,
      ownership: req.ownership ?? null,
      public_access_block: null,
    };
    try {
      await this.store.insert(row);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const existing = await this.store.get(req.name);
      // Creating one's own bucket again succeeds (as in S3's us-east-1 and Ceph) unless it asks for another ACL.
      if (existing && existing.project_id === auth.projectId && JSON.stringify(storedGrants(existing.acl, existing.project_id)) === JSON.stringify(grants)) return existing;
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

  /** The owner and grants of a new object version, from the ACL its write asks for. */
  async newObjectAcl(bucket: BucketRow, requested: AclRequest | undefined, auth?: AuthContext): Promise<{ writer: Writer; acl?: Grant[] }> {
    const user = auth?.userId ?? 'anonymous';
    const fullControl = requested?.canned === 'bucket-owner-full-control';
    if (aclsDisabled(bucket)) {
      if (requested && !fullControl) throw aclNotSupported();
      return { writer: { user, owner: bucket.project_id } };
    }
    // Anonymous writes have no account to own them: the bucket's owner keeps them.
    const byBucket = !auth?.projectId || (fullControl && bucket.ownership === 'BucketOwnerPreferred');
    const owner = byBucket ? bucket.project_id : auth.projectId!;
    if (!requested) return { writer: { user, owner } };
    return { writer: { user, owner }, acl: await this.grantsFor(bucket, requested, owner, OBJECT_CANNED) };
  }

  /** The grants PutObjectAcl sets on a version (owned by `owner`). */
  objectGrants(bucket: BucketRow, requested: AclRequest, owner: string): Promise<Grant[]> {
    if (aclsDisabled(bucket)) throw aclNotSupported();
    return this.grantsFor(bucket, requested, owner, OBJECT_CANNED);
  }

  /** PutBucketAcl: refused while ACLs are disabled. */
  async setAcl(bucket: BucketRow, requested: AclRequest): Promise<void> {
    if (aclsDisabled(bucket)) throw aclNotSupported();
    const grants = await this.grantsFor(bucket, requested, bucket.project_id, BUCKET_CANNED);
    await this.store.update(bucket.name, { acl: JSON.stringify(grants) });
  }

  /** Grants of a requested ACL; public ones are refused while the public access block blocks them. */
  private async grantsFor(bucket: BucketRow, requested: AclRequest, owner: string, canned: string[]): Promise<Grant[]> {
    const grants = await resolveAcl(requested, owner, bucket.project_id, canned, this.accounts);
    checkPublicAclAllowed(grants, publicAccessBlock(bucket).BlockPublicAcls);
    return grants;
  }

  async setOwnership(bucket: BucketRow, ownership: string | null): Promise<void> {
    if (ownership !== null && !OWNERSHIPS.includes(ownership)) throw s3Error('badRequest', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
    if (ownership === 'BucketOwnerEnforced' && !onlyOwner(storedGrants(bucket.acl, bucket.project_id), bucket.project_id)) throw aclConflictsWithOwnership();
    await this.store.update(bucket.name, { ownership });
  }

  async setPublicAccessBlock(bucket: BucketRow, block: PublicAccessBlock | null): Promise<void> {
    await this.store.update(bucket.name, { public_access_block: block ? JSON.stringify(block) : null });
  }

  /** PutBucketPolicy: a valid document, and not a public one while BlockPublicPolicy is on. */
  async setPolicy(bucket: BucketRow, text: string): Promise<void> {
    const policy = parsePolicy(text, bucket.name);
    if (publicAccessBlock(bucket).BlockPublicPolicy && isPublicPolicy(policy)) throw accessDenied();
    await this.store.update(bucket.name, { policy: text });
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
