import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ListenerSpec, LoadBalancerDriver, MemberSpec } from '../../src/services/loadbalancer/drivers/driver.js';
import { proxyDriver } from '../../src/services/loadbalancer/drivers/proxy.js';

/** HTTP/1.1 framing of the proxy driver's HTTP listeners, on raw sockets at both ends. */

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
};
const closeServer = (server: Server) => new Promise<void>((r) => server.close(() => r()));

/** Node's own HTTP server as the member: the reference framing on the other side. */
function httpMember(handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  return createServer(handler);
}

/** A member speaking raw bytes: `answer` gets each request's text and the socket. */
function rawMember(answer: (request: string, socket: Socket, n: number) => void): Server {
  return createTcpServer((s) => {
    let n = 0;
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const request = buf.slice(0, end + 4);
      buf = buf.slice(end + 4);
      answer(request, s, ++n);
    });
    s.on('error', () => undefined);
  });
}

/** Writes the pieces one by one, then reads everything until the proxy closes the connection. */
function exchange(address: string, pieces: (string | Buffer)[]): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const s = connect({ host, port: Number(port) });
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.once('connect', async () => {
      for (const p of pieces) {
        s.write(p);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
}

const statusLines = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('load balancer proxy: HTTP/1.1 framing', () => {
  let driver: LoadBalancerDriver;
  let lbCount = 0;
  const servers: Server[] = [];

  before(() => {
    driver = proxyDriver({ bindAddress: '127.0.0.1', portOffset: 0, ephemeralPorts: true, workers: 0 }, { memberHealth: () => undefined });
  });
  after(async () => {
    await driver.stop();
    for (const s of servers) await closeServer(s).catch(() => undefined);
  });

  /** One load balancer with one HTTP listener whose pool holds the given member ports. */
  async function lbFor(ports: number[], extra: Partial<ListenerSpec> = {}): Promise<{ address: string; lbId: string; listenerId: string }> {
    const lbId = `lb-${++lbCount}`;
    const members: MemberSpec[] = ports.map((port, i) => ({ id: `m${i}`, address: '127.0.0.1', port, weight: 1, backup: false, adminUp: true, monitorAddress: null, monitorPort: null }));
    const listener: ListenerSpec = {
      id: `${lbId}-l`,
      protocol: 'HTTP',
      tls: null,
      port: 80,
      adminUp: true,
      connectionLimit: -1,
      allowedCidrs: null,
      insertHeaders: {},
      timeoutClientDataMs: 50_000,
      timeoutMemberConnectMs: 5_000,
      timeoutMemberDataMs: 50_000,
      pool: { id: `${lbId}-p`, algorithm: 'ROUND_ROBIN', persistence: null, proxyProtocol: null, members, monitor: null },
      l7policies: [],
      ...extra,
    };
    const bound = await driver.apply({ id: lbId, adminUp: true, listeners: [listener] });
    return { address: bound[listener.id], lbId, listenerId: listener.id };
  }

  async function member(server: Server): Promise<number> {
    servers.push(server);
    return listen(server);
  }

  it('answers pipelined requests in order on one connection', async () => {
    const port = await member(httpMember((req, res) => setTimeout(() => res.end(`path ${req.url}`), req.url === '/1' ? 30 : 0)));
    const { address } = await lbFor([port]);
    const raw = await exchange(address, ['GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.deepEqual(statusLines(raw), [200, 200, 200]);
    assert.deepEqual([...raw.matchAll(/path (\/\d)/g)].map((m) => m[1]), ['/1', '/2', '/3']);
  });

  it('streams a chunked request body and a chunked response, then keeps the connection', async () => {
    const port = await member(
      httpMember(async (req, res) => {
        let body = '';
        for await (const c of req) body += c;
        res.write(`got:`);
        res.end(body);
      }),
    );
    const { address } = await lbFor([port]);
    const raw = await exchange(address, [
      'POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel',
      'lo\r\n',
      '6;ext=1\r\n world\r\n0\r\n',
      'Trailer-Field: x\r\n\r\n',
      'GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    assert.deepEqual(statusLines(raw), [200, 200]);
    assert.match(raw, /transfer-encoding: chunked/i);
    assert.match(raw, /4\r\ngot:\r\nb\r\nhello world\r\n0\r\n\r\n/);
  });

  it('expects no body after HEAD, 204 and 304, and reuses the connection', async () => {
    const port = await member(
      httpMember((req, res) => {
        if (req.url === '/nocontent') return void res.writeHead(204).end();
        if (req.url === '/cached') return void res.writeHead(304, { etag: '"x"', 'content-length': '99' }).end();
        res.writeHead(200, { 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
      }),
    );
    const { address } = await lbFor([port]);
    const raw = await exchange(address, ['HEAD / HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /nocontent HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /cached HTTP/1.1\r\nHost: x\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.deepEqual(statusLines(raw), [200, 204, 304, 200]);
    assert.ok(raw.endsWith('\r\n\r\nhello'), raw);
    assert.equal(raw.split('hello').length, 2);
  });

  it('forwards a close-delimited response and then closes the client connection', async () => {
    const port = await member(rawMember((_req, s) => s.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end')));
    const { address } = await lbFor([port]);
    const raw = await exchange(address, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n']);
    assert.ok(raw.startsWith('HTTP/1.1 200 OK') && raw.endsWith('\r\n\r\nuntil the end'), raw);
  });

  it('carries large bodies both ways intact', async () => {
    const big = Buffer.alloc(8 << 20, 'abcdefghij');
    const digest = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    const port = await member(
      httpMember(async (req, res) => {
        if (req.method === 'GET') return void res.end(big);
        const hash = createHash('sha256');
        let n = 0;
        for await (const c of req) {
          hash.update(c);
          n += c.length;
        }
        res.end(JSON.stringify({ n, sha: hash.digest('hex') }));
      }),
    );
    const { address } = await lbFor([port]);
    const down = Buffer.from(await (await fetch(`http://${address}/`)).arrayBuffer());
    assert.equal(down.length, big.length);
    assert.equal(digest(down), digest(big));
    const up = await (await fetch(`http://${address}/`, { method: 'PUT', body: big })).json();
    assert.deepEqual(up, { n: big.length, sha: digest(big) });
    // A client that reads slowly: the member is paused, nothing is lost.
    const [host, p] = address.split(':');
    const slow = connect({ host, port: Number(p) });
    slow.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    slow.pause();
    await new Promise((r) => setTimeout(r, 300));
    let received = 0;
    slow.on('data', (d) => (received += d.length));
    slow.resume();
    await new Promise((r) => slow.once('close', r));
    assert.ok(received > big.length && received < big.length + 1000, String(received));
  });

  it('answers 502, 503 and 504 for members that fail before responding, and cuts off a response that breaks off', async () => {
    const hangUp = await member(rawMember((_req, s) => s.destroy()));
    const broken = await member(rawMember((_req, s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten..')));
    const garbage = await member(rawMember((_req, s) => s.end('SMTP ready\r\n\r\n')));
    const silent = await member(rawMember(() => undefined));
    const gone = createTcpServer();
    const closedPort = await listen(gone);
    await closeServer(gone);
    const get = async (address: string) => {
      const r = await fetch(`http://${address}/`);
      await r.text();
      return r.status;
    };
    assert.equal(await get((await lbFor([hangUp])).address), 502);
    assert.equal(await get((await lbFor([garbage])).address), 502);
    assert.equal(await get((await lbFor([silent], { timeoutMemberDataMs: 200 })).address), 504);
    const refused = await lbFor([closedPort]);
    assert.equal(await get(refused.address), 503);
    assert.equal(driver.stats(refused.lbId, refused.listenerId).request_errors, 1);
    const raw = await exchange((await lbFor([broken])).address, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n']);
    assert.ok(raw.endsWith('only ten..'), raw);
    await assert.rejects(fetch(`http://${(await lbFor([broken])).address}/`).then((r) => r.text()));
  });

  it('retries a request once when the member drops a kept-alive connection as it is reused', async () => {
    const port = await member(rawMember((req, s, n) => (n === 1 ? s.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok`) : s.destroy())));
    const { address } = await lbFor([port]);
    const raw = await exchange(address, ['GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.deepEqual(statusLines(raw), [200, 200]);
  });

  it('refuses malformed requests with 400 and request smuggling attempts', async () => {
    const port = await member(httpMember((_req, res) => res.end('ok')));
    const { address } = await lbFor([port]);
    assert.deepEqual(statusLines(await exchange(address, ['GET / HTTP/1.1\r\nBad Header: x\r\n\r\n'])), [400]);
    assert.deepEqual(statusLines(await exchange(address, ['NOT HTTP\r\n\r\n'])), [400]);
    const smuggle = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    assert.deepEqual(statusLines(await exchange(address, [smuggle])), [400]);
    assert.deepEqual(statusLines(await exchange(address, ['GET / HTTP/1.1\r\nHost: x\r\nX: ' + 'y'.repeat(40_000) + '\r\n\r\n'])), [400]);
  });

  it('switches protocols on 101 and then tunnels bytes both ways', async () => {
    const server = httpMember((_req, res) => res.end());
    server.on('upgrade', (_req, socket: Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n');
      socket.on('data', (d) => socket.write(d.toString().toUpperCase()));
      socket.on('end', () => socket.end());
    });
    const { address } = await lbFor([await member(server)]);
    const [host, p] = address.split(':');
    const s = connect({ host, port: Number(p) });
    let text = '';
    s.on('data', (d) => {
      text += d;
      if (text.includes('\r\n\r\n') && !text.includes('PING')) s.end('ping');
    });
    s.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n');
    await new Promise((r) => s.once('close', r));
    assert.match(text, /^HTTP\/1\.1 101 /);
    assert.ok(text.endsWith('PING'), text);
  });
});

describe('load balancer proxy: worker processes sharing a listener', () => {
  const health: string[] = [];
  const driver = proxyDriver({ bindAddress: '127.0.0.1', portOffset: 0, ephemeralPorts: true, workers: 1 }, { memberHealth: (_lb, m, up) => void health.push(`${m} ${up}`) });
  const members: Server[] = [];
  after(async () => {
    await driver.stop();
    for (const s of members) await closeServer(s).catch(() => undefined);
  });

  it('serves from every process, with the health and counters of the service process', async () => {
    const ports: number[] = [];
    for (const name of ['a', 'b']) {
      const s = httpMember((_req, res) => res.end(name));
      members.push(s);
      ports.push(await listen(s));
    }
    const monitor = { type: 'TCP', delaySec: 1, timeoutSec: 1, maxRetries: 1, maxRetriesDown: 1, httpMethod: 'GET', urlPath: '/', expectedCodes: '200', adminUp: true };
    const spec: ListenerSpec = {
      id: 'shared-l',
      protocol: 'HTTP',
      tls: null,
      port: 80,
      adminUp: true,
      connectionLimit: -1,
      allowedCidrs: null,
      insertHeaders: {},
      timeoutClientDataMs: 50_000,
      timeoutMemberConnectMs: 5_000,
      timeoutMemberDataMs: 50_000,
      pool: { id: 'p', algorithm: 'ROUND_ROBIN', persistence: null, proxyProtocol: null, monitor, members: ports.map((port, i) => ({ id: `m${i}`, address: '127.0.0.1', port, weight: 1, backup: false, adminUp: true, monitorAddress: null, monitorPort: null })) },
      l7policies: [],
    };
    const address = (await driver.apply({ id: 'shared', adminUp: true, listeners: [spec] }))['shared-l'];
    // Each request on a new connection: the kernel hands connections to either process.
    const once = async () => {
      const r = await fetch(`http://${address}/`, { headers: { connection: 'close' } });
      assert.equal(r.status, 200);
      return r.text();
    };
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) names.add(await once());
    assert.deepEqual([...names].sort(), ['a', 'b']);
    const counted = async () => {
      for (let i = 0; i < 100; i++) {
        if (driver.stats('shared', 'shared-l').total_connections === 20) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    };
    assert.ok(await counted(), JSON.stringify(driver.stats('shared', 'shared-l')));
    // Member b goes down: once the service process's monitor sees it, no process sends traffic there.
    await closeServer(members[1]);
    for (let i = 0; i < 100 && !health.includes('m1 false'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(health.includes('m1 false'), health.join());
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 20; i++) assert.equal(await once(), 'a');
    await driver.remove('shared');
    await assert.rejects(fetch(`http://${address}/`));
  });
});
