import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import { GiB, type BlockRef } from '../drivers/driver.js';
import type { BackupRow, VolumeRow } from '../store/tables.js';
import { invalidBackup, invalidVolume, isAdmin, json, messageOf, now, requireProject, visible, type ModelDeps } from './common.js';
import type { QuotaService } from './quotas.js';
import { sortRows, volRef, type VolumeService } from './volumes.js';

export const BACKUP_CREATE_JOB = 'volume.backup.create';
export const BACKUP_RESTORE_JOB = 'volume.backup.restore';
export const BACKUP_DELETE_JOB = 'volume.backup.delete';
export const BACKUP_IMPORT_JOB = 'volume.backup.import';
const backupRef = (id: string): BlockRef => ({ kind: 'backup', id });
/** Where a backup's bytes are: its own, or those of the backup an imported record was exported from. */
const dataRef = (b: BackupRow): BlockRef => backupRef(b.data_id ?? b.id);
/**
 * The `backup_service` of exported records. The file driver keeps backups as files in a folder,
 * as Cinder's POSIX backup driver does; only records of this cloud's backups can be imported.
 */
export const BACKUP_SERVICE = 'cinder.backup.drivers.posix';
/** The backup fields an exported record carries (Cinder exports the backup's database row). */
const RECORD_FIELDS = ['id', 'volume_id', 'snapshot_id', 'name', 'description', 'size', 'is_incremental', 'availability_zone', 'metadata', 'encryption_key', 'container', 'volume_meta', 'data_timestamp', 'created_at'] as const;
interface VolumeMeta {
  metadata: Record<string, string>;
  image_metadata: Record<string, string>;
  bootable: number;
}

/**
 * Backups are sparse copies into the backup folder; the volume is `backing-up` meanwhile and
 * returns to its previous status. `incremental` is accepted; every backup is a full copy, so
 * Cinder's rule that an incremental backup needs a full one before it is kept.
 */
export class BackupService {
  constructor(
    private readonly d: ModelDeps,
    private readonly volumes: VolumeService,
    private readonly quotas: QuotaService,
  ) {}

  registerJobs(): void {
    this.d.jobs.register<{ backupId: string }>(BACKUP_CREATE_JOB, {
      run: (p) => this.runCreate(p.backupId),
      onGiveUp: async (p, e) => {
        const b = await this.d.stores.backups.get(p.backupId);
        await this.d.stores.backups.update(p.backupId, { status: 'error', fail_reason: messageOf(e) }, ['creating']);
        if (b) await this.restoreVolumeStatus(b.volume_id, 'backing-up');
      },
    });
    this.d.jobs.register<{ backupId: string; volumeId: string }>(BACKUP_RESTORE_JOB, {
      run: (p) => this.runRestore(p.backupId, p.volumeId),
      onGiveUp: async (p, e) => {
        await this.d.stores.backups.update(p.backupId, { status: 'available', restore_volume_id: null }, ['restoring']);
        await this.d.stores.volumes.update(p.volumeId, { status: 'error_restoring', fault: messageOf(e) }, ['restoring-backup']);
      },
    });
    this.d.jobs.register<{ backupId: string }>(BACKUP_IMPORT_JOB, {
      run: (p) => this.runImport(p.backupId),
      onGiveUp: (p, e) => this.d.stores.backups.update(p.backupId, { status: 'error', fail_reason: messageOf(e) }, ['creating']).then(() => undefined),
    });
    this.d.jobs.register<{ backupId: string }>(BACKUP_DELETE_JOB, {
      run: (p) => this.runDelete(p.backupId),
      onGiveUp: (p, e) => this.d.stores.backups.update(p.backupId, { status: 'error', fail_reason: messageOf(e) }, ['deleting']).then(() => undefined),
    });
  }

  private async restoreVolumeStatus(volumeId: string, from: string): Promise<void> {
    const v = await this.d.stores.volumes.get(volumeId);
    if (v) await this.d.stores.volumes.update(volumeId, { status: v.previous_status ?? 'available', previous_status: null }, [from]);
  }

