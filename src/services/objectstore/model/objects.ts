import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../../../platform/auth.js';
import { nowIso } from '../../../platform/ids.js';
import { PAST, type ObjectRowStore } from '../store/objects.js';
import type { BucketRow, ObjectRow, Segment } from '../store/tables.js';
import type { Grant } from './acl.js';
import type { StoredChecksum } from './checksums.js';
import { customerMd5Of, kmsKeyIdOf, type Engine, type Ingested, type WrappingKey } from './engine.js';
import { accessDenied, noSuchBucket, noSuchKey, noSuchVersion, preconditionFailed, s3Error } from './errors.js';

/** Attributes a client sets on an object besides its bytes. */
export interface ObjectAttrs {
  contentType?: string;
  /** Standard headers kept verbatim: content-disposition, content-encoding, cache-control, expires, content-language. */
  headers: Record<string, string>;
  meta: Record<string, string>;
  tags: Record<string, string>;
  lockMode?: string;
  lockUntil?: string;
  legalHold?: boolean;
  /** Grants of the new version; none is the owner's full control. */
  acl?: Grant[];
}

/** Who writes a version: the user (kept for audit) and the canonical owner S3 reports (a project). */
export interface Writer {
  user: string;
  owner: string;
}

/** The writer of a delete marker: the caller's account, or the bucket's owner for anonymous callers. */
export const writerOf = (bucket: BucketRow, auth?: AuthContext): Writer => ({ user: auth?.userId ?? 'anonymous', owner: auth?.projectId ?? bucket.project_id });

/** A finished body ready to become an object version. */
export interface NewContent {
  segments: Segment[];
  size: number;
  etag: string;
  checksum?: StoredChecksum;
  encrypted: boolean;
  customerMd5?: string;
  kmsKeyId?: string;
  partsCount: number;
}

export interface ListResult {
  objects: ObjectRow[];
  prefixes: string[];
  truncated: boolean;
  /** Where the next page starts (exclusive). */
  next?: string;
}

export const contentOf = (ing: Ingested, encrypted: boolean, wrapping?: WrappingKey): NewContent => ({
  segments: [ing.segment],
  size: ing.digests.size,
  etag: `"${ing.digests.md5.toString('hex')}"`,
  checksum: ing.digests.checksum,
  encrypted,
  customerMd5: customerMd5Of(wrapping),
  kmsKeyId: kmsKeyIdOf(wrapping),
  partsCount: 0,
});

export const segmentsOf = (row: ObjectRow): Segment[] => JSON.parse(row.segments) as Segment[];
const blobsOf = (rows: Array<ObjectRow | undefined>) => rows.flatMap((r) => (r ? segmentsOf(r).map((s) => s.blob) : []));

/**
 * Object versions: S3's rules for current and noncurrent versions, `null` versions of unversioned
 * and suspended buckets, delete markers, conditional writes and object lock.
 */
export class Objects {
  private seq = 0;

  constructor(
    private readonly rows: ObjectRowStore,
    private readonly engine: Engine,
  ) {}

  /** Row ids sort by creation, so "newest version" is the greatest id. */
  private newId(): string {
    this.seq = (this.seq + 1) % 0xffffff;
    return Date.now().toString(16).padStart(12, '0') + this.seq.toString(16).padStart(6, '0') + randomBytes(7).toString('hex');
  }

  /** The current version (or the given one); 404 as S3 answers for missing keys and delete markers. */
  async find(bucket: string, key: string, versionId?: string): Promise<ObjectRow> {
    return visible(versionId ? await this.rows.version(bucket, key, versionId) : await this.rows.latest(bucket, key), versionId);
  }

  /**
   * A bucket (NoSuchBucket when missing) and the current (or the given) version of a key, in one
   * read; the caller authorizes on the bucket, then checks the version with `visible`.
   */
  async lookup(bucket: string, key: string, versionId?: string): Promise<{ bucket: BucketRow; row?: ObjectRow }> {
    const found = await this.rows.withBucket(bucket, key, versionId);
    if (!found.bucket) throw noSuchBucket();
    return { bucket: found.bucket, row: found.row };
  }

