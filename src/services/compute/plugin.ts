import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { section } from '../../platform/config.js';
import { uuid } from '../../platform/ids.js';
import { createServiceApp } from '../../platform/http/app.js';
import type { ServiceModule } from '../../platform/service.js';
import type { Clients } from '../registry.js';
import { identityEdge } from '../identity-edge.js';
import { registerActionRoutes } from './api/actions.js';
import { registerConsoleRoutes } from './api/consoles.js';
import { registerAddressRoutes } from './api/addresses.js';
import { registerAggregateRoutes } from './api/aggregates.js';
import type { ComputeApi } from './api/common.js';
import { novaFault } from './api/faults.js';
import { registerFlavorRoutes } from './api/flavors.js';
import { registerServerGroupRoutes } from './api/groups.js';
import { registerDiagnosticsRoutes, registerExternalEventRoutes } from './api/diagnostics.js';
import { registerExtensionRoutes } from './api/extensions.js';
import { registerHostRoutes } from './api/hosts.js';
import { registerImageRoutes } from './api/images.js';
import { registerMigrationRoutes } from './api/migrations.js';
import { registerInterfaceRoutes } from './api/interfaces.js';
import { registerKeypairRoutes } from './api/keypairs.js';
import { registerNetworkProxyRoutes } from './api/network-proxy.js';
import { registerOperatorRoutes } from './api/operators.js';
import { registerQuotaRoutes } from './api/quotas.js';
import { registerSecurityGroupProxyRoutes } from './api/secgroup-proxy.js';
import { registerServerRoutes } from './api/servers.js';
import { registerUsageRoutes } from './api/usage.js';
import { registerVersionRoutes } from './api/versions.js';
import { registerVolumeProxyRoutes } from './api/volume-proxy.js';
import { registerVolumeRoutes } from './api/volumes.js';
import type { ComputeClient } from './client.js';
import { SimulatedDriver } from './drivers/simulated.js';
import type { ComputeModel, Peers } from './model/context.js';
import { AggregateService } from './model/aggregates.js';
import { FlavorService } from './model/flavors.js';
import { ServerGroupService } from './model/groups.js';
import { ControlServiceStore } from './store/control-services.js';
import { KeypairService } from './model/keypairs.js';
import { Lifecycle, type ActionPayload, type BuildPayload } from './model/lifecycle.js';
import { QuotaService } from './model/quotas.js';
import { Scheduler } from './model/scheduler.js';
import { ServerService } from './model/servers.js';
import { DEFAULT_SETTINGS, type ComputeSettings } from './model/settings.js';
import { VolumeService } from './model/volumes.js';
import { ACTION_JOB, BUILD_JOB } from './model/states.js';
import { loadFlavorSpecs, syncFlavors, type FlavorTarget } from './scs/flavors.js';
import { FlavorStore } from './store/flavors.js';
import { SequenceStore } from './store/sequences.js';
import { GuestAccountStore } from './store/guest-accounts.js';
import { HostStateStore } from './store/hosts.js';
import { VOLUME_EXTENDED_JOB, VolumeEvents, type VolumeExtendedPayload } from './model/volume-events.js';
import { MigrationStore } from './store/moves.js';
import { computeMigrations } from './store/migrations.js';
import { ServerStore } from './store/servers.js';
import { VolumeAttachmentStore } from './store/volumes.js';
import type { ComputeTables } from './store/tables.js';

/** The project root (holds config/), from src/services/compute or dist/services/compute alike. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SWEEP_MS = 30_000;
/** Control services report every 10 s; os-services shows them down after Nova's service_down_time (60 s). */
const HEARTBEAT_MS = 10_000;

