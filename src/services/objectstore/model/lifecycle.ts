import type { BucketStore } from '../store/buckets.js';
import type { BucketRow } from '../store/tables.js';
import type { ObjectRowStore } from '../store/objects.js';
import type { UploadStore } from '../store/uploads.js';
import { malformedXml, notImplemented } from './errors.js';
import type { Multipart } from './multipart.js';
import type { Objects } from './objects.js';

/** One lifecycle rule, in the subset we run. */
export interface LifecycleRule {
  id: string;
  enabled: boolean;
  prefix: string;
  expirationDays?: number;
  expirationDate?: string;
  expiredDeleteMarker?: boolean;
  noncurrentDays?: number;
  abortDays?: number;
}

type Doc = Record<string, unknown>;
const str = (v: unknown) => (v === undefined || v === null || typeof v === 'object' ? '' : String(v));
const positive = (v: unknown): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(str(v));
  if (!Number.isInteger(n) || n <= 0) throw malformedXml();
  return n;
};

export function parseLifecycle(doc: Doc): LifecycleRule[] {
  const rules = (Array.isArray(doc.Rule) ? doc.Rule : doc.Rule ? [doc.Rule] : []) as Doc[];
  if (rules.length === 0 || rules.length > 1000) throw malformedXml();
  return rules.map((r, i) => {
    const filter = (r.Filter ?? {}) as Doc;
    if (filter.Tag !== undefined || filter.And !== undefined || filter.ObjectSizeGreaterThan !== undefined) throw notImplemented('lifecycle filters other than Prefix');
    if (r.Transition !== undefined || r.NoncurrentVersionTransition !== undefined) throw notImplemented('lifecycle transitions');
    const status = str(r.Status);
    if (status !== 'Enabled' && status !== 'Disabled') throw malformedXml();
    const exp = r.Expiration as Doc | undefined;
    const rule: LifecycleRule = {
      id: str(r.ID) || `rule-${i + 1}`,
      enabled: status === 'Enabled',
      prefix: str(filter.Prefix ?? r.Prefix),
      expirationDays: positive(exp?.Days),
      expirationDate: exp?.Date !== undefined ? new Date(str(exp.Date)).toISOString() : undefined,
      expiredDeleteMarker: str(exp?.ExpiredObjectDeleteMarker) === 'true' || undefined,
      noncurrentDays: positive((r.NoncurrentVersionExpiration as Doc | undefined)?.NoncurrentDays),
      abortDays: positive((r.AbortIncompleteMultipartUpload as Doc | undefined)?.DaysAfterInitiation),
    };
    if (!rule.expirationDays && !rule.expirationDate && !rule.expiredDeleteMarker && !rule.noncurrentDays && !rule.abortDays) throw malformedXml();
    return rule;
  });
}

export function renderLifecycle(rules: LifecycleRule[]): Doc {
  return {
    Rule: rules.map((r) => ({
      ID: r.id,
      Filter: { Prefix: r.prefix },
      Status: r.enabled ? 'Enabled' : 'Disabled',
      ...(r.expirationDays || r.expirationDate || r.expiredDeleteMarker
        ? { Expiration: r.expirationDays ? { Days: r.expirationDays } : r.expirationDate ? { Date: r.expirationDate } : { ExpiredObjectDeleteMarker: 'true' } }
        : {}),
      ...(r.noncurrentDays ? { NoncurrentVersionExpiration: { NoncurrentDays: r.noncurrentDays } } : {}),
      ...(r.abortDays ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.abortDays } } : {}),
    })),
  };
}

/**
 * Runs the lifecycle rules of every bucket: expires current objects (a delete marker where
 * versioning is on), removes noncurrent versions some days after they were superseded, removes
 * lone expired delete markers and aborts old multipart uploads. Idempotent: a crash mid-way is
 * finished by the next run.
 */
export class Lifecycle {
  constructor(
    private readonly buckets: BucketStore,
    private readonly rows: ObjectRowStore,
    private readonly objects: Objects,
    private readonly uploads: UploadStore,
    private readonly multipart: Multipart,
    /** Length of a lifecycle "day" (shortened only by tests). */
    private readonly dayMs: number,
  ) {}

  async run(now = Date.now()): Promise<{ expired: number; aborted: number }> {
    let expired = 0;
    let aborted = 0;
    for (const bucket of await this.buckets.withLifecycle()) {
      const rules = (JSON.parse(bucket.lifecycle!) as LifecycleRule[]).filter((r) => r.enabled);
      for (const rule of rules) {
        const cutoff = rule.expirationDays ? now - rule.expirationDays * this.dayMs : rule.expirationDate && Date.parse(rule.expirationDate) <= now ? Infinity : undefined;
        if (cutoff !== undefined) {
          let after = '';
          for (;;) {
            const page = await this.rows.listCurrent(bucket.name, { prefix: rule.prefix, after, limit: 500 });
            if (page.length === 0) break;
            for (const row of page) {
              if (Date.parse(row.last_modified) < cutoff && !row.lock_until && !row.legal_hold) {
                await this.objects.delete(bucket, row.key, undefined, 'lifecycle');
                expired++;
              }
            }
            after = page[page.length - 1].key;
          }
        }
        if (rule.noncurrentDays || rule.expiredDeleteMarker) expired += await this.expireNoncurrent(bucket, rule, now);
        if (rule.abortDays) {
          for (const up of await this.uploads.startedBefore(bucket.name, new Date(now - rule.abortDays * this.dayMs).toISOString())) {
            if (!up.key.startsWith(rule.prefix)) continue;
            await this.multipart.abort(bucket.name, up.key, up.upload_id).catch(() => undefined);
            aborted++;
          }
        }
      }
    }
    return { expired, aborted };
  }

  private async expireNoncurrent(bucket: BucketRow, rule: LifecycleRule, now: number): Promise<number> {
    const keys = new Set((await this.rows.nonCurrent(bucket.name, 10_000)).map((r) => r.key));
    if (rule.expiredDeleteMarker) for (const r of await this.rows.currentDeleteMarkers(bucket.name, 10_000)) keys.add(r.key);
    let removed = 0;
    for (const key of [...keys].filter((k) => k.startsWith(rule.prefix))) {
      const versions = await this.rows.versionsOf(bucket.name, key);
      for (let i = 1; i < versions.length && rule.noncurrentDays; i++) {
        if (Date.parse(versions[i - 1].last_modified) < now - rule.noncurrentDays * this.dayMs) {
          // A locked version stays; the next run tries again.
          await this.objects.delete(bucket, key, versions[i].version_id, 'lifecycle').then(() => removed++, () => undefined);
        }
      }
      const left = await this.rows.versionsOf(bucket.name, key);
      if (rule.expiredDeleteMarker && left.length === 1 && left[0].delete_marker) {
        await this.objects.delete(bucket, key, left[0].version_id, 'lifecycle');
        removed++;
      }
    }
    return removed;
  }
}