  async find(auth: AuthContext, id: string): Promise<BackupRow> {
    return visible(auth, await this.d.stores.backups.get(id), 'Backup', id);
  }

  /** Cinder's has_dependent_backups: an incremental backup follows this one. */
  async hasDependents(id: string): Promise<boolean> {
    return (await this.d.stores.backups.where({ parent_id: id })).length > 0;
  }

  async list(auth: AuthContext, o: { allTenants: boolean; filters: Record<string, string>; sort: Array<[string, 'asc' | 'desc']> }): Promise<BackupRow[]> {
    let rows = o.allTenants && isAdmin(auth) ? await this.d.stores.backups.where() : await this.d.stores.backups.where({ project_id: requireProject(auth) });
    for (const [k, v] of Object.entries(o.filters)) {
      if (['name', 'status', 'volume_id', 'project_id'].includes(k)) rows = rows.filter((r) => (r as unknown as Record<string, unknown>)[k] === v);
    }
    return sortRows(rows, o.sort);
  }

  async create(auth: AuthContext, f: { volumeId: string; name?: string | null; description?: string | null; incremental: boolean; force: boolean; snapshotId?: string; metadata?: Record<string, string>; container?: string | null }): Promise<BackupRow> {
    const vol = await this.volumes.find(auth, f.volumeId);
    const allowed = f.force ? ['available', 'in-use'] : ['available'];
    if (!allowed.includes(vol.status)) throw invalidVolume(`Volume to be backed up must be available or in-use, but the current status is "${vol.status}".`);
    // As Cinder, a backup belongs to the caller's project (an admin's backup of a user's volume is the
    // admin's), and an incremental one follows the newest backup of the volume in that project.
    const project = requireProject(auth);
    const own = (await this.d.stores.backups.where({ volume_id: vol.id, project_id: project })).filter((b) => b.status === 'available');
    const parent = own.sort((a, b) => (a.data_timestamp < b.data_timestamp ? 1 : -1))[0];
    if (f.incremental && !parent) throw invalidBackup('No backups available to do an incremental backup.');
    await this.quotas.check(project, { backups: 1, backup_gigabytes: vol.size });
    if (!(await this.d.stores.volumes.update(vol.id, { status: 'backing-up', previous_status: vol.status }, [vol.status]))) throw conflict('Volume status changed.');
    const at = now();
    const row: BackupRow = {
      id: uuid(),
      project_id: project,
      user_id: auth.userId,
      volume_id: vol.id,
      snapshot_id: f.snapshotId ?? null,
      name: f.name ?? null,
      description: f.description ?? null,
      size: vol.size,
      status: 'creating',
      is_incremental: f.incremental ? 1 : 0,
      parent_id: f.incremental ? parent!.id : null,
      availability_zone: vol.availability_zone,
      metadata: JSON.stringify(f.metadata ?? {}),
      encryption_key: vol.encryption_key,
      fail_reason: null,
      restore_volume_id: null,
      container: f.container ?? null,
      data_id: null,
      volume_meta: JSON.stringify({ metadata: json(vol.metadata, {}), image_metadata: json(vol.image_metadata, {}), bootable: vol.bootable } satisfies VolumeMeta),
      data_timestamp: at,
      created_at: at,
      updated_at: at,
    };
    await this.d.stores.backups.insert(row);
    await this.d.jobs.enqueue(BACKUP_CREATE_JOB, { backupId: row.id });
    return row;
  }

  private async runCreate(id: string): Promise<void> {
    const row = await this.d.stores.backups.get(id);
    if (!row || row.status !== 'creating') return;
    await this.d.driver.copy(volRef(row.volume_id), backupRef(id), row.size * GiB);
    await this.d.stores.backups.update(id, { status: 'available' }, ['creating']);
    await this.restoreVolumeStatus(row.volume_id, 'backing-up');
  }

