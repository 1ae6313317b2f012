import { BlockList, connect, createServer as createTcpServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Balancer } from './balancer.js';
import { NO_TRAFFIC, type ListenerSpec, type TrafficStats } from './driver.js';
import type { RequestHead } from './http1.js';
import { matchPolicy } from './l7.js';
import { proxyHeader } from './proxyprotocol.js';
import { clientIp, HttpSession, type Route, type SessionHost } from './session.js';
import { UdpRelay } from './udp.js';
import { UpstreamPool } from './upstream.js';

function cidrList(cidrs: string[] | null): BlockList | undefined {
  if (!cidrs?.length) return undefined;
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, prefix] = c.split('/');
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
    list.addSubnet(addr, Number(prefix ?? (type === 'ipv4' ? 32 : 128)), type);
  }
  return list;
}

/**
 * One listening socket and what it needs to balance: the running shape of a listener in one
 * process. Member health comes from outside (`isUp`): the health checkers run in the process that
 * applied the load balancer.
 */
export class ListenerRuntime implements SessionHost {
  /** Counters; bytes of connections still open are added when read (`snapshot`). */
  readonly stats: TrafficStats = { ...NO_TRAFFIC };
  readonly balancer: Balancer;
  private readonly sockets = new Set<Socket>();
  readonly upstreams = new UpstreamPool(() => ({ connectMs: this.spec.timeoutMemberConnectMs, dataMs: this.spec.timeoutMemberDataMs }));
  private allowed?: BlockList;
  server?: Server;
  /** A UDP listener's socket (served by this process alone). */
  private udp?: UdpRelay;
  address = '';

  constructor(
    public spec: ListenerSpec,
    isUp: (memberId: string) => boolean,
  ) {
    this.balancer = new Balancer(isUp);
    this.update(spec);
  }

  update(spec: ListenerSpec): void {
    this.spec = spec;
    this.allowed = cidrList(spec.allowedCidrs);
  }

  /** Binds a new socket, or serves one another process bound (`handle`). */
  async listen(at: { host: string; port: number } | { handle: Server }): Promise<string> {
    if (this.spec.protocol === 'UDP' && 'host' in at) {
      this.udp = new UdpRelay(() => this.spec, this.balancer, (ip) => this.allows(ip), this.stats);
      this.address = await this.udp.listen(at.host, at.port);
      return this.address;
    }
    const server = this.spec.protocol === 'HTTP' ? this.httpServer() : createTcpServer((s) => this.admit(s) && this.tcpConnection(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if ('handle' in at) server.listen(at.handle, () => resolve());
      else server.listen(at.port, at.host, () => resolve());
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    this.address = `${a.address}:${a.port}`;
    return this.address;
  }

  private allows(ip: string): boolean {
    return !this.allowed || this.allowed.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
  }

  /** Every connection: allowed_cidrs and connection_limit first, then counted. */
  private admit(s: Socket): boolean {
    const refuse = !this.allows(clientIp(s)) || (this.spec.connectionLimit >= 0 && this.stats.active_connections >= this.spec.connectionLimit);
    if (refuse) {
      s.destroy();
      return false;
    }
    this.sockets.add(s);
    this.stats.active_connections++;
    this.stats.total_connections++;
    s.once('close', () => {
      this.sockets.delete(s);
      this.stats.active_connections--;
      this.stats.bytes_in += s.bytesRead;
      this.stats.bytes_out += s.bytesWritten;
    });
    return true;
  }

  private tcpConnection(client: Socket): void {
    const member = this.spec.pool && this.balancer.pick(this.spec.pool, { ip: clientIp(client), port: client.remotePort ?? 0 });
    if (!member) {
      this.stats.request_errors++;
      return void client.destroy();
    }
    this.balancer.opened(member.id);
    const upstream = connect({ host: member.address, port: member.port });
    if (this.spec.pool!.proxyProtocol) upstream.write(proxyHeader(this.spec.pool!.proxyProtocol, client));
    upstream.setTimeout(this.spec.timeoutMemberConnectMs, () => upstream.destroy());
    upstream.once('connect', () => upstream.setTimeout(this.spec.timeoutMemberDataMs));
    client.setTimeout(this.spec.timeoutClientDataMs, () => client.destroy());
    client.pipe(upstream).pipe(client);
    const fail = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.once('error', () => {
      this.stats.request_errors++;
      fail();
    });
    client.once('error', fail);
    upstream.once('close', () => {
      this.balancer.closed(member.id);
      client.end();
    });
  }

  /** Plain or TLS-terminating: either way each connection is an HttpSession on a byte stream. */
  private httpServer(): Server {
    const tls = this.spec.tls;
    if (!tls) return createTcpServer({ allowHalfOpen: true, noDelay: true }, (s) => this.admit(s) && new HttpSession(this, s));
    const server = createTlsServer({ cert: tls.cert, key: tls.key, passphrase: tls.passphrase, allowHalfOpen: true }, (s) => new HttpSession(this, s));
    // Counted and filtered on the TCP connection, before the handshake.
    server.on('connection', (s: Socket) => this.admit(s));
    server.on('tlsClientError', () => undefined);
    return server;
  }

  clientTimeoutMs(): number {
    return this.spec.timeoutClientDataMs;
  }

  route(req: RequestHead, client: { ip: string; port: number }): Route {
    const policy = this.spec.l7policies.length ? matchPolicy(this.spec.l7policies, req) : undefined;
    if (policy?.action === 'REJECT') return { status: 403 };
    if (policy?.action === 'REDIRECT_TO_URL') return { status: policy.redirectHttpCode, location: policy.redirectUrl! };
    if (policy?.action === 'REDIRECT_PREFIX') return { status: policy.redirectHttpCode, location: `${policy.redirectPrefix!.replace(/\/$/, '')}${req.url}` };
    const pool = policy ? policy.pool : this.spec.pool;
    const member = pool && this.balancer.pick(pool, client);
    return member ? { member, pool } : { status: 503 };
  }

  forwardedFields(ip: string): Buffer | null {
    const insert = this.spec.insertHeaders;
    let lines = '';
    // A separate X-Forwarded-For line: members read repeated fields as one comma-separated list.
    if (insert['X-Forwarded-For'] === 'true') lines += `x-forwarded-for: ${ip}\r\n`;
    if (insert['X-Forwarded-Port'] === 'true') lines += `x-forwarded-port: ${this.spec.port}\r\n`;
    if (insert['X-Forwarded-Proto'] === 'true') lines += `x-forwarded-proto: ${this.spec.tls ? 'https' : 'http'}\r\n`;
    return lines ? Buffer.from(lines, 'latin1') : null;
  }

  requestError(): void {
    this.stats.request_errors++;
  }

  snapshot(): TrafficStats {
    const s = { ...this.stats };
    for (const sock of this.sockets) {
      s.bytes_in += sock.bytesRead;
      s.bytes_out += sock.bytesWritten;
    }
    return s;
  }

  async close(): Promise<void> {
    this.upstreams.close();
    await this.udp?.close();
    this.udp = undefined;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

