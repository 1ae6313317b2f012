import type { ModelDeps } from './common.js';
import { CREATE_JOB, DELETE_JOB, EXTEND_JOB, UPLOAD_JOB } from './volumes.js';
import { SNAPSHOT_CREATE_JOB, SNAPSHOT_DELETE_JOB } from './snapshots.js';
import { BACKUP_CREATE_JOB, BACKUP_DELETE_JOB, BACKUP_IMPORT_JOB, BACKUP_RESTORE_JOB } from './backups.js';
import { GROUP_SNAPSHOT_CREATE_JOB, GROUP_SNAPSHOT_DELETE_JOB } from './group-snapshots.js';
import { GROUP_CREATE_JOB, GROUP_DELETE_JOB } from './groups.js';
import { MANAGE_JOB } from './manage.js';

/** A transient status this old without a queued or running job has lost its job (a crash between the two writes). */
const GRACE_MS = 2 * 60_000;

type Ids = Set<string>;
const ids = async (d: ModelDeps, kinds: string[], field: string): Promise<Ids> => {
  const out = new Set<string>();
  for (const kind of kinds) for (const p of await d.jobs.open<Record<string, string>>(kind)) if (p[field]) out.add(p[field]);
  return out;
};

/**
 * Level-triggered repair: volumes, snapshots and backups in a transient status whose job is gone
 * go to the status Cinder uses for that failure, so nothing stays `creating` forever.
 */
export async function reconcile(d: ModelDeps, now = Date.now()): Promise<number> {
  const old = (row: { updated_at: string }) => now - Date.parse(row.updated_at) > GRACE_MS;
  let repaired = 0;
  // Rows first, jobs second: a job enqueued before a row looked stuck is then always seen. A job that
  // finishes in between changed the row's status, which the compare-and-set updates below respect.
  const [volumes, snapshots, backups, groups, groupSnapshots] = await Promise.all([
    d.stores.volumes.where(),
    d.stores.snapshots.where(),
    d.stores.backups.where(),
    d.stores.groups.where(),
    d.stores.groupSnapshots.where(),
  ]);
  // A manage job names the volume or snapshot it fills by `to`.
  const manageJobs = await ids(d, [MANAGE_JOB], 'to');
  const volumeJobs = await ids(d, [CREATE_JOB, DELETE_JOB, EXTEND_JOB, UPLOAD_JOB, BACKUP_RESTORE_JOB], 'volumeId');
  for (const id of manageJobs) volumeJobs.add(id);
  for (const b of backups) if (b.status === 'creating') volumeJobs.add(b.volume_id);
  // A group's job fills or removes its volumes, a group snapshot's its snapshots.
  const groupJobs = await ids(d, [GROUP_CREATE_JOB, GROUP_DELETE_JOB], 'groupId');
  const groupSnapshotJobs = await ids(d, [GROUP_SNAPSHOT_CREATE_JOB, GROUP_SNAPSHOT_DELETE_JOB], 'groupSnapshotId');
  const volumeFailure: Record<string, string | undefined> = { creating: 'error', downloading: 'error', deleting: 'error_deleting', extending: 'error_extending', 'restoring-backup': 'error_restoring' };
  for (const v of volumes) {
    const to = volumeFailure[v.status] ?? (['uploading', 'backing-up'].includes(v.status) ? (v.previous_status ?? 'available') : undefined);
    if (!to || !old(v) || volumeJobs.has(v.id) || (v.group_id && groupJobs.has(v.group_id))) continue;
    if (await d.stores.volumes.update(v.id, { status: to, fault: 'The job of this operation was lost.' }, [v.status])) repaired++;
  }
  const snapshotJobs = await ids(d, [SNAPSHOT_CREATE_JOB, SNAPSHOT_DELETE_JOB], 'snapshotId');
  for (const id of manageJobs) snapshotJobs.add(id);
  for (const s of snapshots) {
    const to = s.status === 'creating' ? 'error' : s.status === 'deleting' ? 'error_deleting' : undefined;
    if (!to || !old(s) || snapshotJobs.has(s.id) || volumeJobs.has(s.volume_id) || (s.group_snapshot_id && groupSnapshotJobs.has(s.group_snapshot_id))) continue;
    if (await d.stores.snapshots.update(s.id, { status: to }, [s.status])) repaired++;
  }
  const backupJobs = await ids(d, [BACKUP_CREATE_JOB, BACKUP_DELETE_JOB, BACKUP_RESTORE_JOB, BACKUP_IMPORT_JOB], 'backupId');
  for (const b of backups) {
    const to = b.status === 'creating' || b.status === 'deleting' ? 'error' : b.status === 'restoring' ? 'available' : undefined;
    if (!to || !old(b) || backupJobs.has(b.id)) continue;
    if (await d.stores.backups.update(b.id, { status: to, fail_reason: 'The job of this operation was lost.' }, [b.status])) repaired++;
  }
  const transient: Record<string, string | undefined> = { creating: 'error', deleting: 'error_deleting' };
  for (const g of groups) {
    const to = transient[g.status];
    if (to && old(g) && !groupJobs.has(g.id) && (await d.stores.groups.update(g.id, { status: to }, [g.status]))) repaired++;
  }
  for (const s of groupSnapshots) {
    const to = transient[s.status];
    if (to && old(s) && !groupSnapshotJobs.has(s.id) && (await d.stores.groupSnapshots.update(s.id, { status: to }, [s.status]))) repaired++;
  }
  return repaired;
}
