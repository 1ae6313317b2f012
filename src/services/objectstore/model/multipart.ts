import { createHash, randomBytes } from 'node:crypto';
import { nowIso } from '../../../platform/ids.js';
import type { UploadStore } from '../store/uploads.js';
import type { BucketRow, ObjectRow, PartRow, Segment, UploadRow } from '../store/tables.js';
import { combineCrc, newDigest, type ChecksumAlgorithm, type ChecksumType, type StoredChecksum } from './checksums.js';
import { customerMd5Of, kmsKeyIdOf, type Engine, type Ingested, type WrappingKey } from './engine.js';
import { noSuchUpload, s3Error } from './errors.js';
import type { ObjectAttrs, Objects, Writer } from './objects.js';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10000;

export interface CompletedPart {
  partNumber: number;
  etag: string;
  /** The part's additional checksum as the client lists it (must match the stored one). */
  checksum?: string;
}

/** How an upload's object checksum is made; uploads from before checksum types were kept are composite. */
export const uploadChecksumType = (up: UploadRow): ChecksumType => (up.checksum_type === 'FULL_OBJECT' ? 'FULL_OBJECT' : 'COMPOSITE');

/** `ChecksumAlgorithm` and `ChecksumType` of an upload in ListParts and ListMultipartUploads, when it has a checksum. */
export const uploadChecksumFields = (up: UploadRow) => (up.checksum_algorithm ? { ChecksumAlgorithm: up.checksum_algorithm, ChecksumType: uploadChecksumType(up) } : {});

const invalidPart = () =>
  s3Error('badRequest', 'InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not have matched the part\'s entity tag.');

/** Multipart uploads: parts are blobs of their own; completing stitches them into one object. */
export class Multipart {
  constructor(
    private readonly uploads: UploadStore,
    private readonly objects: Objects,
    private readonly engine: Engine,
  ) {}

  async create(
    bucket: BucketRow,
    key: string,
    attrs: ObjectAttrs,
    writer: Writer,
    checksum: { algorithm: ChecksumAlgorithm; type: ChecksumType } | undefined,
    encrypt: boolean,
    wrapping?: WrappingKey,
  ): Promise<UploadRow> {
    const row: UploadRow = {
      upload_id: randomBytes(24).toString('base64url'),
      bucket: bucket.name,
      key,
      initiated: nowIso(),
      owner_user_id: writer.user,
      owner_id: writer.owner,
      attrs: JSON.stringify(attrs),
      checksum_algorithm: checksum?.algorithm ?? null,
      checksum_type: checksum?.type ?? null,
      sse_c_md5: customerMd5Of(wrapping) ?? null,
      kms_key_id: kmsKeyIdOf(wrapping) ?? null,
      encrypt: encrypt ? 1 : 0,
    };
    await this.uploads.insert(row);
    return row;
  }

  async get(bucket: string, key: string, uploadId: string): Promise<UploadRow> {
    const up = await this.uploads.get(uploadId);
    if (!up || up.bucket !== bucket || up.key !== key) throw noSuchUpload();
    return up;
  }

  list(bucket: string, opts: { prefix: string; afterKey: string; afterId: string; limit: number }): Promise<UploadRow[]> {
    return this.uploads.list(bucket, opts);
  }

  parts(uploadId: string, afterPart: number, limit: number): Promise<PartRow[]> {
    return this.uploads.parts(uploadId, afterPart, limit);
  }

  /** Stores an ingested part (the blob is still pending); replaces an earlier upload of the same number. */
  async putPart(up: UploadRow, partNumber: number, ing: Ingested): Promise<PartRow> {
    await this.engine.blobs.place(ing.pending);
    const row: PartRow = {
      upload_id: up.upload_id,
      part_number: partNumber,
      etag: `"${ing.digests.md5.toString('hex')}"`,
      size: ing.digests.size,
      last_modified: nowIso(),
      checksum: ing.digests.checksum ? JSON.stringify(ing.digests.checksum) : null,
      segment: JSON.stringify(ing.segment),
    };
    let old: PartRow | undefined;
    try {
      // The upload may have been aborted or completed while the part streamed in.
      if (!(await this.uploads.get(up.upload_id))) throw noSuchUpload();
      old = await this.uploads.putPart(row);
    } catch (e) {
      await this.engine.blobs.remove([ing.segment.blob]);
      throw e;
    }
    if (old) await this.engine.blobs.remove([(JSON.parse(old.segment) as Segment).blob]);
    return row;
  }