  /** The current version when it exists and is not a delete marker (conditional writes). */
  async current(bucket: string, key: string): Promise<ObjectRow | undefined> {
    const row = await this.rows.latest(bucket, key);
    return row && !row.delete_marker ? row : undefined;
  }

  /** Checks `If-None-Match: *` / `If-Match` on a write against the current version. */
  async checkWriteConditions(bucket: string, key: string, ifNoneMatch?: string, ifMatch?: string): Promise<void> {
    if (ifNoneMatch === undefined && ifMatch === undefined) return;
    const cur = await this.current(bucket, key);
    if (ifNoneMatch !== undefined && cur && (ifNoneMatch.trim() === '*' || etagMatches(ifNoneMatch, cur.etag))) throw preconditionFailed();
    if (ifMatch !== undefined && (!cur || !etagMatches(ifMatch, cur.etag))) {
      if (!cur) throw noSuchKey();
      throw preconditionFailed();
    }
  }

  /**
   * Makes content the current version of `key`. The blobs must already be in place; if the
   * metadata commit fails they are removed, and the bytes of a replaced `null` version go only
   * after the commit.
   */
  async put(bucket: BucketRow, key: string, content: NewContent, attrs: ObjectAttrs, writer: Writer): Promise<ObjectRow> {
    const id = this.newId();
    const versioned = bucket.versioning === 'Enabled';
    const lock = defaultRetention(bucket, attrs);
    const row: ObjectRow = {
      id,
      bucket: bucket.name,
      key,
      version_id: versioned ? id : 'null',
      is_latest: 1,
      delete_marker: 0,
      size: content.size,
      etag: content.etag,
      last_modified: nowIso(),
      owner_user_id: writer.user,
      owner_id: writer.owner,
      acl: attrs.acl ? JSON.stringify(attrs.acl) : null,
      content_type: attrs.contentType ?? 'binary/octet-stream',
      headers: JSON.stringify(attrs.headers),
      meta: JSON.stringify(attrs.meta),
      tags: JSON.stringify(attrs.tags),
      checksum: content.checksum ? JSON.stringify(content.checksum) : null,
      segments: JSON.stringify(content.segments),
      sse_c_md5: content.customerMd5 ?? null,
      encrypted: content.encrypted ? 1 : 0,
      kms_key_id: content.kmsKeyId ?? null,
      parts_count: content.partsCount,
      lock_mode: lock.mode ?? null,
      lock_until: lock.until ?? null,
      legal_hold: attrs.legalHold ? 1 : 0,
    };
    let replaced: ObjectRow | undefined;
    try {
      replaced = await this.rows.commit(row, !versioned);
    } catch (e) {
      await this.engine.blobs.remove(content.segments.map((s) => s.blob));
      throw e;
    }
    await this.engine.blobs.remove(blobsOf([replaced]));
    return row;
  }

