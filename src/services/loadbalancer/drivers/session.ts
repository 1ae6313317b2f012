import type { Socket } from 'node:net';
import type { Balancer } from './balancer.js';
import type { MemberSpec, PoolSpec } from './driver.js';
import { BodyFrame, FramingError, headEnd, localResponse, MAX_HEAD, parseRequest, parseResponse, type RequestHead, type ResponseHead } from './http1.js';
import { proxyHeader } from './proxyprotocol.js';
import type { Upstream, UpstreamOwner, UpstreamPool } from './upstream.js';

/** Where a request goes: to a member, or answered by the proxy itself (error page or redirect). */
export type Route = { member: MemberSpec; pool: PoolSpec } | { status: number; location?: string };

/** What a session needs from its listener. */
export interface SessionHost {
  readonly upstreams: UpstreamPool;
  readonly balancer: Balancer;
  clientTimeoutMs(): number;
  route(req: RequestHead, client: { ip: string; port: number }): Route;
  /** The X-Forwarded-* field lines the listener inserts for this client (CRLF-terminated), or null. */
  forwardedFields(clientIp: string): Buffer | null;
  requestError(): void;
}

const enum State {
  /** Waiting for (the rest of) a request head. */
  Head,
  /** Streaming the request body to the member. */
  Body,
  /** Request sent; the response is on its way. */
  Wait,
  /** After 101 Switching Protocols: bytes pass both ways. */
  Tunnel,
  Closed,
}

/** Methods a stale kept-alive member connection may be retried for (they carry no body here). */
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE']);

export const clientIp = (s: Socket) => (s.remoteAddress ?? '').replace(/^::ffff:/, '');

/**
 * One client connection of an HTTP listener. Requests are handled one at a time in order (later
 * pipelined ones wait in `pending`); each goes, bytes as received plus the inserted X-Forwarded-*
 * fields, over a pooled kept-alive member connection, and the member's response comes back as
 * received. Only heads are parsed, and bodies framed to know where a message ends.
 */
export class HttpSession implements UpstreamOwner {
  private state = State.Head;
  /** Client bytes not handled yet: a partial head or pipelined requests. */
  private pending: Buffer | null = null;
  private scanned = 0;
  private req: RequestHead | null = null;
  private reqBody: BodyFrame | null = null;
  private member: MemberSpec | null = null;
  /** The request as sent, while it may be sent again on a fresh connection. */
  private retry: Buffer | null = null;
  private up: Upstream | null = null;
  /** Member counted open for LEAST_CONNECTIONS. */
  private counted: string | null = null;
  private respPartial: Buffer | null = null;
  private resp: ResponseHead | null = null;
  private respBody: BodyFrame | null = null;
  private clientEnded = false;
  private clientBlocked = false;
  private memberBlocked = false;
  private readonly ip: string;
  private readonly port: number;

  constructor(
    private readonly host: SessionHost,
    private readonly client: Socket,
  ) {
    this.ip = clientIp(client);
    this.port = client.remotePort ?? 0;
    client.setNoDelay(true);
    client.setTimeout(host.clientTimeoutMs(), () => this.onClientTimeout());
    client.on('data', (d: Buffer) => this.onClientData(d));
    client.on('end', () => this.onClientEnd());
    client.on('error', () => undefined);
    client.once('close', () => {
      this.state = State.Closed;
      this.detach(false);
    });
  }

  private onClientData(d: Buffer): void {
    switch (this.state) {
      case State.Body:
        return this.sendBody(d, 0);
      case State.Tunnel:
        return this.toMember(d);
      case State.Closed:
        return;
    }
    this.pending = this.pending ? Buffer.concat([this.pending, d]) : d;
    if (this.state === State.Head) this.next();
    else if (this.pending.length > MAX_HEAD) this.client.pause(); // pipelined requests wait for the response
  }

  /** Starts the requests waiting in `pending`, until one needs the member's answer. */
  private next(): void {
    while (this.state === State.Head && this.pending) {
      const buf = this.pending;
      const end = headEnd(buf, Math.max(0, this.scanned - 3));
      if (end < 0) {
        this.scanned = buf.length;
        if (buf.length > MAX_HEAD) return this.refuse(400);
        break;
      }
      this.scanned = 0;
      if (end > MAX_HEAD) return this.refuse(400);
      try {
        this.begin(parseRequest(buf, end), buf, end);
      } catch (e) {
        if (!(e instanceof FramingError)) throw e;
        return this.refuse(e.status);
      }
    }
    if (this.state === State.Head && this.clientEnded) this.closeClient();
  }