  /** Restores to an existing volume (same size or larger, available) or to a new one; returns the volume. */
  async restore(auth: AuthContext, id: string, f: { volumeId?: string; name?: string }): Promise<{ backup: BackupRow; volume: VolumeRow }> {
    const b = await this.find(auth, id);
    if (b.status !== 'available') throw invalidBackup(`Backup status must be available but the status is ${b.status}.`);
    let vol: VolumeRow;
    if (f.volumeId) {
      vol = await this.volumes.find(auth, f.volumeId);
      if (vol.status !== 'available') throw invalidVolume(`Volume to be restored to must be available but the status is ${vol.status}.`);
      if (vol.size < b.size) throw invalidVolume(`volume size ${vol.size}GB is too small to restore backup of size ${b.size}GB.`);
      if (!!vol.encryption_key !== !!b.encryption_key) throw badRequest('Invalid volume type: the volume must have the same encryption as the backup.');
      if (!(await this.d.stores.volumes.update(vol.id, { status: 'restoring-backup' }, ['available']))) throw conflict('Volume status changed.');
    } else {
      vol = await this.volumes.create(auth, { size: b.size, name: f.name ?? `restore_backup_${b.id}`, backup_id: b.id }, { status: 'restoring-backup' });
    }
    if (!(await this.d.stores.backups.update(b.id, { status: 'restoring', restore_volume_id: vol.id }, ['available']))) throw conflict('Backup status changed.');
    await this.d.jobs.enqueue(BACKUP_RESTORE_JOB, { backupId: b.id, volumeId: vol.id });
    return { backup: b, volume: vol };
  }

  private async runRestore(id: string, volumeId: string): Promise<void> {
    const b = await this.d.stores.backups.get(id);
    const v = await this.d.stores.volumes.get(volumeId);
    if (!b || !v || b.status !== 'restoring') return;
    await this.d.driver.copy(dataRef(b), volRef(volumeId), v.size * GiB);
    // As Cinder's backup drivers, the restore gives the volume back its metadata, image metadata and bootable flag.
    const meta = json<VolumeMeta | null>(b.volume_meta, null);
    const restored: Partial<VolumeRow> = meta
      ? { metadata: JSON.stringify({ ...json(v.metadata, {}), ...meta.metadata }), image_metadata: JSON.stringify({ ...json(v.image_metadata, {}), ...meta.image_metadata }), bootable: meta.bootable }
      : {};
    await this.d.stores.volumes.update(volumeId, { ...restored, status: 'available', encryption_key: b.encryption_key }, ['restoring-backup']);
    await this.d.stores.backups.update(id, { status: 'available', restore_volume_id: null }, ['restoring']);
  }

  async update(auth: AuthContext, id: string, f: { name?: string | null; description?: string | null; metadata?: Record<string, string> }): Promise<BackupRow> {
    const row = await this.find(auth, id);
    const patch: Partial<BackupRow> = {};
    if (f.name !== undefined) patch.name = f.name;
    if (f.description !== undefined) patch.description = f.description;
    if (f.metadata !== undefined) patch.metadata = JSON.stringify({ ...json<Record<string, string>>(row.metadata, {}), ...f.metadata });
    await this.d.stores.backups.update(row.id, patch);
    return this.find(auth, id);
  }

  async resetStatus(auth: AuthContext, id: string, status: string): Promise<void> {
    const row = await this.find(auth, id);
    if (!['available', 'error'].includes(status)) throw badRequest('Invalid input received: Must specify a valid status.');
    await this.d.stores.backups.update(row.id, { status });
  }

  async remove(auth: AuthContext, id: string, force: boolean): Promise<void> {
    const row = await this.find(auth, id);
    const allowed = force && isAdmin(auth) ? ['available', 'error', 'creating', 'restoring'] : ['available', 'error'];
    if (!allowed.includes(row.status)) throw invalidBackup('Backup status must be available or error');
    if (await this.hasDependents(id)) throw invalidBackup('Incremental backups exist for this backup.');
    if (!(await this.d.stores.backups.update(id, { status: 'deleting' }, allowed))) throw conflict('Backup status changed.');
    await this.d.jobs.enqueue(BACKUP_DELETE_JOB, { backupId: id });
  }

