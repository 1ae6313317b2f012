import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { ImageDb, ImageRow, ImageTables } from './tables.js';

export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';
export type InField = 'id' | 'name' | 'status' | 'owner' | 'disk_format' | 'container_format' | 'checksum' | 'os_hash_value';

/** A list request after validation: who asks, what to filter, how to order, where to start. */
export interface ListQuery {
  admin: boolean;
  project?: string;
  visibility?: 'public' | 'private' | 'shared' | 'community' | 'all';
  memberStatus: 'pending' | 'accepted' | 'rejected' | 'all';
  in: Partial<Record<InField, string[]>>;
  osHidden: boolean;
  protected?: boolean;
  /** Exact matches on numeric core columns. */
  numbers: Partial<Record<'size' | 'min_ram' | 'min_disk', number>>;
  sizeMin?: number;
  sizeMax?: number;
  times: Array<{ field: 'created_at' | 'updated_at'; op: CompareOp; value: string }>;
  tags: string[];
  properties: Record<string, string>;
  sort: Array<{ key: SortKey; dir: 'asc' | 'desc' }>;
  limit: number;
  marker?: ImageRow;
}

type Eb = ExpressionBuilder<ImageTables, 'img_images'>;

/** Nulls sort as the smallest value on both dialects: compare coalesced values. */
function sortExpr(key: SortKey): Expression<unknown> {
  if (key === 'size') return sql`coalesce(img_images.size, -1)`;
  return sql`coalesce(${sql.ref(`img_images.${key}`)}, '')`;
}
function sortValue(key: SortKey, row: ImageRow): string | number {
  if (key === 'size') return row.size ?? -1;
  return (row[key] as string | null) ?? '';
}

const OPS: Record<CompareOp, '>' | '>=' | '<' | '<=' | '=' | '<>'> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' };

function memberOf(eb: Eb, project: string, status: ListQuery['memberStatus']) {
  let q = eb
    .selectFrom('img_members')
    .select('img_members.image_id')
    .whereRef('img_members.image_id', '=', 'img_images.id')
    .where('img_members.member_id', '=', project);
  if (status !== 'all') q = q.where('img_members.status', '=', status);
  return eb.exists(q);
}

/** Which images the caller may list, as Glance's registry decides it. */
function visible(eb: Eb, q: ListQuery): Expression<SqlBool> {
  const v = q.visibility;
  if (q.admin) return v && v !== 'all' ? eb('visibility', '=', v) : sql<SqlBool>`1 = 1`;
  // A token without a project (domain or system scope) owns nothing and is member of nothing.
  if (!q.project) return v === 'community' || v === 'all' ? eb('visibility', 'in', v === 'all' ? ['public', 'community'] : ['community']) : eb('visibility', '=', 'public');
  const own = eb('owner', '=', q.project);
  const shared = eb.and([eb('visibility', '=', 'shared'), memberOf(eb, q.project, q.memberStatus)]);
  switch (v) {
    case 'public':
    case 'community':
      return eb('visibility', '=', v);
    case 'private':
      return eb.and([eb('visibility', '=', 'private'), own]);
    case 'shared':
      return eb.and([eb('visibility', '=', 'shared'), eb.or([own, memberOf(eb, q.project, q.memberStatus)])]);
    case 'all':
      return eb.or([own, eb('visibility', 'in', ['public', 'community']), shared]);
    default:
      return eb.or([own, eb('visibility', '=', 'public'), shared]);
  }
}

export async function listImages(db: ImageDb, q: ListQuery): Promise<ImageRow[]> {
  let s = db.selectFrom('img_images').selectAll().where((eb) => visible(eb, q));
  for (const [field, values] of Object.entries(q.in) as Array<[InField, string[]]>) {
    s = s.where(field, 'in', values);
  }
  s = s.where('os_hidden', '=', q.osHidden ? 1 : 0);
  if (q.protected !== undefined) s = s.where('protected', '=', q.protected ? 1 : 0);
  for (const [field, value] of Object.entries(q.numbers) as Array<['size' | 'min_ram' | 'min_disk', number]>) s = s.where(field, '=', value);
  if (q.sizeMin !== undefined) s = s.where('size', '>=', q.sizeMin);
  if (q.sizeMax !== undefined) s = s.where('size', '<=', q.sizeMax);
  for (const t of q.times) s = s.where(t.field, OPS[t.op], t.value);
  for (const tag of q.tags) {
    s = s.where((eb) =>
      eb.exists(eb.selectFrom('img_tags').select('img_tags.image_id').whereRef('img_tags.image_id', '=', 'img_images.id').where('img_tags.value', '=', tag)),
    );
  }
  for (const [name, value] of Object.entries(q.properties)) {
    s = s.where((eb) =>
      eb.exists(
        eb
          .selectFrom('img_properties')
          .select('img_properties.image_id')
          .whereRef('img_properties.image_id', '=', 'img_images.id')
          .where('img_properties.name', '=', name)
          .where('img_properties.value', '=', value),
      ),
    );
  }
  // The id is always the last sort key, so the order is total and markers are exact.
  const sort = q.sort.some((k) => k.key === 'id') ? q.sort : [...q.sort, { key: 'id' as const, dir: q.sort[q.sort.length - 1]?.dir ?? 'desc' }];
  const m = q.marker;
  if (m) {
    s = s.where((eb) =>
      eb.or(
        sort.map((k, i) =>
          eb.and([
            ...sort.slice(0, i).map((p) => eb(sortExpr(p.key), '=', sortValue(p.key, m))),
            eb(sortExpr(k.key), k.dir === 'asc' ? '>' : '<', sortValue(k.key, m)),
          ]),
        ),
      ),
    );
  }
  for (const k of sort) s = s.orderBy(sortExpr(k.key), k.dir);
  return s.limit(q.limit).execute();
}
