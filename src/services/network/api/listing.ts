import { boolParam, type Obj } from '../../../platform/http/validate.js';
import { STANDARD, type Collection } from '../model/collection.js';
import { nBadRequest, nNotFound, notFoundOf } from '../model/errors.js';

/** What a list needs to know of its collection (`kind` names the fault of an unknown marker). */
export type Listed = Pick<Collection, 'plural' | 'attributes'> & Partial<Pick<Collection, 'kind' | 'hidden'>>;
export type RawQuery = Record<string, string | string[] | undefined>;

const CONTROL = ['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any'];

export const values = (q: RawQuery, k: string): string[] => {
  const v = q[k];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** `fields=a&fields=b` (or `fields=a,b`): the attributes to return; undefined for all. */
export function fieldsOf(q: RawQuery): string[] | undefined {
  const f = values(q, 'fields').flatMap((v) => v.split(',')).filter(Boolean);
  return f.length ? f : undefined;
}

export function pick(item: Obj, fields: string[] | undefined): Obj {
  if (!fields) return item;
  return Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]]));
}

/** One filter value against one attribute value, by the attribute's type (repeated keys OR). */
function matches(actual: unknown, wanted: string): boolean {
  if (actual === null || actual === undefined) return wanted === '' || wanted === 'None' || wanted === 'null';
  if (typeof actual === 'boolean') return boolParam(wanted) === actual;
  if (typeof actual === 'number') return Number(wanted) === actual;
  if (Array.isArray(actual)) {
    // fixed_ips=ip_address=10.0.0.5 / subnet_id=... / ip_address_substr=10.0 (ip-substring-filtering)
    const m = /^(ip_address|subnet_id|ip_address_substr)=(.*)$/.exec(wanted);
    if (m) {
      return actual.some((e) => {
        const o = e as Obj;
        return m[1] === 'ip_address_substr' ? String(o.ip_address).includes(m[2]) : o[m[1]] === m[2];
      });
    }
    return actual.some((e) => String(e) === wanted);
  }
  if (typeof actual === 'object') return JSON.stringify(actual) === wanted;
  return String(actual) === wanted;
}

const tagList = (q: RawQuery, k: string) => values(q, k).flatMap((v) => v.split(',')).filter(Boolean);

function filter(c: Listed, items: Obj[], q: RawQuery): Obj[] {
  const known = new Set<string>([...STANDARD, ...c.attributes, ...(c.hidden ?? [])]);
  const filters: Array<[string, string[]]> = [];
  for (const k of Object.keys(q)) {
    if (CONTROL.includes(k)) continue;
    if (!known.has(k)) throw nBadRequest('HTTPBadRequest', `${k} is invalid attribute for filtering`);
    filters.push([k, values(q, k)]);
  }
  const all = tagList(q, 'tags');
  const any = tagList(q, 'tags-any');
  const notAll = tagList(q, 'not-tags');
  const notAny = tagList(q, 'not-tags-any');
  return items.filter((item) => {
    if (!filters.every(([k, vs]) => vs.some((v) => matches(item[k], v)))) return false;
    const tags = (item.tags as string[] | undefined) ?? [];
    if (all.length && !all.every((t) => tags.includes(t))) return false;
    if (any.length && !any.some((t) => tags.includes(t))) return false;
    if (notAll.length && notAll.every((t) => tags.includes(t))) return false;
    if (notAny.length && notAny.some((t) => tags.includes(t))) return false;
    return true;
  });
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : 1;
  const x = typeof a === 'object' ? JSON.stringify(a) : String(a);
  const y = typeof b === 'object' ? JSON.stringify(b) : String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function sort(c: Listed, items: Obj[], q: RawQuery): Obj[] {
  const keys = values(q, 'sort_key');
  const dirs = values(q, 'sort_dir');
  if (dirs.length && dirs.length !== keys.length) throw nBadRequest('HTTPBadRequest', 'The number of sort_keys and sort_dirs must be same');
  const known = new Set<string>([...STANDARD, ...c.attributes]);
  for (const k of keys) if (!known.has(k)) throw nBadRequest('HTTPBadRequest', `${k} is an invalid attribute for sort_keys`);
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw nBadRequest('HTTPBadRequest', `${d} is an invalid value for sort_dirs, valid values are 'asc' and 'desc'`);
  const order = [...keys.map((k, i) => [k, dirs[i] ?? 'asc'] as const), ['id', 'asc'] as const];
  return [...items].sort((a, b) => {
    for (const [k, d] of order) {
      const r = compare(a[k], b[k]);
      if (r !== 0) return d === 'asc' ? r : -r;
    }
    return 0;
  });
}

/**
 * A list response as Neutron builds it: filters, sorting, `limit`/`marker`/`page_reverse` paging
 * with `<collection>_links` (Neutron's rules, see below), `fields`.
 */
export function listResponse(c: Listed, all: Obj[], q: RawQuery, url: string): Obj {
  const sorted = sort(c, filter(c, all, q), q);
  const limitText = values(q, 'limit').at(-1);
  if (limitText !== undefined && !/^\d+$/.test(limitText)) throw nBadRequest('HTTPBadRequest', `Limit must be an integer 0 or greater and not '${limitText}'`);
  const limit = limitText === undefined || limitText === '0' ? undefined : Number(limitText);
  const marker = values(q, 'marker').at(-1);
  const reverse = boolParam(values(q, 'page_reverse').at(-1)) ?? false;
  let start = 0;
  let end = sorted.length;
  if (marker !== undefined) {
    const at = sorted.findIndex((i) => i.id === marker);
    // As Neutron, which loads the marker as a resource: an unknown one is that resource's 404.
    if (at < 0) throw c.kind ? notFoundOf(c.kind, marker) : nNotFound('MarkerNotFound', `Marker ${marker} could not be found.`);
    if (reverse) end = at;
    else start = at + 1;
  }
  if (limit !== undefined) {
    if (reverse) start = Math.max(start, end - limit);
    else end = Math.min(end, start + limit);
  }
  const page = sorted.slice(start, end);
  const fields = fieldsOf(q);
  const hidden = c.hidden ?? [];
  const shown = (i: Obj) => (hidden.length ? Object.fromEntries(Object.entries(i).filter(([k]) => !hidden.includes(k))) : i);
  const out: Obj = { [c.plural]: page.map((i) => pick(shown(i), fields)) };
  if (limit !== undefined) {
    const links: Obj[] = [];
    const link = (rel: string, id: unknown, back: boolean) => {
      const u = new URL(url);
      u.searchParams.delete('marker');
      u.searchParams.delete('page_reverse');
      u.searchParams.set('limit', String(limit));
      if (id !== undefined) u.searchParams.set('marker', String(id));
      if (back) u.searchParams.set('page_reverse', 'True');
      links.push({ rel, href: u.toString() });
    };
    // As Neutron's get_pagination_links: `next` unless a forward page came short, `previous` unless
    // a backward one did; their markers are the page's last and first items (none on an empty page).
    const short = page.length < limit;
    if (!(short && !reverse)) link('next', page.at(-1)?.id, false);
    if (!(short && reverse)) link('previous', page[0]?.id, true);
    if (links.length) out[`${c.plural}_links`] = links;
  }
  return out;
}
