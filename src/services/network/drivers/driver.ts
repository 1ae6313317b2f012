/**
 * The seam to the data plane. The model decides which port goes where; a driver makes it so and
 * reports how the port is plugged. `simulated` plugs nothing and reports success (the embedded
 * default and the test workhorse); a Linux data plane implements the same interface later.
 */
export interface PortBinding {
  vif_type: string;
  vif_details: Record<string, unknown>;
  status: 'ACTIVE' | 'DOWN';
}

export interface DriverPort {
  id: string;
  networkId: string;
  macAddress: string;
  fixedIps: Array<{ subnet_id: string; ip_address: string }>;
  hostId: string;
  vnicType: string;
}

export interface NetworkDriver {
  readonly name: string;
  readonly capabilities: {
    /** Packets really flow (false for `simulated`). */
    dataPlane: boolean;
  };
  bindPort(port: DriverPort): Promise<PortBinding>;
  unbindPort(port: DriverPort): Promise<void>;
}

/** How an unbound port looks, whatever the driver. */
export const UNBOUND: PortBinding = { vif_type: 'unbound', vif_details: {}, status: 'DOWN' };
