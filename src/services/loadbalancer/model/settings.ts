import type { ProxySettings } from '../drivers/proxy.js';
import type { RbacMode } from '../policy.js';

export const QUOTA_KEYS = ['load_balancer', 'listener', 'pool', 'health_monitor', 'member', 'l7policy', 'l7rule'] as const;

export interface LoadBalancerSettings extends ProxySettings {
  /** The provider (driver) of load balancers created without `provider`: `proxy` or `simulated`. */
  driver: string;
  /** Default quotas per project; -1 is unlimited (Octavia's default). */
  quotas: Record<string, number>;
  /** How long each change takes on the `simulated` provider. */
  simulatedDelayMs: number;
  /** Which of Octavia's policies applies (policy.ts): `default` or `advanced`. */
  rbac: RbacMode;
}

export const DEFAULT_SETTINGS: LoadBalancerSettings = {
  driver: 'proxy',
  bindAddress: '127.0.0.1',
  portOffset: 0,
  ephemeralPorts: false,
  workers: 0,
  simulatedDelayMs: 0,
  rbac: 'default',
  quotas: Object.fromEntries(QUOTA_KEYS.map((k) => [k, -1])),
};
