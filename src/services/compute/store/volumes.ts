import type { Kysely } from 'kysely';
import type { ComputeTables, VolumeAttachmentRow } from './tables.js';

/** Which volumes are attached to which server (Nova's block device mappings of volumes). */
export class VolumeAttachmentStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  async of(serverIds: string[]): Promise<Map<string, VolumeAttachmentRow[]>> {
    const out = new Map<string, VolumeAttachmentRow[]>(serverIds.map((id) => [id, []]));
    for (let i = 0; i < serverIds.length; i += 500) {
      const rows = await this.db.selectFrom('compute_volume_attachments').selectAll().where('server_id', 'in', serverIds.slice(i, i + 500)).orderBy('device').execute();
      for (const r of rows) out.get(r.server_id)?.push(r);
    }
    return out;
  }

  async add(row: VolumeAttachmentRow): Promise<void> {
    await this.db.insertInto('compute_volume_attachments').values(row).onConflict((oc) => oc.columns(['server_id', 'volume_id']).doNothing()).execute();
  }

  async remove(serverId: string, volumeId: string): Promise<void> {
    await this.db.deleteFrom('compute_volume_attachments').where('server_id', '=', serverId).where('volume_id', '=', volumeId).execute();
  }

  async setDeleteOnTermination(serverId: string, volumeId: string, value: boolean): Promise<void> {
    await this.db.updateTable('compute_volume_attachments').set({ delete_on_termination: value ? 1 : 0 }).where('server_id', '=', serverId).where('volume_id', '=', volumeId).execute();
  }
}
