import { section } from '../../platform/config.js';
import { createServiceApp, exposeMetrics, jsonBody } from '../../platform/http/app.js';
import type { ServiceModule } from '../../platform/service.js';
import type { Clients } from '../registry.js';
import { identityEdge } from '../identity-edge.js';
import { registerAddressGroupActions, registerFloatingIpPools, registerInfoRoutes, registerQuotaRoutes, registerRouterActions, registerSubnetPoolActions, registerTrunkActions } from './api/actions.js';
import { registerAgentRoutes } from './api/agents.js';
import { registerAutoAllocationRoutes } from './api/autoallocate.js';
import { neutronFault } from './api/faults.js';
import { registerFlavorRoutes } from './api/flavors.js';
import { registerQosRoutes } from './api/qos.js';
import { registerCollection, registerTags } from './api/resources.js';
import { registerVersionRoutes } from './api/versions.js';
import type { NetworkClient } from './client.js';
import { simulatedDriver } from './drivers/simulated.js';
import { AddressGroups } from './model/addressgroups.js';
import { Agents } from './model/agents.js';
import { AddressScopes } from './model/addressscopes.js';
import { IpAvailability } from './model/availability.js';
import { bootstrap } from './model/bootstrap.js';
import type { Collection } from './model/collection.js';
import { ModelContext } from './model/context.js';
import { Flavors, ServiceProfiles } from './model/flavors.js';
import { FloatingIps } from './model/floatingips.js';
import { Networks } from './model/networks.js';
import { Ports } from './model/ports.js';
import { QosPolicies } from './model/qos.js';
import { Quotas } from './model/quotas.js';
import { RbacPolicies } from './model/rbac.js';
import { AutoAllocation } from './model/autoallocate.js';
import { Routers } from './model/routers.js';
import { AgentScheduler, REPORT_INTERVAL_MS } from './model/scheduler.js';
import { DefaultRules, SecurityGroupRules, SecurityGroups } from './model/secgroups.js';
import { MeteringLabels, MeteringRules } from './model/metering.js';
import { Segments } from './model/segments.js';
import { ServerNetworking } from './model/servers.js';
import { DEFAULT_SETTINGS, type NetworkSettings } from './model/settings.js';
import { SubnetPools } from './model/subnetpools.js';
import { Subnets } from './model/subnets.js';
import { Trunks } from './model/trunks.js';
import { AgentStore } from './store/agents.js';
import { FlavorProfileStore } from './store/flavors.js';
import { IpamStore } from './store/ipam.js';
import { networkMigrations } from './store/migrations.js';
import { ProjectStateStore } from './store/projects.js';
import { ResourceStore } from './store/resources.js';
import type { NetworkTables } from './store/tables.js';

/** A claim this old without its port is left over from a crash (creates take milliseconds). */
const ORPHAN_AGE_MS = 10 * 60_000;

