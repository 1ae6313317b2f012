import { section } from '../../platform/config.js';
import { createServiceApp, exposeMetrics } from '../../platform/http/app.js';
import type { ServiceModule } from '../../platform/service.js';
import type { Clients } from '../registry.js';
import { identityEdge } from '../identity-edge.js';
import { registerCatalogRoutes } from './api/catalog.js';
import { registerExtraRoutes } from './api/extras.js';
import { octaviaFault } from './api/faults.js';
import { registerObjectRoutes } from './api/objects.js';
import { registerVersionRoutes } from './api/versions.js';
import type { LoadBalancerDriver } from './drivers/driver.js';
import { proxyDriver } from './drivers/proxy.js';
import { simulatedDriver } from './drivers/simulated.js';
import { Catalog } from './model/catalog.js';
import { Certificates } from './model/certificates.js';
import { Octavia, SYNC_JOB } from './model/octavia.js';
import { Providers } from './model/providers.js';
import { DEFAULT_SETTINGS, type LoadBalancerSettings } from './model/settings.js';
import { CatalogStore } from './store/catalog.js';
import { loadbalancerMigrations } from './store/migrations.js';
import { ObjectStore } from './store/objects.js';
import { octaviaPolicy, RBAC_MODES } from './policy.js';
import type { LbTables } from './store/tables.js';

const loadbalancer: ServiceModule<Clients> = {
  name: 'loadbalancer',
  migrations: loadbalancerMigrations,
  catalog: [{ type: 'load-balancer', name: 'octavia', path: '' }],

  async create(ctx) {
    const settings = section<LoadBalancerSettings>(ctx.config, 'loadbalancer', DEFAULT_SETTINGS);
    settings.quotas = { ...DEFAULT_SETTINGS.quotas, ...settings.quotas };
    // Every provider is available per load balancer (`provider`); `driver` is the default one,
    // which also serves Octavia's provider names `amphora` and `octavia` (model/providers.ts).
    let model: Octavia | undefined;
    const drivers = new Map<string, LoadBalancerDriver>(
      [proxyDriver(settings, { memberHealth: (lb, member, up) => model?.memberHealth(lb, member, up) }), simulatedDriver(settings.simulatedDelayMs)].map((d) => [d.name, d]),
    );
    if (!RBAC_MODES.includes(settings.rbac)) throw new Error(`loadbalancer.rbac: unknown mode '${String(settings.rbac)}' (one of: ${RBAC_MODES.join(', ')})`);
    const policy = octaviaPolicy(settings.rbac);
    if (!drivers.has(settings.driver)) throw new Error(`loadbalancer.driver: unknown driver '${settings.driver}' (available: ${[...drivers.keys()].join(', ')})`);
    const catalog = new Catalog(new CatalogStore(ctx.db.typed<LbTables>()), new Providers(drivers, settings.driver));
    const m = new Octavia(new ObjectStore(ctx.db.typed<LbTables>()), catalog, settings, ctx.jobs, () => ctx.clients.network, new Certificates(() => ctx.clients.keymanager, ctx.masterKey), ctx.log);
    model = m;
    ctx.jobs.register<{ lbId: string; failover?: boolean }>(SYNC_JOB, {
      run: (p) => m.runSync(p.lbId, p.failover ?? false),
      onGiveUp: (p, err) => m.syncFailed(p.lbId, err),
    });

    const baseUrl = () => ctx.urls.loadbalancer;
    const app = createServiceApp({
      service: 'loadbalancer',
      serviceType: 'load-balancer',
      log: ctx.log,
      metrics: ctx.metrics,
      renderFault: octaviaFault(identityEdge(ctx).authUrl),
      tokens: identityEdge(ctx).tokens,
    });
    registerVersionRoutes(app, baseUrl);
    for (const kind of ['loadbalancer', 'listener', 'pool', 'member', 'healthmonitor', 'l7policy', 'l7rule'] as const) registerObjectRoutes(app, m, policy, kind, baseUrl);
    registerExtraRoutes(app, m, policy, baseUrl, settings.quotas);
    registerCatalogRoutes(app, catalog, policy, baseUrl);
    exposeMetrics(app, ctx.metrics);

    return {
      app,
      async start() {
        await m.reconcile();
      },
      async stop() {
        for (const d of drivers.values()) await d.stop();
      },
    };
  },
};

export default loadbalancer;
