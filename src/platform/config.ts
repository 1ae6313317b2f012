import { existsSync, readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * The cloud's configuration: one YAML file plus environment variables, with defaults that make the
 * embedded mode work with no file at all. Each service reads its own section with `section()`.
 */
export interface CloudConfig {
  dataDir: string;
  /** `sqlite:` path or `postgres://` URL. */
  databaseUrl: string;
  /** Address the listeners bind to. */
  host: string;
  /** Host name put into catalog URLs (defaults to `host`). */
  publicHost: string;
  region: string;
  logLevel: string;
  /** Listener port per service; 0 picks a free port (tests). */
  ports: Record<string, number>;
  /** Encrypt stored bytes (images, objects, volumes, secrets) at rest. */
  encryptAtRest: boolean;
  /** Per-service settings, by service name. */
  services: Record<string, Record<string, unknown>>;
}

export const DEFAULT_PORTS: Record<string, number> = {
  identity: 5000,
  compute: 8774,
  placement: 8778,
  image: 9292,
  network: 9696,
  volume: 8776,
  loadbalancer: 9876,
  keymanager: 9311,
  objectstore: 7480,
};

export interface ConfigOverrides {
  dataDir?: string;
  configFile?: string;
  databaseUrl?: string;
  host?: string;
  publicHost?: string;
  logLevel?: string;
  /** Force every port (0 = ephemeral); used by tests. */
  allPorts?: number;
  ports?: Record<string, number>;
  services?: Record<string, Record<string, unknown>>;
  encryptAtRest?: boolean;
}

export function loadConfig(over: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const dataDir = resolve(over.dataDir ?? env.SCS_DATA ?? './data');
  const file = over.configFile ?? env.SCS_CONFIG ?? join(dataDir, 'scs.yaml');
  const fromFile = existsSync(file) ? ((parseYaml(readFileSync(file, 'utf8')) ?? {}) as Partial<CloudConfig>) : {};
  const host = over.host ?? env.SCS_HOST ?? fromFile.host ?? '127.0.0.1';
  const ports = { ...DEFAULT_PORTS, ...(fromFile.ports ?? {}), ...(over.ports ?? {}) };
  if (over.allPorts !== undefined) for (const k of Object.keys(ports)) ports[k] = over.allPorts;
  const services: Record<string, Record<string, unknown>> = { ...(fromFile.services ?? {}) };
  for (const [name, sect] of Object.entries(over.services ?? {})) services[name] = { ...(services[name] ?? {}), ...sect };
  return {
    dataDir,
    databaseUrl:
      over.databaseUrl ?? env.SCS_DATABASE ?? fromFile.databaseUrl ?? `sqlite:${join(dataDir, 'scs.db')}`,
    host,
    publicHost: over.publicHost ?? env.SCS_PUBLIC_HOST ?? fromFile.publicHost ?? host,
    region: fromFile.region ?? 'RegionOne',
    logLevel: over.logLevel ?? env.SCS_LOG_LEVEL ?? fromFile.logLevel ?? 'info',
    ports,
    encryptAtRest: over.encryptAtRest ?? (env.SCS_ENCRYPT_AT_REST ? env.SCS_ENCRYPT_AT_REST !== 'false' : undefined) ?? fromFile.encryptAtRest ?? true,
    services,
  };
}

/** A service's own settings merged over its defaults. */
export function section<T extends object>(config: CloudConfig, name: string, defaults: T): T {
  return { ...defaults, ...((config.services[name] ?? {}) as Partial<T>) };
}
