import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, notFound } from '../../../platform/errors.js';
import { GiB, type BlockRef } from '../drivers/driver.js';
import type { SnapshotRow, VolumeRow } from '../store/tables.js';
import { invalidSnapshot, invalidVolume, messageOf, type ModelDeps } from './common.js';
import { selectsVolumeHost } from './services.js';
import type { SnapshotService } from './snapshots.js';
import { isEncryptedType, type TypeService } from './types.js';
import type { VolumeService } from './volumes.js';

export const MANAGE_JOB = 'volume.manage';

interface ManagePayload {
  kind: 'volume' | 'snapshot';
  /** The block as the back end holds it, and the volume or snapshot it becomes. */
  from: string;
  to: string;
  bootable?: boolean;
}

/** Cinder's names of blocks on a back end (its volume_name_template and LVM's snapshot names). */
const NAMES: Record<ManagePayload['kind'], RegExp> = {
  volume: /^volume-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
  snapshot: /^_snapshot-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
};

/** A block of the back end as Cinder's manageable lists show it. */
export interface Manageable {
  reference: Record<string, string>;
  size: number;
  safe_to_manage: boolean;
  reason_not_safe: string | null;
  cinder_id: string | null;
  extra_info: null;
  /** Snapshots: the volume the block is a snapshot of, when known. */
  source_reference?: Record<string, string> | null;
}

const blockName = (kind: ManagePayload['kind'], id: string) => (kind === 'volume' ? `volume-${id}` : `_snapshot-${id}`);
const gib = (bytes: number) => Math.max(1, Math.ceil(bytes / GiB));

/** The block a manage request's `ref` names: `source-name` (Cinder's block name) or `source-id`. */
function blockOf(kind: ManagePayload['kind'], ref: Record<string, unknown>): BlockRef {
  const name = ref['source-name'];
  const id = ref['source-id'];
  const byName = typeof name === 'string' ? NAMES[kind].exec(name)?.[1] : undefined;
  const byId = typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : undefined;
  const found = byName ?? byId;
  if (!found) throw badRequest(`Manage existing ${kind} failed due to invalid backend reference ${JSON.stringify(ref)}: a ${kind === 'volume' ? "'source-name' volume-<id>" : "'source-name' _snapshot-<id>"} or a 'source-id' <id> is expected.`);
  return { kind, id: found.toLowerCase() };
}

/**
 * Cinder's manage and unmanage: a volume or snapshot leaves the service's records while its block
 * stays on the back end, and a block the service does not know becomes a volume or snapshot again
 * (renamed to its new id, as LVM renames the logical volume). Encrypted blocks are refused both
 * ways: their key lives in the record, so an unmanaged block could never be read again.
 */
export class ManageService {
  constructor(
    private readonly d: ModelDeps,
    private readonly types: TypeService,
    private readonly volumes: VolumeService,
    private readonly snapshots: SnapshotService,
  ) {}

  registerJobs(): void {
    this.d.jobs.register<ManagePayload>(MANAGE_JOB, {
      run: (p) => this.runManage(p),
      onGiveUp: async (p, e) => {
        const patch = { status: p.kind === 'volume' ? 'error_managing' : 'error', fault: messageOf(e) };
        if (p.kind === 'volume') await this.d.stores.volumes.update(p.to, patch, ['creating']);
        else await this.d.stores.snapshots.update(p.to, patch, ['creating']);
      },
    });
  }

  /** Checks that a block exists and is not already a volume or snapshot; returns its size in GiB. */
  private async unmanagedSize(block: BlockRef): Promise<number> {
    const known = block.kind === 'volume' ? await this.d.stores.volumes.get(block.id) : await this.d.stores.snapshots.get(block.id);
    const bytes = known ? undefined : await this.d.driver.size(block);
    if (bytes === undefined) throw badRequest(`Manage existing ${block.kind} failed due to invalid backend reference: no unmanaged ${block.kind} ${block.id} on the back end.`);
    return gib(bytes);
  }

