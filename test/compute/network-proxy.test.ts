import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from '../helpers/cloud.js';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';
import { startComputeCloud, type ComputeCloud } from './helpers.js';

// Nova's deprecated proxies to the network service: os-networks, os-tenant-networks,
// os-floating-ip-pools, os-floating-ips (before 2.36) and add/removeFloatingIp (before 2.44).

let c: ComputeCloud;
let netId: string;
let publicId: string;
before(async () => {
  c = await startComputeCloud();
  const neutron = async (path: string, body: unknown, method = 'POST') => (await api(`${c.cloud.urls.network}/v2.0${path}`, { method, token: c.demo, body })).body;
  netId = (await neutron('/networks', { network: { name: 'fipnet' } })).network.id;
  const sub = (await neutron('/subnets', { subnet: { network_id: netId, cidr: '10.30.0.0/24', ip_version: 4 } })).subnet;
  const nets = await api(`${c.cloud.urls.network}/v2.0/networks?name=public`, { token: c.demo });
  publicId = nets.body.networks[0].id;
  const router = (await neutron('/routers', { router: { name: 'r', external_gateway_info: { network_id: publicId } } })).router;
  await neutron(`/routers/${router.id}/add_router_interface`, { subnet_id: sub.id }, 'PUT');
});
after(async () => {
  await c.cloud.close();
});

test('os-networks and os-tenant-networks list and show in nova-network shape; gone at 2.36', async () => {
  const list = await c.call('GET', '/os-networks', c.demo);
  assert.equal(list.status, 200);
  const mine = list.body.networks.find((n: any) => n.id === netId);
  assert.equal(mine.label, 'fipnet');
  assert.equal(mine.cidr, null);
  assert.equal('project_id' in mine, false);
  const asAdmin = await c.call('GET', `/os-networks/${publicId}`, c.admin);
  assert.equal(asAdmin.body.network.label, 'public');
  assert.equal(asAdmin.body.network.project_id, null);
  assert.equal((await c.call('GET', '/os-networks/00000000-0000-0000-0000-000000000000', c.demo)).status, 404);
  assert.equal((await c.call('GET', `/os-networks/${netId}`, c.other)).status, 404);
  assert.equal((await c.call('GET', '/os-networks', c.demo, undefined, '2.36')).status, 404);
  const tenant = await c.call('GET', `/os-tenant-networks/${netId}`, c.demo);
  assert.deepEqual(tenant.body.network, { id: netId, cidr: 'None', label: 'fipnet' });
  assert.ok((await c.call('GET', '/os-tenant-networks', c.demo)).body.networks.some((n: any) => n.id === netId));
  assert.deepEqual((await c.call('GET', '/os-floating-ip-pools', c.demo)).body.floating_ip_pools, [{ name: 'public' }]);
});

test('os-floating-ips: allocate from a pool, show, list, associate with a server and release', async () => {
  const made = await c.call('POST', '/os-floating-ips', c.demo, { pool: 'public' });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const fip = made.body.floating_ip;
  assert.deepEqual(Object.keys(fip).sort(), ['fixed_ip', 'id', 'instance_id', 'ip', 'pool']);
  assert.equal(fip.pool, 'public');
  assert.equal(fip.instance_id, null);
  assert.deepEqual((await c.call('GET', `/os-floating-ips/${fip.id}`, c.demo)).body.floating_ip, fip);
  assert.deepEqual((await c.call('GET', '/os-floating-ips', c.demo)).body.floating_ips, [fip]);
  assert.deepEqual((await c.call('GET', '/os-floating-ips', c.other)).body.floating_ips, []);
  assert.equal((await c.call('POST', '/os-floating-ips', c.demo, { pool: 'no-such-pool' })).status, 404);

  const r = await c.call('POST', '/servers', c.demo, { server: { name: 'fip-vm', imageRef: c.imageId, flavorRef: c.flavorId, networks: [{ uuid: netId }] } });
  const s = await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
  const action = (body: unknown, version?: string) => c.call('POST', `/servers/${s.id}/action`, c.demo, body, version);
  assert.equal((await action({ addFloatingIp: { address: fip.ip } })).status, 202);
  const shown = (await c.call('GET', `/os-floating-ips/${fip.id}`, c.demo)).body.floating_ip;
  assert.equal(shown.instance_id, s.id);
  assert.equal(shown.fixed_ip, s.addresses.fipnet[0].addr);
  const floating = (await c.call('GET', `/servers/${s.id}`, c.demo)).body.server.addresses.fipnet.find((a: any) => a['OS-EXT-IPS:type'] === 'floating');
  assert.equal(floating.addr, fip.ip);

  // A second floating IP for the same fixed address is Neutron's conflict, Nova's 400.
  const second = (await c.call('POST', '/os-floating-ips', c.demo, {})).body.floating_ip;
  assert.equal((await action({ addFloatingIp: { address: second.ip } })).status, 400);
  assert.equal((await action({ addFloatingIp: { address: '0.0.0.0' } })).status, 404);
  assert.equal((await action({ addFloatingIp: { address: '' } })).status, 400);
  assert.equal((await action({ addFloatingIp: { address: fip.ip, fixed_address: '10.99.0.1' } })).status, 400);
  assert.equal((await action({ addFloatingIp: { address: fip.ip } }, '2.44')).status, 404);
  assert.equal((await action({ removeFloatingIp: { address: second.ip } })).status, 409);
  assert.equal((await action({ removeFloatingIp: { address: '0.0.0.0' } })).status, 404);
  assert.equal((await action({ removeFloatingIp: { address: fip.ip } })).status, 202);
  assert.equal((await c.call('GET', `/os-floating-ips/${fip.id}`, c.demo)).body.floating_ip.instance_id, null);

  for (const id of [fip.id, second.id]) assert.equal((await c.call('DELETE', `/os-floating-ips/${id}`, c.demo)).status, 202);
  assert.equal((await c.call('GET', `/os-floating-ips/${fip.id}`, c.demo)).status, 404);
  assert.equal((await c.call('DELETE', `/os-floating-ips/${fip.id}`, c.demo)).status, 404);
  assert.equal((await c.call('GET', '/os-floating-ips', c.demo, undefined, '2.36')).status, 404);
  await c.call('DELETE', `/servers/${s.id}`, c.demo);
});

test('openstacksdk: add_floating_ip_to_server and remove_floating_ip_from_server', async (t) => {
  if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
  const made = (await c.call('POST', '/os-floating-ips', c.demo, { pool: 'public' })).body.floating_ip;
  const r = await c.call('POST', '/servers', c.demo, { server: { name: 'sdk-fip', imageRef: c.imageId, flavorRef: c.flavorId, networks: [{ uuid: netId }] } });
  const s = await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
  const out = await python(
    `
import json, openstack
conn = openstack.connect(cloud='scs-demo')
conn.compute.add_floating_ip_to_server('${s.id}', '${made.ip}')
server = conn.compute.get_server('${s.id}')
floating = [a['addr'] for a in server.addresses['fipnet'] if a['OS-EXT-IPS:type'] == 'floating']
conn.compute.remove_floating_ip_from_server('${s.id}', '${made.ip}')
fip = conn.network.get_ip('${made.id}')
print(json.dumps({'floating': floating, 'port': fip.port_id}))
`,
    { OS_CLIENT_CONFIG_FILE: c.cloud.cloudsYaml },
  );
  assert.deepEqual(out, { floating: [made.ip], port: null });
  await c.call('DELETE', `/servers/${s.id}`, c.demo);
  await c.call('DELETE', `/os-floating-ips/${made.id}`, c.demo);
});
