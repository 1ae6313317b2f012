import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { GroupSnapshotRow } from '../store/tables.js';
import { isAdmin, now, requireProject, visible, type ModelDeps } from './common.js';
import type { GroupService } from './groups.js';
import type { SnapshotService } from './snapshots.js';
import { sortRows } from './volumes.js';

export const GROUP_SNAPSHOT_CREATE_JOB = 'volume.group_snapshot.create';
export const GROUP_SNAPSHOT_DELETE_JOB = 'volume.group_snapshot.delete';
/** Cinder's group snapshot statuses (what reset_status accepts). */
export const GROUP_SNAPSHOT_STATUSES = ['creating', 'available', 'updating', 'deleting', 'error', 'error_deleting', 'deleted'];
const invalidGroupSnapshot = (why: string) => badRequest(`Invalid group snapshot: ${why}`);

/** Group snapshots (3.14): one snapshot of every volume of a group, taken and deleted by one durable job. */
export class GroupSnapshotService {
  constructor(
    private readonly d: ModelDeps,
    private readonly groups: GroupService,
    private readonly snapshots: SnapshotService,
  ) {}

  registerJobs(): void {
    this.d.jobs.register<{ groupSnapshotId: string }>(GROUP_SNAPSHOT_CREATE_JOB, {
      run: (p) => this.runCreate(p.groupSnapshotId),
      onGiveUp: async (p) => {
        for (const s of await this.members(p.groupSnapshotId)) await this.d.stores.snapshots.update(s.id, { status: 'error' }, ['creating']);
        await this.d.stores.groupSnapshots.update(p.groupSnapshotId, { status: 'error' }, ['creating']);
      },
    });
    this.d.jobs.register<{ groupSnapshotId: string }>(GROUP_SNAPSHOT_DELETE_JOB, {
      run: (p) => this.runDelete(p.groupSnapshotId),
      onGiveUp: (p) => this.d.stores.groupSnapshots.update(p.groupSnapshotId, { status: 'error_deleting' }, ['deleting']).then(() => undefined),
    });
  }

  private members(id: string) {
    return this.d.stores.snapshots.where({ group_snapshot_id: id });
  }

  async find(auth: AuthContext, id: string): Promise<GroupSnapshotRow> {
    return visible(auth, await this.d.stores.groupSnapshots.get(id), 'GroupSnapshot', id);
  }

  async list(auth: AuthContext, o: { allTenants: boolean; filters: Record<string, string>; sort: Array<[string, 'asc' | 'desc']> }): Promise<GroupSnapshotRow[]> {
    let rows = o.allTenants && isAdmin(auth) ? await this.d.stores.groupSnapshots.where() : await this.d.stores.groupSnapshots.where({ project_id: requireProject(auth) });
    for (const [k, v] of Object.entries(o.filters)) {
      if (['name', 'status', 'group_id', 'project_id'].includes(k)) rows = rows.filter((r) => (r as unknown as Record<string, unknown>)[k] === v);
    }
    return sortRows(rows, o.sort);
  }

  async create(auth: AuthContext, f: { groupId: string; name?: string | null; description?: string | null }): Promise<GroupSnapshotRow> {
    const group = await this.groups.find(auth, f.groupId);
    if (group.status !== 'available') throw badRequest(`Invalid group: Group ${group.id} status must be available, but current status is: ${group.status}.`);
    const volumes = await this.groups.members(group.id);
    const busy = volumes.find((v) => !['available', 'in-use'].includes(v.status));
    if (busy) throw badRequest(`Invalid volume: Volume ${busy.id} status must be available or in-use, but current status is: ${busy.status}.`);
    const at = now();
    const row: GroupSnapshotRow = { id: uuid(), project_id: group.project_id, user_id: auth.userId, group_id: group.id, group_type_id: group.group_type_id, name: f.name ?? null, description: f.description ?? null, status: 'creating', created_at: at, updated_at: at };
    await this.d.stores.groupSnapshots.insert(row);
    try {
      for (const v of volumes) await this.snapshots.create(auth, { volumeId: v.id, name: row.name, description: row.description, force: true, groupSnapshotId: row.id });
    } catch (e) {
      // A refused member (quota) leaves nothing behind, as Cinder's creation in the database.
      for (const s of await this.members(row.id)) await this.d.stores.snapshots.remove(s.id);
      await this.d.stores.groupSnapshots.remove(row.id);
      throw e;
    }
    await this.d.jobs.enqueue(GROUP_SNAPSHOT_CREATE_JOB, { groupSnapshotId: row.id });
    return row;
  }

  private async runCreate(id: string): Promise<void> {
    const row = await this.d.stores.groupSnapshots.get(id);
    if (!row || row.status !== 'creating') return;
    for (const s of await this.members(id)) if (s.status === 'creating') await this.snapshots.runCreate(s.id);
    await this.d.stores.groupSnapshots.update(id, { status: 'available' }, ['creating']);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const row = await this.find(auth, id);
    const usedAsSource = (await this.d.stores.groups.where({ group_snapshot_id: row.id })).some((g) => g.status === 'creating');
    if (usedAsSource || !(await this.d.stores.groupSnapshots.update(row.id, { status: 'deleting' }, ['available', 'error']))) {
      throw invalidGroupSnapshot('GroupSnapshot status must be available or error, and no Group can be currently using it as source for its creation.');
    }
    for (const s of await this.members(row.id)) await this.d.stores.snapshots.update(s.id, { status: 'deleting' });
    await this.d.jobs.enqueue(GROUP_SNAPSHOT_DELETE_JOB, { groupSnapshotId: row.id });
  }

  private async runDelete(id: string): Promise<void> {
    for (const s of await this.members(id)) await this.snapshots.runDelete(s.id);
    await this.d.stores.groupSnapshots.remove(id, ['deleting']);
  }

  async resetStatus(auth: AuthContext, id: string, status: string): Promise<void> {
    const row = await this.find(auth, id);
    if (!GROUP_SNAPSHOT_STATUSES.includes(status)) throw badRequest(`Invalid input received: Group snapshot status ${status} is not one of ${GROUP_SNAPSHOT_STATUSES.join(', ')}.`);
    if (!(await this.d.stores.groupSnapshots.update(row.id, { status }, [row.status]))) throw conflict('Group snapshot status changed.');
  }
}
