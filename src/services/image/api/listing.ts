import { badRequest } from '../../../platform/errors.js';
import { boolParam } from '../../../platform/http/validate.js';
import type { ListQuery } from '../store/list.js';
import { SORT_KEYS, type CompareOp, type InField, type SortKey } from '../store/list.js';
import { IMAGE_STATUSES } from '../model/schema.js';

type Raw = Record<string, string | string[] | undefined>;
export type ParsedList = Omit<ListQuery, 'admin' | 'project' | 'marker'> & { marker?: string };

const IN_FIELDS: InField[] = ['id', 'name', 'status', 'owner', 'disk_format', 'container_format', 'checksum', 'os_hash_value'];
// Glance matches the numeric core columns exactly, not as properties.
const NUMERIC_FIELDS = ['size', 'min_ram', 'min_disk'] as const;
const CONTROL = [...NUMERIC_FIELDS, 'limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status', 'visibility', 'tag', 'os_hidden', 'protected', 'size_min', 'size_max', 'created_at', 'updated_at'];
const OPS: CompareOp[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;

const all = (raw: Raw, k: string): string[] => {
  const v = raw[k];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
const one = (raw: Raw, k: string): string | undefined => all(raw, k).at(-1);

function sortKey(k: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(k)) throw badRequest(`Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  return k as SortKey;
}
function sortDir(d: string): 'asc' | 'desc' {
  if (d !== 'asc' && d !== 'desc') throw badRequest(`Invalid sort direction: ${d}`);
  return d;
}

/** Glance's two sort syntaxes: `sort=name:asc,size` or repeated `sort_key`/`sort_dir`. */
function parseSort(raw: Raw): ListQuery['sort'] {
  if (raw.sort !== undefined) {
    if (raw.sort_key !== undefined || raw.sort_dir !== undefined) throw badRequest('Old and new sorting syntax cannot be combined');
    return one(raw, 'sort')!
      .trim()
      .split(',')
      .map((p) => {
        const [k, d] = p.split(':');
        return { key: sortKey(k.trim()), dir: sortDir((d ?? 'desc').trim()) };
      });
  }
  const keys = all(raw, 'sort_key').map((k) => sortKey(k.trim()));
  const dirs = all(raw, 'sort_dir').map((d) => sortDir(d.trim()));
  if (dirs.length > 1 && dirs.length !== keys.length) throw badRequest('Number of sort dirs does not match the number of sort keys');
  if (keys.length === 0) keys.push('created_at');
  return keys.map((key, i) => ({ key, dir: dirs[i] ?? dirs[0] ?? 'desc' }));
}

function intParam(raw: Raw, k: string): number | undefined {
  const v = one(raw, k);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`Invalid value for ${k}: ${v}`);
  return Number(v);
}

function timeFilter(field: 'created_at' | 'updated_at', v: string) {
  const m = /^(gt|gte|lt|lte|eq|neq):(.*)$/.exec(v);
  const op = (m?.[1] ?? 'eq') as CompareOp;
  const t = Date.parse(m ? m[2] : v);
  if (!OPS.includes(op) || Number.isNaN(t)) throw badRequest(`Unable to filter on a range with a nonsensical value: ${v}`);
  return { field, op, value: new Date(t).toISOString() };
}

/** Query parameters of `GET /v2/images` as Glance's deserializer validates them. */
export function parseListQuery(raw: Raw): ParsedList {
  if (raw['changes-since'] !== undefined) throw badRequest('The "changes-since" filter is no longer available on v2.');
  const limitRaw = one(raw, 'limit');
  let limit = DEFAULT_LIMIT;
  if (limitRaw !== undefined) {
    if (!/^-?\d+$/.test(limitRaw)) throw badRequest('limit param must be an integer');
    limit = Number(limitRaw);
    if (limit < 0) throw badRequest('limit param must be positive');
    limit = Math.min(limit, MAX_LIMIT);
  }
  const memberStatus = one(raw, 'member_status') ?? 'accepted';
  if (!['pending', 'accepted', 'rejected', 'all'].includes(memberStatus)) throw badRequest(`Invalid status: ${memberStatus}`);
  const visibility = one(raw, 'visibility');
  if (visibility !== undefined && !['community', 'public', 'private', 'shared', 'all'].includes(visibility)) throw badRequest(`Invalid visibility value: ${visibility}`);
  const inFilters: ParsedList['in'] = {};
  for (const f of IN_FIELDS) {
    const v = one(raw, f);
    if (v === undefined) continue;
    const values = v.startsWith('in:') ? v.slice(3).split(',').map((x) => x.trim().replace(/^"(.*)"$/, '$1')) : [v];
    if (f === 'status' && values.some((s) => !IMAGE_STATUSES.includes(s))) throw badRequest(`Invalid status value: ${v}`);
    inFilters[f] = values;
  }
  const osHidden = boolParam(one(raw, 'os_hidden')) ?? false;
  const prot = one(raw, 'protected');
  if (prot !== undefined && !['true', 'false'].includes(prot)) throw badRequest(`Invalid value '${prot}' for 'protected' filter. Valid values are 'true' or 'false'.`);
  const times = [...all(raw, 'created_at').map((v) => timeFilter('created_at', v)), ...all(raw, 'updated_at').map((v) => timeFilter('updated_at', v))];
  const properties: Record<string, string> = {};
  for (const k of Object.keys(raw)) if (!CONTROL.includes(k) && !(IN_FIELDS as string[]).includes(k)) properties[k] = one(raw, k)!;
  return {
    visibility: visibility as ListQuery['visibility'],
    memberStatus: memberStatus as ListQuery['memberStatus'],
    in: inFilters,
    osHidden,
    protected: prot === undefined ? undefined : prot === 'true',
    numbers: Object.fromEntries(NUMERIC_FIELDS.flatMap((f) => (one(raw, f) === undefined ? [] : [[f, intParam(raw, f)!]]))),
    sizeMin: intParam(raw, 'size_min'),
    sizeMax: intParam(raw, 'size_max'),
    times,
    tags: all(raw, 'tag').map((t) => t.trim()),
    properties,
    sort: parseSort(raw),
    limit,
    marker: one(raw, 'marker'),
  };
}
