import { createServer as createHttpsServer } from 'node:https';
import { Agent, createServer as createHttpServer, request, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { BlockList, connect, createServer as createTcpServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net';
import { Balancer } from './balancer.js';
import { NO_TRAFFIC, type DriverEvents, type ListenerSpec, type LoadBalancerDriver, type LoadBalancerSpec, type PoolSpec, type TrafficStats } from './driver.js';
import { matchPolicy } from './l7.js';
import { HealthChecker } from './monitor.js';

export interface ProxySettings {
  /** Address every listener binds to. */
  bindAddress: string;
  /** Added to each listener's protocol_port (e.g. 10000 turns port 80 into 10080, no root needed). */
  portOffset: number;
  /** Bind every listener to a free port instead (tests); the bound address is reported. */
  ephemeralPorts: boolean;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
const NO_SERVER = '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n';

const clientIp = (s: Socket) => (s.remoteAddress ?? '').replace(/^::ffff:/, '');

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

/** One listening socket and what it needs to balance: the running shape of a listener. */
class ListenerRuntime {
  /** Counters; bytes of connections still open are added when read (`snapshot`). */
  readonly stats: TrafficStats = { ...NO_TRAFFIC };
  readonly balancer: Balancer;
  private readonly sockets = new Set<Socket>();
  /** Nagle off: a request head and its end must not wait for the member's delayed ACK. */
  private readonly agent = new Agent({ keepAlive: true, noDelay: true, maxFreeSockets: 1024 });
  /** One health checker per monitored pool (default and L7 redirect pools), by pool id. */
  private readonly checkers = new Map<string, { key: string; checker: HealthChecker }>();
  private allowed?: BlockList;
  server?: Server | HttpServer;
  address = '';

  constructor(
    public spec: ListenerSpec,
    private readonly onHealth: (memberId: string, up: boolean) => void,
  ) {
    this.balancer = new Balancer((id) => {
      for (const c of this.checkers.values()) if (!c.checker.isUp(id)) return false;
      return true;
    });
  }

  /** Socket-level shape: a change here needs a new socket. */
  static bindKey(s: ListenerSpec): string {
    return JSON.stringify([s.protocol, s.port, s.tls]);
  }

  update(spec: ListenerSpec): void {
    this.spec = spec;
    this.allowed = cidrList(spec.allowedCidrs);
    const pools = new Map<string, PoolSpec>();
    for (const p of [spec.pool, ...spec.l7policies.map((l) => l.pool)]) if (p?.monitor?.adminUp) pools.set(p.id, p);
    for (const [id, c] of this.checkers) {
      const p = pools.get(id);
      if (!p || JSON.stringify([p.monitor, p.members]) !== c.key) {
        c.checker.stop();
        this.checkers.delete(id);
      }
    }
    for (const [id, p] of pools) {
      if (this.checkers.has(id)) continue;
      const checker = new HealthChecker(p.monitor!, p.members, this.onHealth);
      this.checkers.set(id, { key: JSON.stringify([p.monitor, p.members]), checker });
      checker.start();
    }
  }

  async listen(host: string, port: number): Promise<string> {
    const server = this.spec.protocol === 'HTTP' ? this.httpServer() : createTcpServer((s) => this.admit(s) && this.tcpConnection(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    this.address = `${a.address}:${a.port}`;
    return this.address;
  }

  /** Every connection: allowed_cidrs and connection_limit first, then counted. */
  private admit(s: Socket): boolean {
    const refuse = (this.allowed && !this.allowed.check(clientIp(s), isIPv6(clientIp(s)) ? 'ipv6' : 'ipv4')) || (this.spec.connectionLimit >= 0 && this.stats.active_connections >= this.spec.connectionLimit);
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
    const member = this.spec.pool && this.balancer.pick(this.spec.pool, clientIp(client));
    if (!member) {
      this.stats.request_errors++;
      return void client.destroy();
    }
    this.balancer.opened(member.id);
    const upstream = connect({ host: member.address, port: member.port });
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

  private httpServer(): HttpServer {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.forward(req, res);
    const tls = this.spec.tls;
    const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key, passphrase: tls.passphrase }, handler) : createHttpServer(handler);
    server.on('connection', (s: Socket) => this.admit(s));
    server.keepAliveTimeout = this.spec.timeoutClientDataMs;
    return server;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const ip = clientIp(req.socket);
    const policy = matchPolicy(this.spec.l7policies, req);
    if (policy && policy.action !== 'REDIRECT_TO_POOL') return this.l7Answer(policy, req, res);
    const pool = policy ? policy.pool : this.spec.pool;
    const member = pool && this.balancer.pick(pool, ip);
    if (!member) {
      this.stats.request_errors++;
      res.writeHead(503, { 'content-type': 'text/html', 'cache-control': 'no-cache' }).end(NO_SERVER);
      return;
    }
    // Raw header pairs as received (no object copies), minus hop-by-hop ones.
    const headers: string[] = [];
    const raw = req.rawHeaders;
    const insert = this.spec.insertHeaders;
    const xff = insert['X-Forwarded-For'] === 'true';
    let forwardedFor: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (HOP_BY_HOP.has(name)) continue;
      if (xff && name === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? raw[i + 1] : `${forwardedFor}, ${raw[i + 1]}`;
      else headers.push(raw[i], raw[i + 1]);
    }
    if (xff) headers.push('x-forwarded-for', forwardedFor === undefined ? ip : `${forwardedFor}, ${ip}`);
    if (insert['X-Forwarded-Port'] === 'true') headers.push('x-forwarded-port', String(this.spec.port));
    if (insert['X-Forwarded-Proto'] === 'true') headers.push('x-forwarded-proto', this.spec.tls ? 'https' : 'http');
    // Open requests per member matter only to LEAST_CONNECTIONS: no bookkeeping otherwise.
    if (pool.algorithm === 'LEAST_CONNECTIONS') {
      this.balancer.opened(member.id);
      res.once('close', () => this.balancer.closed(member.id));
    }
    const upstream = request({ host: member.address, port: member.port, method: req.method, path: req.url, headers, agent: this.agent, timeout: this.spec.timeoutMemberDataMs }, (ures) => {
      const back: string[] = [];
      for (let i = 0; i < ures.rawHeaders.length; i += 2) if (!HOP_BY_HOP.has(ures.rawHeaders[i].toLowerCase())) back.push(ures.rawHeaders[i], ures.rawHeaders[i + 1]);
      res.writeHead(ures.statusCode ?? 502, back);
      // Forwarded by hand rather than piped: pipe's per-request listeners cost more than a
      // small response; backpressure (and a client gone meanwhile) only on the slow path.
      ures.on('data', (chunk: Buffer) => {
        if (res.write(chunk)) return;
        if (res.destroyed) return void upstream.destroy();
        ures.pause();
        res.once('drain', () => ures.resume());
        res.once('close', () => upstream.destroy());
      });
      ures.on('end', () => res.end());
    });
    upstream.on('timeout', () => upstream.destroy(new Error('member timeout')));
    upstream.on('error', () => {
      this.stats.request_errors++;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n');
      else res.destroy();
    });
    // A request without a body (no Content-Length or Transfer-Encoding: most GETs) goes out as
    // head and end in one write; others stream.
    const cl = req.headers['content-length'];
    if ((cl === undefined || cl === '0') && req.headers['transfer-encoding'] === undefined) {
      req.resume();
      upstream.end();
    } else req.pipe(upstream);
  }

  /** REJECT and redirect policies answer by themselves, as haproxy does. */
  private l7Answer(policy: ListenerSpec['l7policies'][number], req: IncomingMessage, res: ServerResponse): void {
    if (policy.action === 'REJECT') {
      res.writeHead(403, { 'content-type': 'text/html', 'cache-control': 'no-cache' }).end('<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n');
      return;
    }
    const location = policy.action === 'REDIRECT_TO_URL' ? policy.redirectUrl! : `${policy.redirectPrefix!.replace(/\/$/, '')}${req.url ?? '/'}`;
    res.writeHead(policy.redirectHttpCode, { location, 'content-length': '0', 'cache-control': 'no-cache' }).end();
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
    for (const c of this.checkers.values()) c.checker.stop();
    this.checkers.clear();
    this.agent.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/**
 * A real data plane inside this process: every enabled listener is a listening socket that
 * balances TCP connections (TCP, HTTPS passthrough) or HTTP requests over its default pool.
 */
export function proxyDriver(settings: ProxySettings, events: DriverEvents): LoadBalancerDriver {
  const lbs = new Map<string, Map<string, ListenerRuntime>>();

  async function closeAll(lbId: string): Promise<void> {
    for (const rt of lbs.get(lbId)?.values() ?? []) await rt.close();
    lbs.delete(lbId);
  }

  return {
    name: 'proxy',
    description: 'In-process TCP and HTTP proxy with health monitors.',
    runsMonitors: true,

    async apply(lb: LoadBalancerSpec) {
      const running = lbs.get(lb.id) ?? new Map<string, ListenerRuntime>();
      lbs.set(lb.id, running);
      const wanted = new Map(lb.adminUp ? lb.listeners.filter((l) => l.adminUp).map((l) => [l.id, l]) : []);
      for (const [id, rt] of running) {
        const spec = wanted.get(id);
        if (!spec || ListenerRuntime.bindKey(spec) !== ListenerRuntime.bindKey(rt.spec)) {
          await rt.close();
          running.delete(id);
        }
      }
      const bound: Record<string, string> = {};
      for (const [id, spec] of wanted) {
        let rt = running.get(id);
        if (!rt) {
          rt = new ListenerRuntime(spec, (memberId, up) => events.memberHealth(lb.id, memberId, up));
          rt.update(spec);
          try {
            await rt.listen(settings.bindAddress, settings.ephemeralPorts ? 0 : spec.port + settings.portOffset);
          } catch (e) {
            await rt.close();
            throw e;
          }
          running.set(id, rt);
        } else rt.update(spec);
        bound[id] = rt.address;
      }
      return bound;
    },

    remove: closeAll,

    stats(lbId, listenerId) {
      return lbs.get(lbId)?.get(listenerId)?.snapshot() ?? { ...NO_TRAFFIC };
    },

    async stop() {
      for (const id of [...lbs.keys()]) await closeAll(id);
    },
  };
}