  private begin(req: RequestHead, buf: Buffer, end: number): void {
    const body = BodyFrame.ofRequest(req);
    const route = this.host.route(req, { ip: this.ip, port: this.port });
    if (!('member' in route)) {
      // A body the proxy does not read would be taken for the next request: close instead.
      const close = body !== null || req.close;
      this.pending = close || end === buf.length ? null : buf.subarray(end);
      if (route.status >= 500) this.host.requestError();
      this.client.write(localResponse(route.status, { close, headOnly: req.method === 'HEAD', location: route.location }));
      if (close) this.closeClient();
      return;
    }
    this.req = req;
    this.member = route.member;
    if (route.pool.algorithm === 'LEAST_CONNECTIONS') {
      this.host.balancer.opened(route.member.id);
      this.counted = route.member.id;
    }
    const taken = body ? body.take(buf, end) : 0;
    const sendEnd = end + taken;
    const fields = this.host.forwardedFields(this.ip);
    const out = fields ? Buffer.concat([buf.subarray(0, end - 2), fields, buf.subarray(end - 2, sendEnd)]) : sendEnd === buf.length ? buf : buf.subarray(0, sendEnd);
    this.pending = sendEnd < buf.length ? buf.subarray(sendEnd) : null;
    this.reqBody = body && !body.done ? body : null;
    this.state = this.reqBody ? State.Body : State.Wait;
    // A PROXY protocol connection speaks for this one client: a new one, never reused.
    const proxied = route.pool.proxyProtocol;
    this.up = this.host.upstreams.acquire(route.member, this, proxied !== null);
    if (proxied) {
      this.up.spoiled = true;
      this.up.write(proxyHeader(proxied, this.client));
    }
    this.retry = !body && this.up.reused && RETRYABLE.has(req.method) ? out : null;
    if (!this.up.write(out) && this.state === State.Body) this.waitForMember();
  }

  /** Request body bytes from d[from]; what follows the body is the next request. */
  private sendBody(d: Buffer, from: number): void {
    const body = this.reqBody!;
    let n: number;
    try {
      n = body.take(d, from);
    } catch {
      return this.abort();
    }
    const ok = this.up!.write(from === 0 && n === d.length ? d : d.subarray(from, from + n));
    if (body.done) {
      this.reqBody = null;
      this.state = State.Wait;
      if (from + n < d.length) this.pending = d.subarray(from + n);
    } else if (!ok) this.waitForMember();
  }

  onMemberData(up: Upstream, d: Buffer): void {
    if (up !== this.up) return;
    if (this.state === State.Tunnel) return this.toClient(d);
    try {
      if (this.resp) return this.sendResponseBody(d, 0);
      this.retry = null;
      this.readResponseHead(this.respPartial ? Buffer.concat([this.respPartial, d]) : d);
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      if (this.resp) this.abort();
      else this.memberFailed(502);
    }
  }

  private readResponseHead(buf: Buffer): void {
    for (;;) {
      const end = headEnd(buf, 0);
      if (end < 0) {
        if (buf.length > MAX_HEAD) throw new FramingError(502, 'response head too long');
        this.respPartial = buf;
        return;
      }
      this.respPartial = null;
      const head = parseResponse(buf, end);
      if (head.status === 101) {
        if (!this.req!.upgrade) throw new FramingError(502, 'unrequested protocol switch');
        this.state = State.Tunnel;
        this.toClient(buf);
        if (this.pending) this.toMember(this.pending);
        this.pending = null;
        return;
      }
      if (head.status >= 200) {
        this.resp = head;
        this.respBody = BodyFrame.ofResponse(head, this.req!.method);
        return this.sendResponseBody(buf, end);
      }
      // Interim responses (100 Continue, 103 Early Hints) go on; the final one follows.
      this.toClient(buf.subarray(0, end));
      if (end === buf.length) return;
      buf = buf.subarray(end);
    }
  }

