import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { AttachmentRow, VolumeRow } from '../store/tables.js';
import { invalidVolume, isAdmin, now, visible, type ModelDeps } from './common.js';
import { volRef, type VolumeService } from './volumes.js';

/**
 * Attachments: Cinder's v3 attachments API (reserve, update with a connector, complete, delete)
 * and the legacy volume actions built on the same rows. A volume is `reserved` or `attaching`
 * while an attachment is being set up, `in-use` once one is attached, `available` when none is left.
 */
export class AttachmentService {
  constructor(
    private readonly d: ModelDeps,
    private readonly volumes: VolumeService,
  ) {}

  async find(auth: AuthContext, id: string): Promise<AttachmentRow> {
    return visible(auth, await this.d.stores.attachments.get(id), 'VolumeAttachment', id);
  }

  async list(auth: AuthContext, allTenants: boolean): Promise<AttachmentRow[]> {
    const rows = allTenants && isAdmin(auth) ? await this.d.stores.attachments.where() : await this.d.stores.attachments.where({ project_id: auth.projectId ?? '' });
    return rows.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  }

  /** Live attachments of a volume (not detached). */
  async of(volumeId: string): Promise<AttachmentRow[]> {
    return (await this.d.stores.attachments.where({ volume_id: volumeId })).filter((a) => a.attach_status !== 'detached');
  }

  /** POST /attachments: reserves the volume for a server; with a connector it is attaching at once. */
  async create(auth: AuthContext, f: { volumeId: string; instanceId?: string; connector?: Record<string, unknown>; mode?: string }): Promise<AttachmentRow> {
    const vol = await this.volumes.find(auth, f.volumeId);
    const live = await this.of(vol.id);
    const from = vol.multiattach ? ['available', 'in-use', 'reserved'] : ['available'];
    if (!from.includes(vol.status) || (!vol.multiattach && live.length)) {
      throw invalidVolume(`Volume ${vol.id} status must be available or downloading to reserve, but the current status is ${vol.status}.`);
    }
    if (f.instanceId && live.some((a) => a.instance_uuid === f.instanceId)) throw invalidVolume(`Volume ${vol.id} is already attached to server ${f.instanceId}.`);
    const status = f.connector ? 'attaching' : 'reserved';
    const nextVol = vol.status === 'in-use' ? 'in-use' : status;
    if (!(await this.d.stores.volumes.update(vol.id, { status: nextVol }, [vol.status]))) throw conflict('Volume status changed.');
    const at = now();
    const row: AttachmentRow = {
      id: uuid(),
      volume_id: vol.id,
      project_id: vol.project_id,
      instance_uuid: f.instanceId ?? null,
      attached_host: typeof f.connector?.host === 'string' ? f.connector.host : null,
      mountpoint: typeof f.connector?.mountpoint === 'string' ? f.connector.mountpoint : null,
      attach_mode: f.mode ?? 'rw',
      attach_status: status,
      connector: f.connector ? JSON.stringify(f.connector) : null,
      attach_time: null,
      created_at: at,
      updated_at: at,
    };
    await this.d.stores.attachments.insert(row);
    return row;
  }

  /** PUT /attachments/{id}: the connector arrives, the volume is attaching. */
  async update(auth: AuthContext, id: string, connector: Record<string, unknown>): Promise<AttachmentRow> {
    const a = await this.find(auth, id);
    if (!['reserved', 'attaching'].includes(a.attach_status)) throw badRequest(`Invalid volume: Attachment ${id} is ${a.attach_status}.`);
    await this.d.stores.attachments.update(id, {
      attach_status: 'attaching',
      connector: JSON.stringify(connector),
      attached_host: typeof connector.host === 'string' ? connector.host : a.attached_host,
      mountpoint: typeof connector.mountpoint === 'string' ? connector.mountpoint : a.mountpoint,
    });
    await this.d.stores.volumes.update(a.volume_id, { status: 'attaching' }, ['reserved']);
    return this.find(auth, id);
  }

  /** os-complete: the attachment is attached and the volume in-use. */
  async complete(auth: AuthContext, id: string, mountpoint?: string): Promise<void> {
    const a = await this.find(auth, id);
    if (a.attach_status === 'detached') throw badRequest(`Invalid volume: Attachment ${id} is detached.`);
    await this.d.stores.attachments.update(id, { attach_status: 'attached', attach_time: a.attach_time ?? now(), ...(mountpoint ? { mountpoint } : {}) });
    await this.d.stores.volumes.update(a.volume_id, { status: 'in-use' }, ['reserved', 'attaching', 'in-use']);
  }

  /** DELETE /attachments/{id} (and os-detach): the volume is available once no attachment is left. */
  async remove(auth: AuthContext, id: string): Promise<void> {
    const a = await this.find(auth, id);
    await this.d.stores.attachments.remove(id);
    const left = await this.of(a.volume_id);
    const vol = await this.d.stores.volumes.get(a.volume_id);
    if (vol) {
      const next = left.some((l) => l.attach_status === 'attached') ? 'in-use' : left.length ? 'reserved' : 'available';
      await this.d.stores.volumes.update(a.volume_id, { status: next }, ['in-use', 'reserved', 'attaching', 'detaching', 'error_attaching', 'error_detaching']);
    }
  }