const network: ServiceModule<Clients> = {
  name: 'network',
  migrations: networkMigrations,
  catalog: [{ type: 'network', name: 'neutron', path: '' }],

  async create(ctx) {
    const settings = section<NetworkSettings>(ctx.config, 'network', DEFAULT_SETTINGS);
    settings.quotas = { ...DEFAULT_SETTINGS.quotas, ...settings.quotas };
    const db = ctx.db.typed<NetworkTables>();
    if (settings.driver !== 'simulated') throw new Error(`network.driver: unknown driver '${String(settings.driver)}' (available: simulated)`);
    const m = new ModelContext(new ResourceStore(db), new IpamStore(db), new ProjectStateStore(db), simulatedDriver(), settings, (id) =>
      ctx.clients.identity.projectExists(id),
    );
    const groups = new SecurityGroups(m);
    const qos = new QosPolicies(m);
    const scopes = new AddressScopes(m);
    const addressGroups = new AddressGroups(m);
    const rules = new SecurityGroupRules(m, groups, addressGroups);
    const pools = new SubnetPools(m, scopes);
    const scheduler = new AgentScheduler(m, new AgentStore(db));
    const profileLinks = new FlavorProfileStore(db);
    const profiles = new ServiceProfiles(m, profileLinks);
    const flavors = new Flavors(m, profileLinks, profiles);
    const subnets = new Subnets(m, pools, scheduler);
    const ports = new Ports(m, groups, qos);
    const trunks = new Trunks(m, ports);
    const routers = new Routers(m, ports, subnets, { flavors, scheduler });
    const floatingIps = new FloatingIps(m, ports, routers);
    const segments = new Segments(m);
    const networks = new Networks(m, floatingIps, qos, scheduler, segments);
    const autoAllocation = new AutoAllocation(m, networks, subnets, routers, pools);
    const meteringLabels = new MeteringLabels(m);
    // URL path -> collection; the path spelling is Neutron's (dashes), bodies use underscores.
    const collections: Array<[string, Collection]> = [
      ['networks', networks],
      ['subnets', subnets],
      ['subnetpools', pools],
      ['ports', ports],
      ['routers', routers],
      ['floatingips', floatingIps],
      ['security-groups', groups],
      ['security-group-rules', rules],
      ['default-security-group-rules', new DefaultRules(m)],
      ['rbac-policies', new RbacPolicies(m)],
      ['address-scopes', scopes],
      ['address-groups', addressGroups],
      ['qos/policies', qos],
      ['trunks', trunks],
      ['flavors', flavors],
      ['service_profiles', profiles],
      ['metering/metering-labels', meteringLabels],
      ['metering/metering-label-rules', new MeteringRules(m, meteringLabels)],
      ['segments', segments],
    ];

    const baseUrl = () => ctx.urls.network;
    const app = createServiceApp({
      service: 'network',
      log: ctx.log,
      metrics: ctx.metrics,
      renderFault: neutronFault(identityEdge(ctx).authUrl),
      tokens: identityEdge(ctx).tokens,
      // Neutron accepts `.json` after any resource path; python-neutronclient sends it (quota details, and every path in older releases).
      rewriteUrl: (url) => url.replace(/^([^?]*)\.json(?=\?|$)/, '$1'),
    });
    // Neutron reads every body as JSON, also without a Content-Type (neutron-tempest-plugin's updates send none).
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser('*', { parseAs: 'string' }, jsonBody);
    registerVersionRoutes(app, baseUrl, [...collections.map(([p]) => p), 'quotas', 'availability_zones', 'network-ip-availabilities', 'floatingip-pools']);
    for (const [path, c] of collections) registerCollection(app, c, path, baseUrl);
    registerTags(app, qos, '/v2.0/policies');
    registerRouterActions(app, routers);
    registerAutoAllocationRoutes(app, autoAllocation);
    registerTrunkActions(app, trunks);
    registerSubnetPoolActions(app, pools);
    registerAddressGroupActions(app, addressGroups);
    registerFloatingIpPools(app, floatingIps, baseUrl);
    registerQosRoutes(app, qos, baseUrl);
    registerQuotaRoutes(app, new Quotas(m));
    registerInfoRoutes(app, new IpAvailability(m), baseUrl);
    registerAgentRoutes(app, new Agents(m, scheduler.store, routers, networks), baseUrl);
    registerFlavorRoutes(app, flavors, baseUrl);
    exposeMetrics(app, ctx.metrics);

    const client: NetworkClient = new ServerNetworking(m, ports, groups, rules, networks, floatingIps, autoAllocation);
    const notices: string[] = [];
    const sweep = () =>
      m.ipam
        .sweepOrphans(new Date(Date.now() - ORPHAN_AGE_MS).toISOString())
        .then((n) => n && ctx.log.warn({ claims: n }, 'network: freed address claims of ports never created'))
        .catch((err) => ctx.log.warn({ err }, 'network: claim sweep failed'));
    let timer: NodeJS.Timeout | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    const report = () => scheduler.report(false).catch((err) => ctx.log.warn({ err }, 'network: agent heartbeat failed'));
    return {
      app,
      client,
      notices,
      async start() {
        notices.push(...(await bootstrap(m)));
        await segments.backfill();
        await sweep();
        timer = setInterval(() => void sweep(), ORPHAN_AGE_MS);
        timer.unref();
        // The agents of this process start (as Neutron's do: report, then a full sync that
        // schedules whatever no agent hosts) and keep reporting while the process lives.
        await scheduler.report(true);
        await scheduler.autoSchedule();
        heartbeat = setInterval(() => void report(), REPORT_INTERVAL_MS);
        heartbeat.unref();
      },
      async stop() {
        if (timer) clearInterval(timer);
        if (heartbeat) clearInterval(heartbeat);
      },
    };
  },
};

export default network;
