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
  description: string | null;
  metadata: Record<string, string>;
  snapshot_id: string | null;
  created_at: string;
}

/** A volume snapshot as compute's deprecated `os-snapshots` proxy shows it. */
export interface SnapshotInfo {
  id: string;
  volume_id: string;
  status: string;
  size: number;
  name: string | null;
  description: string | null;
  created_at: string;
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
   * Creates a volume for a server's build (boot from volume): from an image or a snapshot, or
   * blank without either, and resolves once it is `available`; rejects (and leaves the volume in
   * `error`) when the copy fails. `size` may be left out for a snapshot (its size).
   */
  createForBoot(ctx: AuthContext, opts: { imageId?: string; snapshotId?: string; size?: number; name?: string; availabilityZone?: string; volumeType?: string }): Promise<string>;
  /** Deletes a volume (delete_on_termination): detaches what is left, then deletes; resolves when gone. */
  deleteVolume(ctx: AuthContext, id: string): Promise<void>;

  // Compute's deprecated `os-volumes`/`os-snapshots` proxy (before 2.36): the caller's project only.
  listVolumes(ctx: AuthContext): Promise<VolumeInfo[]>;
  /** Starts creating a volume (status `creating`), as Cinder's create; 4xx ApiErrors as Cinder's. */
  createVolume(ctx: AuthContext, f: { size: number; name?: string | null; description?: string | null; metadata?: Record<string, string>; availabilityZone?: string; volumeType?: string; snapshotId?: string }): Promise<VolumeInfo>;
  /** Starts deleting an unattached volume, as Cinder's delete (no cascade). */
  removeVolume(ctx: AuthContext, id: string): Promise<void>;
  listSnapshots(ctx: AuthContext): Promise<SnapshotInfo[]>;
  getSnapshot(ctx: AuthContext, id: string): Promise<SnapshotInfo | undefined>;
  createSnapshot(ctx: AuthContext, f: { volumeId: string; name?: string | null; description?: string | null; force: boolean }): Promise<SnapshotInfo>;
  removeSnapshot(ctx: AuthContext, id: string): Promise<void>;
}
