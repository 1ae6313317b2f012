import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { isObj, looseBool, type Obj } from '../../../platform/http/validate.js';
import type { VolumeAttachmentStore } from '../store/volumes.js';
import type { ServerRow, VolumeAttachmentRow } from '../store/tables.js';
import type { ComputeDriver } from '../drivers/driver.js';
import type { Peers } from './context.js';
import { guestOf } from './guest.js';

/** A volume block device of a server create (`block_device_mapping_v2`), as compute keeps it. */
export interface BlockDevice {
  /** `blank`: a new empty volume; `snapshot`: a new volume from a block storage snapshot. */
  source: 'image' | 'volume' | 'blank' | 'snapshot';
  /** The image, volume or snapshot id ('' for blank). */
  uuid: string;
  /** GB of a new volume (from a snapshot: optional, the snapshot's size by default). */
  size?: number;
  bootIndex: number | null;
  deleteOnTermination: boolean;
  tag?: string;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const bdmError = (why: string) => badRequest(`Block Device Mapping is Invalid: ${why}`);

/** Parses `block_device_mapping_v2`; local (ephemeral, swap) devices need no volume and are dropped. */
export function parseBlockDevices(list: Obj[]): BlockDevice[] {
  const out: BlockDevice[] = [];
  for (const b of list) {
    const source = b.source_type ?? (b.volume_id ? 'volume' : undefined);
    const dest = b.destination_type ?? (source === 'volume' ? 'volume' : 'local');
    const bootIndex = b.boot_index === undefined || b.boot_index === null || b.boot_index === 'none' ? null : Number(b.boot_index);
    if (bootIndex !== null && !Number.isInteger(bootIndex)) throw bdmError(`boot_index ${String(b.boot_index)} is not an integer.`);
    if (dest === 'local') {
      if (source === 'image' && bootIndex === 0) continue; // the classic image boot, expressed as a mapping
      if (source === 'blank') continue; // ephemeral/swap disks of the flavor
      throw bdmError(`source_type ${String(source)} with destination_type local is not supported.`);
    }
    if (dest !== 'volume') throw bdmError(`destination_type ${String(dest)} is not one of local, volume.`);
    const uuid = String(b.uuid ?? b.volume_id ?? '');
    // Nova's boolean: legacy mappings (`dev=id:type:size:true`) bring it as a word.
    const deleteOnTermination = b.delete_on_termination === undefined || b.delete_on_termination === null ? false : looseBool(b.delete_on_termination);
    if (deleteOnTermination === undefined) throw bdmError(`delete_on_termination ${JSON.stringify(b.delete_on_termination)} is not a boolean.`);
    const tag = typeof b.tag === 'string' ? b.tag : undefined;
    if (source === 'image' || source === 'blank') {
      const size = Number(b.volume_size);
      if (source === 'image' && !UUID.test(uuid)) throw bdmError('an image source needs the image uuid.');
      if (!Number.isInteger(size) || size < 1) throw bdmError(`volume_size must be a positive integer for a volume created from ${source === 'image' ? 'an image' : 'nothing (blank)'}.`);
      out.push({ source, uuid: source === 'image' ? uuid : '', size, bootIndex, deleteOnTermination, tag });
    } else if (source === 'volume') {
      if (!UUID.test(uuid)) throw bdmError('a volume source needs the volume uuid.');
      out.push({ source: 'volume', uuid, bootIndex, deleteOnTermination, tag });
    } else if (source === 'snapshot') {
      if (!UUID.test(uuid)) throw bdmError('a snapshot source needs the snapshot uuid.');
      const size = b.volume_size === undefined || b.volume_size === null ? undefined : Number(b.volume_size);
      if (size !== undefined && (!Number.isInteger(size) || size < 1)) throw bdmError('volume_size must be a positive integer.');
      out.push({ source: 'snapshot', uuid, size, bootIndex, deleteOnTermination, tag });
    } else {
      throw bdmError(`source_type ${String(source)} is not supported for volumes (image, volume, snapshot or blank are).`);
    }
  }
  if (out.filter((d) => d.bootIndex === 0).length > 1) throw bdmError('Boot sequence for the instance and image/block device mapping combination is not valid.');
  return out;
}

export const isBlockDeviceList = (v: unknown): v is Obj[] => Array.isArray(v) && v.every(isObj);

const nextDevice = (used: string[]) => {
  for (let c = 'b'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    const d = `/dev/vd${String.fromCharCode(c)}`;
    if (!used.includes(d)) return d;
  }
  throw conflict('No free device name is left on this server.');
};

/** Volumes of servers through the block storage service: boot from volume, attach and detach. */
export class VolumeService {
  constructor(
    private readonly peers: () => Peers,
    private readonly driver: ComputeDriver,
    private readonly store: VolumeAttachmentStore,
  ) {}

