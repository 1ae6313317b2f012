import type { BucketStore } from '../store/buckets.js';
import type { BucketRow, ObjectRow } from '../store/tables.js';
import type { ObjectRowStore } from '../store/objects.js';
import type { UploadStore } from '../store/uploads.js';
import { invalidArgument, malformedXml, notImplemented } from './errors.js';
import type { Multipart } from './multipart.js';
import type { Objects, Writer } from './objects.js';

/** Delete markers the lifecycle adds belong to the bucket's owner. */
const LIFECYCLE = (bucket: BucketRow): Writer => ({ user: 'lifecycle', owner: bucket.project_id });

/** One lifecycle rule, in the subset we run. */
export interface LifecycleRule {
  id: string;
  enabled: boolean;
  prefix: string;
  /** Where the prefix was given: S3 answers a rule in the form it was put (the rule's own `Prefix` or a `Filter`). */
  prefixAt?: 'rule' | 'filter';
  /** Tags an object must carry, and size bounds in bytes (`Filter`, `And`). */
  tags?: Record<string, string>;
  sizeGreaterThan?: number;
  sizeLessThan?: number;
  expirationDays?: number;
  expirationDate?: string;
  expiredDeleteMarker?: boolean;
  noncurrentDays?: number;
  abortDays?: number;
}

type Doc = Record<string, unknown>;
const str = (v: unknown) => (v === undefined || v === null || typeof v === 'object' ? '' : String(v));
const list = (v: unknown): Doc[] => (v === undefined || v === '' ? [] : Array.isArray(v) ? (v as Doc[]) : [v as Doc]);
const positive = (v: unknown, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(str(v));
  if (!/^\d+$/.test(str(v).trim()) || n <= 0) throw invalidArgument(`'${what}' must be a positive integer`);
  return n;
};
const size = (v: unknown): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(str(v).trim())) throw malformedXml();
  return Number(str(v));
};
/** S3 takes a lifecycle date in ISO 8601 at midnight UTC. */
function midnight(v: unknown): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(T00:00:00(\.0+)?(Z|[+-]00:?00)?)?$/.exec(str(v).trim());
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m![3])) throw invalidArgument("'Date' must be at midnight GMT");
  return d.toISOString();
}

/** A rule's object filter: the rule's own `Prefix`, or `Filter` with a Prefix, a Tag, sizes or an `And` of them. */
function parseFilter(r: Doc): Pick<LifecycleRule, 'prefix' | 'prefixAt' | 'tags' | 'sizeGreaterThan' | 'sizeLessThan'> {
  if (r.Filter === undefined) {
    if (r.Prefix === undefined) throw malformedXml();
    return { prefix: str(r.Prefix), prefixAt: 'rule' };
  }
  if (r.Prefix !== undefined) throw malformedXml();
  const filter = (typeof r.Filter === 'object' && r.Filter !== null ? r.Filter : {}) as Doc;
  const parts = ['Prefix', 'Tag', 'And', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan'].filter((k) => filter[k] !== undefined);
  if (parts.length > 1) throw malformedXml();
  const inner = (filter.And ?? filter) as Doc;
  const tags: Record<string, string> = {};
  for (const t of list(inner.Tag)) {
    const key = str(t.Key);
    if (!key || key in tags) throw invalidArgument('Duplicate Tag Keys are not allowed.');
    tags[key] = str(t.Value);
  }
  return {
    prefix: str(inner.Prefix),
    prefixAt: 'filter',
    ...(Object.keys(tags).length ? { tags } : {}),
    sizeGreaterThan: size(inner.ObjectSizeGreaterThan),
    sizeLessThan: size(inner.ObjectSizeLessThan),
  };
}

export function parseLifecycle(doc: Doc): LifecycleRule[] {
  const rules = list(doc.Rule);
  if (rules.length === 0 || rules.length > 1000) throw malformedXml();
  const ids = new Set<string>();
  return rules.map((r, i) => {
    const id = str(r.ID) || `rule-${i + 1}`;
    if (id.length > 255) throw invalidArgument('ID length should not exceed allowed limit of 255');
    if (ids.has(id)) throw invalidArgument('Rule ID must be unique. Found same ID for more than one rule');
    ids.add(id);
    const status = str(r.Status);
    if (status !== 'Enabled' && status !== 'Disabled') throw malformedXml();
    // Dates are checked before transitions are refused, so a bad date is the client's error.
    for (const t of [...list(r.Transition), ...list(r.NoncurrentVersionTransition)]) if (t.Date !== undefined) midnight(t.Date);
    if (r.Transition !== undefined || r.NoncurrentVersionTransition !== undefined) throw notImplemented('lifecycle transitions');
    const exp = r.Expiration as Doc | undefined;
    const rule: LifecycleRule = {
      id,
      enabled: status === 'Enabled',
      ...parseFilter(r),
      expirationDays: positive(exp?.Days, 'Days'),
      expirationDate: exp?.Date !== undefined ? midnight(exp.Date) : undefined,
      expiredDeleteMarker: str(exp?.ExpiredObjectDeleteMarker) === 'true' || undefined,
      noncurrentDays: positive((r.NoncurrentVersionExpiration as Doc | undefined)?.NoncurrentDays, 'NoncurrentDays'),
      abortDays: positive((r.AbortIncompleteMultipartUpload as Doc | undefined)?.DaysAfterInitiation, 'DaysAfterInitiation'),
    };
    if (!rule.expirationDays && !rule.expirationDate && !rule.expiredDeleteMarker && !rule.noncurrentDays && !rule.abortDays) throw malformedXml();
    return rule;
  });
}

function renderFilter(r: LifecycleRule): Doc {
  if (r.prefixAt === 'rule') return { Prefix: r.prefix };
  const tags = Object.entries(r.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  const parts: Doc = {
    ...(r.prefix ? { Prefix: r.prefix } : {}),
    ...(tags.length ? { Tag: tags } : {}),
    ...(r.sizeGreaterThan !== undefined ? { ObjectSizeGreaterThan: r.sizeGreaterThan } : {}),
    ...(r.sizeLessThan !== undefined ? { ObjectSizeLessThan: r.sizeLessThan } : {}),
  };
  const n = (r.prefix ? 1 : 0) + tags.length + (r.sizeGreaterThan !== undefined ? 1 : 0) + (r.sizeLessThan !== undefined ? 1 : 0);
  if (n > 1) return { Filter: { And: parts } };
  return { Filter: n === 0 ? { Prefix: '' } : parts };
}

export function renderLifecycle(rules: LifecycleRule[]): Doc {
  return {
    Rule: rules.map((r) => ({
      ID: r.id,
      ...renderFilter(r),
      Status: r.enabled ? 'Enabled' : 'Disabled',
      ...(r.expirationDays || r.expirationDate || r.expiredDeleteMarker
        ? { Expiration: r.expirationDays ? { Days: r.expirationDays } : r.expirationDate ? { Date: r.expirationDate } : { ExpiredObjectDeleteMarker: 'true' } }
        : {}),
      ...(r.noncurrentDays ? { NoncurrentVersionExpiration: { NoncurrentDays: r.noncurrentDays } } : {}),
      ...(r.abortDays ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.abortDays } } : {}),
    })),
  };
}

