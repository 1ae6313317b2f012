import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { GroupRow, VolumeRow } from '../store/tables.js';
import { invalidVolume, isAdmin, jobAuth, json, now, requireProject, visible, type ModelDeps } from './common.js';
import type { GroupTypeService } from './group-types.js';
import type { QuotaService } from './quotas.js';
import type { TypeService } from './types.js';
import { sortRows, type Source, type VolumeService } from './volumes.js';

export const GROUP_CREATE_JOB = 'volume.group.create';
export const GROUP_DELETE_JOB = 'volume.group.delete';

/** Cinder's group statuses (what reset_status accepts). */
export const GROUP_STATUSES = ['creating', 'available', 'updating', 'deleting', 'error', 'error_deleting', 'in-use', 'deleted'];
/** Cinder's VALID_REMOVE_VOL_FROM_GROUP_STATUS and VALID_ADD_VOL_TO_GROUP_STATUS. */
const REMOVABLE = ['available', 'in-use', 'error', 'error_deleting'];
const ADDABLE = ['available', 'in-use'];
const invalidGroup = (why: string) => badRequest(`Invalid group: ${why}`);

/** Where a member volume of a group made from a source gets its bytes. */
const sourceOf = (v: VolumeRow): Source => (v.snapshot_id ? { kind: 'snapshot', id: v.snapshot_id } : v.source_volid ? { kind: 'volume', id: v.source_volid } : { kind: 'empty' });

/**
 * Generic volume groups (3.13): a group is created (empty, or from a group snapshot or another
 * group: its member volumes are filled by the group's one durable job), volumes join and leave it,
 * and it is deleted with its volumes. Every status change is a compare-and-set.
 */
export class GroupService {
  constructor(
    private readonly d: ModelDeps,
    private readonly groupTypes: GroupTypeService,
    private readonly types: TypeService,
    private readonly volumes: VolumeService,
    private readonly quotas: QuotaService,
  ) {}

  registerJobs(): void {
    this.d.jobs.register<{ groupId: string; auth: AuthContext }>(GROUP_CREATE_JOB, {
      run: (p) => this.runCreate(p.groupId, p.auth),
      onGiveUp: async (p, e) => {
        for (const v of await this.members(p.groupId)) await this.volumes.fail(v.id, ['creating'], 'error', e);
        await this.fail(p.groupId, ['creating'], 'error', e);
      },
    });
    this.d.jobs.register<{ groupId: string }>(GROUP_DELETE_JOB, {
      run: (p) => this.runDelete(p.groupId),
      onGiveUp: (p, e) => this.fail(p.groupId, ['deleting'], 'error_deleting', e),
    });
  }

  private async fail(id: string, from: string[], to: string, e: Error): Promise<void> {
    this.d.log.warn({ err: e, group: id }, `volume group went to ${to}`);
    await this.d.stores.groups.update(id, { status: to }, from);
  }

  async find(auth: AuthContext, id: string): Promise<GroupRow> {
    return visible(auth, await this.d.stores.groups.get(id), 'Group', id);
  }

  members(groupId: string): Promise<VolumeRow[]> {
    return this.d.stores.volumes.where({ group_id: groupId });
  }

  async list(auth: AuthContext, o: { allTenants: boolean; filters: Record<string, string>; sort: Array<[string, 'asc' | 'desc']> }): Promise<GroupRow[]> {
    let rows = o.allTenants && isAdmin(auth) ? await this.d.stores.groups.where() : await this.d.stores.groups.where({ project_id: requireProject(auth) });
    for (const [k, v] of Object.entries(o.filters)) {
      if (['name', 'status', 'project_id', 'availability_zone'].includes(k)) rows = rows.filter((r) => (r as unknown as Record<string, unknown>)[k] === v);
      if (k === 'group_type') rows = rows.filter((r) => r.group_type_id === v);
    }
    return sortRows(rows, o.sort);
  }

  async create(auth: AuthContext, f: { name?: string | null; description?: string | null; groupType: string; volumeTypes: string[]; availabilityZone?: string | null }): Promise<GroupRow> {
    const groupType = await this.groupTypes.find(auth, f.groupType);
    const typeIds: string[] = [];
    for (const t of f.volumeTypes) typeIds.push((await this.types.find(auth, t)).row.id);
    if (f.availabilityZone && f.availabilityZone !== this.d.settings.availabilityZone) throw badRequest(`Invalid input received: Availability zone '${f.availabilityZone}' is invalid.`);
    const row = await this.insert(auth, { name: f.name, description: f.description, group_type_id: groupType.row.id, volume_type_ids: typeIds });
    await this.d.jobs.enqueue(GROUP_CREATE_JOB, { groupId: row.id, auth: jobAuth(auth) });
    return row;
  }

