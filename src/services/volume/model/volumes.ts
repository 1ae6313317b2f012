import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import { GiB, type BlockRef } from '../drivers/driver.js';
import type { VolumeRow } from '../store/tables.js';
import { invalidVolume, isAdmin, jobAuth, json, messageOf, now, requireProject, visible, type ModelDeps } from './common.js';
import type { QuotaService } from './quotas.js';
import { recordMessage, SCHEDULE_FAILED } from './messages.js';
import { ServiceAdmin } from './services.js';
import { isEncryptedType, unsupportedEncryption, type TypeService } from './types.js';

export const CREATE_JOB = 'volume.create';
export const DELETE_JOB = 'volume.delete';
export const EXTEND_JOB = 'volume.extend';
export const UPLOAD_JOB = 'volume.upload';

export type Source = { kind: 'empty' } | { kind: 'image' | 'snapshot' | 'volume' | 'backup'; id: string };
export interface CreatePayload {
  volumeId: string;
  source: Source;
  auth: AuthContext;
}

/** Disk formats a volume may be uploaded as (Cinder's list); all but raw are made by qemu-img. */
const UPLOAD_FORMATS = ['raw', 'vmdk', 'vdi', 'qcow2', 'vhd', 'vhdx', 'ploop', 'qed'];

/** Statuses from which a volume may be deleted (Cinder's list). */
const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];
export const volRef = (id: string): BlockRef => ({ kind: 'volume', id });

export interface CreateVolume {
  size?: number;
  name?: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
  volume_type?: string;
  availability_zone?: string;
  imageRef?: string;
  snapshot_id?: string;
  source_volid?: string;
  backup_id?: string;
  multiattach?: boolean;
  /** The generic volume group to join (3.13): available, and allowing the volume's type. */
  group_id?: string;
  /** The API request, named in a user message if the volume cannot be scheduled. */
  requestId?: string;
}

export interface ListOptions {
  allTenants: boolean;
  projectId?: string;
  filters: Record<string, string>;
  metadata?: Record<string, string>;
  sort: Array<[string, 'asc' | 'desc']>;
}

/** The volume state machine: every transition is a compare-and-set on `status`; long work is a durable job. */
export class VolumeService {
  private readonly services: ServiceAdmin;
  constructor(
    private readonly d: ModelDeps,
    private readonly types: TypeService,
    private readonly quotas: QuotaService,
  ) {
    this.services = new ServiceAdmin(d);
  }

  registerJobs(): void {
    this.d.jobs.register<CreatePayload>(CREATE_JOB, {
      run: (p) => this.runCreate(p),
      onGiveUp: (p, e) => this.fail(p.volumeId, ['creating', 'downloading'], 'error', e),
    });
    this.d.jobs.register<{ volumeId: string }>(DELETE_JOB, {
      run: (p) => this.runDelete(p.volumeId),
      onGiveUp: (p, e) => this.fail(p.volumeId, ['deleting'], 'error_deleting', e),
    });
    this.d.jobs.register<{ volumeId: string; size: number }>(EXTEND_JOB, {
      run: (p) => this.runExtend(p.volumeId, p.size),
      onGiveUp: (p, e) => this.fail(p.volumeId, ['extending'], 'error_extending', e),
    });
    this.d.jobs.register<{ volumeId: string; imageId: string; format: string; auth: AuthContext }>(UPLOAD_JOB, {
      run: (p) => this.runUpload(p.volumeId, p.imageId, p.format, p.auth),
      onGiveUp: async (p, e) => {
        const row = await this.d.stores.volumes.get(p.volumeId);
        if (row) await this.d.stores.volumes.update(p.volumeId, { status: row.previous_status ?? 'available', fault: messageOf(e) }, ['uploading']);
        await this.d.image()?.deleteImage(p.auth, p.imageId).catch(() => undefined);
      },
    });
  }

  async fail(id: string, from: string[], to: string, e: Error): Promise<void> {
    this.d.log.warn({ err: e, volume: id }, `volume went to ${to}`);
    await this.d.stores.volumes.update(id, { status: to, fault: messageOf(e) }, from);
  }