  private client() {
    const v = this.peers().volume;
    if (!v) throw badRequest('Block device mappings with volumes need the block storage service, which this cloud does not run.');
    return v;
  }

  /**
   * API-side checks of a create request's volumes (they exist, are available, images are active).
   * A boot volume must be bootable only when no image is given: with `imageRef`, Nova takes the
   * image's metadata and boots the volume as it is.
   */
  async validate(auth: AuthContext, devices: BlockDevice[], imageGiven: boolean): Promise<void> {
    if (!devices.length) return;
    const volumes = this.client();
    for (const d of devices) {
      if (d.source === 'volume') {
        const v = await volumes.getVolume(auth, d.uuid);
        if (!v) throw bdmError(`failed to get volume ${d.uuid}.`);
        if (v.status !== 'available') throw badRequest(`Invalid volume: volume '${d.uuid}' status must be 'available'. Currently in '${v.status}'`);
        if (d.bootIndex === 0 && !v.bootable && !imageGiven) throw badRequest(`Block Device ${d.uuid} is not bootable.`);
      } else if (d.source === 'snapshot') {
        const snap = await volumes.getSnapshot(auth, d.uuid);
        if (!snap) throw bdmError(`failed to get snapshot ${d.uuid}.`);
        if (snap.status !== 'available') throw badRequest(`Invalid snapshot: snapshot '${d.uuid}' status must be 'available'. Currently in '${snap.status}'`);
        if (d.size !== undefined && d.size < snap.size) throw bdmError(`volume_size ${d.size} is smaller than the snapshot's ${snap.size} GB.`);
      } else if (d.source === 'image') {
        const image = await this.peers().image?.getImage(auth, d.uuid);
        if (!image) throw bdmError(`failed to get image ${d.uuid}.`);
        if (image.status !== 'active') throw badRequest(`Image ${d.uuid} is not active.`);
        if (image.min_disk > (d.size ?? 0)) throw badRequest(`Volume size ${d.size} GB is smaller than the minimum disk ${image.min_disk} GB of image ${d.uuid}.`);
      }
    }
  }

  async attachments(serverIds: string[]): Promise<Map<string, VolumeAttachmentRow[]>> {
    return this.store.of(serverIds);
  }

  /** Build step: creates volumes from images and attaches everything; idempotent per device. */
  async attachForBuild(row: ServerRow, devices: BlockDevice[]): Promise<void> {
    if (!devices.length) return;
    const volumes = this.client();
    const auth = await this.peers().identity.contextForUserProject(row.user_id, row.project_id);
    const have = (await this.store.of([row.id])).get(row.id) ?? [];
    // Devices attach in a fixed order, one row each: a resumed build skips those already done.
    const ordered = [...devices].sort((a, b) => (a.bootIndex ?? 99) - (b.bootIndex ?? 99));
    for (const [i, d] of ordered.entries()) {
      if (i < have.length) continue;
      const volumeId =
        d.source === 'volume'
          ? d.uuid
          : await volumes.createForBoot(auth, {
              imageId: d.source === 'image' ? d.uuid : undefined,
              snapshotId: d.source === 'snapshot' ? d.uuid : undefined,
              size: d.size,
              name: `${row.name}-volume`,
            });
      const device = d.bootIndex === 0 ? '/dev/vda' : nextDevice(have.map((a) => a.device));
      const a = await volumes.attach(auth, volumeId, row.id, { host: row.host ?? undefined, device });
      const att: VolumeAttachmentRow = { server_id: row.id, volume_id: volumeId, device: a.device, boot_index: d.bootIndex, delete_on_termination: d.deleteOnTermination ? 1 : 0, tag: d.tag ?? null, attachment_id: a.attachmentId, created_at: new Date().toISOString() };
      await this.store.add(att);
      have.push(att);
    }
  }

  /** Teardown: detaches every volume and deletes those marked delete_on_termination. */
  async releaseAll(row: ServerRow): Promise<void> {
    const have = (await this.store.of([row.id])).get(row.id) ?? [];
    if (!have.length) return;
    const volumes = this.client();
    const auth = await this.peers().identity.contextForUserProject(row.user_id, row.project_id);
    for (const a of have) {
      await volumes.detach(auth, a.volume_id, row.id);
      if (a.delete_on_termination) await volumes.deleteVolume(auth, a.volume_id);
      await this.store.remove(row.id, a.volume_id);
    }
  }

