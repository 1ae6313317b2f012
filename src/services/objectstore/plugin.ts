import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { section } from '../../platform/config.js';
import { createServiceApp, exposeMetrics } from '../../platform/http/app.js';
import type { ServiceModule } from '../../platform/service.js';
import type { Clients } from '../registry.js';
import { deferContinue } from './api/body.js';
import { RequestContext } from './api/context.js';
import type { S3Deps } from './api/deps.js';
import { s3Fault } from './api/faults.js';
import { registerS3Routes } from './api/router.js';
import type { ObjectStoreClient } from './client.js';
import { Buckets } from './model/buckets.js';
import { Engine } from './model/engine.js';
import { KmsKeys } from './model/kms.js';
import { Lifecycle } from './model/lifecycle.js';
import { Multipart } from './model/multipart.js';
import { Objects } from './model/objects.js';
import { BlobStore } from './store/blobs.js';
import { BucketStore } from './store/buckets.js';
import { objectstoreMigrations } from './store/migrations.js';
import { ObjectRowStore } from './store/objects.js';
import type { ObjectStoreTables, Segment } from './store/tables.js';
import { UploadStore } from './store/uploads.js';

export interface ObjectStoreSettings {
  /** Virtual-hosted-style addressing: `<bucket>.<domain>`; empty for path style only. */
  domain: string;
  /** How long a key's secret and roles are reused before identity is asked again. */
  credentialCacheSeconds: number;
  lifecycleIntervalSeconds: number;
  /** Length of a lifecycle "day" in seconds (86400; shortened only by tests). */
  lifecycleDaySeconds: number;
  /** Age after which temp files and unreferenced blobs are swept. */
  sweepGraceSeconds: number;
}

const DEFAULTS: ObjectStoreSettings = {
  domain: 's3.localhost',
  credentialCacheSeconds: 10,
  lifecycleIntervalSeconds: 3600,
  lifecycleDaySeconds: 86400,
  sweepGraceSeconds: 3600,
};

const LIFECYCLE_JOB = 'objectstore.lifecycle';

/** S3-style request ids (16 hex digits): a random prefix per process and a counter, no random bytes per request. */
function requestIds(): () => string {
  const prefix = randomBytes(3).toString('hex').toUpperCase();
  let n = 0;
  return () => prefix + (n++ % 0x10000000000).toString(16).toUpperCase().padStart(10, '0');
}

const objectstore: ServiceModule<Clients> = {
  name: 'objectstore',
  migrations: objectstoreMigrations,
  catalog: [
    { type: 'object-store-s3', name: 's3', path: '' },
    { type: 's3', name: 's3', path: '' },
  ],

  async create(ctx) {
    const settings = section<ObjectStoreSettings>(ctx.config, 'objectstore', DEFAULTS);
    const db = ctx.db.typed<ObjectStoreTables>();
    const blobs = new BlobStore(join(ctx.config.dataDir, 'objectstore'));
    await blobs.init();
    const engine = new Engine(blobs, ctx.masterKey);
    const rows = new ObjectRowStore(db);
    const uploads = new UploadStore(db);
    const bucketStore = new BucketStore(db);
    const objects = new Objects(rows, engine);
    const multipart = new Multipart(uploads, objects, engine);
    // Canonical user ids are projects: a grantee id must name one.
    const accounts = { exists: (id: string) => ctx.clients.identity.projectExists(id) };
    const buckets = new Buckets(bucketStore, uploads, engine, ctx.config.region, ctx.config.encryptAtRest, accounts);
    const lifecycle = new Lifecycle(bucketStore, rows, objects, uploads, multipart, settings.lifecycleDaySeconds * 1000);
    const deps: S3Deps = { buckets, objects, multipart, engine, kms: new KmsKeys(() => ctx.clients.keymanager), lifecycle };

    const app = createServiceApp({
      service: 'objectstore',
      log: ctx.log,
      metrics: ctx.metrics,
      renderFault: s3Fault,
      requestIdHeader: 'x-amz-request-id',
      newRequestId: requestIds(),
    });
    // A pino child logger per request (fastify's default) costs more than the rest of the request
    // logging; the platform's request and error lines carry the request id themselves.
    app.setChildLoggerFactory((logger) => logger);
    // Bodies are streams the handlers consume themselves (objects of any size, aws-chunked).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, _payload, done) => done(null));
    app.addHook('onRequest', (req, reply, done) => {
      reply.header('x-amz-id-2', Buffer.from(`${req.id}:${ctx.config.region}`).toString('base64'));
      // S3 takes an empty Content-Type as none (Fastify would refuse it as an invalid media type).
      if (req.headers['content-type'] === '') delete req.headers['content-type'];
      done();
    });
    // S3 ignores Expect values other than 100-continue; Node would answer them 417 by itself.
    app.server.on('checkExpectation', (req, res) => app.server.emit('request', req, res));
    // `100 Continue` only once the request is authorized and its handler reads the body (api/body.ts).
    app.server.on('checkContinue', (req, res) => {
      deferContinue(req, res);
      app.server.emit('request', req, res);
    });
    exposeMetrics(app, ctx.metrics);
    registerS3Routes(app, deps, new RequestContext(() => ctx.clients.identity, settings.domain, settings.credentialCacheSeconds * 1000));

    ctx.jobs.register(LIFECYCLE_JOB, {
      run: async () => {
        const res = await lifecycle.run();
        if (res.expired || res.aborted) ctx.log.info({ ...res }, 'objectstore lifecycle run');
      },
    });

    const client: ObjectStoreClient = {
      async projectUsage(projectId) {
        const usage = await db
          .selectFrom('s3_objects')
          .innerJoin('s3_buckets', 's3_buckets.name', 's3_objects.bucket')
          .where('s3_buckets.project_id', '=', projectId)
          .select((eb) => [eb.fn.countAll<number>().as('objects'), eb.fn.coalesce(eb.fn.sum<number>('s3_objects.size'), eb.val(0)).as('bytes')])
          .executeTakeFirstOrThrow();
        const owned = await buckets.list(projectId);
        return { buckets: owned.length, objects: Number(usage.objects), bytes: Number(usage.bytes) };
      },
    };

    let timer: NodeJS.Timeout | undefined;
    return {
      app,
      client,
      async start() {
        const referenced = new Set<string>();
        for (const s of await rows.allSegments()) for (const seg of JSON.parse(s) as Segment[]) referenced.add(seg.blob);
        for (const s of await uploads.allSegments()) referenced.add((JSON.parse(s) as Segment).blob);
        const swept = await blobs.sweep(referenced, settings.sweepGraceSeconds * 1000);
        if (swept) ctx.log.info({ swept }, 'objectstore removed unreferenced files');
        timer = setInterval(() => void ctx.jobs.enqueue(LIFECYCLE_JOB, {}).catch((e) => ctx.log.warn({ err: e }, 'lifecycle enqueue failed')), settings.lifecycleIntervalSeconds * 1000);
        timer.unref();
      },
      async stop() {
        if (timer) clearInterval(timer);
        await engine.close();
      },
    };
  },
};

export default objectstore;
