import type { AuthContext } from '../../../platform/auth.js';
import { conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import { GiB } from '../drivers/driver.js';
import type { SnapshotRow } from '../store/tables.js';
import { invalidSnapshot, invalidVolume, isAdmin, json, messageOf, now, requireProject, visible, type ModelDeps } from './common.js';
import type { QuotaService } from './quotas.js';
import { sortRows, volRef, type VolumeService } from './volumes.js';

export const SNAPSHOT_CREATE_JOB = 'volume.snapshot.create';
export const SNAPSHOT_DELETE_JOB = 'volume.snapshot.delete';
const snapRef = (id: string) => ({ kind: 'snapshot' as const, id });

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
