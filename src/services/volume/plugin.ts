import type { AuthContext } from '../../platform/auth.js';
import { section } from '../../platform/config.js';
import { ApiError } from '../../platform/errors.js';
import { createServiceApp } from '../../platform/http/app.js';
import type { ServiceModule } from '../../platform/service.js';
import type { Clients } from '../registry.js';
import { identityEdge } from '../identity-edge.js';
import { registerActionRoutes } from './api/actions.js';
import { registerAttachmentRoutes } from './api/attachments.js';
import { registerBackendRoutes } from './api/backend.js';
import { registerBackupRoutes } from './api/backups.js';
import type { ApiDeps } from './api/common.js';
import { cinderFault } from './api/faults.js';
import { registerGroupTypeRoutes } from './api/group-types.js';
import { registerGroupRoutes } from './api/groups.js';
import { registerManageRoutes } from './api/manage.js';
import { registerMessageRoutes } from './api/messages.js';
import { registerMiscRoutes } from './api/misc.js';
import { registerQosRoutes } from './api/qos.js';
import { registerSnapshotRoutes } from './api/snapshots.js';
import { registerTransferRoutes } from './api/transfers.js';
import { registerTypeRoutes } from './api/types.js';
import { registerVersionRoutes } from './api/versions.js';
import { registerVolumeRoutes } from './api/volumes.js';
import type { SnapshotInfo, VolumeClient, VolumeInfo } from './client.js';
import { FileVolumeDriver } from './drivers/file.js';
import { AttachmentService } from './model/attachments.js';
import { BackupService } from './model/backups.js';
import { GroupSnapshotService } from './model/group-snapshots.js';
import { GroupTypeService } from './model/group-types.js';
import { GroupService } from './model/groups.js';
import { ManageService } from './model/manage.js';
import { DEFAULT_SETTINGS, json, VolumeKeys, type ModelDeps, type VolumeSettings } from './model/common.js';
import { MessageService } from './model/messages.js';
import { QosService } from './model/qos.js';
import { ServiceAdmin } from './model/services.js';
import { QuotaService } from './model/quotas.js';
import { reconcile } from './model/reconcile.js';
import { SnapshotService } from './model/snapshots.js';
import { TransferService } from './model/transfers.js';
import { TypeService } from './model/types.js';
import { VolumeService } from './model/volumes.js';
import { volumeMigrations } from './store/migrations.js';
import { volumeStores } from './store/rows.js';
import type { SnapshotRow, VolumeTables } from './store/tables.js';

const POLL_MS = 100;