  /** DeleteObject: removes a version, or adds a delete marker where versioning asks for one. */
  async delete(bucket: BucketRow, key: string, versionId: string | undefined, writer: Writer, bypassGovernance = false): Promise<{ versionId?: string; deleteMarker: boolean }> {
    if (versionId !== undefined) {
      const row = await this.rows.version(bucket.name, key, versionId);
      if (!row) return { versionId, deleteMarker: false };
      assertDeletable(row, bypassGovernance);
      if (await this.rows.deleteVersion(row)) await this.engine.blobs.remove(blobsOf([row]));
      return { versionId, deleteMarker: !!row.delete_marker };
    }
    if (bucket.versioning === '') {
      const row = await this.rows.version(bucket.name, key, 'null');
      if (row && (await this.rows.deleteVersion(row))) await this.engine.blobs.remove(blobsOf([row]));
      return { deleteMarker: false };
    }
    const id = this.newId();
    const marker: ObjectRow = {
      id,
      bucket: bucket.name,
      key,
      version_id: bucket.versioning === 'Enabled' ? id : 'null',
      is_latest: 1,
      delete_marker: 1,
      size: 0,
      etag: '',
      last_modified: nowIso(),
      owner_user_id: writer.user,
      owner_id: writer.owner,
      acl: null,
      content_type: null,
      headers: '{}',
      meta: '{}',
      tags: '{}',
      checksum: null,
      segments: '[]',
      sse_c_md5: null,
      encrypted: 0,
      kms_key_id: null,
      parts_count: 0,
      lock_mode: null,
      lock_until: null,
      legal_hold: 0,
    };
    const replaced = await this.rows.commit(marker, bucket.versioning !== 'Enabled');
    await this.engine.blobs.remove(blobsOf([replaced]));
    return { versionId: marker.version_id, deleteMarker: true };
  }

  /** ListObjects (v1 and v2): current objects after `after`, rolled up at `delimiter`. */
  async list(bucket: string, opts: { prefix: string; delimiter: string; after: string; maxKeys: number }): Promise<ListResult> {
    const out: ListResult = { objects: [], prefixes: [], truncated: false };
    if (opts.maxKeys === 0) return out;
    let cursor = skipRolledUp(opts.after, opts.prefix, opts.delimiter);
    // With a delimiter each common prefix restarts the query, so smaller reads waste less.
    const page = Math.min(opts.maxKeys + 1, opts.delimiter ? 101 : 1001);
    for (;;) {
      const rows = await this.rows.listCurrent(bucket, { prefix: opts.prefix, after: cursor, limit: page });
      if (rows.length === 0) return out;
      for (const row of rows) {
        if (out.objects.length + out.prefixes.length === opts.maxKeys) {
          out.truncated = true;
          return out;
        }
        const cp = commonPrefix(row.key, opts.prefix, opts.delimiter);
        if (cp !== undefined) {
          out.prefixes.push(cp);
          out.next = cp;
          cursor = cp + PAST;
          break; // restart the query past everything under this prefix
        }
        out.objects.push(row);
        out.next = row.key;
        cursor = row.key;
      }
      if (rows.length < page && cursor === rows[rows.length - 1].key) return out;
    }
  }

  /** ListObjectVersions: every version and delete marker, by key then newest first. */
  async listVersions(bucket: string, opts: { prefix: string; delimiter: string; keyMarker: string; versionMarker?: string; maxKeys: number }) {
    const out = { versions: [] as ObjectRow[], prefixes: [] as string[], truncated: false, nextKey: undefined as string | undefined, nextVersion: undefined as string | undefined };
    let after = skipRolledUp(opts.keyMarker, opts.prefix, opts.delimiter);
    let afterId: string | undefined;
    if (opts.versionMarker && opts.keyMarker) {
      afterId = (await this.rows.version(bucket, opts.keyMarker, opts.versionMarker))?.id;
      if (afterId === undefined) after = opts.keyMarker;
    }
    const page = Math.min(opts.maxKeys + 1, 1001);
    for (;;) {
      const rows = await this.rows.listVersions(bucket, { prefix: opts.prefix, after, afterId, limit: page });
      if (rows.length === 0) return out;
      let restarted = false;
      for (const row of rows) {
        if (out.versions.length + out.prefixes.length === opts.maxKeys) {
          out.truncated = true;
          return out;
        }
        const cp = commonPrefix(row.key, opts.prefix, opts.delimiter);
        if (cp !== undefined) {
          out.prefixes.push(cp);
          out.nextKey = cp;
          out.nextVersion = undefined;
          after = cp + PAST;
          afterId = undefined;
          restarted = true;
          break;
        }
        out.versions.push(row);
        out.nextKey = row.key;
        out.nextVersion = row.version_id;
        after = row.key;
        afterId = row.id;
      }
      if (!restarted && rows.length < page) return out;
    }
  }

