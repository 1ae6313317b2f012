import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addTenant, api, type TestCloud } from '../helpers/cloud.js';
import { lbCloud, lbUrl, vipSubnet, waitActive } from './helpers.js';

/** Behaviour upstream's octavia-tempest-plugin API tests check. */
describe('load balancer API as octavia-tempest-plugin expects it', () => {
  let cloud: TestCloud;
  let demo: string;
  let subnet: string;
  before(async () => {
    cloud = await lbCloud({ driver: 'simulated' });
    demo = await cloud.demoToken();
    subnet = await vipSubnet(cloud, demo);
  });
  after(() => cloud.close());

  it('accepts a health monitor whose timeout exceeds its delay, as Octavia does', async () => {
    const lb = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { vip_subnet_id: subnet } } });
    const lbId = lb.body.loadbalancer.id;
    await waitActive(cloud, demo, lbId);
    const pool = await api(lbUrl(cloud, '/pools'), { method: 'POST', token: demo, body: { pool: { loadbalancer_id: lbId, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } } });
    await waitActive(cloud, demo, lbId);
    const hm = await api(lbUrl(cloud, '/healthmonitors'), {
      method: 'POST',
      token: demo,
      body: { healthmonitor: { pool_id: pool.body.pool.id, type: 'HTTP', delay: 2, timeout: 3, max_retries: 4 } },
    });
    assert.equal(hm.status, 201, JSON.stringify(hm.body));
    await waitActive(cloud, demo, lbId);
    const up = await api(lbUrl(cloud, `/healthmonitors/${hm.body.healthmonitor.id}`), { method: 'PUT', token: demo, body: { healthmonitor: { timeout: 5 } } });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.healthmonitor.timeout, 5);
  });

  it('inserts an L7 policy at its position and moves the others down', async () => {
    const lb = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { vip_subnet_id: subnet } } });
    const lbId = lb.body.loadbalancer.id;
    await waitActive(cloud, demo, lbId);
    const l = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { loadbalancer_id: lbId, protocol: 'HTTP', protocol_port: 80 } } });
    await waitActive(cloud, demo, lbId);
    const ids: Record<string, string> = {};
    for (const name of ['p1', 'p2', 'p3']) {
      const p = await api(lbUrl(cloud, '/l7policies'), { method: 'POST', token: demo, body: { l7policy: { listener_id: l.body.listener.id, name, action: 'REJECT', position: 1 } } });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      assert.equal(p.body.l7policy.position, 1);
      ids[name] = p.body.l7policy.id;
      await waitActive(cloud, demo, lbId);
    }
    const order = async () => (await api(lbUrl(cloud, '/l7policies?sort=position:asc'), { token: demo })).body.l7policies.filter((p: any) => p.listener_id === l.body.listener.id).map((p: any) => `${p.position}:${p.name}`);
    assert.deepEqual(await order(), ['1:p3', '2:p2', '3:p1']);
    const moved = await api(lbUrl(cloud, `/l7policies/${ids.p3}`), { method: 'PUT', token: demo, body: { l7policy: { position: 3 } } });
    assert.equal(moved.body.l7policy.position, 3);
    await waitActive(cloud, demo, lbId);
    assert.deepEqual(await order(), ['1:p2', '2:p1', '3:p3']);
  });

  it('filters listeners and pools by loadbalancer_id; refuses allowed_cidrs of another IP version than the VIP', async () => {
    const made: string[] = [];
    for (let i = 0; i < 2; i++) {
      const lb = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { vip_subnet_id: subnet } } });
      made.push(lb.body.loadbalancer.id);
      await waitActive(cloud, demo, lb.body.loadbalancer.id);
      const l = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { loadbalancer_id: lb.body.loadbalancer.id, protocol: 'TCP', protocol_port: 22 } } });
      assert.equal(l.status, 201);
      await waitActive(cloud, demo, lb.body.loadbalancer.id);
      await api(lbUrl(cloud, '/pools'), { method: 'POST', token: demo, body: { pool: { loadbalancer_id: lb.body.loadbalancer.id, protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN' } } });
      await waitActive(cloud, demo, lb.body.loadbalancer.id);
    }
    for (const plural of ['listeners', 'pools']) {
      const r = await api(lbUrl(cloud, `/${plural}?loadbalancer_id=${made[1]}`), { token: demo });
      assert.deepEqual(r.body[plural].map((x: any) => x.loadbalancers[0].id), [made[1]], plural);
    }
    // A pool no listener uses is OFFLINE (no traffic, no health reports); a listener's default pool ONLINE.
    const standalone = (await api(lbUrl(cloud, `/pools?loadbalancer_id=${made[1]}`), { token: demo })).body.pools[0];
    assert.equal(standalone.operating_status, 'OFFLINE');
    const listener = (await api(lbUrl(cloud, `/listeners?loadbalancer_id=${made[1]}`), { token: demo })).body.listeners[0];
    const used = await api(lbUrl(cloud, '/pools'), { method: 'POST', token: demo, body: { pool: { listener_id: listener.id, protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN' } } });
    await waitActive(cloud, demo, made[1]);
    assert.equal((await api(lbUrl(cloud, `/pools/${used.body.pool.id}`), { token: demo })).body.pool.operating_status, 'ONLINE');
    const mixed = { loadbalancer_id: made[0], protocol: 'HTTP', protocol_port: 80, allowed_cidrs: ['192.0.1.0/24', '2001:db8:a0b:12f0::/64'] };
    const bad = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: mixed } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.faultstring, /^Validation failure: CIDR 2001:db8:a0b:12f0::\/64 IP version incompatible with all VIPs/);
    const ok = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { ...mixed, allowed_cidrs: ['192.0.1.0/24'] } } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    await waitActive(cloud, demo, made[0]);
    const upd = await api(lbUrl(cloud, `/listeners/${ok.body.listener.id}`), { method: 'PUT', token: demo, body: { listener: { allowed_cidrs: ['2001:db8::/64'] } } });
    assert.equal(upd.status, 400);
  });

  it('filters lists by a boolean attribute both ways', async () => {
    const up = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { name: 'bool-up', vip_subnet_id: subnet } } });
    const down = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { name: 'bool-down', vip_subnet_id: subnet, admin_state_up: false } } });
    const names = async (q: string) => (await api(lbUrl(cloud, `/loadbalancers?${q}`), { token: demo })).body.loadbalancers.map((x: any) => x.name).filter((n: string) => n.startsWith('bool-'));
    assert.deepEqual(await names('admin_state_up=true'), ['bool-up']);
    assert.deepEqual(await names('admin_state_up=false'), ['bool-down']);
    assert.deepEqual(await names('admin_state_up=True'), ['bool-up']);
    await waitActive(cloud, demo, up.body.loadbalancer.id);
    await waitActive(cloud, demo, down.body.loadbalancer.id);
  });

  it('answers provider capabilities to the admin only, 400 for a provider that is not enabled', async () => {
    const admin = await cloud.adminToken();
    for (const [path, key] of [['flavor_capabilities', 'loadbalancer_topology'], ['availability_zone_capabilities', 'compute_zone']]) {
      const r = await api(lbUrl(cloud, `/providers/simulated/${path}?name=${key}&fields=name`), { token: admin });
      assert.equal(r.status, 200, path);
      assert.deepEqual(r.body, { [path]: [{ name: key }] });
      assert.equal((await api(lbUrl(cloud, `/providers/nope/${path}`), { token: admin })).body.faultstring, "Provider 'nope' is not enabled.");
      assert.equal((await api(lbUrl(cloud, `/providers/simulated/${path}`), { token: demo })).status, 403);
    }
    assert.equal((await api(lbUrl(cloud, '/flavorprofiles'), { method: 'POST', token: demo, body: { flavorprofile: { name: 'x', provider_name: 'proxy', flavor_data: '{}' } } })).status, 403);
    assert.equal((await api(lbUrl(cloud, '/flavorprofiles'), { method: 'POST', token: admin, body: { flavorprofile: { name: 'x' } } })).status, 400);
  });

  it("answers 403 for another project's objects and for creating children on them", async () => {
    const other = await addTenant(cloud, 'lb-other');
    const token = await other.token();
    const lb = await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { vip_subnet_id: subnet } } });
    const lbId = lb.body.loadbalancer.id;
    await waitActive(cloud, demo, lbId);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await api(lbUrl(cloud, `/loadbalancers/${lbId}`), { method, token, body: method === 'PUT' ? { loadbalancer: { name: 'x' } } : undefined });
      assert.equal(r.status, 403, method);
      assert.deepEqual(r.body, { faultcode: 'Client', faultstring: 'Policy does not allow this request to be performed.', debuginfo: null });
    }
    const l = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token, body: { listener: { loadbalancer_id: lbId, protocol: 'HTTP', protocol_port: 80 } } });
    assert.equal(l.status, 403);
    // Unknown ids stay 404 (a listener's missing load balancer stays Octavia's 400).
    assert.equal((await api(lbUrl(cloud, '/loadbalancers/no-such-lb'), { token })).status, 404);
    const missing = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token, body: { listener: { loadbalancer_id: 'no-such-lb', protocol: 'HTTP', protocol_port: 80 } } });
    assert.equal(missing.status, 400);

    // A global observer reads every project's load balancer; being a member of its own project
    // does not let it add children to another project's: creating is checked against the parent's project.
    const observer = await addTenant(cloud, 'lb-global-observer', 'load-balancer_global_observer');
    const admin = await cloud.adminToken();
    const id = cloud.urls.identity;
    const users = await api(`${id}/v3/users?name=lb-global-observer`, { token: admin });
    const memberRole = await api(`${id}/v3/roles?name=member`, { token: admin });
    const grant = await api(`${id}/v3/projects/${observer.projectId}/users/${users.body.users[0].id}/roles/${memberRole.body.roles[0].id}`, { method: 'PUT', token: admin });
    assert.equal(grant.status, 204);
    const obsToken = await observer.token();
    assert.equal((await api(lbUrl(cloud, `/loadbalancers/${lbId}`), { token: obsToken })).status, 200);
    const foreign = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: obsToken, body: { listener: { loadbalancer_id: lbId, protocol: 'HTTP', protocol_port: 81 } } });
    assert.equal(foreign.status, 403);
  });
});

