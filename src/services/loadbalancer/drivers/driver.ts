/**
 * The data-plane seam of the load balancer service (Octavia's provider driver): the model hands a
 * driver the whole desired state of one load balancer, the driver makes it so (idempotently) and
 * reports what it observes (member health, traffic counters). Drivers know nothing of the API.
 */
export interface MemberSpec {
  id: string;
  address: string;
  port: number;
  weight: number;
  backup: boolean;
  adminUp: boolean;
  monitorAddress: string | null;
  monitorPort: number | null;
}

export interface MonitorSpec {
  /** TCP, HTTP, HTTPS, UDP-CONNECT, PING (checked as a TCP connect), TLS-HELLO (TCP connect). */
  type: string;
  delaySec: number;
  timeoutSec: number;
  maxRetries: number;
  maxRetriesDown: number;
  httpMethod: string;
  urlPath: string;
  expectedCodes: string;
  adminUp: boolean;
}

export interface PoolSpec {
  id: string;
  algorithm: 'ROUND_ROBIN' | 'LEAST_CONNECTIONS' | 'SOURCE_IP' | 'SOURCE_IP_PORT';
  /** SOURCE_IP persistence pins a client address to a member; other types are not enforced. */
  persistence: string | null;
  /** PROXY (1) or PROXYV2 (2) pools send members the PROXY protocol header first on each connection. */
  proxyProtocol: 1 | 2 | null;
  members: MemberSpec[];
  monitor: MonitorSpec | null;
}

export interface L7RuleSpec {
  /** HOST_NAME, PATH, FILE_TYPE, HEADER, COOKIE. */
  type: string;
  /** REGEX, STARTS_WITH, ENDS_WITH, CONTAINS, EQUAL_TO. */
  compareType: string;
  key: string | null;
  value: string;
  invert: boolean;
}

/** An L7 policy of an HTTP listener: applies when all its rules match; policies in position order. */
export interface L7PolicySpec {
  id: string;
  action: 'REDIRECT_TO_POOL' | 'REDIRECT_TO_URL' | 'REDIRECT_PREFIX' | 'REJECT';
  pool: PoolSpec | null;
  redirectUrl: string | null;
  redirectPrefix: string | null;
  redirectHttpCode: number;
  rules: L7RuleSpec[];
}

export interface ListenerSpec {
  id: string;
  /** TCP (also HTTPS passthrough), UDP or HTTP; HTTP with `tls` terminates TLS (TERMINATED_HTTPS). */
  protocol: 'TCP' | 'UDP' | 'HTTP';
  /** PEM certificate (with chain) and private key of a TLS-terminating listener. */
  tls: { cert: string; key: string; passphrase?: string } | null;
  port: number;
  adminUp: boolean;
  /** -1: unlimited. */
  connectionLimit: number;
  allowedCidrs: string[] | null;
  insertHeaders: Record<string, string>;
  timeoutClientDataMs: number;
  timeoutMemberConnectMs: number;
  timeoutMemberDataMs: number;
  pool: PoolSpec | null;
  l7policies: L7PolicySpec[];
}

export interface LoadBalancerSpec {
  id: string;
  adminUp: boolean;
  listeners: ListenerSpec[];
}

export interface TrafficStats {
  bytes_in: number;
  bytes_out: number;
  active_connections: number;
  total_connections: number;
  request_errors: number;
}

export const NO_TRAFFIC: TrafficStats = { bytes_in: 0, bytes_out: 0, active_connections: 0, total_connections: 0, request_errors: 0 };

/** What a driver tells the model it observed. */
export interface DriverEvents {
  memberHealth(lbId: string, memberId: string, up: boolean): void;
}

export interface LoadBalancerDriver {
  /** The provider name users pass as `provider`. */
  readonly name: string;
  readonly description: string;
  /** Whether health monitors really check members (otherwise members are NO_MONITOR). */
  readonly runsMonitors: boolean;
  /** The `loadbalancer_topology` values of Octavia's flavors this data plane can provide. */
  readonly topologies: readonly string[];
  /** Makes the data plane match the spec; returns the address each listener is bound to. Idempotent. */
  apply(lb: LoadBalancerSpec): Promise<Record<string, string>>;
  /** Tears down everything of a load balancer. Idempotent. */
  remove(lbId: string): Promise<void>;
  /** Counters since this process built the listener. */
  stats(lbId: string, listenerId: string): TrafficStats;
  stop(): Promise<void>;
}