  /** Compute's one-step attach: reserve, connect and complete. */
  async attachNow(auth: AuthContext, volumeId: string, serverId: string, host: string | undefined, device: string): Promise<AttachmentRow> {
    const row = await this.create(auth, { volumeId, instanceId: serverId, connector: { host: host ?? 'localhost', mountpoint: device } });
    await this.complete(auth, row.id, device);
    return this.find(auth, row.id);
  }

  // Legacy volume actions (before the attachments API), as Nova and os-brick used them.

  async reserve(auth: AuthContext, vol: VolumeRow): Promise<void> {
    if (!(await this.d.stores.volumes.update(vol.id, { status: 'attaching' }, vol.multiattach ? ['available', 'in-use'] : ['available']))) {
      throw invalidVolume(`Volume status must be available to reserve, but the status is ${vol.status}.`);
    }
  }

  async unreserve(auth: AuthContext, vol: VolumeRow): Promise<void> {
    if (vol.status !== 'attaching') return;
    const live = await this.of(vol.id);
    await this.d.stores.volumes.update(vol.id, { status: live.length ? 'in-use' : 'available' }, ['attaching']);
  }

  async legacyAttach(auth: AuthContext, vol: VolumeRow, f: { instanceId?: string; hostName?: string; mountpoint: string; mode: string }): Promise<void> {
    if (!['attaching', 'available', 'reserved'].includes(vol.status) && !(vol.multiattach && vol.status === 'in-use')) {
      throw invalidVolume(`Volume status must be attaching or available to attach, but the status is ${vol.status}.`);
    }
    const at = now();
    await this.d.stores.attachments.insert({
      id: uuid(), volume_id: vol.id, project_id: vol.project_id, instance_uuid: f.instanceId ?? null, attached_host: f.hostName ?? null,
      mountpoint: f.mountpoint, attach_mode: f.mode, attach_status: 'attached', connector: null, attach_time: at, created_at: at, updated_at: at,
    });
    await this.d.stores.volumes.update(vol.id, { status: 'in-use' });
  }

  async beginDetaching(auth: AuthContext, vol: VolumeRow): Promise<void> {
    if (!(await this.d.stores.volumes.update(vol.id, { status: 'detaching' }, ['in-use']))) throw invalidVolume(`Volume status must be in-use to begin detaching, but the status is ${vol.status}.`);
  }

  async rollDetaching(auth: AuthContext, vol: VolumeRow): Promise<void> {
    await this.d.stores.volumes.update(vol.id, { status: 'in-use' }, ['detaching']);
  }

  async legacyDetach(auth: AuthContext, vol: VolumeRow, attachmentId?: string): Promise<void> {
    const live = await this.of(vol.id);
    const target = attachmentId ? live.find((a) => a.id === attachmentId) : live.length === 1 ? live[0] : undefined;
    if (!target) {
      if (attachmentId) throw notFound(`Volume attachment ${attachmentId} could not be found.`);
      if (live.length) throw invalidVolume('Volume has more than one attachment: an attachment_id is required.');
      // Cinder degrades gracefully: a detach of a volume without attachments just makes it available.
      await this.d.stores.volumes.update(vol.id, { status: 'available' }, ['in-use', 'attaching', 'detaching', 'reserved', 'error_detaching']);
      return;
    }
    await this.remove(auth, target.id);
  }

  /** os-force_detach (admin): drops the attachment (or all of them) whatever the volume's status. */
  async forceDetach(auth: AuthContext, vol: VolumeRow, attachmentId?: string): Promise<void> {
    const rows = await this.of(vol.id);
    const gone = attachmentId ? rows.filter((a) => a.id === attachmentId) : rows;
    if (attachmentId && !gone.length) throw notFound(`Volume attachment ${attachmentId} could not be found.`);
    for (const a of gone) await this.d.stores.attachments.remove(a.id);
    const left = rows.filter((a) => !gone.includes(a));
    await this.d.stores.volumes.update(vol.id, { status: left.some((l) => l.attach_status === 'attached') ? 'in-use' : left.length ? 'reserved' : 'available' });
  }

  /**
   * Where the data plane finds the bytes: a local file for the file driver. As Cinder, the QoS
   * specs of the volume's type go along for a front-end consumer (the hypervisor applies them).
   */
  async connectionInfo(vol: VolumeRow): Promise<Record<string, unknown>> {
    const type = await this.d.stores.types.get(vol.volume_type_id);
    const qos = type?.qos_specs_id ? await this.d.stores.qos.get(type.qos_specs_id) : undefined;
    const qosSpecs = qos && ['front-end', 'both'].includes(qos.consumer) ? JSON.parse(qos.specs) : null;
    return {
      driver_volume_type: 'file',
      data: { device_path: this.d.driver.localPath(volRef(vol.id)) ?? null, encrypted: !!vol.encryption_key, access_mode: vol.readonly ? 'ro' : 'rw', volume_id: vol.id, qos_specs: qosSpecs },
    };
  }
}