  async find(auth: AuthContext, id: string): Promise<VolumeRow> {
    return visible(auth, await this.d.stores.volumes.get(id), 'Volume', id);
  }

  async list(auth: AuthContext, o: ListOptions): Promise<VolumeRow[]> {
    const scope = o.allTenants && isAdmin(auth) ? (o.projectId ? { project_id: o.projectId } : {}) : { project_id: requireProject(auth) };
    let rows = await this.d.stores.volumes.where(scope);
    const typeNames = new Map((await this.d.stores.types.where()).map((t) => [t.id, t.name]));
    for (const [k, v] of Object.entries(o.filters)) {
      rows = rows.filter((r) => {
        if (k === 'name') return r.name === v;
        if (k === 'name~') return (r.name ?? '').includes(v);
        if (k === 'status') return r.status === v;
        if (k === 'bootable') return !!r.bootable === ['true', '1', 'yes'].includes(v.toLowerCase());
        if (k === 'availability_zone') return r.availability_zone === v;
        if (k === 'volume_type') return r.volume_type_id === v || typeNames.get(r.volume_type_id) === v;
        if (k === 'id') return r.id === v;
        if (k === 'group_id') return r.group_id === v;
        return true;
      });
    }
    if (o.metadata) {
      const want = Object.entries(o.metadata);
      rows = rows.filter((r) => {
        const m = json<Record<string, string>>(r.metadata, {});
        return want.every(([k, v]) => m[k] === v);
      });
    }
    return sortRows(rows, o.sort);
  }

