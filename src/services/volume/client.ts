import type { AuthContext } from '../../platform/auth.js';

/** A volume as compute needs it (Cinder field names). */
export interface VolumeInfo {
  id: string;
  name: string | null;
  status: string;
  size: number;
  project_id: string;
  bootable: boolean;
  encrypted: boolean;
  multiattach: boolean;
  volume_type: string;
  availability_zone: string;
  attachments: Array<{ attachment_id: string; server_id: string; device: string | null; host_name: string | null }>;
  volume_image_metadata: Record<string, string>;
}

/**
 * What other services (compute) may ask of the block storage service, the way Nova calls
 * Cinder's attachments API. Every call is scoped by `ctx`: another project's volume is not found.
 */
export interface VolumeClient {
  /** The volume if `ctx` may see it; undefined otherwise. */
  getVolume(ctx: AuthContext, id: string): Promise<VolumeInfo | undefined>;
  /**
   * Reserves an available volume for a server and attaches it at once (Nova's attachment create +
   * complete): the volume becomes `in-use`. `device` defaults to the next free `/dev/vdX` the
   * caller passes or `/dev/vdb`. Throws a 400/409 ApiError when the volume is not attachable.
   */
  attach(ctx: AuthContext, volumeId: string, serverId: string, opts?: { host?: string; device?: string }): Promise<{ attachmentId: string; device: string }>;
  /** Detaches the volume from the server (no-op when it is not attached there); `available` once no attachment is left. */
  detach(ctx: AuthContext, volumeId: string, serverId: string): Promise<void>;
  /**
   * Creates a bootable volume from an image (boot from volume) and resolves once it is
   * `available`; rejects (and leaves the volume in `error`) when the copy fails.
   */
  createFromImageForBoot(ctx: AuthContext, opts: { imageId: string; size: number; name?: string; availabilityZone?: string; volumeType?: string }): Promise<string>;
  /** Deletes a volume (delete_on_termination): detaches what is left, then deletes; resolves when gone. */
  deleteVolume(ctx: AuthContext, id: string): Promise<void>;
}
