import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthContext } from '../../platform/auth.js';
import { section } from '../../platform/config.js';
import { ApiError, conflict } from '../../platform/errors.js';
import { createServiceApp } from '../../platform/http/app.js';
import type { ServiceModule } from '../../platform/service.js';
import type { Clients } from '../registry.js';
import { identityEdge } from '../identity-edge.js';
import type { ImageDeps } from './api/deps.js';
import { registerDataRoutes } from './api/data.js';
import { glanceFault } from './api/faults.js';
import { registerImageRoutes } from './api/images.js';
import { registerInfoRoutes } from './api/info.js';
import { registerMemberRoutes } from './api/members.js';
import { registerMetadefRoutes } from './api/metadefs.js';
import { registerTaskRoutes } from './api/tasks.js';
import { registerVersionRoutes } from './api/versions.js';
import type { ImageClient, ImageInfo } from './client.js';
import { DataService, IMPORT_JOB, type ImportPayload } from './model/data.js';
import { ImageService } from './model/images.js';
import { MemberService } from './model/members.js';
import { MetadefService } from './model/metadefs.js';
import { TASK_JOB, TaskService, type TaskPayload } from './model/tasks.js';
import type { Change } from './model/patch.js';
import { ImageSchemas } from './model/schema.js';
import { DEFAULT_SETTINGS, type ImageSettings } from './model/settings.js';
import { localTarget } from './scs/local-target.js';
import { loadSpecs } from './scs/spec.js';
import { syncImages } from './scs/sync.js';
import type { ImageRecord } from './store/images.js';
import { ImageStore } from './store/images.js';
import { MetadefStore } from './store/metadefs.js';
import { TaskStore } from './store/tasks.js';
import { imageMigrations } from './store/migrations.js';
import type { ImageTables } from './store/tables.js';
import { LocalImageStore } from './stores/local.js';