  /**
   * Creates a volume and the job that fills it. A restore (`restoring-backup`) and a group created
   * from a source (`creating`, in a group still `creating`) pass their own status and fill it themselves.
   */
  async create(auth: AuthContext, f: CreateVolume, internal: { status?: 'restoring-backup' | 'creating' } = {}): Promise<VolumeRow> {
    const project = requireProject(auth);
    const sources = [f.imageRef, f.snapshot_id, f.source_volid, f.backup_id].filter((s) => s !== undefined);
    if (sources.length > 1) throw badRequest('Only one of imageRef, snapshot_id, source_volid and backup_id may be given.');
    let source: Source = { kind: 'empty' };
    let size = f.size;
    let wrappedKey: string | null = null;
    let encryptedSource = false;
    let typeId: string | undefined;
    let bootable = 0;
    let imageMeta: Record<string, string> = {};
    if (f.snapshot_id) {
      const snap = await this.d.stores.snapshots.get(f.snapshot_id);
      if (!snap || (!isAdmin(auth) && snap.project_id !== project)) throw notFound(`Snapshot ${f.snapshot_id} could not be found.`);
      if (snap.status !== 'available') throw badRequest(`Invalid snapshot: Originating snapshot status must be one of 'available' values`);
      size ??= snap.size;
      if (size < snap.size) throw badRequest(`Invalid input received: Volume size '${size}'GB cannot be smaller than the snapshot size ${snap.size}GB. They must be >= original snapshot size.`);
      const parent = await this.d.stores.volumes.get(snap.volume_id);
      typeId = parent?.volume_type_id;
      bootable = parent?.bootable ?? 0;
      imageMeta = json(parent?.image_metadata, {});
      source = { kind: 'snapshot', id: snap.id };
      wrappedKey = snap.encryption_key;
      encryptedSource = !!snap.encryption_key;
    } else if (f.source_volid) {
      const src = await this.find(auth, f.source_volid).catch(() => {
        throw notFound(`Volume ${f.source_volid} could not be found.`);
      });
      if (!['available', 'in-use'].includes(src.status)) throw invalidVolume(`Source volume status must be available or in-use, not ${src.status}.`);
      size ??= src.size;
      if (size < src.size) throw badRequest(`Invalid input received: Volume size '${size}'GB cannot be smaller than the source volume size ${src.size}GB. They must be >= original volume size.`);
      typeId = src.volume_type_id;
      bootable = src.bootable;
      imageMeta = json(src.image_metadata, {});
      source = { kind: 'volume', id: src.id };
      wrappedKey = src.encryption_key;
      encryptedSource = !!src.encryption_key;
    } else if (f.backup_id) {
      const b = await this.d.stores.backups.get(f.backup_id);
      if (!b || (!isAdmin(auth) && b.project_id !== project)) throw notFound(`Backup ${f.backup_id} could not be found.`);
      if (b.status !== 'available') throw badRequest(`Invalid backup: Backup status must be available.`);
      size ??= b.size;
      typeId = (await this.d.stores.volumes.get(b.volume_id))?.volume_type_id;
      if (size < b.size) throw badRequest(`Invalid input received: Volume size '${size}'GB cannot be smaller than the backup size ${b.size}GB.`);
      source = { kind: 'backup', id: b.id };
      wrappedKey = b.encryption_key;
      encryptedSource = !!b.encryption_key;
    } else if (f.imageRef) {
      const image = await this.d.image()?.getImage(auth, f.imageRef);
      if (!image) throw badRequest(`Invalid image identifier or unable to access requested image.`);
      if (image.status !== 'active') throw badRequest(`Image ${image.id} is not active.`);
      const minGb = Math.max(image.min_disk, Math.ceil((image.size ?? 0) / GiB));
      size ??= minGb;
      if (size < minGb) throw badRequest(`Invalid input received: Image minDisk size ${minGb} is larger than the volume size ${size}.`);
      source = { kind: 'image', id: image.id };
      // Cinder: without a requested type, the image's `cinder_img_volume_type` names it (an unknown name falls back to the default).
      const named = image.properties.cinder_img_volume_type;
      if (!f.volume_type && named) typeId = (await this.types.find(auth, named).catch((e: unknown) => (e instanceof ApiError && e.status === 404 ? undefined : Promise.reject(e))))?.row.id;
    }
    if (size === undefined) throw badRequest(`Invalid input for field/attribute size. Value: None. None is not of type 'integer'`);
    if (size < 1) throw badRequest(`Invalid input received: Volume size '${size}' must be an integer and greater than 0`);

    let type = f.volume_type ? await this.types.find(auth, f.volume_type) : typeId ? ((await this.types.byId(typeId)) ?? (await this.types.defaultType(auth))) : await this.types.defaultType(auth);
    if (!f.volume_type && source.kind !== 'empty' && source.kind !== 'image' && isEncryptedType(type) !== encryptedSource) {
      // The source's type is gone: any visible type with the source's encryption will do.
      type = (await this.types.list(auth)).find((t) => isEncryptedType(t) === encryptedSource) ?? type;
    }
    const encrypted = isEncryptedType(type);
    if (source.kind !== 'empty' && source.kind !== 'image' && encrypted !== encryptedSource) {
      throw badRequest('Invalid volume type: the new volume must have the same encryption as its source.');
    }
    // As Cinder's scheduler: without a back end that can hold the volume it is created in `error`.
    const noBackend = internal.status ? undefined : ((await this.services.noBackend(type.extraSpecs)) ?? unsupportedEncryption(type));
    let keyId: string | null = null;
    if (encrypted && !wrappedKey && !noBackend) ({ wrapped: wrappedKey, keyId } = this.d.keys.create(type.encryption?.key_size ?? undefined));
    if (encrypted && wrappedKey && !keyId) keyId = uuid();
    if (f.availability_zone && f.availability_zone !== this.d.settings.availabilityZone) throw badRequest(`Invalid input received: Availability zone '${f.availability_zone}' is invalid.`);
    if (f.group_id) await this.checkGroup(auth, f.group_id, type.row.id, internal.status === 'creating');

    await this.quotas.check(project, { volumes: 1, gigabytes: size }, type.row.id);
    const at = now();
    const row: VolumeRow = {
      id: uuid(),
      project_id: project,
      user_id: auth.userId,
      name: f.name ?? null,
      description: f.description ?? null,
      size,
      status: internal.status ?? (noBackend ? 'error' : 'creating'),
      previous_status: null,
      availability_zone: this.d.settings.availabilityZone,
      volume_type_id: type.row.id,
      bootable,
      multiattach: f.multiattach ? 1 : 0,
      readonly: null,
      source_volid: f.source_volid ?? null,
      snapshot_id: f.snapshot_id ?? null,
      image_id: f.imageRef ?? null,
      metadata: JSON.stringify(f.metadata ?? {}),
      image_metadata: JSON.stringify(imageMeta),
      encryption_key: wrappedKey,
      encryption_key_id: keyId,
      fault: noBackend ?? null,
      group_id: f.group_id ?? null,
      created_at: at,
      updated_at: at,
    };
    await this.d.stores.volumes.insert(row);
    if (noBackend) await recordMessage(this.d, { project_id: project, request_id: f.requestId ?? '', resource_type: 'VOLUME', resource_uuid: row.id, event_id: SCHEDULE_FAILED, user_message: `schedule allocate volume: ${noBackend}` });
    if (!internal.status && !noBackend) await this.d.jobs.enqueue(CREATE_JOB, { volumeId: row.id, source, auth: jobAuth(auth) } satisfies CreatePayload);
    return row;
  }

