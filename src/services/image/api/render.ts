import { fromDbBool } from '../../../platform/db/database.js';
import { isoSeconds } from '../../../platform/ids.js';
import type { ImageRecord } from '../store/images.js';
import type { MemberRow } from '../store/tables.js';

/** Properties Glance keeps to itself. */
const HIDDEN = ['os_glance_stage_host', 'os_glance_hash_op_host'];

/** An image as Glance v2 prints it: free-form properties flattened beside the core attributes. */
export function renderImage(rec: ImageRecord) {
  const r = rec.row;
  const props = Object.fromEntries(Object.entries(rec.properties).filter(([k]) => !HIDDEN.includes(k)));
  return {
    ...props,
    name: r.name,
    disk_format: r.disk_format,
    container_format: r.container_format,
    visibility: r.visibility,
    size: r.size,
    virtual_size: r.virtual_size,
    status: r.status,
    checksum: r.checksum,
    protected: fromDbBool(r.protected),
    min_ram: r.min_ram,
    min_disk: r.min_disk,
    owner: r.owner,
    os_hidden: fromDbBool(r.os_hidden),
    os_hash_algo: r.os_hash_algo,
    os_hash_value: r.os_hash_value,
    id: r.id,
    created_at: isoSeconds(r.created_at),
    updated_at: isoSeconds(r.updated_at),
    tags: rec.tags,
    self: `/v2/images/${r.id}`,
    file: `/v2/images/${r.id}/file`,
    schema: '/v2/schemas/image',
    ...(r.data_file ? { stores: 'local' } : {}),
  };
}

export function renderMember(m: MemberRow) {
  return {
    member_id: m.member_id,
    image_id: m.image_id,
    status: m.status,
    created_at: isoSeconds(m.created_at),
    updated_at: isoSeconds(m.updated_at),
    schema: '/v2/schemas/member',
  };
}
