import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../../platform/auth.js';
import { isoNaive } from '../../../platform/ids.js';
import { json } from '../model/common.js';
import type { GroupType } from '../model/group-types.js';
import type { VolumeType } from '../model/types.js';
import type { AttachmentRow, BackupRow, GroupRow, GroupSnapshotRow, SnapshotRow, VolumeRow } from '../store/tables.js';
import { minorVersion } from './versions.js';

const time = (iso: string | null) => (iso ? isoNaive(iso) : null);
const isAdmin = (auth: AuthContext) => auth.roles.includes('admin');

function links(base: string, project: string, kind: string, id: string) {
  return [
    { rel: 'self', href: `${base}/v3/${project}/${kind}/${id}` },
    { rel: 'bookmark', href: `${base}/${project}/${kind}/${id}` },
  ];
}

export const summary = (base: string, kind: string) => (r: { id: string; name: string | null; project_id: string }) => ({ id: r.id, name: r.name, links: links(base, r.project_id, kind, r.id) });

export function volumeAttachments(rows: AttachmentRow[]) {
  return rows
    .filter((a) => a.attach_status === 'attached')
    .map((a) => ({
      id: a.volume_id,
      attachment_id: a.id,
      volume_id: a.volume_id,
      server_id: a.instance_uuid,
      host_name: a.attached_host,
      device: a.mountpoint,
      attached_at: time(a.attach_time),
    }));
}

/**
 * The volume as Cinder shows it at the request's microversion. Cinder's tenant, host, migration and
 * image metadata attributes extend show and list only (`extended`), not the create/update answers.
 */
export function volumeView(req: FastifyRequest, base: string, v: VolumeRow, typeName: string, attachments: AttachmentRow[], extended = true) {
  const mv = minorVersion(req);
  const admin = isAdmin(req.auth);
  const imageMeta = json<Record<string, string>>(v.image_metadata, {});
  return {
    id: v.id,
    name: v.name,
    description: v.description,
    status: v.status,
    size: v.size,
    availability_zone: v.availability_zone,
    created_at: time(v.created_at),
    updated_at: time(v.updated_at),
    attachments: volumeAttachments(attachments),
    bootable: v.bootable ? 'true' : 'false',
    encrypted: !!v.encryption_key,
    multiattach: !!v.multiattach,
    // Cinder shows the admin `readonly` flag among the metadata once it has been set.
    metadata: { ...json(v.metadata, {}), ...(v.readonly === null ? {} : { readonly: v.readonly ? 'True' : 'False' }) },
    links: links(base, v.project_id, 'volumes', v.id),
    volume_type: typeName,
    snapshot_id: v.snapshot_id,
    source_volid: v.source_volid,
    consistencygroup_id: null,
    replication_status: null,
    migration_status: null,
    user_id: v.user_id,
    ...(extended ? { 'os-vol-tenant-attr:tenant_id': v.project_id } : {}),
    ...(extended && admin ? { 'os-vol-host-attr:host': `localhost@file#file`, 'os-vol-mig-status-attr:migstat': null, 'os-vol-mig-status-attr:name_id': null } : {}),
    ...(extended && Object.keys(imageMeta).length ? { volume_image_metadata: imageMeta } : {}),
    ...(mv >= 13 ? { group_id: v.group_id } : {}),
    ...(mv >= 21 && admin ? { provider_id: null } : {}),
    ...(mv >= 48 ? { service_uuid: null, shared_targets: false } : {}),
    ...(mv >= 61 && admin ? { cluster_name: null } : {}),
    ...(mv >= 63 ? { volume_type_id: v.volume_type_id } : {}),
    ...(mv >= 64 ? { encryption_key_id: v.encryption_key_id } : {}),
    ...(mv >= 65 ? { consumes_quota: true } : {}),
  };
}

/** A snapshot; the extended attributes (progress, project) are on show and the detailed list only. */
export function snapshotView(req: FastifyRequest, s: SnapshotRow, extended = true) {
  const mv = minorVersion(req);
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    status: s.status,
    size: s.size,
    volume_id: s.volume_id,
    metadata: json(s.metadata, {}),
    created_at: time(s.created_at),
    updated_at: time(s.updated_at),
    ...(extended ? { 'os-extended-snapshot-attributes:progress': s.progress ?? (s.status === 'available' ? '100%' : '0%'), 'os-extended-snapshot-attributes:project_id': s.project_id } : {}),
    ...(mv >= 14 ? { group_snapshot_id: s.group_snapshot_id } : {}),
    ...(mv >= 41 ? { user_id: s.user_id } : {}),
    ...(mv >= 65 ? { consumes_quota: true } : {}),
  };
}

