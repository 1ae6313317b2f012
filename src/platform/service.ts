import type { FastifyInstance } from 'fastify';
import type { CloudConfig } from './config.js';
import type { Database } from './db/database.js';
import type { ServiceMigration } from './db/migrate.js';
import type { EventFeed } from './events.js';
import type { JobRunner } from './jobs.js';
import type { MasterKey } from './keys.js';
import type { Logger } from './logging.js';
import type { Metrics } from './metrics.js';

/** One catalog entry a service listener serves; `path` is appended to the listener's base URL. */
export interface CatalogEntry {
  type: string;
  name: string;
  path: string;
}

/** What every service gets from the process that hosts it. `C` is the registry of service clients. */
export interface ServiceContext<C> {
  config: CloudConfig;
  db: Database;
  log: Logger;
  metrics: Metrics;
  events: EventFeed;
  masterKey: MasterKey;
  jobs: JobRunner;
  /** Other services' typed clients, available once all services are created. */
  clients: C;
  /** Base URL (`http://host:port`) of every listener, known after all listen. */
  urls: Record<string, string>;
}

export interface ServiceInstance<Client = unknown> {
  /** The listener of this service, if it has one. */
  app?: FastifyInstance;
  /** The typed interface other services call. */
  client?: Client;
  /** Runs after every listener is up and the catalog is registered (bootstrap, reconcilers). */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** Lines for the operator, printed once by `scs up` after start (e.g. generated credentials). */
  notices?: string[];
}

export interface ServiceModule<C> {
  /** Key for config sections, ports and the client registry. */
  name: string;
  migrations: ServiceMigration[];
  catalog: CatalogEntry[];
  create(ctx: ServiceContext<C>): Promise<ServiceInstance>;
}
