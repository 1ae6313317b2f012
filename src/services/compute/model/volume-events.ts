import type { AuthContext } from '../../../platform/auth.js';
import { DriverError } from '../drivers/driver.js';
import type { VolumeAttachmentStore } from '../store/volumes.js';
import type { ServerRow } from '../store/tables.js';
import type { ComputeModel } from './context.js';
import { guestOf } from './guest.js';
import type { ServerService } from './servers.js';

export const VOLUME_EXTENDED_JOB = 'compute.volume-extended';

export interface VolumeExtendedPayload {
  serverId: string;
  volumeId: string;
  actionId: string;
}

const GiB = 1024 ** 3;

/**
 * Cinder's `volume-extended` external event: as Nova, the server gets an `extend_volume` instance
 * action at once, and a durable job tells the driver that the attached disk grew (event
 * `compute_extend_volume`). A failure is recorded on the event; the guest keeps running.
 */
export class VolumeEvents {
  constructor(
    private readonly m: ComputeModel,
    private readonly servers: ServerService,
    private readonly attachments: VolumeAttachmentStore,
  ) {}

  async extended(auth: AuthContext, row: ServerRow, volumeId: string, requestId: string): Promise<void> {
    const actionId = await this.servers.recordAction(auth, row, 'extend_volume', requestId);
    await this.m.jobs.enqueue(VOLUME_EXTENDED_JOB, { serverId: row.id, volumeId, actionId } satisfies VolumeExtendedPayload);
  }

  async run(p: VolumeExtendedPayload): Promise<void> {
    const row = await this.m.servers.get(p.serverId);
    if (!row?.host) return;
    const event = { event: 'compute_extend_volume', start_time: new Date().toISOString(), host: row.host };
    await this.m.servers.recordEvent(p.actionId, { ...event, finish_time: null, result: null, traceback: null });
    let error: string | null = null;
    try {
      const attached = (await this.attachments.of([row.id])).get(row.id)?.some((a) => a.volume_id === p.volumeId);
      const auth = await this.m.peers().identity.contextForUserProject(row.user_id, row.project_id);
      const volume = await this.m.peers().volume?.getVolume(auth, p.volumeId);
      if (!attached || !volume) throw new DriverError(`Volume ${p.volumeId} is not attached to instance ${row.id}.`);
      await this.m.driver.extendVolume(guestOf(row, row.host), p.volumeId, volume.size * GiB);
    } catch (e) {
      if (!(e instanceof DriverError)) throw e;
      error = e.message;
    }
    await this.m.servers.recordEvent(p.actionId, { ...event, finish_time: new Date().toISOString(), result: error ? 'Error' : 'Success', traceback: error });
  }
}
