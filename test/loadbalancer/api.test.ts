import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, type TestCloud } from '../helpers/cloud.js';
import { lbCloud, lbUrl, vipSubnet, waitActive } from './helpers.js';

describe('load balancer API (Octavia v2)', () => {
  let cloud: TestCloud;
  let demo: string;
  let admin: string;
  let subnet: string;
  before(async () => {
    cloud = await lbCloud({ driver: 'simulated', simulatedDelayMs: 100 });
    demo = await cloud.demoToken();
    admin = await cloud.adminToken();
    subnet = await vipSubnet(cloud, demo);
  });
  after(() => cloud.close());

  const lb = (token: string, name: string, body: Record<string, unknown> = {}) =>
    api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token, body: { loadbalancer: { name, vip_subnet_id: subnet, ...body } } });

  it('lists versions and answers faults in Octavia format', async () => {
    const v = await api(`${cloud.urls.loadbalancer}/`);
    assert.equal(v.status, 200);
    assert.ok(v.body.versions.some((x: any) => x.id === 'v2.0'));
    assert.equal(v.body.versions.at(-1).status, 'CURRENT');
    const r = await api(lbUrl(cloud, '/loadbalancers/nope'), { token: demo });
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { faultcode: 'Client', faultstring: 'Load Balancer nope not found.', debuginfo: null });
    const legacy = await api(`${cloud.urls.loadbalancer}/v2.0/lbaas/loadbalancers`, { token: demo });
    assert.equal(legacy.status, 200);
    assert.deepEqual(legacy.body.loadbalancers_links, []);
  });

  it('creates a load balancer PENDING_CREATE -> ACTIVE with a VIP port on the subnet, and its children', async () => {
    const c = await lb(demo, 'web', { tags: ['a'] });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    const created = c.body.loadbalancer;
    assert.equal(created.provisioning_status, 'PENDING_CREATE');
    assert.equal(created.operating_status, 'OFFLINE');
    assert.equal(created.vip_subnet_id, subnet);
    assert.match(created.vip_address, /^10\.20\.0\.\d+$/);
    assert.equal(created.provider, 'simulated');
    const port = await api(`${cloud.urls.network}/v2.0/ports/${created.vip_port_id}`, { token: demo });
    assert.equal(port.body.port.device_owner, 'Octavia');
    const active = await waitActive(cloud, demo, created.id);
    assert.equal(active.provisioning_status, 'ACTIVE');
    assert.equal(active.operating_status, 'ONLINE');

    const l = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { loadbalancer_id: created.id, protocol: 'HTTP', protocol_port: 80 } } });
    assert.equal(l.status, 201, JSON.stringify(l.body));
    assert.equal(l.body.listener.connection_limit, -1);
    assert.equal(l.body.listener.timeout_client_data, 50000);
    // Immutable while the listener create is in flight.
    const busy = await api(lbUrl(cloud, `/loadbalancers/${created.id}`), { method: 'PUT', token: demo, body: { loadbalancer: { name: 'x' } } });
    assert.equal(busy.status, 409);
    assert.equal(busy.body.faultstring, `Load Balancer ${created.id} is immutable and cannot be updated.`);
    await waitActive(cloud, demo, created.id);
    const dup = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { loadbalancer_id: created.id, protocol: 'TCP', protocol_port: 80 } } });
    assert.equal(dup.status, 409);

    const p = await api(lbUrl(cloud, '/pools'), { method: 'POST', token: demo, body: { pool: { listener_id: l.body.listener.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', session_persistence: { type: 'SOURCE_IP' } } } });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    await waitActive(cloud, demo, created.id);
    const m = await api(lbUrl(cloud, `/pools/${p.body.pool.id}/members`), { method: 'POST', token: demo, body: { member: { address: '127.0.0.1', protocol_port: 8080, weight: 3 } } });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    await waitActive(cloud, demo, created.id);
    const hm = await api(lbUrl(cloud, '/healthmonitors'), { method: 'POST', token: demo, body: { healthmonitor: { pool_id: p.body.pool.id, type: 'HTTP', delay: 5, timeout: 3, max_retries: 2, expected_codes: '200-204,301' } } });
    assert.equal(hm.status, 201, JSON.stringify(hm.body));
    assert.equal(hm.body.healthmonitor.url_path, '/');
    assert.equal(hm.body.healthmonitor.max_retries_down, 3);
    await waitActive(cloud, demo, created.id);

    const shown = await api(lbUrl(cloud, `/loadbalancers/${created.id}`), { token: demo });
    assert.deepEqual(shown.body.loadbalancer.listeners, [{ id: l.body.listener.id }]);
    assert.deepEqual(shown.body.loadbalancer.pools, [{ id: p.body.pool.id }]);
    const pool = await api(lbUrl(cloud, `/pools/${p.body.pool.id}`), { token: demo });
    assert.equal(pool.body.pool.healthmonitor_id, hm.body.healthmonitor.id);
    assert.deepEqual(pool.body.pool.listeners, [{ id: l.body.listener.id }]);
    const listener = await api(lbUrl(cloud, `/listeners/${l.body.listener.id}`), { token: demo });
    assert.equal(listener.body.listener.default_pool_id, p.body.pool.id);

    const tree = await api(lbUrl(cloud, `/loadbalancers/${created.id}/status`), { token: demo });
    const sl = tree.body.statuses.loadbalancer;
    assert.equal(sl.provisioning_status, 'ACTIVE');
    assert.equal(sl.listeners[0].pools[0].members[0].operating_status, 'NO_MONITOR');
    assert.equal(sl.listeners[0].pools[0].health_monitor.type, 'HTTP');
    const stats = await api(lbUrl(cloud, `/loadbalancers/${created.id}/stats`), { token: demo });
    assert.deepEqual(stats.body.stats, { bytes_in: 0, bytes_out: 0, active_connections: 0, total_connections: 0, request_errors: 0 });

    // Batch member update: the list replaces the pool's members (kept one updated, new one added).
    const batch = await api(lbUrl(cloud, `/pools/${p.body.pool.id}/members`), {
      method: 'PUT',
      token: demo,
      body: { members: [{ address: '127.0.0.1', protocol_port: 8080, weight: 7 }, { address: '127.0.0.2', protocol_port: 8080 }] },
    });
    assert.equal(batch.status, 202, JSON.stringify(batch.body));
    await waitActive(cloud, demo, created.id);
    const after = (await api(lbUrl(cloud, `/pools/${p.body.pool.id}/members`), { token: demo })).body.members;
    assert.deepEqual(after.map((x: any) => [x.address, x.weight, x.provisioning_status]), [['127.0.0.1', 7, 'ACTIVE'], ['127.0.0.2', 1, 'ACTIVE']]);
    assert.equal(after[0].id, m.body.member.id);

    // Deleting a load balancer with children needs cascade; cascade removes everything and the VIP port.
    const refused = await api(lbUrl(cloud, `/loadbalancers/${created.id}`), { method: 'DELETE', token: demo });
    assert.equal(refused.status, 400);
    const del = await api(lbUrl(cloud, `/loadbalancers/${created.id}?cascade=true`), { method: 'DELETE', token: demo });
    assert.equal(del.status, 204);
    assert.equal(await waitActive(cloud, demo, created.id), undefined);
    assert.equal((await api(lbUrl(cloud, `/pools/${p.body.pool.id}`), { token: demo })).status, 404);
    assert.equal((await api(`${cloud.urls.network}/v2.0/ports/${created.vip_port_id}`, { token: demo })).status, 404);
  });

  it('refuses L7 policies on a TCP listener with the provider error Octavia answers (501)', async () => {
    const id = (await lb(demo, 'l4')).body.loadbalancer.id;
    await waitActive(cloud, demo, id);
    const l = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { loadbalancer_id: id, protocol: 'TCP', protocol_port: 9000 } } });
    assert.equal(l.status, 201, JSON.stringify(l.body));
    await waitActive(cloud, demo, id);
    const p = await api(lbUrl(cloud, '/l7policies'), { method: 'POST', token: demo, body: { l7policy: { listener_id: l.body.listener.id, action: 'REJECT' } } });
    assert.equal(p.status, 501);
    assert.match(p.body.faultstring, /^Provider '\w+' does not support a requested option: TCP protocol listeners do not support L7 policies$/);
    assert.equal((await waitActive(cloud, demo, id)).provisioning_status, 'ACTIVE');
    await api(lbUrl(cloud, `/loadbalancers/${id}?cascade=true`), { method: 'DELETE', token: demo });
  });

  it('gets a floating IP on its VIP port through the network API', async () => {
    const c = await lb(demo, 'public');
    const id = c.body.loadbalancer.id;
    await waitActive(cloud, demo, id);
    const net = cloud.urls.network;
    const pub = (await api(`${net}/v2.0/networks?name=public`, { token: demo })).body.networks[0];
    const router = (await api(`${net}/v2.0/routers`, { method: 'POST', token: demo, body: { router: { name: 'lb-r', external_gateway_info: { network_id: pub.id } } } })).body.router;
    assert.equal((await api(`${net}/v2.0/routers/${router.id}/add_router_interface`, { method: 'PUT', token: demo, body: { subnet_id: subnet } })).status, 200);
    const fip = await api(`${net}/v2.0/floatingips`, { method: 'POST', token: demo, body: { floatingip: { floating_network_id: pub.id, port_id: c.body.loadbalancer.vip_port_id } } });
    assert.equal(fip.status, 201, JSON.stringify(fip.body));
    assert.equal(fip.body.floatingip.fixed_ip_address, c.body.loadbalancer.vip_address);
    // Deleting the load balancer deletes its VIP port, which lets go of the floating IP.
    await api(lbUrl(cloud, `/loadbalancers/${id}`), { method: 'DELETE', token: demo });
    await waitActive(cloud, demo, id);
    const after = await api(`${net}/v2.0/floatingips/${fip.body.floatingip.id}`, { token: demo });
    assert.equal(after.body.floatingip.port_id, null);
    await api(`${net}/v2.0/floatingips/${fip.body.floatingip.id}`, { method: 'DELETE', token: demo });
    await api(`${net}/v2.0/routers/${router.id}/remove_router_interface`, { method: 'PUT', token: demo, body: { subnet_id: subnet } });
    await api(`${net}/v2.0/routers/${router.id}`, { method: 'DELETE', token: demo });
  });

  it('paginates, filters, selects fields and filters by tags', async () => {
    const ids: string[] = [];
    for (const [name, tags] of [['p1', ['x']], ['p2', ['x', 'y']], ['p3', []]] as const) {
      const r = await lb(demo, name, { tags });
      ids.push(r.body.loadbalancer.id);
      await waitActive(cloud, demo, r.body.loadbalancer.id);
    }
    const page = await api(lbUrl(cloud, '/loadbalancers?limit=2'), { token: demo });
    assert.equal(page.body.loadbalancers.length, 2);
    assert.equal(page.body.loadbalancers_links[0].rel, 'next');
    const next = await api(page.body.loadbalancers_links[0].href, { token: demo });
    assert.deepEqual(page.body.loadbalancers.map((x: any) => x.name), ['p1', 'p2'], JSON.stringify(next.body));
    assert.deepEqual(next.body.loadbalancers.map((x: any) => x.id), [ids[2]]);
    assert.equal(next.body.loadbalancers_links[0].rel, 'previous');
    const byName = await api(lbUrl(cloud, '/loadbalancers?name=p2&fields=id&fields=name'), { token: demo });
    assert.deepEqual(byName.body.loadbalancers, [{ id: ids[1], name: 'p2' }]);
    const tagged = await api(lbUrl(cloud, '/loadbalancers?tags=x'), { token: demo });
    assert.equal(tagged.body.loadbalancers.length, 2);
    const notY = await api(lbUrl(cloud, '/loadbalancers?not-tags=y&tags=x'), { token: demo });
    assert.deepEqual(notY.body.loadbalancers.map((x: any) => x.id), [ids[0]]);
    const desc = await api(lbUrl(cloud, '/loadbalancers?sort=name:desc'), { token: demo });
    assert.deepEqual(desc.body.loadbalancers.map((x: any) => x.name).slice(0, 3), ['p3', 'p2', 'p1']);
    for (const id of ids) await api(lbUrl(cloud, `/loadbalancers/${id}`), { method: 'DELETE', token: demo });
  });

  it('keeps projects apart and follows the default policy', async () => {
    const mine = await lb(demo, 'private');
    const id = mine.body.loadbalancer.id;
    await waitActive(cloud, demo, id);
    const adminSubnet = await vipSubnet(cloud, admin, '10.30.0.0/24');
    const other = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: admin, body: { loadbalancer: { name: 'admins', vip_subnet_id: adminSubnet } } });
    assert.equal(other.status, 201);
    await waitActive(cloud, admin, other.body.loadbalancer.id);
    // demo cannot see, change or delete the admin project's load balancer: 403, as Octavia answers.
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await api(lbUrl(cloud, `/loadbalancers/${other.body.loadbalancer.id}`), { method, token: demo, body: method === 'PUT' ? { loadbalancer: { name: 'x' } } : undefined });
      assert.equal(r.status, 403, method);
      assert.equal(r.body.faultstring, 'Policy does not allow this request to be performed.');
    }
    const list = await api(lbUrl(cloud, '/loadbalancers'), { token: demo });
    assert.ok(list.body.loadbalancers.every((x: any) => x.project_id === mine.body.loadbalancer.project_id));
    // demo cannot put its listener on the other project's load balancer either.
    const l = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { loadbalancer_id: other.body.loadbalancer.id, protocol: 'TCP', protocol_port: 22 } } });
    assert.equal(l.status, 403);
    // Admin sees both; failover is admin only.
    const all = await api(lbUrl(cloud, '/loadbalancers'), { token: admin });
    assert.ok(all.body.loadbalancers.length >= 2);
    assert.equal((await api(lbUrl(cloud, `/loadbalancers/${id}/failover`), { method: 'PUT', token: demo })).status, 403);
    assert.equal((await api(lbUrl(cloud, `/loadbalancers/${id}/failover`), { method: 'PUT', token: admin })).status, 202);
    assert.equal((await waitActive(cloud, demo, id)).provisioning_status, 'ACTIVE');
    for (const [t, x] of [[demo, id], [admin, other.body.loadbalancer.id]]) await api(lbUrl(cloud, `/loadbalancers/${x}`), { method: 'DELETE', token: t });
  });

  it('enforces quotas set by the admin', async () => {
    const me = await lb(demo, 'q1');
    const projectId = me.body.loadbalancer.project_id;
    await waitActive(cloud, demo, me.body.loadbalancer.id);
    assert.equal((await api(lbUrl(cloud, `/quotas/${projectId}`), { method: 'PUT', token: demo, body: { quota: { load_balancer: 1 } } })).status, 403);
    const set = await api(lbUrl(cloud, `/quotas/${projectId}`), { method: 'PUT', token: admin, body: { quota: { loadbalancer: 1, listener: 5 } } });
    assert.equal(set.status, 202);
    assert.equal(set.body.quota.load_balancer, 1);
    assert.equal(set.body.quota.pool, -1);
    const over = await lb(demo, 'q2');
    assert.equal(over.status, 403);
    assert.equal(over.body.faultcode, 'Client');
    const mine = await api(lbUrl(cloud, `/quotas/${projectId}`), { token: demo });
    assert.equal(mine.body.quota.listener, 5);
    const listed = await api(lbUrl(cloud, '/quotas'), { token: admin });
    assert.ok(listed.body.quotas.some((q: any) => q.project_id === projectId));
    assert.equal((await api(lbUrl(cloud, `/quotas/${projectId}`), { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(lbUrl(cloud, '/quotas/defaults'), { token: demo })).body.quota.load_balancer, -1);
    await api(lbUrl(cloud, `/loadbalancers/${me.body.loadbalancer.id}`), { method: 'DELETE', token: demo });
  });

  it('answers bad input with a 4xx in Octavia format', async () => {
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/loadbalancers', { loadbalancer: {} }, 400],
      ['POST', '/loadbalancers', { loadbalancer: { vip_subnet_id: subnet, bogus: 1 } }, 400],
      ['POST', '/loadbalancers', { loadbalancer: { vip_subnet_id: 'no-such-subnet' } }, 404],
      ['POST', '/loadbalancers', { loadbalancer: { vip_subnet_id: subnet, provider: 'f5' } }, 400],
      ['POST', '/loadbalancers', 'not json', 400],
      ['POST', '/listeners', { listener: { protocol: 'HTTP' } }, 400],
      ['POST', '/listeners', { listener: { loadbalancer_id: 'x', protocol: 'FTP', protocol_port: 21 } }, 400],
      ['POST', '/listeners', { listener: { loadbalancer_id: 'x', protocol: 'TCP', protocol_port: 70000 } }, 400],
      ['POST', '/listeners', { listener: { loadbalancer_id: 'x', protocol: 'TCP', protocol_port: 1, allowed_cidrs: ['10.0.0.0/99'] } }, 400],
      ['POST', '/pools', { pool: { protocol: 'HTTP', lb_algorithm: 'RANDOM', loadbalancer_id: 'x' } }, 400],
      ['POST', '/healthmonitors', { healthmonitor: { pool_id: 'x', type: 'HTTP', delay: 1, timeout: 1, max_retries: 20 } }, 400],
      ['POST', '/healthmonitors', { healthmonitor: { pool_id: 'x', type: 'HTTP', delay: 1, timeout: 1, max_retries: 1, expected_codes: 'abc' } }, 400],
      ['GET', '/loadbalancers?limit=-1', undefined, 400],
      ['GET', '/loadbalancers?marker=nope', undefined, 400],
      ['GET', '/pools/nope/members', undefined, 404],
      ['POST', '/l7policies', { l7policy: { listener_id: 'x', action: 'BOGUS' } }, 400],
      ['POST', '/l7policies', { l7policy: { listener_id: 'x', action: 'REJECT' } }, 400],
      ['POST', '/l7policies/nope/rules', { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/' } }, 404],
      ['PUT', '/pools/nope/members', { members: 'x' }, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await api(lbUrl(cloud, path), typeof body === 'string' ? { method, token: demo, raw: body } : { method, token: demo, body });
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.faultcode, 'Client', `${method} ${path}`);
      assert.equal(typeof r.body.faultstring, 'string');
    }
    const noAuth = await api(lbUrl(cloud, '/loadbalancers'));
    assert.equal(noAuth.status, 401);
  });
});
