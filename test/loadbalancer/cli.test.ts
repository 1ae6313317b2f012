import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, type TestCloud } from '../helpers/cloud.js';
import { openstack, requireTool } from '../helpers/clients.js';
import { backend, eventually, lbCloud, lbUrl, vipSubnet, waitActive } from './helpers.js';

describe('load balancer: openstack CLI (python3-octaviaclient)', () => {
  let cloud: TestCloud;
  let a: Awaited<ReturnType<typeof backend>>;
  let b: Awaited<ReturnType<typeof backend>>;
  before(async () => {
    cloud = await lbCloud();
    [a, b] = await Promise.all([backend('a'), backend('b')]);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await cloud.close();
  });

  it('builds a load balancer with listener, pool, members, monitor and an L7 policy, sends traffic, deletes with --cascade', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const os = (args: string[]) => openstack(cloud.cloudsYaml, 'scs-demo', args);
    const demo = await cloud.demoToken();
    const subnet = await vipSubnet(cloud, demo);

    const lb = await os(['loadbalancer', 'create', '--name', 'lb1', '--vip-subnet-id', subnet, '--wait', '-f', 'json']);
    assert.equal(lb.vip_subnet_id, subnet);
    await os(['loadbalancer', 'listener', 'create', '--name', 'l1', '--protocol', 'HTTP', '--protocol-port', '80', '--insert-headers', 'X-Forwarded-For=true', '--wait', 'lb1']);
    await os(['loadbalancer', 'pool', 'create', '--name', 'p1', '--listener', 'l1', '--protocol', 'HTTP', '--lb-algorithm', 'ROUND_ROBIN', '--wait']);
    for (const be of [a, b]) await os(['loadbalancer', 'member', 'create', '--address', '127.0.0.1', '--protocol-port', String(be.port), '--wait', 'p1']);
    const hm = await os(['loadbalancer', 'healthmonitor', 'create', '--name', 'hm1', '--delay', '1', '--timeout', '1', '--max-retries', '1', '--type', 'HTTP', '--url-path', '/', '--expected-codes', '200-204', '--wait', '-f', 'json', 'p1']);
    assert.equal(hm.expected_codes, '200-204');

    const shown = await os(['loadbalancer', 'show', 'lb1', '-f', 'json']);
    assert.equal(shown.provisioning_status, 'ACTIVE');
    const listed = await os(['loadbalancer', 'list', '-f', 'json']);
    assert.deepEqual(listed.map((x: { name: string }) => x.name), ['lb1']);

    const listener = (await api(lbUrl(cloud, `/listeners?name=l1`), { token: demo })).body.listeners[0];
    await eventually('members ONLINE', async () => {
      const st = (await api(lbUrl(cloud, `/loadbalancers/${lb.id}/status`), { token: demo })).body.statuses.loadbalancer;
      return st.listeners[0].pools[0].members.every((m: { operating_status: string }) => m.operating_status === 'ONLINE');
    });
    const names = [];
    for (let i = 0; i < 4; i++) {
      const r = (await (await fetch(`http://${listener.bound_address}/`)).json()) as { name: string; xff: string };
      names.push(r.name);
      assert.equal(r.xff, '127.0.0.1');
    }
    assert.deepEqual(names.sort(), ['a', 'a', 'b', 'b']);

    await os(['loadbalancer', 'l7policy', 'create', '--name', 'block', '--action', 'REJECT', '--wait', 'l1']);
    // No --wait: this octaviaclient's l7rule create --wait shows the rule with policy and rule ids swapped (a 404 against upstream too).
    await os(['loadbalancer', 'l7rule', 'create', '--type', 'HEADER', '--key', 'X-Block', '--compare-type', 'EQUAL_TO', '--value', 'yes', 'block']);
    await waitActive(cloud, demo, lb.id);
    assert.equal((await fetch(`http://${listener.bound_address}/`, { headers: { 'x-block': 'yes' } })).status, 403);

    const status = JSON.parse(await os(['loadbalancer', 'status', 'show', 'lb1']));
    assert.equal(status.loadbalancer.operating_status, 'ONLINE');
    assert.equal(status.loadbalancer.listeners[0].pools[0].members.length, 2);
    const stats = await os(['loadbalancer', 'stats', 'show', 'lb1', '-f', 'json']);
    assert.ok(stats.total_connections >= 1, JSON.stringify(stats));
    assert.ok(stats.bytes_out > 0);

    await os(['loadbalancer', 'delete', '--cascade', '--wait', 'lb1']);
    const after = await api(lbUrl(cloud, '/loadbalancers'), { token: demo });
    assert.deepEqual(after.body.loadbalancers, []);
  });

  it('offers a flavor on the amphora provider (admin) that a member names when creating a load balancer', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const asAdmin = (args: string[]) => openstack(cloud.cloudsYaml, 'scs-admin', args);
    const subnet = await vipSubnet(cloud, await cloud.demoToken(), '10.21.0.0/24');
    await asAdmin(['loadbalancer', 'flavorprofile', 'create', '--name', 'single', '--provider', 'amphora', '--flavor-data', '{"loadbalancer_topology": "SINGLE"}']);
    await asAdmin(['loadbalancer', 'flavor', 'create', '--name', 'small', '--flavorprofile', 'single', '--description', 'one proxy', '--enable']);
    const lb = await openstack(cloud.cloudsYaml, 'scs-demo', ['loadbalancer', 'create', '--name', 'lbf', '--vip-subnet-id', subnet, '--flavor', 'small', '--provider', 'amphora', '--wait', '-f', 'json']);
    assert.equal(lb.provider, 'amphora');
    assert.equal(lb.provisioning_status, 'ACTIVE');
    const flavor = (await api(lbUrl(cloud, '/flavors?name=small'), { token: await cloud.demoToken() })).body.flavors[0];
    assert.equal(lb.flavor_id, flavor.id);
    await api(lbUrl(cloud, `/loadbalancers/${lb.id}`), { method: 'DELETE', token: await cloud.demoToken() });
  });
});