const compute: ServiceModule<Clients> = {
  name: 'compute',
  migrations: computeMigrations,
  catalog: [{ type: 'compute', name: 'nova', path: '/v2.1' }],

  async create(ctx) {
    const raw = section<ComputeSettings>(ctx.config, 'compute', DEFAULT_SETTINGS);
    const settings: ComputeSettings = {
      ...raw,
      quotas: { ...DEFAULT_SETTINGS.quotas, ...raw.quotas },
      allocationRatios: { ...DEFAULT_SETTINGS.allocationRatios, ...raw.allocationRatios },
    };
    const db = ctx.db.typed<ComputeTables>();
    const servers = new ServerStore(db);
    const hostState = new HostStateStore(db);
    const sequences = new SequenceStore(db);
    const quotas = new QuotaService(db, settings.quotas);
    const attachmentStore = new VolumeAttachmentStore(db);
    const driver = new SimulatedDriver(settings, hostState, new GuestAccountStore(db));
    const flavors = new FlavorService(new FlavorStore(db));
    const peers = (): Peers => ({
      identity: ctx.clients.identity,
      placement: ctx.clients.placement,
      image: ctx.clients.image,
      network: ctx.clients.network,
      volume: ctx.clients.volume,
    });
    const model: ComputeModel = {
      settings,
      servers,
      flavors,
      keypairs: new KeypairService(db, quotas),
      quotas,
      groups: new ServerGroupService(db, servers, quotas, sequences),
      aggregates: new AggregateService(db, hostState, sequences),
      migrations: new MigrationStore(db),
      volumes: new VolumeService(peers, driver, attachmentStore),
      scheduler: new Scheduler(driver, hostState, () => ctx.clients.placement, servers, sequences),
      driver,
      hostState,
      controlServices: new ControlServiceStore(db),
      jobs: ctx.jobs,
      log: ctx.log,
      peers,
    };
    const serverService = new ServerService(model);
    const lifecycle = new Lifecycle(model, serverService);
    ctx.jobs.register<BuildPayload>(BUILD_JOB, { run: (p) => lifecycle.build(p), onGiveUp: (p, e) => lifecycle.giveUpBuild(p, e), maxAttempts: 5 });
    ctx.jobs.register<ActionPayload>(ACTION_JOB, { run: (p) => lifecycle.runAction(p), onGiveUp: (p, e) => lifecycle.giveUpAction(p, e), maxAttempts: 5 });
    const volumeEvents = new VolumeEvents(model, serverService, attachmentStore);
    ctx.jobs.register<VolumeExtendedPayload>(VOLUME_EXTENDED_JOB, { run: (p) => volumeEvents.run(p), maxAttempts: 5 });

    const app = createServiceApp({
      service: 'compute',
      log: ctx.log,
      metrics: ctx.metrics,
      renderFault: novaFault(identityEdge(ctx).authUrl),
      tokens: identityEdge(ctx).tokens,
      serviceType: 'compute',
    });
    const api: ComputeApi = { model, servers: serverService, lifecycle, volumeEvents, baseUrl: () => ctx.urls.compute, imageUrl: () => ctx.urls.image ?? '' };
    registerVersionRoutes(app, api.baseUrl);
    registerFlavorRoutes(app, api);
    registerKeypairRoutes(app, api);
    registerServerRoutes(app, api);
    registerActionRoutes(app, api);
    registerConsoleRoutes(app, api);
    registerServerGroupRoutes(app, api);
    registerQuotaRoutes(app, api);
    registerOperatorRoutes(app, api);
    registerVolumeRoutes(app, api);
    registerInterfaceRoutes(app, api);
    registerUsageRoutes(app, api);
    registerImageRoutes(app, api);
    registerAggregateRoutes(app, api);
    registerHostRoutes(app, api);
    registerDiagnosticsRoutes(app, api);
    registerExternalEventRoutes(app, api);
    registerMigrationRoutes(app, api);
    registerAddressRoutes(app, api);
    registerExtensionRoutes(app);
    registerVolumeProxyRoutes(app, api);
    registerSecurityGroupProxyRoutes(app, api);
    registerNetworkProxyRoutes(app, api);

    const client: ComputeClient = {
      async serverExists(auth, id) {
        return !!(await serverService.find(auth, id).catch(() => undefined));
      },
      async volumeExtended(volumeId, serverIds, requestId) {
        for (const id of serverIds) {
          const row = await servers.get(id);
          if (!row?.host) continue;
          await volumeEvents.extended(await ctx.clients.identity.contextForUserProject(row.user_id, row.project_id), row, volumeId, requestId);
        }
      },
    };
    const notices: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    // This process schedules (nova-scheduler) and runs the guest jobs (nova-conductor's part).
    const beat = async () => {
      for (const binary of ['nova-scheduler', 'nova-conductor']) await model.controlServices.beat(binary, hostname(), uuid());
    };
    return {
      app,
      client,
      notices,
      async start() {
        if (!ctx.clients.placement) throw new Error('the compute service needs the placement service in the same cloud');
        await model.scheduler.reportHosts();
        await lifecycle.expireStaleBuilds();
        timer = setInterval(() => void lifecycle.expireStaleBuilds().catch((e) => ctx.log.warn({ err: e }, 'build sweep failed')), Math.min(SWEEP_MS, settings.buildTimeoutMs));
        timer.unref();
        await beat();
        heartbeat = setInterval(() => void beat().catch((e) => ctx.log.warn({ err: e }, 'service heartbeat failed')), HEARTBEAT_MS);
        heartbeat.unref();
        // A fresh cloud gets the SCS mandatory flavors (scs-0103) from the first second.
        if (settings.standardFlavors && !(await flavors.all()).length) {
          const file = isAbsolute(settings.standardFlavors) ? settings.standardFlavors : resolve(ROOT, settings.standardFlavors);
          if (existsSync(file)) {
            const done = await syncFlavors(localTarget(flavors), loadFlavorSpecs(file));
            notices.push(`SCS standard flavors created: ${done.length} (${settings.standardFlavors}).`);
          }
        }
      },
      async stop() {
        if (timer) clearInterval(timer);
        if (heartbeat) clearInterval(heartbeat);
      },
    };
  },
};

/** The flavor service of this process as a sync target (bootstrap). */
function localTarget(flavors: FlavorService): FlavorTarget {
  return {
    async find(name) {
      return (await flavors.all()).find((f) => f.name === name);
    },
    async create(spec) {
      return (await flavors.create({ name: spec.name, vcpus: spec.vcpus, ram: spec.ram, disk: spec.disk, is_public: spec.public, description: spec.description ?? null })).id;
    },
    remove: (id) => flavors.remove(id),
    async setExtraSpecs(id, specs) {
      await flavors.setExtraSpecs(id, specs);
    },
  };
}

export default compute;
