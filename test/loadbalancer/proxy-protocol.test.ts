import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { api, type TestCloud } from '../helpers/cloud.js';
import { lbCloud, lbUrl, vipSubnet, waitActive } from './helpers.js';

/** A member that records what each connection sent before its HTTP request ended, and answers 200. */
async function recordingMember(): Promise<{ server: Server; port: number; seen: Buffer[] }> {
  const seen: Buffer[] = [];
  const server = createServer((s) => {
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.includes('\r\n\r\n')) {
        seen.push(got);
        s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

describe('PROXY and PROXYV2 pools (proxy provider)', () => {
  let cloud: TestCloud;
  let demo: string;
  let member: Awaited<ReturnType<typeof recordingMember>>;
  before(async () => {
    cloud = await lbCloud();
    demo = await cloud.demoToken();
    member = await recordingMember();
  });
  after(async () => {
    member.server.close();
    await cloud.close();
  });

  it('sends members the PROXY protocol header (v1 text on a TCP listener, v2 binary on an HTTP one)', async () => {
    const subnet = await vipSubnet(cloud, demo);
    const lb = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { vip_subnet_id: subnet } } });
    const lbId = lb.body.loadbalancer.id;
    await waitActive(cloud, demo, lbId);
    const post = async (path: string, body: unknown) => {
      const r = await api(lbUrl(cloud, path), { method: 'POST', token: demo, body });
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
      await waitActive(cloud, demo, lbId);
      return r.body;
    };
    const bound: Record<string, string> = {};
    for (const [protocol, port, poolProtocol] of [['TCP', 9000, 'PROXY'], ['HTTP', 9001, 'PROXYV2']] as const) {
      const l = await post('/listeners', { listener: { loadbalancer_id: lbId, protocol, protocol_port: port } });
      const p = await post('/pools', { pool: { listener_id: l.listener.id, protocol: poolProtocol, lb_algorithm: 'SOURCE_IP_PORT' } });
      assert.equal(p.pool.protocol, poolProtocol);
      assert.equal(p.pool.lb_algorithm, 'SOURCE_IP_PORT');
      await post(`/pools/${p.pool.id}/members`, { member: { address: '127.0.0.1', protocol_port: member.port } });
      bound[protocol] = (await api(lbUrl(cloud, `/listeners/${l.listener.id}`), { token: demo })).body.listener.bound_address;
    }
    const listenPort = (address: string) => Number(address.split(':')[1]);

    const tcp = await fetch(`http://${bound.TCP}/`);
    assert.equal(await tcp.text(), 'ok');
    const v1 = member.seen.shift()!.toString('latin1');
    assert.match(v1, new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${listenPort(bound.TCP)}\\r\\nGET / HTTP/1\\.1\\r\\n`));

    const http = await fetch(`http://${bound.HTTP}/x`);
    assert.equal(await http.text(), 'ok');
    const v2 = member.seen.shift()!;
    assert.deepEqual([...v2.subarray(0, 16)], [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0, 12]);
    assert.deepEqual([...v2.subarray(16, 24)], [127, 0, 0, 1, 127, 0, 0, 1]);
    assert.equal(v2.readUInt16BE(26), listenPort(bound.HTTP));
    assert.match(v2.subarray(28).toString('latin1'), /^GET \/x HTTP\/1\.1\r\n/);
  });
});