  /** create-from-src (3.14): a new group whose volumes are copies of a group snapshot's snapshots or of a group's volumes. */
  async createFromSource(auth: AuthContext, f: { name?: string | null; description?: string | null; groupSnapshotId?: string; sourceGroupId?: string }): Promise<GroupRow> {
    let origin: GroupRow;
    let copies: Array<{ volume_type_id: string; size: number; snapshot_id?: string; source_volid?: string }>;
    if (f.groupSnapshotId) {
      const gs = visible(auth, await this.d.stores.groupSnapshots.get(f.groupSnapshotId), 'GroupSnapshot', f.groupSnapshotId);
      if (gs.status !== 'available') throw invalidGroup(`Group snapshot ${gs.id} status must be available, but current status is: ${gs.status}.`);
      origin = await this.find(auth, gs.group_id);
      const snaps = await this.d.stores.snapshots.where({ group_snapshot_id: gs.id });
      if (!snaps.length) throw invalidGroup('Group snapshot is empty. No group will be created.');
      const typeOf = new Map((await this.members(origin.id)).map((v) => [v.id, v.volume_type_id]));
      copies = snaps.map((s) => ({ volume_type_id: typeOf.get(s.volume_id) ?? '', size: s.size, snapshot_id: s.id }));
    } else {
      origin = await this.find(auth, f.sourceGroupId ?? '');
      if (origin.status !== 'available') throw invalidGroup(`Source group ${origin.id} status must be available, but current status is: ${origin.status}.`);
      const vols = await this.members(origin.id);
      if (!vols.length) throw invalidGroup('Source Group is empty. No group will be created.');
      copies = vols.map((v) => ({ volume_type_id: v.volume_type_id, size: v.size, source_volid: v.id }));
    }
    const row = await this.insert(auth, {
      name: f.name,
      description: f.description,
      group_type_id: origin.group_type_id,
      volume_type_ids: json<string[]>(origin.volume_type_ids, []),
      group_snapshot_id: f.groupSnapshotId ?? null,
      source_group_id: f.groupSnapshotId ? null : origin.id,
    });
    try {
      for (const c of copies) await this.volumes.create(auth, { ...c, volume_type: c.volume_type_id, group_id: row.id }, { status: 'creating' });
    } catch (e) {
      // Members made so far are left in error with the group, as Cinder leaves a failed creation.
      for (const v of await this.members(row.id)) await this.volumes.fail(v.id, ['creating'], 'error', e as Error);
      await this.d.stores.groups.update(row.id, { status: 'error' }, ['creating']);
      throw e;
    }
    await this.d.jobs.enqueue(GROUP_CREATE_JOB, { groupId: row.id, auth: jobAuth(auth) });
    return row;
  }

  private async insert(auth: AuthContext, f: { name?: string | null; description?: string | null; group_type_id: string; volume_type_ids: string[]; group_snapshot_id?: string | null; source_group_id?: string | null }): Promise<GroupRow> {
    const project = requireProject(auth);
    await this.quotas.check(project, { groups: 1 });
    const at = now();
    const row: GroupRow = {
      id: uuid(),
      project_id: project,
      user_id: auth.userId,
      name: f.name ?? null,
      description: f.description ?? null,
      status: 'creating',
      availability_zone: this.d.settings.availabilityZone,
      group_type_id: f.group_type_id,
      volume_type_ids: JSON.stringify(f.volume_type_ids),
      group_snapshot_id: f.group_snapshot_id ?? null,
      source_group_id: f.source_group_id ?? null,
      created_at: at,
      updated_at: at,
    };
    await this.d.stores.groups.insert(row);
    return row;
  }

  private async runCreate(groupId: string, auth: AuthContext): Promise<void> {
    const group = await this.d.stores.groups.get(groupId);
    if (!group || group.status !== 'creating') return;
    for (const v of await this.members(groupId)) {
      if (v.status === 'creating') await this.volumes.runCreate({ volumeId: v.id, source: sourceOf(v), auth });
    }
    await this.d.stores.groups.update(groupId, { status: 'available' }, ['creating']);
  }

