import { badRequest } from '../../../platform/errors.js';
import type { Obj as Body } from '../../../platform/http/validate.js';

const PAGING = new Set(['limit', 'marker', 'page_reverse', 'sort', 'sort_key', 'sort_dir', 'fields', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

type Query = Record<string, string | string[] | undefined>;
const last = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
const list = (v: string | string[] | undefined) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).filter(Boolean));

/** Sort keys asked for; without any, items keep the store's order (creation time, then id). */
function sortKeys(q: Query): Array<[string, number]> {
  const sort = last(q.sort);
  const pairs = sort ? sort.split(',').map((s) => s.split(':')) : list(q.sort_key).map((k, i) => [k, list(q.sort_dir)[i] ?? 'desc']);
  const keys = pairs.map(([k, dir = 'asc']): [string, number] => {
    if (!['asc', 'desc'].includes(dir)) throw badRequest(`Invalid sort direction: ${dir}`);
    return [k, dir === 'asc' ? 1 : -1];
  });
  return keys;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

/**
 * Octavia's collection query: attribute filters, tag filters, sort, `limit`/`marker`/
 * `page_reverse` pagination with `<plural>_links` (or Octavia's other name for them), and `fields`.
 */
export function listResponse(plural: string, items: Body[], q: Query, selfUrl: string, linksKey = `${plural}_links`): Body {
  let out = items.filter((it) =>
    Object.entries(q).every(([k, v]) => {
      // Listeners and pools are filtered by `loadbalancer_id`, which they show as `loadbalancers: [{id}]`.
      if (k === 'loadbalancer_id' && Array.isArray(it.loadbalancers)) return (it.loadbalancers as Body[]).some((x) => x.id === last(v));
      if (PAGING.has(k) || v === undefined || !(k in it)) return true;
      const want = last(v)!;
      const have = it[k];
      return typeof have === 'boolean' ? ['true', '1'].includes(want.toLowerCase()) === have && ['true', 'false', '1', '0'].includes(want.toLowerCase()) : String(have) === want;
    }),
  );
  const tagsOf = (it: Body) => (it.tags as string[] | undefined) ?? [];
  const [all, any, notAll, notAny] = [list(q.tags), list(q['tags-any']), list(q['not-tags']), list(q['not-tags-any'])];
  out = out.filter((it) => {
    const t = tagsOf(it);
    return all.every((x) => t.includes(x)) && (!any.length || any.some((x) => t.includes(x))) && !(notAll.length && notAll.every((x) => t.includes(x))) && !notAny.some((x) => t.includes(x));
  });
  const keys = sortKeys(q);
  out.sort((a, b) => {
    for (const [k, dir] of keys) {
      const c = compare(a[k], b[k]);
      if (c) return c * dir;
    }
    return 0;
  });
  const limitRaw = last(q.limit);
  const limit = limitRaw === undefined ? undefined : Number(limitRaw);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw badRequest(`Invalid input for field/attribute limit. Value: '${limitRaw}'. Value should be a non-negative integer`);
  const reverse = last(q.page_reverse)?.toLowerCase() === 'true';
  const marker = last(q.marker);
  let start = 0;
  let end = out.length;
  if (marker) {
    const at = out.findIndex((it) => it.id === marker);
    if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
    if (reverse) end = at;
    else start = at + 1;
  }
  if (limit) {
    if (reverse) start = Math.max(start, end - limit);
    else end = Math.min(end, start + limit);
  }
  const page = out.slice(start, end);
  const links: Body[] = [];
  const link = (rel: string, markerId: string, rev: boolean) => {
    const u = new URL(selfUrl);
    u.searchParams.set('limit', String(limit));
    u.searchParams.set('marker', markerId);
    if (rev) u.searchParams.set('page_reverse', 'True');
    else u.searchParams.delete('page_reverse');
    links.push({ href: u.toString(), rel });
  };
  if (limit && page.length) {
    if (end < out.length) link('next', page[page.length - 1].id as string, false);
    if (start > 0) link('previous', page[0].id as string, true);
  }
  const fields = list(q.fields);
  const shown = fields.length ? page.map((it) => Object.fromEntries(Object.entries(it).filter(([k]) => fields.includes(k)))) : page;
  return { [plural]: shown, [linksKey]: links };
}

/** `fields` on a single object. */
export function pickFields(item: Body, q: Query): Body {
  const fields = list(q.fields);
  return fields.length ? Object.fromEntries(Object.entries(item).filter(([k]) => fields.includes(k))) : item;
}
