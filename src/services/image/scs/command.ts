import { join, resolve } from 'node:path';
import { httpTarget, loadCloud } from './http-target.js';
import { loadSpecs } from './spec.js';
import { syncImages, type SyncResult } from './sync.js';

/**
 * `scs images sync FILE [--cloud NAME | --data DIR]`: registers the images of FILE in a running
 * cloud through its Glance API (`--data DIR` uses the `scs-admin` cloud of DIR/clouds.yaml).
 */
export async function imagesSyncCommand(file: string, opts: { cloud?: string; data?: string }): Promise<SyncResult[]> {
  const specs = loadSpecs(resolve(file));
  const cloud = opts.data ? loadCloud('scs-admin', join(resolve(opts.data), 'clouds.yaml')) : loadCloud(opts.cloud ?? process.env.OS_CLOUD ?? 'scs-admin');
  return syncImages(await httpTarget(cloud), specs);
}
