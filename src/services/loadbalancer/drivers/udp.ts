import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Balancer } from './balancer.js';
import type { ListenerSpec, TrafficStats } from './driver.js';

/** One client (address and port) and the socket that speaks for it to its member. */
interface UdpSession {
  upstream: Socket;
  memberId: string;
  to: { address: string; port: number };
  timer: NodeJS.Timeout;
}

/**
 * A UDP listener, as Octavia's LVS-based UDP listeners behave: each client (address and port) is a
 * session pinned to one member picked by the pool's algorithm; its datagrams go to the member from
 * a socket of its own, and the member's replies come back to the client from the listener's
 * address. A session ends after `timeout_client_data` without traffic. `connection_limit` counts
 * sessions; `allowed_cidrs` drops datagrams from other sources.
 */
export class UdpRelay {
  private socket?: Socket;
  private readonly sessions = new Map<string, UdpSession>();

  constructor(
    private readonly spec: () => ListenerSpec,
    private readonly balancer: Balancer,
    private readonly allowed: (ip: string) => boolean,
    private readonly stats: TrafficStats,
  ) {}

  async listen(host: string, port: number): Promise<string> {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('message', (msg, from) => {
      // One client's datagram must never take the server process down.
      try {
        this.fromClient(msg, from);
      } catch {
        this.stats.request_errors++;
      }
    });
    this.socket = socket;
    const a = socket.address();
    return `${a.address}:${a.port}`;
  }

  private fromClient(msg: Buffer, from: RemoteInfo): void {
    const ip = from.address.replace(/^::ffff:/, '');
    if (!this.allowed(ip)) return;
    const key = `${from.address}:${from.port}`;
    const spec = this.spec();
    let session = this.sessions.get(key);
    if (!session) {
      const pool = spec.pool;
      const member = pool && this.balancer.pick(pool, { ip, port: from.port });
      if (!member || (spec.connectionLimit >= 0 && this.sessions.size >= spec.connectionLimit)) {
        this.stats.request_errors++;
        return;
      }
      const upstream = createSocket(isIPv6(member.address) ? 'udp6' : 'udp4');
      upstream.on('error', () => this.end(key));
      upstream.on('message', (reply, replyFrom) => {
        if (replyFrom.port !== member.port) return;
        this.stats.bytes_out += reply.length;
        this.touch(key);
        this.socket?.send(reply, from.port, from.address);
      });
      session = { upstream, memberId: member.id, to: { address: member.address, port: member.port }, timer: this.expiry(key) };
      this.sessions.set(key, session);
      this.balancer.opened(member.id);
      this.stats.total_connections++;
      this.stats.active_connections++;
    } else this.touch(key);
    this.stats.bytes_in += msg.length;
    session.upstream.send(msg, session.to.port, session.to.address, (err) => err && this.end(key));
  }

  private expiry(key: string): NodeJS.Timeout {
    const t = setTimeout(() => this.end(key), Math.max(1, this.spec().timeoutClientDataMs));
    t.unref();
    return t;
  }

  private touch(key: string): void {
    const s = this.sessions.get(key);
    if (s) s.timer.refresh();
  }

  private end(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    clearTimeout(s.timer);
    s.upstream.close();
    this.balancer.closed(s.memberId);
    this.stats.active_connections--;
  }

  async close(): Promise<void> {
    for (const key of [...this.sessions.keys()]) this.end(key);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((r) => socket.close(() => r()));
  }
}