  /** Name and description at once; volumes join and leave while the group is `updating`, as Cinder does. */
  async update(auth: AuthContext, id: string, f: { name?: string | null; description?: string | null; addVolumes: string[]; removeVolumes: string[] }): Promise<void> {
    const group = await this.find(auth, id);
    const both = f.addVolumes.filter((v) => f.removeVolumes.includes(v));
    if (both.length) throw invalidVolume(`UUIDs ${JSON.stringify(both)} are in both add and remove volume list.`);
    const members = await this.members(group.id);
    const add = await this.addable(auth, group, members, f.addVolumes);
    const remove = this.removable(group, members, f.removeVolumes);
    const name = f.name === group.name ? undefined : f.name;
    const description = f.description === group.description ? undefined : f.description;
    if (name === undefined && description === undefined && !add.length && !remove.length) {
      throw invalidGroup(`Cannot update group ${group.id} because no valid name, description, add_volumes, or remove_volumes were provided.`);
    }
    const patch: Partial<GroupRow> = {};
    if (name !== undefined) patch.name = name;
    if (description !== undefined) patch.description = description;
    if (!add.length && !remove.length) {
      await this.d.stores.groups.update(group.id, { ...patch, status: 'available' });
      return;
    }
    if (!(await this.d.stores.groups.update(group.id, { ...patch, status: 'updating' }, ['available']))) throw invalidGroup('Group status must be available.');
    for (const v of add) await this.d.stores.volumes.update(v, { group_id: group.id });
    for (const v of remove) await this.d.stores.volumes.update(v, { group_id: null });
    await this.d.stores.groups.update(group.id, { status: 'available' }, ['updating']);
  }

  private async addable(auth: AuthContext, group: GroupRow, members: VolumeRow[], ids: string[]): Promise<string[]> {
    const types = json<string[]>(group.volume_type_ids, []);
    const out: string[] = [];
    for (const id of ids.filter((i) => !members.some((m) => m.id === i))) {
      const v = await this.d.stores.volumes.get(id);
      const cannot = `Cannot add volume ${id} to group ${group.id} because`;
      if (!v || (!isAdmin(auth) && v.project_id !== auth.projectId)) throw invalidVolume(`${cannot} volume cannot be found.`);
      if (v.group_id) throw invalidVolume(`${cannot} it is already in group ${v.group_id}.`);
      if (v.project_id !== group.project_id) throw invalidVolume(`Cannot add volume ${id} to group ${group.id} as they belong to different projects.`);
      if (!types.includes(v.volume_type_id)) throw invalidVolume(`${cannot} volume type ${v.volume_type_id} is not supported by the group.`);
      if (!ADDABLE.includes(v.status)) throw invalidVolume(`${cannot} volume is in an invalid state: ${v.status}. Valid states are: ${ADDABLE.join(', ')}.`);
      out.push(v.id);
    }
    return out;
  }

  private removable(group: GroupRow, members: VolumeRow[], ids: string[]): string[] {
    for (const id of ids) {
      const v = members.find((m) => m.id === id);
      if (!v) throw invalidVolume(`Cannot remove volume ${id} from group ${group.id} because it is not in the group.`);
      if (!REMOVABLE.includes(v.status)) throw invalidVolume(`Cannot remove volume ${id} from group ${group.id} because volume is in an invalid state: ${v.status}. Valid states are: ${REMOVABLE.join(', ')}.`);
    }
    return ids;
  }

  /** Deletes the group; with `deleteVolumes` its volumes too (none may be attached or have snapshots). */
  async remove(auth: AuthContext, id: string, deleteVolumes: boolean): Promise<void> {
    const group = await this.find(auth, id);
    if (!deleteVolumes && !['available', 'error'].includes(group.status)) throw invalidGroup(`Group status must be available or error, but current status is: ${group.status}`);
    if ((await this.d.stores.groupSnapshots.where({ group_id: group.id })).length) throw invalidGroup('Group has existing snapshots.');
    const members = await this.members(group.id);
    if (members.length && !deleteVolumes) throw invalidGroup(`Group ${group.id} still contains volumes. The delete-volumes flag is required to delete it.`);
    for (const v of members) {
      if ((await this.d.stores.attachments.where({ volume_id: v.id })).some((a) => a.attach_status !== 'detached')) throw invalidGroup(`Volume in group ${group.id} is attached. Need to detach first.`);
      if ((await this.d.stores.snapshots.where({ volume_id: v.id })).length) throw invalidGroup('Volume in group still has dependent snapshots.');
    }
    const from = deleteVolumes ? GROUP_STATUSES.filter((s) => s !== 'deleting') : ['available', 'error'];
    if (!(await this.d.stores.groups.update(group.id, { status: 'deleting' }, from))) throw conflict('Group status changed.');
    for (const v of members) await this.d.stores.volumes.update(v.id, { status: 'deleting' });
    await this.d.jobs.enqueue(GROUP_DELETE_JOB, { groupId: group.id });
  }

  private async runDelete(groupId: string): Promise<void> {
    for (const v of await this.members(groupId)) await this.volumes.runDelete(v.id);
    await this.d.stores.groups.remove(groupId, ['deleting']);
  }

  async resetStatus(auth: AuthContext, id: string, status: string): Promise<void> {
    const group = await this.find(auth, id);
    if (!GROUP_STATUSES.includes(status)) throw badRequest(`Invalid input received: Group status ${status} is not one of ${GROUP_STATUSES.join(', ')}.`);
    await this.d.stores.groups.update(group.id, { status });
  }
}