  private async checkGroup(auth: AuthContext, groupId: string, typeId: string, fromSource: boolean): Promise<void> {
    const group = await this.d.stores.groups.get(groupId);
    if (!group || (!isAdmin(auth) && group.project_id !== auth.projectId)) throw notFound(`Group ${groupId} could not be found.`);
    const status = fromSource ? 'creating' : 'available';
    if (group.status !== status) throw badRequest(`Invalid input received: Group ${groupId} status must be ${status}, but current status is: ${group.status}.`);
    if (!json<string[]>(group.volume_type_ids, []).includes(typeId)) throw badRequest(`Invalid input received: Volume type ${typeId} is not one of the types of group ${groupId}.`);
  }

  /** Fills a volume in `creating` from its source (a create job, or a group created from a source). */
  async runCreate(p: CreatePayload): Promise<void> {
    const row = await this.d.stores.volumes.get(p.volumeId);
    if (!row || !['creating', 'downloading'].includes(row.status)) return;
    const bytes = row.size * GiB;
    const ref = volRef(row.id);
    const patch: Partial<VolumeRow> = {};
    switch (p.source.kind) {
      case 'empty':
        await this.d.driver.create(ref, bytes);
        break;
      case 'image': {
        const images = this.d.image();
        if (!images) throw new Error('The image service is not available.');
        await this.d.stores.volumes.update(row.id, { status: 'downloading' }, ['creating', 'downloading']);
        const info = await images.getImage(p.auth, p.source.id);
        if (!info) throw new Error(`Image ${p.source.id} is gone.`);
        await this.d.driver.importData(ref, await images.openData(p.auth, p.source.id), bytes, this.d.keys.unwrap(row.encryption_key), info.disk_format);
        patch.bootable = 1;
        patch.image_metadata = JSON.stringify(imageMetadata(info));
        break;
      }
      default:
        await this.d.driver.copy({ kind: p.source.kind, id: p.source.id }, ref, bytes);
    }
    await this.d.stores.volumes.update(row.id, { ...patch, status: 'available', fault: null }, ['creating', 'downloading']);
  }

  async update(auth: AuthContext, id: string, f: { name?: string | null; description?: string | null; metadata?: Record<string, string> }): Promise<VolumeRow> {
    const row = await this.find(auth, id);
    const patch: Partial<VolumeRow> = {};
    if (f.name !== undefined) patch.name = f.name;
    if (f.description !== undefined) patch.description = f.description;
    if (f.metadata !== undefined) patch.metadata = JSON.stringify(f.metadata);
    await this.d.stores.volumes.update(row.id, patch);
    return this.find(auth, id);
  }

  async setMetadata(auth: AuthContext, id: string, meta: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    const row = await this.find(auth, id);
    if (row.status === 'maintenance') throw invalidVolume('Volume is in maintenance.');
    const next = replace ? meta : { ...json<Record<string, string>>(row.metadata, {}), ...meta };
    await this.d.stores.volumes.update(row.id, { metadata: JSON.stringify(next) });
    return next;
  }

