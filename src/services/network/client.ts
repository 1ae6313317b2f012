import type { AuthContext } from '../../platform/auth.js';

/** One address of a server, as Nova shows it under `addresses[<network name>]`. */
export interface ServerAddress {
  addr: string;
  version: 4 | 6;
  'OS-EXT-IPS:type': 'fixed' | 'floating';
  'OS-EXT-IPS-MAC:mac_addr': string;
}

export interface ServerPort {
  portId: string;
  networkId: string;
  networkName: string;
  macAddress: string;
  fixedIps: Array<{ subnet_id: string; ip_address: string }>;
}

/** A network request of Nova's server create (`networks`). */
export type NetworkRequest = 'auto' | 'none' | Array<{ uuid?: string; port?: string; fixed_ip?: string; tag?: string }>;

/** What compute (and the load balancer) may ask of the network service. */
export interface NetworkClient {
  /**
   * Creates ports for a server (or binds the given ones) with the project's default security group
   * (or the named ones) and binds them to `host`. 'auto' uses the project's only network, else a
   * shared network; 'none' allocates nothing. Throws badRequest/notFound/conflict as Nova reports them.
   * `ifAvailable` (Nova's omitted `networks` before 2.37): 'auto' without a usable network allocates nothing.
   */
  allocateServerPorts(
    ctx: AuthContext,
    req: { serverId: string; networks: NetworkRequest; securityGroups?: string[]; host: string; ifAvailable?: boolean },
  ): Promise<ServerPort[]>;
  /** Nova's API-time check of `networks: auto`: several candidate networks are a 409 before any build. */
  checkAutoNetwork(ctx: AuthContext): Promise<void>;
  /** Deletes the ports created for the server and unbinds ports the user passed in. Idempotent. */
  releaseServerPorts(serverId: string): Promise<void>;
  /** Addresses of the server's ports (fixed and associated floating IPs), by network name. */
  serverAddresses(serverIds: string[]): Promise<Map<string, Record<string, ServerAddress[]>>>;
  /** Ports of a server (`os-interface`). */
  serverPorts(serverId: string): Promise<ServerPort[]>;
  attachInterface(ctx: AuthContext, serverId: string, req: { net_id?: string; port_id?: string; fixed_ips?: Array<{ ip_address?: string; subnet_id?: string }>; host: string }): Promise<ServerPort>;
  detachInterface(ctx: AuthContext, serverId: string, portId: string): Promise<void>;
  /** Security group names of a server's ports; add/remove by name or id on all its ports. */
  serverSecurityGroups(ctx: AuthContext, serverId: string): Promise<Array<{ id: string; name: string }>>;
  addServerSecurityGroup(ctx: AuthContext, serverId: string, group: string): Promise<void>;
  removeServerSecurityGroup(ctx: AuthContext, serverId: string, group: string): Promise<void>;
  /**
   * The VIP port of a load balancer: a new port on the subnet (or network) owned by the caller's
   * project, or the caller's existing free port. `created` says whether `deletePort` should remove it.
   */
  createVipPort(ctx: AuthContext, req: { networkId?: string; subnetId?: string; portId?: string; address?: string; name: string; deviceId: string }): Promise<VipPort>;
  /** Deletes a port created for a service (a VIP). Idempotent. */
  deletePort(portId: string): Promise<void>;
  /**
   * Security groups and rules in Neutron's shape, for compute's deprecated `os-security-groups`
   * proxy (before 2.36); Neutron's rules and errors apply.
   */
  securityGroups(ctx: AuthContext): {
    list(): Promise<Array<Record<string, unknown>>>;
    show(id: string): Promise<Record<string, unknown>>;
    create(body: Record<string, unknown>): Promise<Record<string, unknown>>;
    update(id: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
    remove(id: string): Promise<void>;
    createRule(body: Record<string, unknown>): Promise<Record<string, unknown>>;
    removeRule(id: string): Promise<void>;
  };
  /** Networks in Neutron's shape, for compute's deprecated `os-networks` proxies (before 2.36). */
  networks(ctx: AuthContext): {
    list(): Promise<Array<Record<string, unknown>>>;
    show(id: string): Promise<Record<string, unknown>>;
  };
  /**
   * Floating IPs in Neutron's shape, for compute's deprecated `os-floating-ips` proxy and the
   * `addFloatingIp`/`removeFloatingIp` server actions; Neutron's rules and errors apply.
   */
  floatingIps(ctx: AuthContext): {
    list(): Promise<Array<Record<string, unknown>>>;
    show(id: string): Promise<Record<string, unknown>>;
    create(body: Record<string, unknown>): Promise<Record<string, unknown>>;
    update(id: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
    remove(id: string): Promise<void>;
  };
}

export interface VipPort {
  portId: string;
  address: string;
  subnetId: string;
  networkId: string;
  created: boolean;
}