/** The project root (holds config/), from src/services/image or dist/services/image alike. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SWEEP_MS = 60_000;

function info(rec: ImageRecord): ImageInfo {
  const r = rec.row;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    visibility: r.visibility,
    owner: r.owner,
    size: r.size,
    min_disk: r.min_disk,
    min_ram: r.min_ram,
    disk_format: r.disk_format,
    container_format: r.container_format,
    checksum: r.checksum,
    properties: rec.properties,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

const image: ServiceModule<Clients> = {
  name: 'image',
  migrations: imageMigrations,
  catalog: [{ type: 'image', name: 'glance', path: '' }],

  async create(ctx) {
    const settings = section<ImageSettings & { encryptAtRest?: boolean }>(ctx.config, 'image', DEFAULT_SETTINGS);
    settings.webDownload = { ...DEFAULT_SETTINGS.webDownload, ...settings.webDownload };
    const encrypt = settings.encryptAtRest ?? ctx.config.encryptAtRest;
    const store = new ImageStore(ctx.db.typed<ImageTables>());
    const schemas = new ImageSchemas(settings.diskFormats, settings.containerFormats);
    const bytes = new LocalImageStore(ctx.config.dataDir, ctx.masterKey, encrypt);
    const images = new ImageService(store, schemas, settings);
    const members = new MemberService(images);
    const data = new DataService(images, bytes, ctx.jobs, ctx.log, ctx.config.region);
    ctx.jobs.register<ImportPayload>(IMPORT_JOB, { run: (p) => data.runImport(p), maxAttempts: 3 });
    const tasks = new TaskService(new TaskStore(store.db), images, data, ctx.jobs, ctx.log, () => ctx.urls.image);
    ctx.jobs.register<TaskPayload>(TASK_JOB, { run: (p) => tasks.run(p), onGiveUp: (p, e) => tasks.giveUp(p, e), maxAttempts: 3 });

    const deps: ImageDeps = { settings, encrypted: encrypt, schemas, images, members, data, baseUrl: () => ctx.urls.image };
    const app = createServiceApp({
      service: 'image',
      log: ctx.log,
      metrics: ctx.metrics,
      renderFault: glanceFault(identityEdge(ctx).authUrl),
      tokens: identityEdge(ctx).tokens,
    });
    registerVersionRoutes(app, deps.baseUrl);
    registerImageRoutes(app, deps);
    registerDataRoutes(app, deps);
    registerMemberRoutes(app, deps);
    registerInfoRoutes(app, deps);
    registerMetadefRoutes(app, new MetadefService(new MetadefStore(store.db)));
    registerTaskRoutes(app, tasks);

    const client: ImageClient = {
      async getImage(auth, id) {
        try {
          return info(await images.find(auth, id));
        } catch (e) {
          if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return undefined;
          throw e;
        }
      },
      async createImage(auth, f) {
        const { properties, ...core } = f;
        return info(await images.create(auth, { ...core, ...(properties ?? {}) }));
      },
      async uploadData(auth, id, stream) {
        return info(await data.upload(auth, id, stream));
      },
      async openData(auth: AuthContext, id) {
        const got = await data.download(auth, id);
        if (!got) throw conflict(`Image ${id} has no data.`);
        return got.stream;
      },
      deleteImage: (auth, id) => data.deleteImage(auth, id),
      async listImages(auth, q) {
        const recs = await images.list(
          auth,
          {
            memberStatus: 'accepted',
            in: { ...(q.name !== undefined ? { name: [q.name] } : {}), ...(q.status ? { status: q.status } : {}) },
            osHidden: false,
            numbers: {},
            times: q.changesSince ? [{ field: 'updated_at', op: 'gte', value: q.changesSince }] : [],
            tags: [],
            properties: q.properties ?? {},
            sort: [{ key: 'created_at', dir: 'desc' }],
            limit: q.limit,
          },
          q.marker,
        );
        return recs.map(info).filter((i) => i.min_ram >= (q.minRam ?? 0) && i.min_disk >= (q.minDisk ?? 0));
      },
      async replaceProperties(auth, id, properties) {
        const rec = await images.find(auth, id);
        const changes: Change[] = [
          ...Object.keys(rec.properties).filter((k) => !(k in properties)).map((k) => ({ op: 'remove' as const, path: k })),
          ...Object.entries(properties).filter(([k, v]) => rec.properties[k] !== v).map(([k, v]) => ({ op: k in rec.properties ? ('replace' as const) : ('add' as const), path: k, value: v })),
        ];
        return info(await images.update(auth, id, changes));
      },
    };

    let timer: NodeJS.Timeout | undefined;
    const notices: string[] = [];
    return {
      app,
      client,
      notices,
      async start() {
        const sweep = async () => {
          await data.sweep();
          await tasks.purgeExpired();
        };
        await sweep();
        timer = setInterval(() => void sweep().catch((e) => ctx.log.warn({ err: e }, 'image sweep failed')), SWEEP_MS);
        timer.unref();
        // A fresh cloud registers the SCS standard images (queued until a mirror or download has the bytes).
        if (settings.standardImages && (await store.countAll()) === 0) {
          const file = isAbsolute(settings.standardImages) ? settings.standardImages : resolve(ROOT, settings.standardImages);
          if (existsSync(file)) {
            const results = await syncImages(localTarget(images, data), loadSpecs(file));
            const queued = results.filter((r) => r.data.startsWith('queued')).map((r) => r.name);
            const importing = results.filter((r) => !r.data.startsWith('queued')).map((r) => r.name);
            if (importing.length) notices.push(`Standard images importing: ${importing.join(', ')}.`);
            if (queued.length) notices.push(`Standard images registered without data (queued until imported; see services.image.webDownload): ${queued.join(', ')}.`);
          }
        }
      },
      async stop() {
        if (timer) clearInterval(timer);
        await bytes.close();
      },
    };
  },
};

export default image;