const volume: ServiceModule<Clients> = {
  name: 'volume',
  migrations: volumeMigrations,
  catalog: [
    { type: 'volumev3', name: 'cinderv3', path: '/v3' },
    { type: 'block-storage', name: 'cinder', path: '/v3' },
  ],

  async create(ctx) {
    const settings = section<VolumeSettings>(ctx.config, 'volume', DEFAULT_SETTINGS);
    settings.quotas = { ...DEFAULT_SETTINGS.quotas, ...settings.quotas };
    const stores = volumeStores(ctx.db.typed<VolumeTables>());
    const d: ModelDeps = {
      stores,
      driver: new FileVolumeDriver(ctx.config.dataDir),
      jobs: ctx.jobs,
      keys: new VolumeKeys(ctx.masterKey),
      settings,
      log: ctx.log,
      image: () => ctx.clients.image,
      compute: () => ctx.clients.compute,
    };
    const types = new TypeService(d);
    const quotas = new QuotaService(d);
    const volumes = new VolumeService(d, types, quotas);
    const snapshots = new SnapshotService(d, volumes, quotas);
    const backups = new BackupService(d, volumes, quotas);
    const attachments = new AttachmentService(d, volumes);
    const transfers = new TransferService(d, volumes, quotas);
    const services = new ServiceAdmin(d);
    const groupTypes = new GroupTypeService(d);
    const groups = new GroupService(d, groupTypes, types, volumes, quotas);
    const groupSnapshots = new GroupSnapshotService(d, groups, snapshots);
    const manage = new ManageService(d, types, volumes, snapshots);
    volumes.registerJobs();
    snapshots.registerJobs();
    backups.registerJobs();
    groups.registerJobs();
    groupSnapshots.registerJobs();
    manage.registerJobs();

    const deps: ApiDeps = { volumes, types, snapshots, backups, attachments, quotas, transfers, qos: new QosService(d), services, messages: new MessageService(d), groupTypes, groups, groupSnapshots, manage, settings, baseUrl: () => ctx.urls.volume };
    const app = createServiceApp({
      service: 'volume',
      log: ctx.log,
      metrics: ctx.metrics,
      renderFault: cinderFault(identityEdge(ctx).authUrl),
      tokens: identityEdge(ctx).tokens,
      serviceType: 'block-storage',
    });
    registerVersionRoutes(app, deps.baseUrl);
    registerVolumeRoutes(app, deps);
    registerActionRoutes(app, deps);
    registerTypeRoutes(app, deps);
    registerSnapshotRoutes(app, deps);
    registerBackupRoutes(app, deps);
    registerAttachmentRoutes(app, deps);
    registerMiscRoutes(app, deps);
    registerTransferRoutes(app, deps);
    registerBackendRoutes(app, deps);
    registerQosRoutes(app, deps);
    registerMessageRoutes(app, deps);
    registerGroupTypeRoutes(app, deps);
    registerGroupRoutes(app, deps);
    registerManageRoutes(app, deps);

    /** Waits for a volume row to leave a transient status (jobs may run in any process). */
    const settle = async (id: string, transient: string[]): Promise<string | undefined> => {
      for (;;) {
        const row = await stores.volumes.get(id);
        if (!row || !transient.includes(row.status)) return row?.status;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    };
    const info = async (auth: AuthContext, id: string): Promise<VolumeInfo> => {
      const v = await volumes.find(auth, id);
      const names = await types.names();
      return {
        id: v.id,
        name: v.name,
        status: v.status,
        size: v.size,
        project_id: v.project_id,
        bootable: !!v.bootable,
        encrypted: !!v.encryption_key,
        multiattach: !!v.multiattach,
        volume_type: names.get(v.volume_type_id) ?? v.volume_type_id,
        availability_zone: v.availability_zone,
        attachments: (await attachments.of(v.id)).map((a) => ({ attachment_id: a.id, server_id: a.instance_uuid ?? '', device: a.mountpoint, host_name: a.attached_host })),
        volume_image_metadata: json(v.image_metadata, {}),
        description: v.description,
        metadata: json(v.metadata, {}),
        snapshot_id: v.snapshot_id,
        created_at: v.created_at,
      };
    };
    const snapshotInfo = (s: SnapshotRow): SnapshotInfo => ({ id: s.id, volume_id: s.volume_id, status: s.status, size: s.size, name: s.name, description: s.description, created_at: s.created_at });
    const client: VolumeClient = {
      async getVolume(auth, id) {
        try {
          return await info(auth, id);
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) return undefined;
          throw e;
        }
      },
      async attach(auth, volumeId, serverId, opts = {}) {
        const a = await attachments.attachNow(auth, volumeId, serverId, opts.host, opts.device ?? '/dev/vdb');
        return { attachmentId: a.id, device: a.mountpoint ?? opts.device ?? '/dev/vdb' };
      },
      async detach(auth, volumeId, serverId) {
        for (const a of await attachments.of(volumeId)) if (a.instance_uuid === serverId) await attachments.remove(auth, a.id);
      },
      async createForBoot(auth, o) {
        const row = await volumes.create(auth, { imageRef: o.imageId, snapshot_id: o.snapshotId, size: o.size, name: o.name, availability_zone: o.availabilityZone, volume_type: o.volumeType });
        const status = await settle(row.id, ['creating', 'downloading']);
        if (status !== 'available') throw new ApiError('badRequest', `Volume ${row.id} did not become available (status ${status ?? 'deleted'}).`, { status: 400 });
        return row.id;
      },
      async deleteVolume(auth, id) {
        for (const a of await attachments.of(id)) await attachments.remove(auth, a.id);
        await volumes.remove(auth, id, true);
        await settle(id, ['deleting']);
      },
      async listVolumes(auth) {
        const rows = await volumes.list(auth, { allTenants: false, filters: {}, sort: [['created_at', 'desc']] });
        return Promise.all(rows.map((r) => info(auth, r.id)));
      },
      async createVolume(auth, f) {
        const row = await volumes.create(auth, { size: f.size, name: f.name, description: f.description, metadata: f.metadata, availability_zone: f.availabilityZone, volume_type: f.volumeType, snapshot_id: f.snapshotId });
        return info(auth, row.id);
      },
      removeVolume: (auth, id) => volumes.remove(auth, id, false),
      async listSnapshots(auth) {
        return (await snapshots.list(auth, { allTenants: false, filters: {}, sort: [['created_at', 'desc']] })).map(snapshotInfo);
      },
      async getSnapshot(auth, id) {
        try {
          return snapshotInfo(await snapshots.find(auth, id));
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) return undefined;
          throw e;
        }
      },
      async createSnapshot(auth, f) {
        return snapshotInfo(await snapshots.create(auth, { volumeId: f.volumeId, name: f.name, description: f.description, force: f.force }));
      },
      removeSnapshot: (auth, id) => snapshots.remove(auth, id),
    };

    let timer: NodeJS.Timeout | undefined;
    const repair = () =>
      reconcile(d)
        .then((n) => n && ctx.log.warn({ repaired: n }, 'volume resources whose job was lost went to error'))
        .catch((e) => ctx.log.warn({ err: e }, 'volume reconcile failed'));
    return {
      app,
      client,
      async start() {
        await types.bootstrap();
        await repair();
        timer = setInterval(() => void repair(), settings.reconcileIntervalMs);
        timer.unref();
      },
      async stop() {
        if (timer) clearInterval(timer);
      },
    };
  },
};

export default volume;
