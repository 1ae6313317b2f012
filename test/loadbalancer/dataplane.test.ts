import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { api, type TestCloud } from '../helpers/cloud.js';
import { backend, eventually, lbCloud, lbUrl, vipSubnet, waitActive } from './helpers.js';

describe('load balancer data plane (proxy provider)', () => {
  let cloud: TestCloud;
  let demo: string;
  let a: Awaited<ReturnType<typeof backend>>;
  let b: Awaited<ReturnType<typeof backend>>;
  let lbId: string;
  let httpListener: any;
  let poolId: string;
  before(async () => {
    cloud = await lbCloud();
    demo = await cloud.demoToken();
    [a, b] = await Promise.all([backend('a'), backend('b')]);
  });
  after(async () => {
    await a.close();
    await b.close().catch(() => undefined);
    await cloud.close();
  });

  const post = async (path: string, body: unknown) => {
    const r = await api(lbUrl(cloud, path), { method: 'POST', token: demo, body });
    assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
    await waitActive(cloud, demo, lbId);
    return r.body;
  };
  const statuses = async () => (await api(lbUrl(cloud, `/loadbalancers/${lbId}/status`), { token: demo })).body.statuses.loadbalancer;
  const get = async (address: string) => {
    const r = await fetch(`http://${address}/`);
    return (await r.json()) as { name: string; xff: string | null; xfp: string | null };
  };

  it('balances HTTP requests round robin over healthy members and inserts X-Forwarded-For/Port', async () => {
    const subnet = await vipSubnet(cloud, demo);
    const lb = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { name: 'web', vip_subnet_id: subnet } } });
    lbId = lb.body.loadbalancer.id;
    assert.equal(lb.body.loadbalancer.provider, 'proxy');
    await waitActive(cloud, demo, lbId);
    const l = await post('/listeners', { listener: { loadbalancer_id: lbId, protocol: 'HTTP', protocol_port: 80, insert_headers: { 'X-Forwarded-For': 'true', 'X-Forwarded-Port': 'true' } } });
    const p = await post('/pools', { pool: { listener_id: l.listener.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } });
    poolId = p.pool.id;
    for (const be of [a, b]) await post(`/pools/${poolId}/members`, { member: { address: '127.0.0.1', protocol_port: be.port } });
    await post('/healthmonitors', { healthmonitor: { pool_id: poolId, type: 'HTTP', delay: 1, timeout: 1, max_retries: 1, max_retries_down: 1, url_path: '/', expected_codes: '200' } });
    httpListener = (await api(lbUrl(cloud, `/listeners/${l.listener.id}`), { token: demo })).body.listener;
    assert.match(httpListener.bound_address, /^127\.0\.0\.1:\d+$/);

    const online = await eventually('members ONLINE', async () => {
      const s = await statuses();
      const members = s.listeners[0].pools[0].members;
      return members.every((m: any) => m.operating_status === 'ONLINE') && s;
    });
    assert.equal(online.operating_status, 'ONLINE');

    const seen: Record<string, number> = {};
    for (let i = 0; i < 10; i++) {
      const r = await get(httpListener.bound_address);
      seen[r.name] = (seen[r.name] ?? 0) + 1;
      assert.equal(r.xff, '127.0.0.1');
      assert.equal(r.xfp, '80');
    }
    assert.deepEqual(seen, { a: 5, b: 5 });
    // A request body is streamed to the member; an X-Forwarded-For from the client is extended.
    const posted = await fetch(`http://${httpListener.bound_address}/`, { method: 'POST', body: 'x'.repeat(100_000), headers: { 'x-forwarded-for': '192.0.2.7' } });
    const echo = (await posted.json()) as { method: string; body: string; xff: string };
    assert.deepEqual([echo.method, echo.body.length, echo.xff], ['POST', 100_000, '192.0.2.7, 127.0.0.1']);
    const chunked = await fetch(`http://${httpListener.bound_address}/`, { method: 'PUT', body: new Blob(['chunked ', 'body']).stream(), duplex: 'half' } as RequestInit);
    assert.equal(((await chunked.json()) as { body: string }).body, 'chunked body');
    const stats = (await api(lbUrl(cloud, `/loadbalancers/${lbId}/stats`), { token: demo })).body.stats;
    assert.ok(stats.total_connections >= 1, JSON.stringify(stats));
    assert.ok(stats.bytes_in > 0 && stats.bytes_out > 0, JSON.stringify(stats));
    assert.equal(stats.request_errors, 0);
  });

  it('fails over when a backend stops: the monitor marks it ERROR and traffic continues', async () => {
    await b.close();
    const s = await eventually('member b ERROR', async () => {
      const st = await statuses();
      return st.listeners[0].pools[0].members.some((m: any) => m.operating_status === 'ERROR') && st;
    });
    assert.equal(s.listeners[0].pools[0].operating_status, 'DEGRADED');
    assert.equal(s.operating_status, 'DEGRADED');
    const member = s.listeners[0].pools[0].members.find((m: any) => m.operating_status === 'ERROR');
    assert.equal(member.protocol_port, b.port);
    for (let i = 0; i < 6; i++) assert.equal((await get(httpListener.bound_address)).name, 'a');
  });

  it('proxies TCP, honours connection_limit, and refuses clients outside allowed_cidrs', async () => {
    const l = await post('/listeners', { listener: { loadbalancer_id: lbId, protocol: 'TCP', protocol_port: 8443 } });
    const p = await post('/pools', { pool: { listener_id: l.listener.id, protocol: 'TCP', lb_algorithm: 'LEAST_CONNECTIONS' } });
    await post(`/pools/${p.pool.id}/members`, { member: { address: '127.0.0.1', protocol_port: a.port } });
    const tcp = (await api(lbUrl(cloud, `/listeners/${l.listener.id}`), { token: demo })).body.listener;
    const r = await get(tcp.bound_address);
    assert.deepEqual(r, { name: 'a', xff: null, xfp: null, method: 'GET', body: '' });
    // connection_limit: with one connection open, the next one is closed at once.
    await api(lbUrl(cloud, `/listeners/${l.listener.id}`), { method: 'PUT', token: demo, body: { listener: { connection_limit: 1 } } });
    await waitActive(cloud, demo, lbId);
    const [host, port] = tcp.bound_address.split(':');
    const first = connect({ host, port: Number(port) });
    await eventually('first connection counted', async () => (await api(lbUrl(cloud, `/listeners/${l.listener.id}/stats`), { token: demo })).body.stats.active_connections === 1);
    const second = connect({ host, port: Number(port) });
    second.on('error', () => undefined);
    await new Promise((r) => second.once('close', r));
    first.destroy();
    await eventually('first connection gone', async () => (await api(lbUrl(cloud, `/listeners/${l.listener.id}/stats`), { token: demo })).body.stats.active_connections === 0);
    const upd = await api(lbUrl(cloud, `/listeners/${l.listener.id}`), { method: 'PUT', token: demo, body: { listener: { connection_limit: -1, allowed_cidrs: ['10.0.0.0/8'] } } });
    assert.equal(upd.status, 200);
    await waitActive(cloud, demo, lbId);
    await assert.rejects(get(tcp.bound_address));
    const listenerStats = (await api(lbUrl(cloud, `/listeners/${l.listener.id}/stats`), { token: demo })).body.stats;
    assert.ok(listenerStats.total_connections >= 1);
  });

  it('applies L7 policies: redirect to pool by path, reject by header, redirect to URL by host', async () => {
    const c = await backend('c');
    try {
      const pool2 = (await post('/pools', { pool: { loadbalancer_id: lbId, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } })).pool;
      await post(`/pools/${pool2.id}/members`, { member: { address: '127.0.0.1', protocol_port: c.port } });
      const toPool = (await post('/l7policies', { l7policy: { listener_id: httpListener.id, action: 'REDIRECT_TO_POOL', redirect_pool_id: pool2.id } })).l7policy;
      await post(`/l7policies/${toPool.id}/rules`, { rule: { type: 'PATH', compare_type: 'STARTS_WITH', value: '/api' } });
      const reject = (await post('/l7policies', { l7policy: { listener_id: httpListener.id, action: 'REJECT' } })).l7policy;
      await post(`/l7policies/${reject.id}/rules`, { rule: { type: 'HEADER', key: 'X-Block', compare_type: 'EQUAL_TO', value: 'yes' } });
      const moved = (await post('/l7policies', { l7policy: { listener_id: httpListener.id, action: 'REDIRECT_TO_URL', redirect_url: 'https://new.example.org/', redirect_http_code: 301 } })).l7policy;
      assert.equal(moved.position, 3);
      assert.equal(moved.redirect_pool_id, null);
      await post(`/l7policies/${moved.id}/rules`, { rule: { type: 'HOST_NAME', compare_type: 'EQUAL_TO', value: 'old.example.org' } });

      const [host, port] = httpListener.bound_address.split(':');
      const send = (path: string, headers: Record<string, string> = {}) =>
        new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
          const req = request({ host, port: Number(port), path, headers, agent: false }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, body }));
          });
          req.on('error', reject);
          req.end();
        });
      assert.equal(JSON.parse((await send('/api/items')).body).name, 'c');
      assert.equal(JSON.parse((await send('/other')).body).name, 'a');
      assert.equal((await send('/', { 'x-block': 'yes' })).status, 403);
      const redirect = await send('/', { host: 'old.example.org' });
      assert.deepEqual([redirect.status, redirect.location], [301, 'https://new.example.org/']);
      const listener = (await api(lbUrl(cloud, `/listeners/${httpListener.id}`), { token: demo })).body.listener;
      assert.deepEqual(listener.l7policies.map((x: { id: string }) => x.id), [toPool.id, reject.id, moved.id]);
      // A pool an L7 policy redirects to cannot be deleted; deleting the policy frees it.
      assert.equal((await api(lbUrl(cloud, `/pools/${pool2.id}`), { method: 'DELETE', token: demo })).status, 409);
      assert.equal((await api(lbUrl(cloud, `/l7policies/${toPool.id}`), { method: 'DELETE', token: demo })).status, 204);
      await waitActive(cloud, demo, lbId);
      assert.equal((await api(lbUrl(cloud, `/l7policies/${toPool.id}/rules`), { token: demo })).status, 404);
      assert.equal(JSON.parse((await send('/api/items')).body).name, 'a');
    } finally {
      await c.close();
    }
  });

  it('answers 503 when no member is up, and closes the sockets on cascade delete', async () => {
    await api(lbUrl(cloud, `/pools/${poolId}`), { method: 'PUT', token: demo, body: { pool: { admin_state_up: true } } });
    await waitActive(cloud, demo, lbId);
    const members = (await api(lbUrl(cloud, `/pools/${poolId}/members`), { token: demo })).body.members;
    for (const m of members) {
      await api(lbUrl(cloud, `/pools/${poolId}/members/${m.id}`), { method: 'PUT', token: demo, body: { member: { admin_state_up: false } } });
      await waitActive(cloud, demo, lbId);
    }
    const r = await fetch(`http://${httpListener.bound_address}/`);
    assert.equal(r.status, 503);
    await r.text();
    assert.equal((await api(lbUrl(cloud, `/loadbalancers/${lbId}?cascade=true`), { method: 'DELETE', token: demo })).status, 204);
    assert.equal(await waitActive(cloud, demo, lbId), undefined);
    await assert.rejects(fetch(`http://${httpListener.bound_address}/`));
  });
});
