import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { api, type TestCloud } from '../helpers/cloud.js';
import { eventually, lbCloud, lbUrl, vipSubnet, waitActive } from './helpers.js';

/** A UDP member that answers each datagram with its name and the datagram. */
async function echo(name: string): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => socket.send(`${name}:${msg.toString()}`, from.port, from.address));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { socket, port: socket.address().port };
}

/** Sends one datagram from a new client socket and waits for the answer. */
async function ask(address: string, text: string): Promise<string> {
  const [host, port] = address.split(':');
  const s = createSocket('udp4');
  try {
    return await new Promise<string>((resolve) => {
      s.once('message', (m) => resolve(m.toString()));
      s.send(text, Number(port), host);
    });
  } finally {
    s.close();
  }
}

describe('UDP listeners and pools (proxy provider)', () => {
  let cloud: TestCloud;
  let demo: string;
  let a: Awaited<ReturnType<typeof echo>>;
  let b: Awaited<ReturnType<typeof echo>>;
  before(async () => {
    cloud = await lbCloud();
    demo = await cloud.demoToken();
    [a, b] = await Promise.all([echo('a'), echo('b')]);
  });
  after(async () => {
    a.socket.close();
    b.socket.close();
    await cloud.close();
  });

  it('relays datagrams to members per client, checks members with UDP-CONNECT, shares ports with TCP listeners', async () => {
    const subnet = await vipSubnet(cloud, demo);
    const lb = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { vip_subnet_id: subnet } } });
    const lbId = lb.body.loadbalancer.id;
    await waitActive(cloud, demo, lbId);
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await api(lbUrl(cloud, path), { method, token: demo, body });
      if (r.status < 300) await waitActive(cloud, demo, lbId);
      return r;
    };
    const l = await call('POST', '/listeners', { listener: { loadbalancer_id: lbId, protocol: 'UDP', protocol_port: 53 } });
    assert.equal(l.status, 201, JSON.stringify(l.body));
    // A TCP listener may use the same port number; a second UDP one may not.
    assert.equal((await call('POST', '/listeners', { listener: { loadbalancer_id: lbId, protocol: 'TCP', protocol_port: 53 } })).status, 201);
    assert.equal((await call('POST', '/listeners', { listener: { loadbalancer_id: lbId, protocol: 'UDP', protocol_port: 53 } })).status, 409);
    const p = await call('POST', '/pools', { pool: { listener_id: l.body.listener.id, protocol: 'UDP', lb_algorithm: 'ROUND_ROBIN' } });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    const poolId = p.body.pool.id;
    const tcpPool = await call('POST', '/pools', { pool: { loadbalancer_id: lbId, protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN' } });
    const udpMonitorOnTcp = await call('POST', '/healthmonitors', { healthmonitor: { pool_id: tcpPool.body.pool.id, type: 'UDP-CONNECT', delay: 3, timeout: 1, max_retries: 1 } });
    assert.equal(udpMonitorOnTcp.status, 400);
    assert.equal((await call('POST', '/healthmonitors', { healthmonitor: { pool_id: poolId, type: 'PING', delay: 3, timeout: 1, max_retries: 1 } })).status, 400);
    assert.equal((await call('POST', '/healthmonitors', { healthmonitor: { pool_id: poolId, type: 'UDP-CONNECT', delay: 1, timeout: 2, max_retries: 1 } })).status, 400);

    for (const m of [a, b]) assert.equal((await call('POST', `/pools/${poolId}/members`, { member: { address: '127.0.0.1', protocol_port: m.port } })).status, 201);
    const bound = (await api(lbUrl(cloud, `/listeners/${l.body.listener.id}`), { token: demo })).body.listener.bound_address;
    const answers = [await ask(bound, 'x'), await ask(bound, 'y')];
    assert.deepEqual(answers.map((x) => x.split(':')[0]).sort(), ['a', 'b']);
    assert.deepEqual(answers.map((x) => x.split(':')[1]).sort(), ['x', 'y']);
    const stats = (await api(lbUrl(cloud, `/listeners/${l.body.listener.id}/stats`), { token: demo })).body.stats;
    assert.equal(stats.total_connections, 2);
    assert.equal(stats.bytes_in, 2);

    // UDP-CONNECT: a member whose port is closed answers ICMP port unreachable and goes ERROR.
    const closed = await echo('gone');
    closed.socket.close();
    const dead = await call('POST', `/pools/${poolId}/members`, { member: { address: '127.0.0.1', protocol_port: closed.port } });
    const hm = await call('POST', '/healthmonitors', { healthmonitor: { pool_id: poolId, type: 'UDP-CONNECT', delay: 1, timeout: 1, max_retries: 1 } });
    assert.equal(hm.status, 201, JSON.stringify(hm.body));
    const status = (id: string) => api(lbUrl(cloud, `/pools/${poolId}/members/${id}`), { token: demo }).then((r) => r.body.member.operating_status);
    await eventually('closed member ERROR', async () => (await status(dead.body.member.id)) === 'ERROR');
    const members = (await api(lbUrl(cloud, `/pools/${poolId}/members`), { token: demo })).body.members;
    for (const m of members.filter((x: any) => x.id !== dead.body.member.id)) assert.equal(m.operating_status, 'ONLINE');
  });
});
