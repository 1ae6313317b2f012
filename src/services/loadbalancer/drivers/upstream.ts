import { connect, type Socket } from 'node:net';
import type { MemberSpec } from './driver.js';

/** Who an upstream connection reports to while it carries one of its requests. */
export interface UpstreamOwner {
  onMemberData(up: Upstream, data: Buffer): void;
  onMemberClose(up: Upstream): void;
  onMemberTimeout(up: Upstream): void;
}

export interface UpstreamTimeouts {
  connectMs: number;
  dataMs: number;
}

/** Most idle connections kept per member. */
const MAX_IDLE = 512;

/**
 * A connection to a member. Its listeners stay for its whole life and dispatch to the current
 * owner, so handing it from request to request costs no listener bookkeeping.
 */
export class Upstream {
  owner: UpstreamOwner | null = null;
  connected = false;
  /** Served a request before: a failure before any answer may be the member closing an idle connection. */
  reused = false;
  /** Sent bytes beyond a response, or otherwise unfit to carry another request. */
  spoiled = false;
  readonly socket: Socket;

  constructor(
    readonly key: string,
    member: MemberSpec,
    pool: UpstreamPool,
  ) {
    const s = connect({ host: member.address, port: member.port, noDelay: true });
    this.socket = s;
    s.setTimeout(pool.timeouts().connectMs);
    s.once('connect', () => {
      this.connected = true;
      s.setTimeout(pool.timeouts().dataMs);
    });
    s.on('data', (d: Buffer) => (this.owner ? this.owner.onMemberData(this, d) : s.destroy()));
    s.on('timeout', () => (this.owner ? this.owner.onMemberTimeout(this) : s.destroy()));
    s.on('error', () => undefined);
    s.once('close', () => {
      pool.forget(this);
      this.owner?.onMemberClose(this);
    });
  }

  write(data: Buffer): boolean {
    return this.socket.write(data);
  }
}

/** Kept-alive connections to the members of one listener's pools, reused last-in first-out. */
export class UpstreamPool {
  private readonly idle = new Map<string, Upstream[]>();

  constructor(readonly timeouts: () => UpstreamTimeouts) {}

  acquire(member: MemberSpec, owner: UpstreamOwner, fresh = false): Upstream {
    const key = `${member.address}:${member.port}`;
    const up = (!fresh && this.idle.get(key)?.pop()) || new Upstream(key, member, this);
    up.owner = owner;
    return up;
  }

  /** Back to the idle list when it can carry another request, closed otherwise. */
  release(up: Upstream, reusable: boolean): void {
    up.owner = null;
    const list = this.idle.get(up.key) ?? [];
    if (!reusable || up.spoiled || up.socket.destroyed || list.length >= MAX_IDLE) return void up.socket.destroy();
    up.reused = true;
    list.push(up);
    this.idle.set(up.key, list);
  }

  forget(up: Upstream): void {
    const list = this.idle.get(up.key);
    const i = list ? list.indexOf(up) : -1;
    if (i >= 0) list!.splice(i, 1);
  }

  close(): void {
    for (const list of this.idle.values()) for (const up of [...list]) up.socket.destroy();
    this.idle.clear();
  }
}
