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
    files: injectedFiles(row.personality),
  };
}

/** The files of a `personality` column (JSON or null). */
export const injectedFiles = (json: string | null | undefined): GuestSpec['files'] => (json ? (JSON.parse(json) as GuestSpec['files']) : []);