  async deleteMetadata(auth: AuthContext, id: string, key: string): Promise<void> {
    const row = await this.find(auth, id);
    const meta = json<Record<string, string>>(row.metadata, {});
    if (!(key in meta)) throw notFound(`Volume ${id} has no metadata with key ${key}.`);
    delete meta[key];
    await this.d.stores.volumes.update(row.id, { metadata: JSON.stringify(meta) });
  }

  async remove(auth: AuthContext, id: string, cascade: boolean): Promise<void> {
    const row = await this.find(auth, id);
    const attached = (await this.d.stores.attachments.where({ volume_id: id })).some((a) => a.attach_status !== 'detached');
    const snaps = await this.d.stores.snapshots.where({ volume_id: id });
    // As Cinder: a group's volumes go with the group (or leave it first).
    if (!DELETABLE.includes(row.status) || attached || (snaps.length && !cascade) || row.group_id) {
      throw invalidVolume('Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.');
    }
    if (snaps.some((s) => !['available', 'error'].includes(s.status))) throw invalidVolume('Snapshot of the volume is busy.');
    if (!(await this.d.stores.volumes.update(id, { status: 'deleting' }, DELETABLE))) throw invalidVolume(`Volume status changed while deleting.`);
    for (const s of snaps) await this.d.stores.snapshots.update(s.id, { status: 'deleting' });
    await this.d.jobs.enqueue(DELETE_JOB, { volumeId: id });
  }

  /** os-force_delete (admin): any status but attached; snapshots go along. */
  async forceDelete(auth: AuthContext, id: string): Promise<void> {
    const row = await this.find(auth, id);
    if ((await this.d.stores.attachments.where({ volume_id: id })).some((a) => a.attach_status !== 'detached')) throw invalidVolume('Volume must not be attached.');
    if (!(await this.d.stores.volumes.update(id, { status: 'deleting' }, [row.status]))) throw conflict('Volume status changed.');
    for (const s of await this.d.stores.snapshots.where({ volume_id: id })) await this.d.stores.snapshots.update(s.id, { status: 'deleting' });
    await this.d.jobs.enqueue(DELETE_JOB, { volumeId: id });
  }

  /** Removes a volume in `deleting`, its snapshots and attachments (a delete job, or a group's). */
  async runDelete(id: string): Promise<void> {
    for (const s of await this.d.stores.snapshots.where({ volume_id: id })) {
      await this.d.driver.remove({ kind: 'snapshot', id: s.id });
      await this.d.stores.snapshots.remove(s.id);
    }
    await this.d.driver.remove(volRef(id));
    for (const a of await this.d.stores.attachments.where({ volume_id: id })) await this.d.stores.attachments.remove(a.id);
    await this.d.stores.volumes.remove(id, ['deleting']);
  }

  async extend(auth: AuthContext, id: string, newSize: number, inUseAllowed: boolean): Promise<void> {
    const row = await this.find(auth, id);
    const allowed = inUseAllowed ? ['available', 'in-use'] : ['available'];
    if (!allowed.includes(row.status)) throw invalidVolume(`Volume should be in ${allowed.join(' or ')} state for extending, but current status is: ${row.status}.`);
    if (newSize <= row.size) throw badRequest(`Invalid input received: New size for extend must be greater than current size. (current: ${row.size}, extended: ${newSize}).`);
    await this.quotas.check(row.project_id, { gigabytes: newSize - row.size }, row.volume_type_id);
    if (!(await this.d.stores.volumes.update(id, { status: 'extending', previous_status: row.status }, [row.status]))) throw conflict('Volume status changed.');
    await this.d.jobs.enqueue(EXTEND_JOB, { volumeId: id, size: newSize });
  }