  /**
   * `expected`: what the client computed and sends with the completion (`x-amz-checksum-*` of the
   * object, `x-amz-mp-object-size`).
   */
  async complete(bucket: BucketRow, up: UploadRow, list: CompletedPart[], expected: { checksum?: string; size?: number } = {}): Promise<ObjectRow> {
    if (list.length === 0) throw s3Error('badRequest', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
    for (let i = 1; i < list.length; i++) {
      if (list[i].partNumber <= list[i - 1].partNumber) {
        throw s3Error('badRequest', 'InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
      }
    }
    const stored = new Map((await this.uploads.parts(up.upload_id)).map((p) => [p.part_number, p]));
    const chosen = list.map((c) => {
      const p = stored.get(c.partNumber);
      if (!p || normalizeEtag(c.etag) !== p.etag) throw invalidPart();
      if (c.checksum !== undefined && c.checksum !== (p.checksum ? (JSON.parse(p.checksum) as StoredChecksum).value : undefined)) throw invalidPart();
      return p;
    });
    const size = chosen.reduce((n, p) => n + p.size, 0);
    if (expected.size !== undefined && expected.size !== size) {
      throw s3Error('badRequest', 'InvalidRequest', `The provided 'x-amz-mp-object-size' header value ${expected.size} does not match what was computed: ${size}`);
    }
    const algorithm = up.checksum_algorithm as ChecksumAlgorithm | null;
    const checksum = uploadChecksumType(up) === 'FULL_OBJECT' ? fullObject(algorithm, chosen) : composite(algorithm, chosen);
    if (expected.checksum !== undefined && expected.checksum !== checksum?.value) {
      throw s3Error('badRequest', 'BadDigest', 'The checksum you specified did not match the calculated checksum.');
    }
    chosen.forEach((p, i) => {
      if (i < chosen.length - 1 && p.size < MIN_PART_SIZE) {
        throw s3Error('badRequest', 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
      }
    });
    const attrs = JSON.parse(up.attrs) as ObjectAttrs;
    const segments = chosen.map((p): Segment => ({ ...(JSON.parse(p.segment) as Segment), ...(p.checksum ? { checksum: JSON.parse(p.checksum) as StoredChecksum } : {}) }));
    // The parts' rows go first, so their blobs now belong to the object alone.
    const { found, parts } = await this.uploads.remove(up.upload_id);
    if (!found) throw noSuchUpload();
    const used = new Set(segments.map((s) => s.blob));
    await this.engine.blobs.remove(parts.map((p) => (JSON.parse(p.segment) as Segment).blob).filter((b) => !used.has(b)));
    const row = await this.objects.put(
      bucket,
      up.key,
      {
        segments,
        size,
        etag: multipartEtag(chosen.map((p) => p.etag)),
        checksum,
        encrypted: !!up.encrypt || !!up.sse_c_md5 || !!up.kms_key_id,
        customerMd5: up.sse_c_md5 ?? undefined,
        kmsKeyId: up.kms_key_id ?? undefined,
        partsCount: chosen.length,
      },
      attrs,
      { user: up.owner_user_id, owner: up.owner_id },
    );
    const now = Date.now();
    await this.uploads.recordCompletion(
      { upload_id: up.upload_id, bucket: bucket.name, key: up.key, version_id: row.version_id, etag: row.etag, completed_at: new Date(now).toISOString() },
      new Date(now - COMPLETION_KEPT_MS).toISOString(),
    );
    return row;
  }

  /**
   * The object version an upload already became, when a completion is retried with the same part
   * list (S3 answers a retry as the first completion while the object is still there).
   */
  async completedBefore(bucket: string, key: string, uploadId: string, list: CompletedPart[]): Promise<ObjectRow | undefined> {
    const done = await this.uploads.completion(uploadId);
    if (!done || done.bucket !== bucket || done.key !== key || list.length === 0) return undefined;
    if (multipartEtag(list.map((c) => normalizeEtag(c.etag))) !== done.etag) return undefined;
    return this.objects.find(bucket, key, done.version_id).catch(() => undefined);
  }

  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.get(bucket, key, uploadId);
    const { parts } = await this.uploads.remove(uploadId);
    await this.engine.blobs.remove(parts.map((p) => (JSON.parse(p.segment) as Segment).blob));
  }
}

const normalizeEtag = (e: string) => `"${e.trim().replace(/^"|"$/g, '')}"`;

/** How long a completed upload is remembered for retried completions. */
const COMPLETION_KEPT_MS = 24 * 3600 * 1000;

/** S3's ETag of a multipart object: the MD5 of the parts' MD5s, suffixed `-N`. */
function multipartEtag(partEtags: string[]): string {
  const md5s = createHash('md5');
  for (const e of partEtags) md5s.update(Buffer.from(e.replace(/"/g, ''), 'hex'));
  return `"${md5s.digest('hex')}-${partEtags.length}"`;
}

/** Every part's checksum of the upload's algorithm, raw; undefined when a part has none. */
function partSums(algorithm: ChecksumAlgorithm | null, parts: PartRow[]): Buffer[] | undefined {
  if (!algorithm) return undefined;
  const sums: Buffer[] = [];
  for (const p of parts) {
    const c = p.checksum ? (JSON.parse(p.checksum) as StoredChecksum) : undefined;
    if (!c || c.algorithm !== algorithm) return undefined;
    sums.push(Buffer.from(c.value, 'base64'));
  }
  return sums;
}

/** S3's COMPOSITE checksum of a multipart object: the checksum of the parts' checksums, suffixed `-N`. */
function composite(algorithm: ChecksumAlgorithm | null, parts: PartRow[]): StoredChecksum | undefined {
  const sums = partSums(algorithm, parts);
  if (!sums) return undefined;
  const d = newDigest(algorithm!);
  for (const s of sums) d.update(s);
  return { algorithm: algorithm!, value: `${d.digest().toString('base64')}-${parts.length}` };
}

/** S3's FULL_OBJECT checksum: the CRC of the whole object, combined from the parts' CRCs. */
function fullObject(algorithm: ChecksumAlgorithm | null, parts: PartRow[]): StoredChecksum | undefined {
  const sums = partSums(algorithm, parts);
  if (!sums) return undefined;
  const whole = sums.reduce((acc, s, i) => combineCrc(algorithm!, acc, s, parts[i].size));
  return { algorithm: algorithm!, value: whole.toString('base64') };
}