  /** `POST /servers/{id}/os-volume_attachments`. */
  async attach(auth: AuthContext, row: ServerRow, volumeId: string, opts: { device?: string; tag?: string; deleteOnTermination: boolean; multiattachAllowed: boolean }): Promise<VolumeAttachmentRow> {
    const volumes = this.client();
    if (!['active', 'stopped', 'paused', 'suspended', 'resized', 'shelved', 'shelved_offloaded'].includes(row.vm_state) || row.task_state) {
      throw conflict(`Cannot 'attach_volume' instance ${row.id} while it is in vm_state ${row.vm_state}`);
    }
    const v = await volumes.getVolume(auth, volumeId);
    if (!v) throw notFound(`Volume ${volumeId} could not be found.`);
    const have = (await this.store.of([row.id])).get(row.id) ?? [];
    if (have.some((a) => a.volume_id === volumeId)) throw badRequest(`Invalid volume: volume ${volumeId} is already attached.`);
    // A multiattach volume may already be in use by other servers, from 2.60 on (Nova's check); Cinder then counts the attachments.
    if (v.multiattach && !opts.multiattachAllowed) throw badRequest('Multiattach volumes are only supported starting with compute API version 2.60.');
    if (v.status !== 'available' && !(v.multiattach && v.status === 'in-use')) {
      throw badRequest(v.attachments.length ? `Invalid volume: volume ${volumeId} is already attached.` : `Invalid volume: volume '${volumeId}' status must be 'available'. Currently in '${v.status}'`);
    }
    const device = opts.device && !have.some((a) => a.device === opts.device) ? opts.device : nextDevice(have.map((a) => a.device).concat('/dev/vda'));
    const a = await volumes.attach(auth, volumeId, row.id, { host: row.host ?? undefined, device });
    if (row.host) await this.driver.attachVolume(guestOf(row, row.host), volumeId, a.device);
    const att: VolumeAttachmentRow = { server_id: row.id, volume_id: volumeId, device: a.device, boot_index: null, delete_on_termination: opts.deleteOnTermination ? 1 : 0, tag: opts.tag ?? null, attachment_id: a.attachmentId, created_at: new Date().toISOString() };
    await this.store.add(att);
    return att;
  }

  /**
   * `PUT /servers/{id}/os-volume_attachments/{volume}`. Since 2.85 `delete_on_termination` changes
   * (the other fields only as they are). A different `volumeId` is a swap, which Nova accepts only
   * from Cinder while it migrates the old volume; this block storage service never migrates, so it is
   * refused as Nova refuses a swap of a volume that is not migrating.
   */
  async update(auth: AuthContext, row: ServerRow, volumeId: string, req: { newVolumeId: string; swapOnly: boolean; fields: { device?: string | null; tag?: string | null; serverId?: string; id?: string; deleteOnTermination?: boolean } }): Promise<void> {
    const volumes = this.client();
    const swap = req.swapOnly || req.newVolumeId !== volumeId;
    if (!req.swapOnly) {
      const att = ((await this.store.of([row.id])).get(row.id) ?? []).find((a) => a.volume_id === volumeId);
      if (!att) throw notFound(`No volume Block Device Mapping with id ${volumeId}.`);
      const f = req.fields;
      if (f.id !== undefined && f.id !== volumeId) throw badRequest('The id property is not mutable');
      if (f.serverId !== undefined && f.serverId !== row.id) throw badRequest('The serverId property is not mutable');
      if (f.device !== undefined && f.device !== att.device) throw badRequest('The device property is not mutable');
      if (f.tag !== undefined && f.tag !== att.tag) throw badRequest('The tag property is not mutable');
      if (f.deleteOnTermination !== undefined) await this.store.setDeleteOnTermination(row.id, volumeId, f.deleteOnTermination);
    }
    if (!swap) return;
    if (!(await volumes.getVolume(auth, volumeId))) throw notFound(`Volume ${volumeId} could not be found.`);
    // A missing volume of the path is 404, one of the body 400 (the API-WG rule Nova follows).
    if (!(await volumes.getVolume(auth, req.newVolumeId))) throw badRequest(`Volume ${req.newVolumeId} could not be found.`);
    throw conflict(`volume ${volumeId} is not migrating; this API should only be called by Cinder`);
  }

  /** `DELETE /servers/{id}/os-volume_attachments/{volume}`: the root volume stays. */
  async detach(auth: AuthContext, row: ServerRow, volumeId: string): Promise<void> {
    const att = ((await this.store.of([row.id])).get(row.id) ?? []).find((a) => a.volume_id === volumeId);
    if (!att) throw notFound(`volume_id not found: ${volumeId}`);
    if (att.boot_index === 0) throw badRequest(`Cannot detach a root device volume`);
    if (row.task_state) throw conflict(`Cannot 'detach_volume' instance ${row.id} while it is in task_state ${row.task_state}`);
    // Nova's detach states: not while rescued, building or in error.
    if (!['active', 'stopped', 'paused', 'suspended', 'resized', 'shelved', 'shelved_offloaded'].includes(row.vm_state)) {
      throw conflict(`Cannot 'detach_volume' instance ${row.id} while it is in vm_state ${row.vm_state}`);
    }
    if (row.host) await this.driver.detachVolume(guestOf(row, row.host), volumeId);
    await this.client().detach(auth, volumeId, row.id);
    await this.store.remove(row.id, volumeId);
  }
}
