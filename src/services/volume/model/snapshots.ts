import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import { GiB } from '../drivers/driver.js';
import type { SnapshotRow } from '../store/tables.js';
import { invalidSnapshot, invalidVolume, isAdmin, json, messageOf, now, requireProject, visible, type ModelDeps } from './common.js';
import type { QuotaService } from './quotas.js';
import { sortRows, volRef, type VolumeService } from './volumes.js';

export const SNAPSHOT_CREATE_JOB = 'volume.snapshot.create';
export const SNAPSHOT_DELETE_JOB = 'volume.snapshot.delete';
export const REVERT_JOB = 'volume.revert';
const snapRef = (id: string) => ({ kind: 'snapshot' as const, id });

interface RevertPayload {
  volumeId: string;
  snapshotId: string;
}

/** Snapshots are full, sparse copies of the volume taken when created (the file driver's copy-on-create). */
export class SnapshotService {
  constructor(
    private readonly d: ModelDeps,
    private readonly volumes: VolumeService,
    private readonly quotas: QuotaService,
  ) {}

  registerJobs(): void {
    this.d.jobs.register<{ snapshotId: string }>(SNAPSHOT_CREATE_JOB, {
      run: (p) => this.runCreate(p.snapshotId),
      onGiveUp: (p, e) => this.fail(p.snapshotId, 'creating', 'error', e),
    });
    this.d.jobs.register<{ snapshotId: string }>(SNAPSHOT_DELETE_JOB, {
      run: (p) => this.runDelete(p.snapshotId),
      onGiveUp: (p, e) => this.fail(p.snapshotId, 'deleting', 'error_deleting', e),
    });
    this.d.jobs.register<RevertPayload>(REVERT_JOB, {
      run: (p) => this.runRevert(p),
      // As Cinder's manager: a failed revert leaves the volume in error and the snapshot as it was.
      onGiveUp: async (p) => {
        await this.d.stores.volumes.update(p.volumeId, { status: 'error' }, ['reverting']);
        await this.d.stores.snapshots.update(p.snapshotId, { status: 'available' }, ['restoring']);
      },
    });
  }