  async setTags(row: ObjectRow, tags: Record<string, string>): Promise<void> {
    await this.rows.updateRow(row.id, { tags: JSON.stringify(tags) });
  }

  async setRetention(row: ObjectRow, mode: string, until: string, bypassGovernance: boolean): Promise<void> {
    const locked = row.lock_until && Date.parse(row.lock_until) > Date.now();
    // While locked, compliance mode may only be extended; governance mode may change only with the bypass.
    const shortens = Date.parse(until) < Date.parse(row.lock_until!);
    const allowed = row.lock_mode === 'COMPLIANCE' ? mode === 'COMPLIANCE' && !shortens : bypassGovernance || (mode === row.lock_mode && !shortens);
    if (locked && !allowed) {
      throw accessDenied('Access Denied because object protected by object lock.');
    }
    await this.rows.updateRow(row.id, { lock_mode: mode, lock_until: until });
  }

  async setAcl(row: ObjectRow, grants: Grant[]): Promise<void> {
    await this.rows.updateRow(row.id, { acl: JSON.stringify(grants) });
  }

  async setLegalHold(row: ObjectRow, on: boolean): Promise<void> {
    await this.rows.updateRow(row.id, { legal_hold: on ? 1 : 0 });
  }
}

/** A version found by key: 404 as S3 answers for missing keys and delete markers, 405 for a delete marker asked by version. */
export function visible(row: ObjectRow | undefined, versionId?: string): ObjectRow {
  if (!row) throw versionId ? noSuchVersion() : noSuchKey();
  if (row.delete_marker) {
    const headers = { 'x-amz-delete-marker': 'true', ...(row.version_id !== 'null' || versionId ? { 'x-amz-version-id': row.version_id } : {}) };
    if (versionId) throw s3Error('methodNotAllowed', 'MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, headers);
    throw s3Error('notFound', 'NoSuchKey', 'The specified key does not exist.', 404, headers);
  }
  return row;
}

/** The common prefix `key` rolls up into, if any. */
function commonPrefix(key: string, prefix: string, delimiter: string): string | undefined {
  if (!delimiter) return undefined;
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? undefined : key.slice(0, i + delimiter.length);
}

/** A marker that is itself a common prefix continues after everything under it. */
function skipRolledUp(marker: string, prefix: string, delimiter: string): string {
  return marker && commonPrefix(marker, prefix, delimiter) === marker ? marker + PAST : marker;
}

/** S3 keys are at most 1024 bytes of UTF-8. */
export function checkKey(key: string): void {
  if (Buffer.byteLength(key) > 1024) throw s3Error('badRequest', 'KeyTooLongError', 'Your key is too long');
}

export function etagMatches(header: string, etag: string): boolean {
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === '*' || v === etag || `"${v}"` === etag;
  });
}

function defaultRetention(bucket: BucketRow, attrs: ObjectAttrs): { mode?: string; until?: string } {
  if (attrs.lockMode && attrs.lockUntil) return { mode: attrs.lockMode, until: attrs.lockUntil };
  if (!bucket.object_lock || !bucket.lock_config) return {};
  const rule = (JSON.parse(bucket.lock_config) as { mode?: string; days?: number; years?: number });
  if (!rule.mode) return {};
  const days = (rule.days ?? 0) + (rule.years ?? 0) * 365;
  return { mode: rule.mode, until: new Date(Date.now() + days * 86_400_000).toISOString() };
}

function assertDeletable(row: ObjectRow, bypassGovernance: boolean): void {
  if (row.legal_hold) throw accessDenied('Access Denied because object protected by object lock.');
  if (row.lock_until && Date.parse(row.lock_until) > Date.now() && (row.lock_mode === 'COMPLIANCE' || !bypassGovernance)) {
    throw accessDenied('Access Denied because object protected by object lock.');
  }
}
