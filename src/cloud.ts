import type { AddressInfo } from 'node:net';
import { loadConfig, type CloudConfig, type ConfigOverrides } from './platform/config.js';
import { Database } from './platform/db/database.js';
import { migrate, type ServiceMigration } from './platform/db/migrate.js';
import { EventFeed, platformMigrations } from './platform/events.js';
import { JobRunner, jobMigrations } from './platform/jobs.js';
import { MasterKey } from './platform/keys.js';
import { createLogger, type Logger } from './platform/logging.js';
import { Metrics } from './platform/metrics.js';
import type { ServiceContext, ServiceInstance } from './platform/service.js';
import { serviceModules, type Clients } from './services/registry.js';

/** A running cloud: every service of the registry in this process. */
export interface Cloud {
  config: CloudConfig;
  /** Base URL of each service listener. */
  urls: Record<string, string>;
  clients: Clients;
  ctx: ServiceContext<Clients>;
  /** Messages for the operator collected at start. */
  notices: string[];
  close(): Promise<void>;
}

export interface StartOptions extends ConfigOverrides {
  logger?: Logger;
  /** Only these services (tests of one service); default all. */
  only?: string[];
}

export async function startCloud(opts: StartOptions = {}): Promise<Cloud> {
  const config = loadConfig(opts);
  const log = opts.logger ?? createLogger(config.logLevel);
  const db = Database.open(config.databaseUrl);
  const modules = serviceModules.filter((m) => !opts.only || opts.only.includes(m.name));

  const migrations: Record<string, ServiceMigration[]> = { platform: [...platformMigrations, ...jobMigrations] };
  for (const m of modules) migrations[m.name] = m.migrations;
  await migrate(db.kysely, db.dialect, migrations);

  const events = new EventFeed(db, log);
  const jobs = new JobRunner(db, log);
  const clients = {} as Clients;
  const urls: Record<string, string> = {};
  const ctx: ServiceContext<Clients> = {
    config,
    db,
    log,
    metrics: new Metrics(),
    events,
    jobs,
    masterKey: MasterKey.loadOrCreate(config.dataDir),
    clients,
    urls,
  };

  const instances: Array<{ name: string; inst: ServiceInstance }> = [];
  for (const m of modules) {
    const inst = await m.create(ctx);
    if (inst.client) (clients as unknown as Record<string, unknown>)[m.name] = inst.client;
    instances.push({ name: m.name, inst });
  }

  for (const { name, inst } of instances) {
    if (!inst.app) continue;
    await inst.app.listen({ host: config.host, port: config.ports[name] ?? 0 });
    const port = (inst.app.server.address() as AddressInfo).port;
    urls[name] = `http://${config.publicHost}:${port}`;
  }

  await clients.identity.ensureEndpoints(
    modules.flatMap((m) => (urls[m.name] ? m.catalog.map((c) => ({ ...c, url: urls[m.name] + c.path })) : [])),
  );
  await events.start();
  for (const { inst } of instances) await inst.start?.();
  jobs.start();

  return {
    config,
    urls,
    clients,
    ctx,
    notices: instances.flatMap(({ inst }) => inst.notices ?? []),
    async close() {
      await events.stop();
      await jobs.stop();
      for (const { inst } of [...instances].reverse()) {
        await inst.stop?.();
        await inst.app?.close();
      }
      await db.close();
    },
  };
}