export function backupView(req: FastifyRequest, base: string, b: BackupRow, hasDependents: boolean) {
  const mv = minorVersion(req);
  return {
    id: b.id,
    name: b.name,
    description: b.description,
    status: b.status,
    size: b.size,
    volume_id: b.volume_id,
    snapshot_id: b.snapshot_id,
    availability_zone: b.availability_zone,
    container: b.container ?? 'backups',
    object_count: 0,
    is_incremental: !!b.is_incremental,
    has_dependent_backups: hasDependents,
    fail_reason: b.fail_reason,
    data_timestamp: time(b.data_timestamp),
    created_at: time(b.created_at),
    updated_at: time(b.updated_at),
    links: links(base, b.project_id, 'backups', b.id),
    ...(mv >= 18 ? { 'os-backup-project-attr:project_id': b.project_id } : {}),
    ...(mv >= 43 ? { metadata: json(b.metadata, {}) } : {}),
    ...(mv >= 56 ? { user_id: b.user_id } : {}),
    ...(mv >= 51 ? { encryption_key_id: null } : {}),
  };
}

/** A volume type; Cinder's create answer lacks `qos_specs_id`, its update answer the access attribute too. */
export function typeView(req: FastifyRequest, t: VolumeType, form: 'show' | 'create' | 'update' = 'show') {
  const admin = isAdmin(req.auth);
  return {
    id: t.row.id,
    name: t.row.name,
    description: t.row.description,
    is_public: !!t.row.is_public,
    ...(form !== 'update' ? { 'os-volume-type-access:is_public': !!t.row.is_public } : {}),
    // Cinder shows extra specs to admins only.
    extra_specs: admin ? t.extraSpecs : {},
    ...(admin && form === 'show' ? { qos_specs_id: t.row.qos_specs_id } : {}),
  };
}

export function attachmentView(a: AttachmentRow, connectionInfo?: Record<string, unknown>) {
  return {
    id: a.id,
    status: a.attach_status,
    instance: a.instance_uuid,
    volume_id: a.volume_id,
    attached_at: time(a.attach_time),
    detached_at: null,
    attach_mode: a.attach_mode,
    connection_info: a.attach_status === 'reserved' ? {} : (connectionInfo ?? {}),
  };
}

/** A group type; Cinder shows its group specs to admins only. */
export function groupTypeView(req: FastifyRequest, t: GroupType) {
  return { id: t.row.id, name: t.row.name, description: t.row.description, is_public: !!t.row.is_public, ...(isAdmin(req.auth) ? { group_specs: t.specs } : {}) };
}

/** A group at the request's microversion; `volumes` (3.25) only when asked for with `list_volume`. */
export function groupView(req: FastifyRequest, g: GroupRow, volumes?: string[]) {
  const mv = minorVersion(req);
  return {
    id: g.id,
    status: g.status,
    availability_zone: g.availability_zone,
    created_at: time(g.created_at),
    name: g.name,
    description: g.description,
    group_type: g.group_type_id,
    volume_types: json<string[]>(g.volume_type_ids, []),
    ...(mv >= 14 ? { group_snapshot_id: g.group_snapshot_id, source_group_id: g.source_group_id } : {}),
    ...(mv >= 25 && volumes ? { volumes } : {}),
    ...(mv >= 38 ? { replication_status: 'disabled' } : {}),
    ...(mv >= 58 && isAdmin(req.auth) ? { project_id: g.project_id } : {}),
  };
}

export function groupSnapshotView(req: FastifyRequest, s: GroupSnapshotRow) {
  return {
    id: s.id,
    group_id: s.group_id,
    group_type_id: s.group_type_id,
    status: s.status,
    created_at: time(s.created_at),
    name: s.name,
    description: s.description,
    ...(minorVersion(req) >= 58 && isAdmin(req.auth) ? { project_id: s.project_id } : {}),
  };
}
