import type { NetworkDriver } from './driver.js';

/** Binds every port at once, as an OVS agent would report it, and moves no packets. */
export function simulatedDriver(): NetworkDriver {
  return {
    name: 'simulated',
    capabilities: { dataPlane: false },
    async bindPort() {
      return { vif_type: 'ovs', vif_details: { port_filter: true, connectivity: 'l2', bridge_name: 'br-int', datapath_type: 'system' }, status: 'ACTIVE' };
    },
    async unbindPort() {},
  };
}
