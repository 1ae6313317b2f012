import type { Readable } from 'node:stream';

/** Where a block of bytes lives: a volume, a snapshot or a backup, each by id. */
export interface BlockRef {
  kind: 'volume' | 'snapshot' | 'backup';
  id: string;
}

/**
 * The data plane of the block storage service: the narrow seam between Cinder's rules and the
 * bytes. Keys are passed in (never stored by a driver): `undefined` means clear text, a key
 * means the bytes are encrypted at rest with it. Copies keep the ciphertext as it is, so the key
 * travels with the copy (snapshots, clones and backups reuse their source's key).
 */
export interface VolumeDriver {
  readonly capabilities: {
    /** Unwritten ranges take no space. */
    sparse: boolean;
    /** Can encrypt at rest (encrypted volume types). */
    encryption: boolean;
  };
  /** Creates (or re-creates, idempotently) a zero-filled block of `bytes`. */
  create(ref: BlockRef, bytes: number): Promise<void>;
  /**
   * Fills a new block from an image's bytes (create from image), converting `format` (Glance's
   * disk_format: raw, qcow2, vmdk, ...) to raw, then sizes it to `bytes`; rejects when the disk is larger.
   */
  importData(ref: BlockRef, data: Readable, bytes: number, key?: Buffer, format?: string | null): Promise<void>;
  /** The clear-text bytes of a block (upload to image), raw or converted to `format` (qcow2, vmdk, ...). */
  exportData(ref: BlockRef, key?: Buffer, format?: string): Promise<Readable>;
  /** Copies a block as it is stored (clone, snapshot, backup, restore), then sizes it to `bytes` (never smaller). */
  copy(from: BlockRef, to: BlockRef, bytes: number): Promise<void>;
  /** Grows a block to `bytes` (extend). */
  resize(ref: BlockRef, bytes: number): Promise<void>;
  /** Whether the block is stored (an imported backup record must point at data). */
  exists(ref: BlockRef): Promise<boolean>;
  /** The stored size of a block in bytes; undefined when it is not stored. */
  size(ref: BlockRef): Promise<number | undefined>;
  /** The stored blocks of a kind (ids and sizes in bytes), for listing what could be managed. */
  list(kind: BlockRef['kind']): Promise<Array<{ id: string; bytes: number }>>;
  /** Gives a stored block another name (manage: a block the service did not know becomes a volume or snapshot); no error when `from` is gone and `to` exists. */
  rename(from: BlockRef, to: BlockRef): Promise<void>;
  /** Removes a block; no error when it is already gone. */
  remove(ref: BlockRef): Promise<void>;
  /** Path of the stored bytes (the data plane of a local hypervisor); undefined when not local. */
  localPath(ref: BlockRef): string | undefined;
}

export const GiB = 1024 ** 3;
