import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import type { MemberSpec, MonitorSpec } from './driver.js';

/** Octavia's `expected_codes`: "200", "200,202", "200-204" or combinations. */
export function expectedCodes(spec: string): (code: number) => boolean {
  const parts = spec.split(',').map((p) => p.trim().split('-').map(Number));
  return (code) => parts.some(([lo, hi]) => (hi === undefined ? code === lo : code >= lo && code <= hi));
}

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * UDP-CONNECT, as Octavia's check does it: a datagram to the member's port; an ICMP port
 * unreachable (ECONNREFUSED on the connected socket) within the timeout means down, silence or a
 * reply up.
 */
function udpCheck(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    s.on('error', () => done(false));
    s.on('message', () => done(true));
    s.connect(port, host, () => s.send(Buffer.alloc(0)));
  });
}

function httpCheck(m: MonitorSpec, host: string, port: number, timeoutMs: number): Promise<boolean> {
  const ok = expectedCodes(m.expectedCodes);
  const send = m.type === 'HTTPS' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send({ host, port, method: m.httpMethod, path: m.urlPath, timeout: timeoutMs, agent: false, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(ok(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Runs one pool's health monitor: every `delay` seconds each member is checked; `max_retries`
 * consecutive successes bring a down member up, `max_retries_down` consecutive failures take an
 * up member down. The first result decides at once, so a new member is not in limbo for long.
 */
export class HealthChecker {
  private timer?: NodeJS.Timeout;
  private readonly state = new Map<string, { up?: boolean; streak: number }>();
  private running = false;

  constructor(
    private readonly monitor: MonitorSpec,
    private readonly members: MemberSpec[],
    private readonly report: (memberId: string, up: boolean) => void,
  ) {}

  /** Whether a member may take traffic: unchecked members are given the benefit of the doubt. */
  isUp(memberId: string): boolean {
    return this.state.get(memberId)?.up !== false;
  }

  memberIds(): string[] {
    return this.members.map((m) => m.id);
  }

  start(): void {
    void this.round();
    this.timer = setInterval(() => void this.round(), Math.max(1, this.monitor.delaySec) * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async check(m: MemberSpec): Promise<boolean> {
    const host = m.monitorAddress ?? m.address;
    const port = m.monitorPort ?? m.port;
    const timeoutMs = Math.max(1, this.monitor.timeoutSec) * 1000;
    if (this.monitor.type === 'HTTP' || this.monitor.type === 'HTTPS') return httpCheck(this.monitor, host, port, timeoutMs);
    return this.monitor.type === 'UDP-CONNECT' ? udpCheck(host, port, timeoutMs) : tcpCheck(host, port, timeoutMs);
  }

  private async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all(
        this.members.filter((m) => m.adminUp).map(async (m) => {
          const ok = await this.check(m);
          const prev = this.state.get(m.id);
          const before = prev?.up;
          const s = prev ?? { streak: 0 };
          if (s.up === undefined) Object.assign(s, { up: ok, streak: 0 });
          else if (ok === s.up) s.streak = 0;
          else if (++s.streak >= (ok ? this.monitor.maxRetries : this.monitor.maxRetriesDown)) Object.assign(s, { up: ok, streak: 0 });
          this.state.set(m.id, s);
          if (s.up !== before) this.report(m.id, s.up!);
        }),
      );
    } finally {
      this.running = false;
    }
  }
}
