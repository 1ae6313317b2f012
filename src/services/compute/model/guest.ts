import type { GuestSpec } from '../drivers/driver.js';
import type { ServerRow } from '../store/tables.js';

/** What the driver needs to know of a server on a host. */
export function guestOf(row: ServerRow, host: string): GuestSpec {
  return {
    id: row.id,
    name: row.name,
    host,
    vcpus: row.vcpus,
    ramMb: row.memory_mb,
    diskGb: row.root_gb,
    imageId: row.image_id,
    userData: row.user_data,
    keyData: row.key_data,
  };
}
