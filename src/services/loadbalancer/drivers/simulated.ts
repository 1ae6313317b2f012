import { NO_TRAFFIC, type LoadBalancerDriver } from './driver.js';

/**
 * Provisioning transitions only: nothing listens, no monitor runs, no traffic is counted. Each
 * change takes `delayMs`, as a real provider's would, so PENDING_* states can be observed.
 */
export function simulatedDriver(delayMs = 0): LoadBalancerDriver {
  const wait = () => new Promise<void>((r) => setTimeout(r, delayMs));
  return {
    name: 'simulated',
    description: 'Provisioning transitions only (no data plane)',
    runsMonitors: false,
    // Nothing runs, so either topology is simulated alike.
    topologies: ['SINGLE', 'ACTIVE_STANDBY'],
    apply: async () => {
      await wait();
      return {};
    },
    remove: async () => undefined,
    stats: () => ({ ...NO_TRAFFIC }),
    stop: async () => undefined,
  };
}