describe('loadbalancer.rbac: advanced (Octavia advanced RBAC policy)', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await lbCloud({ driver: 'simulated', rbac: 'advanced' });
  });
  after(() => cloud.close());

  it('grants the load-balancer_* roles and denies plain Keystone members and readers', async () => {
    const member = await addTenant(cloud, 'plain-member', 'member');
    const lbMember = await addTenant(cloud, 'lb-member', 'load-balancer_member');
    const observer = await addTenant(cloud, 'lb-observer', 'load-balancer_observer', lbMember.projectId);
    const reader = await addTenant(cloud, 'plain-reader', 'reader', lbMember.projectId);
    const admin = await cloud.adminToken();
    // The network is made by the admin for the project: a load-balancer_member alone has no network role.
    const subnet = await vipSubnet(cloud, admin, '10.40.0.0/24');

    const denied = await api(lbUrl(cloud, '/loadbalancers'), { token: await member.token() });
    assert.equal(denied.status, 403);
    // Providers, flavors and availability zones need a load-balancer_* role too.
    for (const path of ['/providers', '/flavors', '/availabilityzones']) {
      assert.equal((await api(lbUrl(cloud, path), { token: await member.token() })).status, 403, path);
      assert.equal((await api(lbUrl(cloud, path), { token: await observer.token() })).status, 200, path);
    }
    const create = (token: string) => api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token, body: { loadbalancer: { vip_subnet_id: subnet, project_id: lbMember.projectId } } });
    assert.equal((await create(await member.token())).status, 403);

    const made = await create(admin);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = made.body.loadbalancer.id;
    await waitActive(cloud, admin, id);
    const mine = await api(lbUrl(cloud, '/loadbalancers'), { token: await lbMember.token() });
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.loadbalancers.map((x: any) => x.id), [id]);
    assert.equal((await api(lbUrl(cloud, `/loadbalancers/${id}`), { token: await observer.token() })).status, 200);
    assert.equal((await api(lbUrl(cloud, `/loadbalancers/${id}`), { method: 'PUT', token: await observer.token(), body: { loadbalancer: { name: 'x' } } })).status, 403);
    assert.equal((await api(lbUrl(cloud, `/loadbalancers/${id}`), { token: await reader.token() })).status, 403);
    const renamed = await api(lbUrl(cloud, `/loadbalancers/${id}`), { method: 'PUT', token: await lbMember.token(), body: { loadbalancer: { name: 'renamed' } } });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  });
});
