import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNetCloud, type NetCloud } from './helpers.js';

/** Project `other` can neither list, show, change nor delete any resource of project `demo`. */
describe('network tenant isolation matrix', () => {
  let n: NetCloud;
  const owned: Array<{ path: string; key: string; id: string; update: Record<string, unknown> }> = [];
  let publicNet: { id: string; subnets: string[] };
  before(async () => {
    n = await startNetCloud();
    const make = async (path: string, key: string, body: Record<string, unknown>, update: Record<string, unknown> = { description: 'x' }) => {
      const r = await n.call('POST', `/v2.0/${path}`, n.demo, { [key]: body });
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
      owned.push({ path, key, id: r.body[key].id, update });
      return r.body[key];
    };
    const net = await make('networks', 'network', { name: 'private' });
    const sub = await make('subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.20.0.0/24' });
    const port = await make('ports', 'port', { network_id: net.id });
    const router = await make('routers', 'router', { name: 'r', external_gateway_info: { network_id: (await n.call('GET', '/v2.0/networks?name=public', n.demo)).body.networks[0].id } });
    await n.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, n.demo, { subnet_id: sub.id });
    publicNet = (await n.call('GET', '/v2.0/networks?name=public', n.demo)).body.networks[0];
    await make('floatingips', 'floatingip', { floating_network_id: publicNet.id, port_id: port.id });
    const sg = await make('security-groups', 'security_group', { name: 'sg' });
    await make('security-group-rules', 'security_group_rule', { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp' }, {});
    await make('subnetpools', 'subnetpool', { name: 'pool', prefixes: ['10.30.0.0/16'] });
    await make('rbac-policies', 'rbac_policy', { object_type: 'network', object_id: net.id, action: 'access_as_external', target_tenant: n.demoProjectId }, { target_tenant: n.demoProjectId });
  });
  after(async () => n?.cloud.close());

  it('lists never show another project resources', async () => {
    for (const r of owned) {
      const list = await n.call('GET', `/v2.0/${r.path}`, n.other);
      assert.equal(list.status, 200, r.path);
      const items = list.body[r.key === 'rbac_policy' ? 'rbac_policies' : `${r.key}s`] as Array<{ id: string }>;
      assert.ok(!items.some((x) => x.id === r.id), `${r.path} leaks`);
      const filtered = await n.call('GET', `/v2.0/${r.path}?id=${r.id}`, n.other);
      assert.equal((filtered.body[r.key === 'rbac_policy' ? 'rbac_policies' : `${r.key}s`] as unknown[]).length, 0, `${r.path} by id`);
    }
  });

  it('show, update, delete and tags of another project resource are 404', async () => {
    for (const r of owned) {
      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['PUT', '', { [r.key]: r.update }],
        ['DELETE', '', undefined],
        ['PUT', '/tags/x', undefined],
      ] as const) {
        const res = await n.call(method, `/v2.0/${r.path}/${r.id}${suffix}`, n.other, body);
        assert.equal(res.status, 404, `${method} ${r.path}${suffix}: ${res.status}`);
        assert.match(res.body.NeutronError.type, /NotFound$/);
      }
    }
    const router = owned.find((r) => r.path === 'routers')!;
    const sub = owned.find((r) => r.path === 'subnets')!;
    const iface = await n.call('PUT', `/v2.0/routers/${router.id}/remove_router_interface`, n.other, { subnet_id: sub.id });
    assert.equal(iface.status, 404);
    // Everything is still there for its owner.
    for (const r of owned) assert.equal((await n.call('GET', `/v2.0/${r.path}/${r.id}`, n.demo)).status, 200, r.path);
  });

  it('another project port, network and groups cannot be used by reference', async () => {
    const net = owned.find((r) => r.path === 'networks')!;
    const sg = owned.find((r) => r.path === 'security-groups')!;
    const port = owned.find((r) => r.path === 'ports')!;
    assert.equal((await n.call('POST', '/v2.0/ports', n.other, { port: { network_id: net.id } })).status, 404);
    const otherNet = (await n.call('POST', '/v2.0/networks', n.other, { network: { name: 'o' } })).body.network;
    assert.equal((await n.call('POST', '/v2.0/ports', n.other, { port: { network_id: otherNet.id, security_groups: [sg.id] } })).status, 404);
    const fip = await n.call('POST', '/v2.0/floatingips', n.other, { floatingip: { floating_network_id: publicNet.id, port_id: port.id } });
    assert.equal(fip.status, 404);
  });

  it('the shared external network and its subnet are visible to all but not writable', async () => {
    const show = await n.call('GET', `/v2.0/networks/${publicNet.id}`, n.other);
    assert.equal(show.status, 200);
    const upd = await n.call('PUT', `/v2.0/networks/${publicNet.id}`, n.other, { network: { name: 'mine' } });
    assert.equal(upd.status, 403);
    assert.equal(upd.body.NeutronError.type, 'PolicyNotAuthorized');
    assert.equal((await n.call('DELETE', `/v2.0/networks/${publicNet.id}`, n.other)).status, 403);
    assert.equal((await n.call('PUT', `/v2.0/networks/${publicNet.id}/tags/x`, n.other)).status, 403);
    const sub = publicNet.subnets[0];
    assert.equal((await n.call('GET', `/v2.0/subnets/${sub}`, n.other)).status, 200);
    assert.equal((await n.call('PUT', `/v2.0/subnets/${sub}`, n.other, { subnet: { name: 'x' } })).status, 403);
    assert.equal((await n.call('DELETE', `/v2.0/subnets/${sub}`, n.other)).status, 403);
    const subnetOnPublic = await n.call('POST', '/v2.0/subnets', n.other, { subnet: { network_id: publicNet.id, ip_version: 4, cidr: '10.99.0.0/24' } });
    assert.equal(subnetOnPublic.status, 403, 'only the network owner adds subnets');
  });
});