/** Whether a rule's filter selects an object version. */
function selects(rule: LifecycleRule, row: Pick<ObjectRow, 'key' | 'size' | 'tags'>): boolean {
  if (!row.key.startsWith(rule.prefix)) return false;
  if (rule.sizeGreaterThan !== undefined && !(row.size > rule.sizeGreaterThan)) return false;
  if (rule.sizeLessThan !== undefined && !(row.size < rule.sizeLessThan)) return false;
  if (!rule.tags) return true;
  const tags = JSON.parse(row.tags) as Record<string, string>;
  return Object.entries(rule.tags).every(([k, v]) => tags[k] === v);
}

/**
 * When a current object expires under a rule, as S3 computes it: its creation time plus the
 * rule's days, rounded up to the next day boundary (midnight UTC for real days), or the rule's date.
 */
function expiryOf(rule: LifecycleRule, row: Pick<ObjectRow, 'last_modified'>, dayMs: number): number | undefined {
  if (rule.expirationDate) return Date.parse(rule.expirationDate);
  if (!rule.expirationDays) return undefined;
  return Math.ceil((Date.parse(row.last_modified) + rule.expirationDays * dayMs) / dayMs) * dayMs;
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

  /** The rule that expires a current object first, and when: S3's `x-amz-expiration` on PUT, GET and HEAD. */
  expiration(bucket: BucketRow, row: ObjectRow): { at: Date; ruleId: string } | undefined {
    if (!bucket.lifecycle || row.delete_marker) return undefined;
    let first: { at: Date; ruleId: string } | undefined;
    for (const rule of JSON.parse(bucket.lifecycle) as LifecycleRule[]) {
      const at = rule.enabled && selects(rule, row) ? expiryOf(rule, row, this.dayMs) : undefined;
      if (at !== undefined && (!first || at < first.at.getTime())) first = { at: new Date(at), ruleId: rule.id };
    }
    return first;
  }

  async run(now = Date.now()): Promise<{ expired: number; aborted: number }> {
    let expired = 0;
    let aborted = 0;
    for (const bucket of await this.buckets.withLifecycle()) {
      const rules = (JSON.parse(bucket.lifecycle!) as LifecycleRule[]).filter((r) => r.enabled);
      for (const rule of rules) {
        if (rule.expirationDays || rule.expirationDate) {
          let after = '';
          for (;;) {
            const page = await this.rows.listCurrent(bucket.name, { prefix: rule.prefix, after, limit: 500 });
            if (page.length === 0) break;
            for (const row of page) {
              if (selects(rule, row) && expiryOf(rule, row, this.dayMs)! <= now && !row.lock_until && !row.legal_hold) {
                await this.objects.delete(bucket, row.key, undefined, LIFECYCLE(bucket));
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
        if (selects(rule, versions[i]) && Date.parse(versions[i - 1].last_modified) < now - rule.noncurrentDays * this.dayMs) {
          // A locked version stays; the next run tries again.
          await this.objects.delete(bucket, key, versions[i].version_id, LIFECYCLE(bucket)).then(() => removed++, () => undefined);
        }
      }
      const left = await this.rows.versionsOf(bucket.name, key);
      if (rule.expiredDeleteMarker && left.length === 1 && left[0].delete_marker) {
        await this.objects.delete(bucket, key, left[0].version_id, LIFECYCLE(bucket));
        removed++;
      }
    }
    return removed;
  }
}
