import { createServiceApp } from '../../platform/http/app.js';
import type { ServiceModule } from '../../platform/service.js';
import type { Clients } from '../registry.js';
import { identityEdge } from '../identity-edge.js';
import { placementFault } from './api/faults.js';
import { registerPlacementRoutes } from './api/routes.js';
import type { PlacementClient } from './client.js';
import { placementMigrations } from './store/migrations.js';
import { NameStore } from './store/names.js';
import { ProviderStore } from './store/providers.js';
import type { PlacementTables } from './store/tables.js';

/** Placement: resource providers, inventories and allocations, which the compute scheduler claims. */
const placement: ServiceModule<Clients> = {
  name: 'placement',
  migrations: placementMigrations,
  catalog: [{ type: 'placement', name: 'placement', path: '' }],

  async create(ctx) {
    const store = new ProviderStore(ctx.db.typed<PlacementTables>());
    const app = createServiceApp({
      service: 'placement',
      log: ctx.log,
      metrics: ctx.metrics,
      renderFault: placementFault,
      tokens: identityEdge(ctx).tokens,
      serviceType: 'placement',
    });
    const db = ctx.db.typed<PlacementTables>();
    registerPlacementRoutes(app, {
      providers: store,
      traits: new NameStore(db, 'trait'),
      classes: new NameStore(db, 'resource class'),
      baseUrl: () => ctx.urls.placement,
    });
    const client: PlacementClient = {
      async ensureProvider(id, name, inventories) {
        const existing = await store.list({ uuid: id });
        if (!existing.length) await store.create(id, name);
        await store.setInventories(id, inventories);
      },
      candidates: (want, among) => store.candidates(want, among),
      claim: (consumer, provider, want, owner) => store.claim(consumer, provider, want, owner),
      release: (consumer) => store.release(consumer),
      providersOf: (consumers) => store.providersOf(consumers),
      usages: (provider) => store.usages(provider),
    };
    return { app, client };
  },
};

export default placement;
