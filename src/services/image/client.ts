import type { Readable } from 'node:stream';
import type { AuthContext } from '../../platform/auth.js';

/** An image as compute and volume need it (Glance field names). */
export interface ImageInfo {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  owner: string | null;
  size: number | null;
  min_disk: number;
  min_ram: number;
  disk_format: string | null;
  container_format: string | null;
  checksum: string | null;
  properties: Record<string, string>;
  created_at: string;
  updated_at: string;
}

/** Filters of compute's image proxy (Nova's `GET /images`). */
export interface ImageListQuery {
  name?: string;
  /** Glance statuses. */
  status?: string[];
  /** Exact matches on user properties (`server` is `instance_uuid`, `type` is `image_type`). */
  properties?: Record<string, string>;
  changesSince?: string;
  minRam?: number;
  minDisk?: number;
  limit: number;
  marker?: string;
}

/** What other services (compute, volume) may ask of the image service. */
export interface ImageClient {
  /** The image if `ctx` may see it (owner, public, community, shared member); undefined otherwise. */
  getImage(ctx: AuthContext, id: string): Promise<ImageInfo | undefined>;
  /** Creates a queued image owned by ctx's project (snapshots, volume upload-to-image). */
  createImage(ctx: AuthContext, fields: { name: string; disk_format?: string; container_format?: string; visibility?: string; min_disk?: number; min_ram?: number; properties?: Record<string, string> }): Promise<ImageInfo>;
  /** Stores the bytes of a queued image atomically; the image becomes active with all of them or stays queued. */
  uploadData(ctx: AuthContext, id: string, data: Readable): Promise<ImageInfo>;
  /** The decrypted bytes of an active image, streamed. */
  openData(ctx: AuthContext, id: string): Promise<Readable>;
  /** Deletes an image (undo of a failed snapshot, compute's image proxy). */
  deleteImage(ctx: AuthContext, id: string): Promise<void>;
  /** Images `ctx` may see, newest first (compute's deprecated image proxy). */
  listImages(ctx: AuthContext, q: ImageListQuery): Promise<ImageInfo[]>;
  /** Replaces the user properties of an image with `properties` (compute's image metadata proxy). */
  replaceProperties(ctx: AuthContext, id: string, properties: Record<string, string>): Promise<ImageInfo>;
}
