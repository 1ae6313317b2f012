import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';
import { faultType, startNetCloud, type NetCloud } from './helpers.js';

/** What openstacksdk's segment calls see: the network's first segment, a new one, its update and delete. */
const SDK_SCRIPT = `
import json, openstack
conn = openstack.connect(cloud='scs-admin')
out = {}
net = conn.network.create_network(name='sdk-segmented')
first = [s for s in conn.network.segments() if s.network_id == net.id]
out['first'] = [first[0].network_type, first[0].name, first[0].segmentation_id is not None] if len(first) == 1 else len(first)
sot = conn.network.create_segment(name='edge', description='rack 2', network_id=net.id, network_type='geneve', segmentation_id=2055)
out['created'] = [sot.name, sot.description, sot.network_type, sot.physical_network, sot.segmentation_id]
out['found'] = conn.network.find_segment('edge').id == sot.id
out['updated'] = conn.network.update_segment(first[0], description='update').description
out['shown'] = conn.network.get_network(net.id).segments is not None
conn.network.delete_segment(sot.id)
out['gone'] = conn.network.find_segment(sot.id) is None
conn.network.delete_network(net)
out['with_network'] = conn.network.find_segment(first[0].id) is None
print(json.dumps(out))
`;

describe('network: segments', () => {
  let n: NetCloud;
  const admin = (method: string, path: string, body?: unknown) => n.call(method, path, n.admin, body);
  before(async () => {
    n = await startNetCloud();
  });
  after(() => n.cloud.close());

  it('gives every network its first segment, adds, names, refuses and deletes more', async () => {
    const net = await n.create('networks', 'network', { name: 'routed', 'provider:network_type': 'vlan', 'provider:physical_network': 'rack1', 'provider:segmentation_id': 101 }, n.admin);
    const listed = (await admin('GET', `/v2.0/segments?network_id=${net.id}`)).body.segments;
    assert.equal(listed.length, 1);
    assert.deepEqual(
      { ...listed[0], id: undefined, created_at: undefined, updated_at: undefined },
      { id: undefined, network_id: net.id, name: null, description: '', network_type: 'vlan', physical_network: 'rack1', segmentation_id: 101, segment_index: 0, hosts: [], created_at: undefined, updated_at: undefined, revision_number: 1 },
    );
    // The public network of the bootstrap has its segment too.
    assert.ok((await admin('GET', '/v2.0/segments?network_type=flat')).body.segments.some((s: any) => s.physical_network === 'public'));

    const second = await n.create('segments', 'segment', { network_id: net.id, network_type: 'vlan', physical_network: 'rack2', segmentation_id: 101, name: 'rack-2' }, n.admin);
    assert.equal(second.segment_index, 1);
    const shown = (await admin('GET', `/v2.0/networks/${net.id}`)).body.network;
    assert.deepEqual(shown.segments, [
      { 'provider:network_type': 'vlan', 'provider:physical_network': 'rack1', 'provider:segmentation_id': 101 },
      { 'provider:network_type': 'vlan', 'provider:physical_network': 'rack2', 'provider:segmentation_id': 101 },
    ]);
    assert.equal(shown['provider:network_type'], undefined, 'several segments replace the provider attributes');

    const taken = await admin('POST', '/v2.0/segments', { segment: { network_id: net.id, network_type: 'vlan', physical_network: 'rack2', segmentation_id: 101 } });
    assert.equal(taken.status, 409);
    assert.equal(faultType(taken), 'VlanIdInUse');
    for (const [body, type] of [
      [{ network_id: net.id, network_type: 'token-ring' }, 'InvalidInput'],
      [{ network_id: net.id, network_type: 'vlan', segmentation_id: 5000 }, 'InvalidInput'],
      [{ network_id: net.id, network_type: 'vxlan', physical_network: 'rack1' }, 'InvalidInput'],
      [{ network_id: net.id }, 'HTTPBadRequest'],
      [{ network_id: net.id, network_type: 'vlan', hosts: [] }, 'HTTPBadRequest'],
    ] as const) {
      const r = await admin('POST', '/v2.0/segments', { segment: body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(faultType(r), type, JSON.stringify(r.body));
    }
    assert.equal((await admin('POST', '/v2.0/segments', { segment: { network_id: '6b1f5bb4-5f0a-4a25-a0d4-7b1f5bb45f0a', network_type: 'vlan' } })).status, 404);

    // Members neither see nor make segments, and may not place subnets on them.
    assert.deepEqual((await n.call('GET', '/v2.0/segments', n.demo)).body.segments, []);
    assert.equal((await n.call('GET', `/v2.0/segments/${second.id}`, n.demo)).status, 404);
    assert.equal((await n.call('POST', '/v2.0/segments', n.demo, { segment: { network_id: net.id, network_type: 'vlan' } })).status, 403);

    const subnet = await n.create('subnets', 'subnet', { network_id: net.id, cidr: '10.30.0.0/24', ip_version: 4, segment_id: second.id }, n.admin);
    assert.equal(subnet.segment_id, second.id);
    const other = await n.create('networks', 'network', { name: 'elsewhere' }, n.admin);
    const mismatch = await admin('POST', '/v2.0/subnets', { subnet: { network_id: other.id, cidr: '10.31.0.0/24', ip_version: 4, segment_id: second.id } });
    assert.equal(mismatch.status, 400);
    assert.equal(faultType(mismatch), 'NetworkIdsDontMatch');
    const inUse = await admin('DELETE', `/v2.0/segments/${second.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(faultType(inUse), 'SegmentInUse');

    const renamed = await admin('PUT', `/v2.0/segments/${second.id}`, { segment: { name: 'rack two', description: 'leaf' } });
    assert.equal(renamed.body.segment.name, 'rack two');
    assert.equal(renamed.body.segment.revision_number, 2);
    assert.equal((await admin('PUT', `/v2.0/segments/${second.id}`, { segment: { segmentation_id: 7 } })).status, 400);

    assert.equal((await admin('DELETE', `/v2.0/subnets/${subnet.id}`)).status, 204);
    assert.equal((await admin('DELETE', `/v2.0/segments/${second.id}`)).status, 204);
    assert.equal((await admin('GET', `/v2.0/networks/${net.id}`)).body.network['provider:physical_network'], 'rack1');
    assert.equal((await admin('DELETE', `/v2.0/networks/${net.id}`)).status, 204);
    assert.deepEqual((await admin('GET', `/v2.0/segments?network_id=${net.id}`)).body.segments, [], "a network's segments go with it");
  });

  it('serves openstacksdk', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const out = await python(SDK_SCRIPT, { OS_CLIENT_CONFIG_FILE: n.cloud.cloudsYaml });
    assert.deepEqual(out, {
      first: ['vxlan', null, true],
      created: ['edge', 'rack 2', 'geneve', null, 2055],
      found: true,
      updated: 'update',
      shown: true,
      gone: true,
      with_network: true,
    });
  });
});