  /** Removes the backup; its bytes only when no other record (an import or the exported original) still uses them. */
  private async runDelete(id: string): Promise<void> {
    const row = await this.d.stores.backups.get(id);
    if (!row) return;
    const data = row.data_id ?? row.id;
    const users = [...(await this.d.stores.backups.where({ data_id: data })), ...((await this.d.stores.backups.get(data)) ? [{ id: data }] : [])];
    if (!users.some((u) => u.id !== id)) await this.d.driver.remove(backupRef(data));
    await this.d.stores.backups.remove(id, ['deleting']);
  }

  /** export_record: the backup's row, base64 JSON as Cinder's `backup_url`, for re-importing after a database loss. */
  async exportRecord(auth: AuthContext, id: string): Promise<{ backup_service: string; backup_url: string }> {
    const row = await this.find(auth, id);
    if (row.status !== 'available') throw invalidBackup(`Backup status must be available and not ${row.status}.`);
    const record = { ...Object.fromEntries(RECORD_FIELDS.map((k) => [k, row[k]])), data_id: row.data_id ?? row.id };
    return { backup_service: BACKUP_SERVICE, backup_url: Buffer.from(JSON.stringify(record)).toString('base64') };
  }

  /** import_record: a backup row in the caller's project from an exported record; its job checks the bytes are there. */
  async importRecord(auth: AuthContext, service: string, url: string): Promise<BackupRow> {
    if (service !== BACKUP_SERVICE) throw badRequest(`Invalid input received: Backup service ${service} is not supported; this cloud's is ${BACKUP_SERVICE}.`);
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(Buffer.from(url, 'base64').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw badRequest("Invalid input received: Can't parse backup record.");
    }
    const str = (k: string): string | null => (typeof record[k] === 'string' ? record[k] : null);
    const [id, dataId, size] = [str('id'), str('data_id'), record.size];
    if (!id || !dataId || typeof size !== 'number' || !Number.isInteger(size)) throw badRequest('Invalid input received: Backup record is missing id, data_id or size.');
    if (await this.d.stores.backups.get(id)) throw invalidBackup('Backup already exists in database.');
    const project = requireProject(auth);
    await this.quotas.check(project, { backups: 1, backup_gigabytes: size });
    const at = now();
    const row: BackupRow = {
      id,
      project_id: project,
      user_id: auth.userId,
      volume_id: str('volume_id') ?? '',
      snapshot_id: str('snapshot_id'),
      name: str('name'),
      description: str('description'),
      size,
      status: 'creating',
      is_incremental: record.is_incremental ? 1 : 0,
      availability_zone: str('availability_zone') ?? this.d.settings.availabilityZone,
      metadata: str('metadata') ?? '{}',
      encryption_key: str('encryption_key'),
      fail_reason: null,
      restore_volume_id: null,
      container: str('container'),
      data_id: dataId === id ? null : dataId,
      volume_meta: str('volume_meta'),
      parent_id: null,
      data_timestamp: str('data_timestamp') ?? at,
      created_at: at,
      updated_at: at,
    };
    await this.d.stores.backups.insert(row);
    await this.d.jobs.enqueue(BACKUP_IMPORT_JOB, { backupId: row.id });
    return row;
  }

  private async runImport(id: string): Promise<void> {
    const row = await this.d.stores.backups.get(id);
    if (!row || row.status !== 'creating') return;
    const ok = await this.d.driver.exists(dataRef(row));
    await this.d.stores.backups.update(id, ok ? { status: 'available' } : { status: 'error', fail_reason: 'The backup data of the imported record is not in the backup store.' }, ['creating']);
  }
}
