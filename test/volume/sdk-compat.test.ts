import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';

/** Revert to snapshot through openstacksdk (it asks for microversion 3.40). */
const REVERT_SCRIPT = `
import json, openstack
c = openstack.connect(cloud='scs-demo')
bs = c.block_storage
v = bs.wait_for_status(bs.create_volume(size=1, name='sdk-revert'), status='available', interval=0.2, wait=60)
s = bs.wait_for_status(bs.create_snapshot(volume_id=v.id), status='available', interval=0.2, wait=60)
bs.revert_volume_to_snapshot(v, s)
v = bs.wait_for_status(bs.get_volume(v.id), status='available', interval=0.2, wait=60)
s = bs.wait_for_status(bs.get_snapshot(s.id), status='available', interval=0.2, wait=60)
print(json.dumps({'volume': v.status, 'snapshot': s.status}))
`;

/** What openstacksdk's block storage functional tests ask of Cinder beyond tempest. */
describe('block storage: openstacksdk functional-test compatibility', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'volume'] });
    base = cloud.urls.volume;
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  test('capabilities answer for the bare host name that os-hosts lists, as Cinder matches host@backend', async () => {
    const hosts = await api(`${base}/v3/os-hosts`, { token: admin });
    const names = new Set<string>(hosts.body.hosts.map((h: { host_name: string }) => h.host_name));
    for (const name of names) {
      const caps = await api(`${base}/v3/capabilities/${encodeURIComponent(name)}`, { token: admin });
      assert.equal(caps.status, 200, name);
      for (const k of ['description', 'display_name', 'driver_version', 'namespace', 'pool_name', 'properties', 'replication_targets', 'storage_protocol', 'vendor_name', 'visibility', 'volume_backend_name']) assert.ok(k in caps.body, k);
    }
    assert.equal((await api(`${base}/v3/capabilities/elsewhere`, { token: admin })).status, 404);
  });

  test('openstacksdk: revert_volume_to_snapshot', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    assert.deepEqual(await python(REVERT_SCRIPT, { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml }), { volume: 'available', snapshot: 'available' });
  });

  test('resource filters from microversion 3.33, per resource', async () => {
    const mv = (v: string) => ({ 'openstack-api-version': `volume ${v}` });
    assert.equal((await api(`${base}/v3/resource_filters`, { token: admin, headers: mv('3.32') })).status, 404);
    const all = await api(`${base}/v3/resource_filters`, { token: admin, headers: mv('3.33') });
    assert.equal(all.status, 200);
    const volume = all.body.resource_filters.find((f: { resource: string }) => f.resource === 'volume');
    assert.ok(volume.filters.includes('name') && volume.filters.includes('status'));
    const one = await api(`${base}/v3/resource_filters?resource=snapshot`, { token: admin, headers: mv('3.33') });
    assert.deepEqual(one.body.resource_filters.map((f: { resource: string }) => f.resource), ['snapshot']);
  });
});