  /** The blocks of the back end on `host`: those of existing volumes or snapshots are not safe to manage. */
  async manageable(kind: ManagePayload['kind'], host: string): Promise<Manageable[]> {
    if (!selectsVolumeHost(host.split('#')[0])) throw notFound(`Host '${host}' not found.`);
    const known = new Map<string, string | null>();
    if (kind === 'volume') for (const v of await this.d.stores.volumes.where()) known.set(v.id, null);
    else for (const s of await this.d.stores.snapshots.where()) known.set(s.id, s.volume_id);
    const blocks = (await this.d.driver.list(kind)).sort((a, b) => a.id.localeCompare(b.id));
    return blocks.map((b) => {
      const managed = known.has(b.id);
      const source = known.get(b.id);
      return {
        reference: { 'source-name': blockName(kind, b.id) },
        size: gib(b.bytes),
        safe_to_manage: !managed,
        reason_not_safe: managed ? 'already managed' : null,
        cinder_id: managed ? b.id : null,
        extra_info: null,
        ...(kind === 'snapshot' ? { source_reference: source ? { 'source-name': blockName('volume', source) } : null } : {}),
      };
    });
  }

  async manageVolume(auth: AuthContext, f: { host: string; ref: Record<string, unknown>; name?: string | null; description?: string | null; volume_type?: string; availability_zone?: string; bootable?: boolean; metadata?: Record<string, string> }): Promise<VolumeRow> {
    if (!selectsVolumeHost(f.host.split('#')[0])) throw notFound(`Host '${f.host}' not found.`);
    const block = blockOf('volume', f.ref);
    const size = await this.unmanagedSize(block);
    const type = f.volume_type ? await this.types.find(auth, f.volume_type) : await this.types.defaultType(auth);
    if (isEncryptedType(type)) throw badRequest('Invalid volume type: managing a volume into an encrypted type is not supported (its key is unknown).');
    const row = await this.volumes.create(auth, { size, name: f.name, description: f.description, metadata: f.metadata, volume_type: type.row.id, availability_zone: f.availability_zone }, { status: 'creating' });
    await this.d.jobs.enqueue(MANAGE_JOB, { kind: 'volume', from: block.id, to: row.id, bootable: f.bootable } satisfies ManagePayload);
    return row;
  }

  async manageSnapshot(auth: AuthContext, f: { volumeId: string; ref: Record<string, unknown>; name?: string | null; description?: string | null; metadata?: Record<string, string> }): Promise<SnapshotRow> {
    const vol = await this.volumes.find(auth, f.volumeId);
    if (vol.encryption_key) throw invalidVolume('managing a snapshot of an encrypted volume is not supported (its key is unknown).');
    const block = blockOf('snapshot', f.ref);
    await this.unmanagedSize(block);
    const row = await this.snapshots.create(auth, { volumeId: vol.id, name: f.name, description: f.description, metadata: f.metadata, force: true, managed: true });
    await this.d.jobs.enqueue(MANAGE_JOB, { kind: 'snapshot', from: block.id, to: row.id } satisfies ManagePayload);
    return row;
  }

  private async runManage(p: ManagePayload): Promise<void> {
    await this.d.driver.rename({ kind: p.kind, id: p.from }, { kind: p.kind, id: p.to });
    if (p.kind === 'volume') await this.d.stores.volumes.update(p.to, { status: 'available', ...(p.bootable ? { bootable: 1 } : {}) }, ['creating']);
    else await this.d.stores.snapshots.update(p.to, { status: 'available' }, ['creating']);
  }

  /** os-unmanage of a volume: the record goes, the block stays (as `volume-<id>` for a later manage). */
  async unmanageVolume(auth: AuthContext, id: string): Promise<void> {
    const row = await this.volumes.find(auth, id);
    const attachments = await this.d.stores.attachments.where({ volume_id: id });
    if (attachments.some((a) => a.attach_status !== 'detached') || (await this.d.stores.snapshots.where({ volume_id: id })).length || row.group_id) {
      throw invalidVolume('Volume must not be attached, have snapshots or belong to a group to be unmanaged.');
    }
    if (row.encryption_key) throw invalidVolume('Unmanaging encrypted volumes is not supported.');
    if (!(await this.d.stores.volumes.remove(id, ['available', 'error']))) throw invalidVolume(`Volume status must be available or error, but current status is: ${row.status}.`);
    for (const a of attachments) await this.d.stores.attachments.remove(a.id);
  }

  /** os-unmanage of a snapshot: the record goes, the block stays (as `_snapshot-<id>`). */
  async unmanageSnapshot(auth: AuthContext, id: string): Promise<void> {
    const row = await this.snapshots.find(auth, id);
    if (row.encryption_key) throw invalidSnapshot('Unmanaging snapshots of encrypted volumes is not supported.');
    if (row.group_snapshot_id) throw invalidSnapshot('Snapshots of a group snapshot cannot be unmanaged.');
    if (!(await this.d.stores.snapshots.remove(id, ['available', 'error']))) throw invalidSnapshot(`Snapshot status must be available or error, but current status is: ${row.status}.`);
  }
}