  /** Forwards d[0, from) (a head, if any) and the body bytes from d[from]. */
  private sendResponseBody(d: Buffer, from: number): void {
    const n = this.respBody ? this.respBody.take(d, from) : 0;
    const end = from + n;
    if (end < d.length) this.up!.spoiled = true;
    if (end > 0) this.toClient(end === d.length ? d : d.subarray(0, end));
    if (!this.respBody || this.respBody.done) this.finishResponse();
  }

  private finishResponse(): void {
    const close = this.resp!.close || this.req!.close || this.state === State.Body || this.respBody?.mode === 'close';
    this.detach(!close);
    if (close) return this.closeClient();
    this.state = State.Head;
    if (this.client.isPaused()) this.client.resume();
    this.next();
  }

  onMemberClose(up: Upstream): void {
    if (up !== this.up) return;
    if (this.state === State.Tunnel) return this.closeClient();
    if (this.resp && this.respBody?.mode === 'close') return this.finishResponse();
    if (this.resp) return this.abort();
    if (this.retry && up.reused) {
      // The member closed a kept-alive connection as it was reused: once more on a new one.
      const again = this.retry;
      this.retry = null;
      this.up = this.host.upstreams.acquire(this.member!, this, true);
      this.up.write(again);
      return;
    }
    this.memberFailed(up.connected ? 502 : 503);
  }

  onMemberTimeout(up: Upstream): void {
    if (up !== this.up) return;
    if (this.resp || this.state === State.Tunnel) return this.abort();
    this.memberFailed(up.connected ? 504 : 503);
  }

  /** The member failed before a final response: HAProxy's 502/503/504. */
  private memberFailed(status: number): void {
    const close = this.state === State.Body || this.req!.close;
    const headOnly = this.req!.method === 'HEAD';
    this.detach(false);
    this.host.requestError();
    this.client.write(localResponse(status, { close, headOnly }));
    if (close) return this.closeClient();
    this.state = State.Head;
    if (this.client.isPaused()) this.client.resume();
    this.next();
  }

  /** A request the proxy cannot read: an error page, then the connection ends. */
  private refuse(status: number): void {
    this.host.requestError();
    this.client.write(localResponse(status, { close: true, headOnly: false }));
    this.closeClient();
  }

  private onClientEnd(): void {
    this.clientEnded = true;
    if (this.state === State.Head) this.next();
    else if (this.state === State.Tunnel) this.up?.socket.end();
    else if (this.state === State.Body) this.abort();
  }

  private onClientTimeout(): void {
    if (this.state === State.Wait) return; // the member's timeouts apply meanwhile
    if (this.state === State.Head && this.pending) return this.refuse(408);
    this.abort();
  }

  private toClient(data: Buffer): void {
    if (this.client.write(data) || this.clientBlocked) return;
    const up = this.up!;
    this.clientBlocked = true;
    up.socket.pause();
    this.client.once('drain', () => {
      this.clientBlocked = false;
      up.socket.resume();
    });
  }

  private toMember(data: Buffer): void {
    if (!this.up!.write(data)) this.waitForMember();
  }

  private waitForMember(): void {
    if (this.memberBlocked) return;
    this.memberBlocked = true;
    this.client.pause();
    this.up!.socket.once('drain', () => {
      this.memberBlocked = false;
      if (this.state !== State.Closed) this.client.resume();
    });
  }

  /** Ends the client connection once written; its remaining input is read and dropped until it closes. */
  private closeClient(): void {
    this.detach(false);
    this.state = State.Closed;
    this.pending = null;
    if (this.client.isPaused()) this.client.resume();
    this.client.end();
  }

  private abort(): void {
    this.detach(false);
    this.state = State.Closed;
    this.client.destroy();
  }

  /** Ends the current exchange: the member connection back to the pool (or closed). */
  private detach(reusable: boolean): void {
    if (this.up) {
      if (this.up.socket.isPaused()) this.up.socket.resume();
      this.host.upstreams.release(this.up, reusable);
      this.up = null;
    }
    if (this.counted) this.host.balancer.closed(this.counted);
    this.counted = null;
    this.req = this.resp = this.reqBody = this.respBody = this.respPartial = this.retry = this.member = null;
  }
}