  private async runExtend(id: string, size: number): Promise<void> {
    const row = await this.d.stores.volumes.get(id);
    if (!row || row.status !== 'extending') return;
    await this.d.driver.resize(volRef(id), size * GiB);
    if (!(await this.d.stores.volumes.update(id, { size, status: row.previous_status ?? 'available', previous_status: null }, ['extending']))) return;
    // An attached volume grew: the servers' hypervisors must learn it, as Cinder tells Nova.
    if (row.previous_status === 'in-use') {
      const servers = (await this.d.stores.attachments.where({ volume_id: id })).filter((a) => a.attach_status === 'attached' && a.instance_uuid).map((a) => a.instance_uuid!);
      // The volume has grown either way; a compute that cannot be told is logged, as Cinder does.
      if (servers.length) await this.d.compute()?.volumeExtended(id, [...new Set(servers)], `req-${uuid()}`).catch((e) => this.d.log.warn({ err: e, volume: id }, 'telling compute about the extended volume failed'));
    }
  }

  async setBootable(auth: AuthContext, id: string, bootable: boolean): Promise<void> {
    const row = await this.find(auth, id);
    await this.d.stores.volumes.update(row.id, { bootable: bootable ? 1 : 0 });
  }

  async setImageMetadata(auth: AuthContext, id: string, meta: Record<string, string>): Promise<Record<string, string>> {
    const row = await this.find(auth, id);
    const next = { ...json<Record<string, string>>(row.image_metadata, {}), ...meta };
    await this.d.stores.volumes.update(row.id, { image_metadata: JSON.stringify(next) });
    return next;
  }

  async unsetImageMetadata(auth: AuthContext, id: string, key: string): Promise<void> {
    const row = await this.find(auth, id);
    const meta = json<Record<string, string>>(row.image_metadata, {});
    if (!(key in meta)) throw notFound(`Glance metadata for volume ${id} with key ${key} could not be found.`);
    delete meta[key];
    await this.d.stores.volumes.update(row.id, { image_metadata: JSON.stringify(meta) });
  }

  /** os-update_readonly_flag: Cinder refuses it while the volume is busy or attached. */
  async setReadonly(auth: AuthContext, id: string, readonly: boolean): Promise<void> {
    const row = await this.find(auth, id);
    if (!(await this.d.stores.volumes.update(row.id, { readonly: readonly ? 1 : 0 }, ['available']))) throw invalidVolume(`Volume status must be available to update readonly flag, but current status is: ${row.status}.`);
  }

  /**
   * os-retype within the one back end: the type changes, the bytes stay. A change of encryption
   * would need the data rewritten (a migration), which is not done: refused as Cinder refuses a
   * retype that needs a migration under `migration_policy=never`.
   */
  async retype(auth: AuthContext, id: string, newType: string): Promise<void> {
    const row = await this.find(auth, id);
    if (!['available', 'in-use'].includes(row.status)) throw invalidVolume(`Volume status must be available or in-use to retype, but current status is: ${row.status}.`);
    const [from, to] = [await this.types.byId(row.volume_type_id), await this.types.find(auth, newType)];
    if (to.row.id === row.volume_type_id) throw badRequest('Invalid input received: New volume type must be different from the current one.');
    if (!from || isEncryptedType(from) !== isEncryptedType(to)) throw badRequest('Invalid volume type: retype needs a migration (the encryption changes), which this cloud does not do.');
    if (!(await this.d.stores.volumes.update(row.id, { volume_type_id: to.row.id }, ['available', 'in-use']))) throw conflict('Volume status changed.');
  }

  async resetStatus(auth: AuthContext, id: string, f: { status?: string; attach_status?: string }): Promise<void> {
    const row = await this.find(auth, id);
    const valid = ['available', 'error', 'creating', 'deleting', 'in-use', 'attaching', 'detaching', 'error_deleting', 'maintenance', 'reserved', 'error_extending', 'extending', 'uploading', 'downloading', 'backing-up', 'restoring-backup', 'error_restoring'];
    if (f.status && !valid.includes(f.status)) throw badRequest(`Invalid input received: Must specify a valid status.`);
    if (f.attach_status && !['attached', 'detached'].includes(f.attach_status)) throw badRequest('Invalid input received: Must specify a valid attach status.');
    if (f.attach_status === 'detached') {
      for (const a of await this.d.stores.attachments.where({ volume_id: id })) await this.d.stores.attachments.remove(a.id);
    }
    if (f.status) await this.d.stores.volumes.update(row.id, { status: f.status });
  }

