import type { ImageDb, TaskRow } from './tables.js';

export const TASK_SORT_KEYS = ['id', 'type', 'status', 'owner', 'created_at', 'updated_at'] as const;

export interface TaskListQuery {
  /** Only this project's tasks; undefined for all (admins). */
  owner?: string;
  status?: string;
  type?: string;
  sortKey: (typeof TASK_SORT_KEYS)[number];
  sortDir: 'asc' | 'desc';
  limit: number;
  marker?: TaskRow;
}

/** Rows of Glance's legacy tasks (`img_tasks`). */
export class TaskStore {
  constructor(private readonly db: ImageDb) {}

  async insert(row: TaskRow): Promise<void> {
    await this.db.insertInto('img_tasks').values(row).execute();
  }

  get(id: string): Promise<TaskRow | undefined> {
    return this.db.selectFrom('img_tasks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Compare-and-set on the status, so that two runners of one task cannot both move it. */
  async update(id: string, patch: Partial<Omit<TaskRow, 'id'>>, fromStatus: string[]): Promise<boolean> {
    const r = await this.db.updateTable('img_tasks').set(patch).where('id', '=', id).where('status', 'in', fromStatus).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** A page in (sort key, id) order after the marker row. */
  list(q: TaskListQuery): Promise<TaskRow[]> {
    let sel = this.db.selectFrom('img_tasks').selectAll();
    if (q.owner !== undefined) sel = sel.where('owner', '=', q.owner);
    if (q.status) sel = sel.where('status', '=', q.status);
    if (q.type) sel = sel.where('type', '=', q.type);
    const m = q.marker;
    if (m) {
      const op = q.sortDir === 'asc' ? '>' : '<';
      const key = q.sortKey;
      sel = sel.where((eb) => eb.or([eb(key, op, m[key]), eb.and([eb(key, '=', m[key]), eb('id', op, m.id)])]));
    }
    return sel.orderBy(q.sortKey, q.sortDir).orderBy('id', q.sortDir).limit(q.limit).execute();
  }

  /** Removes the tasks whose time to live has passed (Glance hides them as deleted). */
  async purgeExpired(now: string): Promise<number> {
    const r = await this.db.deleteFrom('img_tasks').where('expires_at', 'is not', null).where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
