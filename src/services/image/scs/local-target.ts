import type { AuthContext } from '../../../platform/auth.js';
import type { DataService } from '../model/data.js';
import type { ImageService } from '../model/images.js';
import type { ImageRecord } from '../store/images.js';
import { createBody, type ImageSpec } from './spec.js';
import type { SyncedImage, SyncTarget } from './sync.js';

/** The cloud itself registering its standard images at bootstrap: an admin acting for no project (not a system-scoped token, which Glance refuses). */
export const BOOTSTRAP_CONTEXT: AuthContext = {
  token: '',
  userId: 'scs-bootstrap',
  userName: 'scs-bootstrap',
  userDomainId: 'default',
  userDomainName: 'Default',
  system: false,
  roles: ['admin', 'member', 'reader'],
  roleIds: [],
  methods: [],
  issuedAt: new Date(0).toISOString(),
  expiresAt: new Date(0).toISOString(),
  auditIds: [],
};

const toSynced = (r: ImageRecord): SyncedImage => ({
  id: r.row.id,
  status: r.row.status,
  visibility: r.row.visibility,
  minDisk: r.row.min_disk,
  minRam: r.row.min_ram,
  properties: r.properties,
});

/** Sync target over this process's image service. */
export function localTarget(images: ImageService, data: DataService, ctx: AuthContext = BOOTSTRAP_CONTEXT): SyncTarget {
  return {
    async find(name) {
      const row = (await images.store.findByName(name))[0];
      return row ? toSynced((await images.store.get(row.id))!) : undefined;
    },
    async create(spec: ImageSpec) {
      const rec = await images.create(ctx, createBody(spec));
      return toSynced(rec);
    },
    async update(id, ops) {
      await images.update(ctx, id, ops.map((o) => ({ op: o.op, path: o.path.slice(1), value: o.value })));
    },
    async importUrl(id, url) {
      await data.startImport(ctx, id, { method: { name: 'web-download', uri: url } }, 'scs-bootstrap');
    },
  };
}