  /** os-volume_upload_image: the volume's bytes become a new Glance image. */
  async uploadToImage(auth: AuthContext, id: string, f: { image_name: string; force: boolean; disk_format: string; container_format: string; visibility?: string; protected?: boolean }) {
    const row = await this.find(auth, id);
    const allowed = f.force ? ['available', 'in-use'] : ['available'];
    if (!allowed.includes(row.status)) throw invalidVolume(`Volume status must be available${f.force ? ' or in-use' : ''}.`);
    if (!UPLOAD_FORMATS.includes(f.disk_format)) throw badRequest(`Invalid disk-format '${f.disk_format}' specified. Allowed disk-formats are ${UPLOAD_FORMATS.join(', ')}.`);
    const images = this.d.image();
    if (!images) throw badRequest('The image service is not available.');
    const meta = json<Record<string, string>>(row.image_metadata, {});
    const properties = Object.fromEntries(Object.entries(meta).filter(([k]) => !['image_id', 'image_name', 'checksum', 'size', 'disk_format', 'container_format', 'min_disk', 'min_ram'].includes(k)));
    const image = await images.createImage(auth, { name: f.image_name, disk_format: f.disk_format, container_format: f.container_format, visibility: f.visibility ?? 'private', min_disk: row.size, properties });
    if (!(await this.d.stores.volumes.update(id, { status: 'uploading', previous_status: row.status }, [row.status]))) {
      await images.deleteImage(auth, image.id);
      throw conflict('Volume status changed.');
    }
    await this.d.jobs.enqueue(UPLOAD_JOB, { volumeId: id, imageId: image.id, format: f.disk_format, auth: jobAuth(auth) });
    return { row: { ...row, status: 'uploading' }, image };
  }

  private async runUpload(id: string, imageId: string, format: string, auth: AuthContext): Promise<void> {
    const row = await this.d.stores.volumes.get(id);
    if (!row || row.status !== 'uploading') return;
    const images = this.d.image();
    if (!images) throw new Error('The image service is not available.');
    await images.uploadData(auth, imageId, await this.d.driver.exportData(volRef(id), this.d.keys.unwrap(row.encryption_key), format));
    await this.d.stores.volumes.update(id, { status: row.previous_status ?? 'available', previous_status: null }, ['uploading']);
  }
}

/** Cinder copies these image fields into `volume_image_metadata`, plus the image's own properties. */
function imageMetadata(i: { id: string; name: string | null; checksum: string | null; size: number | null; disk_format: string | null; container_format: string | null; min_disk: number; min_ram: number; properties: Record<string, string> }): Record<string, string> {
  const base: Record<string, string> = { image_id: i.id, image_name: i.name ?? '', min_disk: String(i.min_disk), min_ram: String(i.min_ram) };
  if (i.checksum) base.checksum = i.checksum;
  if (i.size !== null) base.size = String(i.size);
  if (i.disk_format) base.disk_format = i.disk_format;
  if (i.container_format) base.container_format = i.container_format;
  return { ...i.properties, ...base };
}

/** Sorts rows by Cinder sort keys (created_at desc by default), id as the tie breaker. */
export function sortRows<R extends { id: string }>(rows: R[], sort: Array<[string, 'asc' | 'desc']>): R[] {
  const keys: Array<[string, 'asc' | 'desc']> = sort.length ? [...sort] : [['created_at', 'desc']];
  if (!keys.some(([k]) => k === 'id')) keys.push(['id', keys[0][1]]);
  return [...rows].sort((a, b) => {
    for (const [k, dir] of keys) {
      const av = (a as Record<string, unknown>)[k];
      const bv = (b as Record<string, unknown>)[k];
      if (av === bv) continue;
      const cmp = av === null || av === undefined ? -1 : bv === null || bv === undefined ? 1 : av < bv ? -1 : 1;
      return dir === 'asc' ? cmp : -cmp;
    }
    return 0;
  });
}