  /**
   * Cinder's revert to snapshot (3.40): an available volume takes back the bytes of its latest
   * snapshot, which must be as large as the volume is now. The file driver's copy replaces the
   * volume's file atomically.
   */
  async revertVolume(auth: AuthContext, volumeId: string, snapshotId: unknown): Promise<void> {
    const vol = await this.volumes.find(auth, volumeId);
    const latest = (await this.d.stores.snapshots.where({ volume_id: vol.id })).sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0];
    if (!latest) throw badRequest(`Volume ${vol.id} doesn't have any snapshots.`);
    if (snapshotId !== latest.id) throw badRequest(`Specified snapshot ${typeof snapshotId === 'string' ? snapshotId : 'None'} is None or not the latest one of volume ${vol.id}.`);
    const why = `Can't revert volume ${vol.id} to its latest snapshot ${latest.id}.`;
    if (vol.size !== latest.size) throw badRequest(`${why} The volume size must be equal to the snapshot size.`);
    if (!(await this.d.stores.volumes.update(vol.id, { status: 'reverting' }, ['available']))) throw conflict(`Invalid volume: ${why} Volume's status must be 'available'.`);
    if (!(await this.d.stores.snapshots.update(latest.id, { status: 'restoring' }, ['available']))) {
      await this.d.stores.volumes.update(vol.id, { status: 'available' }, ['reverting']);
      throw conflict(`Invalid snapshot: ${why} Snapshot's status must be 'available'.`);
    }
    await this.d.jobs.enqueue(REVERT_JOB, { volumeId: vol.id, snapshotId: latest.id } satisfies RevertPayload);
  }

  private async runRevert(p: RevertPayload): Promise<void> {
    const vol = await this.d.stores.volumes.get(p.volumeId);
    if (!vol || vol.status !== 'reverting') return;
    await this.d.driver.copy(snapRef(p.snapshotId), volRef(vol.id), vol.size * GiB);
    await this.d.stores.volumes.update(vol.id, { status: 'available' }, ['reverting']);
    await this.d.stores.snapshots.update(p.snapshotId, { status: 'available' }, ['restoring']);
  }

  private async fail(id: string, from: string, to: string, e: Error): Promise<void> {
    await this.d.stores.snapshots.update(id, { status: to, fault: messageOf(e) }, [from]);
  }

  async find(auth: AuthContext, id: string): Promise<SnapshotRow> {
    return visible(auth, await this.d.stores.snapshots.get(id), 'Snapshot', id);
  }

  async list(auth: AuthContext, o: { allTenants: boolean; filters: Record<string, string>; sort: Array<[string, 'asc' | 'desc']> }): Promise<SnapshotRow[]> {
    let rows = o.allTenants && isAdmin(auth) ? await this.d.stores.snapshots.where() : await this.d.stores.snapshots.where({ project_id: requireProject(auth) });
    for (const [k, v] of Object.entries(o.filters)) {
      if (['name', 'status', 'volume_id', 'project_id'].includes(k)) rows = rows.filter((r) => (r as unknown as Record<string, unknown>)[k] === v);
    }
    return sortRows(rows, o.sort);
  }

  /**
   * A snapshot and its job; one of a group snapshot (`groupSnapshotId`) is filled by the group
   * snapshot's job, a managed one (`managed`) by the manage job.
   */
  async create(auth: AuthContext, f: { volumeId: string; name?: string | null; description?: string | null; force: boolean; metadata?: Record<string, string>; groupSnapshotId?: string; managed?: boolean }): Promise<SnapshotRow> {
    const vol = await this.volumes.find(auth, f.volumeId);
    const allowed = f.force ? ['available', 'in-use'] : ['available'];
    if (!allowed.includes(vol.status)) throw invalidVolume(`Volume ${vol.id} status must be available${f.force ? ' or in-use' : ''}, but current status is: ${vol.status}.`);
    await this.quotas.check(vol.project_id, { snapshots: 1, gigabytes: vol.size }, vol.volume_type_id);
    const at = now();
    const row: SnapshotRow = {
      id: uuid(),
      project_id: vol.project_id,
      user_id: auth.userId,
      volume_id: vol.id,
      name: f.name ?? null,
      description: f.description ?? null,
      size: vol.size,
      status: 'creating',
      metadata: JSON.stringify(f.metadata ?? {}),
      encryption_key: vol.encryption_key,
      fault: null,
      progress: null,
      group_snapshot_id: f.groupSnapshotId ?? null,
      created_at: at,
      updated_at: at,
    };
    await this.d.stores.snapshots.insert(row);
    if (!f.groupSnapshotId && !f.managed) await this.d.jobs.enqueue(SNAPSHOT_CREATE_JOB, { snapshotId: row.id });
    return row;
  }

  /** Copies the volume into a snapshot in `creating` (a create job, or a group snapshot's). */
  async runCreate(id: string): Promise<void> {
    const row = await this.d.stores.snapshots.get(id);
    if (!row || row.status !== 'creating') return;
    await this.d.driver.copy(volRef(row.volume_id), snapRef(id), row.size * GiB);
    await this.d.stores.snapshots.update(id, { status: 'available' }, ['creating']);
  }

  async update(auth: AuthContext, id: string, f: { name?: string | null; description?: string | null }): Promise<SnapshotRow> {
    const row = await this.find(auth, id);
    const patch: Partial<SnapshotRow> = {};
    if (f.name !== undefined) patch.name = f.name;
    if (f.description !== undefined) patch.description = f.description;
    await this.d.stores.snapshots.update(row.id, patch);
    return this.find(auth, id);
  }

  async setMetadata(auth: AuthContext, id: string, meta: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    const row = await this.find(auth, id);
    const next = replace ? meta : { ...json<Record<string, string>>(row.metadata, {}), ...meta };
    await this.d.stores.snapshots.update(row.id, { metadata: JSON.stringify(next) });
    return next;
  }

  async deleteMetadata(auth: AuthContext, id: string, key: string): Promise<void> {
    const row = await this.find(auth, id);
    const meta = json<Record<string, string>>(row.metadata, {});
    if (!(key in meta)) throw notFound(`Snapshot ${id} has no metadata with key ${key}.`);
    delete meta[key];
    await this.d.stores.snapshots.update(row.id, { metadata: JSON.stringify(meta) });
  }

  /** os-force_delete (admin): deletes the snapshot whatever its status. */
  async forceDelete(auth: AuthContext, id: string): Promise<void> {
    const row = await this.find(auth, id);
    if (!(await this.d.stores.snapshots.update(id, { status: 'deleting' }, [row.status]))) throw conflict('Snapshot status changed.');
    await this.d.jobs.enqueue(SNAPSHOT_DELETE_JOB, { snapshotId: id });
  }

  /** os-update_snapshot_status: the steps Cinder allows a snapshot someone else makes (Nova's assisted snapshots). */
  async updateStatus(auth: AuthContext, id: string, status: string, progress?: string): Promise<void> {
    const row = await this.find(auth, id);
    const allowed: Record<string, string[]> = { creating: ['creating', 'available', 'error'], deleting: ['deleting', 'error_deleting'] };
    if (!(allowed[row.status] ?? []).includes(status)) throw invalidSnapshot(`Snapshot status ${row.status} not allowed for update_snapshot_status`);
    if (!(await this.d.stores.snapshots.update(id, { status, ...(progress !== undefined ? { progress } : {}) }, [row.status]))) throw conflict('Snapshot status changed.');
  }

  async resetStatus(auth: AuthContext, id: string, status: string): Promise<void> {
    const row = await this.find(auth, id);
    await this.d.stores.snapshots.update(row.id, { status });
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const row = await this.find(auth, id);
    if (!['available', 'error', 'error_deleting'].includes(row.status) || row.group_snapshot_id) throw invalidSnapshot(`Snapshot status must be available or error and must not be part of a group.`);
    if (!(await this.d.stores.snapshots.update(id, { status: 'deleting' }, [row.status]))) throw conflict('Snapshot status changed.');
    await this.d.jobs.enqueue(SNAPSHOT_DELETE_JOB, { snapshotId: id });
  }

  /** Removes a snapshot in `deleting` (a delete job, or a group snapshot's). */
  async runDelete(id: string): Promise<void> {
    await this.d.driver.remove(snapRef(id));
    await this.d.stores.snapshots.remove(id, ['deleting']);
  }
}
