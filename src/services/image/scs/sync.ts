import type { ImageSpec } from './spec.js';

/** An image as the sync sees it. */
export interface SyncedImage {
  id: string;
  status: string;
  visibility: string;
  minDisk: number;
  minRam: number;
  properties: Record<string, string>;
}

export interface PatchOp {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

/** Where the sync registers images: this process's image service, or any Glance over HTTP. */
export interface SyncTarget {
  /** The newest image of that name, if any. */
  find(name: string): Promise<SyncedImage | undefined>;
  create(spec: ImageSpec): Promise<SyncedImage>;
  update(id: string, ops: PatchOp[]): Promise<void>;
  /** Starts a web-download import of the URL (served from a mirror when one holds it); throws when refused. */
  importUrl(id: string, url: string): Promise<void>;
}

export interface SyncResult {
  name: string;
  id: string;
  action: 'created' | 'updated' | 'unchanged';
  /** What happens with the bytes: importing, already present, or why the image stays queued. */
  data: string;
}

/** Changes that bring an existing image to its spec (properties are only added or replaced). */
export function diff(img: SyncedImage, spec: ImageSpec): PatchOp[] {
  const ops: PatchOp[] = [];
  if (img.minDisk !== spec.minDisk) ops.push({ op: 'replace', path: '/min_disk', value: spec.minDisk });
  if (img.minRam !== spec.minRam) ops.push({ op: 'replace', path: '/min_ram', value: spec.minRam });
  if (img.visibility !== spec.visibility) ops.push({ op: 'replace', path: '/visibility', value: spec.visibility });
  for (const [k, v] of Object.entries(spec.properties)) {
    if (img.properties[k] !== v) ops.push({ op: k in img.properties ? 'replace' : 'add', path: `/${k}`, value: v });
  }
  return ops;
}

/**
 * Registers the images of a list: creates missing ones, updates metadata of existing ones, and
 * imports bytes for images still without data. An image whose bytes cannot be had stays queued
 * with its metadata; nothing is marked active without its bytes.
 */
export async function syncImages(target: SyncTarget, specs: ImageSpec[]): Promise<SyncResult[]> {
  const results: SyncResult[] = [];
  for (const spec of specs) {
    let img = await target.find(spec.name);
    let action: SyncResult['action'] = 'unchanged';
    if (!img) {
      img = await target.create(spec);
      action = 'created';
    } else {
      const ops = diff(img, spec);
      if (ops.length) {
        await target.update(img.id, ops);
        action = 'updated';
      }
    }
    let data = img.status;
    if (img.status === 'queued') {
      if (!spec.url) data = 'queued (no source URL)';
      else {
        try {
          await target.importUrl(img.id, spec.url);
          data = 'importing';
        } catch (e) {
          data = `queued (${e instanceof Error ? e.message : String(e)})`;
        }
      }
    }
    results.push({ name: spec.name, id: img.id, action, data });
  }
  return results;
}
