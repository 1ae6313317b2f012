import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from '../helpers/cloud.js';
import { startComputeCloud, type ComputeCloud } from './helpers.js';

let c: ComputeCloud;
let netId: string;
before(async () => {
  c = await startComputeCloud();
  const neutron = (path: string, body: unknown) => api(`${c.cloud.urls.network}/v2.0${path}`, { method: 'POST', token: c.demo, body });
  netId = (await neutron('/networks', { network: { name: 'appnet' } })).body.network.id;
  const sub = await neutron('/subnets', { subnet: { network_id: netId, cidr: '10.20.0.0/24', ip_version: 4, name: 'appsub' } });
  assert.equal(sub.status, 201);
});
after(async () => {
  await c.cloud.close();
});

test('servers on a network: ports, addresses, ip filter, os-interface, security groups; delete releases ports', async () => {
  const r = await c.call('POST', '/servers', c.demo, { server: { name: 'net-vm', imageRef: c.imageId, flavorRef: c.flavorId, networks: [{ uuid: netId }] } }, '2.95');
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const s = await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
  assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
  const addr = s.addresses.appnet[0];
  assert.match(addr.addr, /^10\.20\.0\./);
  assert.equal(addr.version, 4);
  assert.equal(addr['OS-EXT-IPS:type'], 'fixed');
  const byIp = await c.call('GET', `/servers?ip=${addr.addr.replace(/\./g, '\\.')}$`, c.demo);
  assert.deepEqual(byIp.body.servers.map((x: any) => x.id), [s.id]);
  assert.equal((await c.call('GET', '/servers?ip=10.99.', c.demo)).body.servers.length, 0);

  const ifaces = await c.call('GET', `/servers/${s.id}/os-interface`, c.demo);
  assert.equal(ifaces.body.interfaceAttachments.length, 1);
  assert.equal(ifaces.body.interfaceAttachments[0].net_id, netId);
  const added = await c.call('POST', `/servers/${s.id}/os-interface`, c.demo, { interfaceAttachment: { net_id: netId } });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.equal((await c.call('GET', `/servers/${s.id}/os-interface`, c.demo)).body.interfaceAttachments.length, 2);
  assert.equal((await c.call('DELETE', `/servers/${s.id}/os-interface/${added.body.interfaceAttachment.port_id}`, c.demo)).status, 202);
  assert.equal((await c.call('GET', `/servers/${s.id}/os-interface`, c.other)).status, 404);
  const sgs = await c.call('GET', `/servers/${s.id}/os-security-groups`, c.demo);
  assert.deepEqual(sgs.body.security_groups.map((g: any) => g.name), ['default']);
  // Show reports the groups the ports really have: none after removing the last one (tempest).
  assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.demo, { removeSecurityGroup: { name: 'default' } })).status, 202);
  assert.equal((await c.call('GET', `/servers/${s.id}`, c.demo)).body.server.security_groups, undefined);
  assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.demo, { addSecurityGroup: { name: 'default' } })).status, 202);
  assert.deepEqual((await c.call('GET', `/servers/${s.id}`, c.demo)).body.server.security_groups, [{ name: 'default' }]);

  // While it builds, a server shows the groups as they were asked for (Nova, until the compute host
  // binds the ports): OSC sends a group's id and reads it back right after the create.
  const group = await api(`${c.cloud.urls.network}/v2.0/security-groups`, { method: 'POST', token: c.demo, body: { security_group: { name: 'web' } } });
  const latency = (ms: number) => Promise.all(['compute-1', 'compute-2'].map((h) => c.call('POST', `/os-simulator/hosts/${h}/faults`, c.admin, { faults: { latency_ms: ms } })));
  await latency(1500);
  const slow = await c.call('POST', '/servers', c.demo, { server: { name: 'sg-by-id', imageRef: c.imageId, flavorRef: c.flavorId, networks: [{ uuid: netId }], security_groups: [{ name: group.body.security_group.id }] } }, '2.95');
  const building = (await c.call('GET', `/servers/${slow.body.server.id}`, c.demo)).body.server;
  await latency(0);
  assert.equal(building.status, 'BUILD');
  assert.deepEqual(building.security_groups, [{ name: group.body.security_group.id }]);
  await c.waitFor(slow.body.server.id, c.demo, 'ACTIVE');
  assert.deepEqual((await c.call('GET', `/servers/${slow.body.server.id}`, c.demo)).body.server.security_groups, [{ name: 'web' }]);
  assert.equal((await c.call('DELETE', `/servers/${slow.body.server.id}`, c.demo)).status, 204);

  const portId = ifaces.body.interfaceAttachments[0].port_id;
  assert.equal((await c.call('DELETE', `/servers/${s.id}`, c.demo)).status, 204);
  const port = await api(`${c.cloud.urls.network}/v2.0/ports/${portId}`, { token: c.demo });
  assert.equal(port.status, 404);
});

test('network validation: unknown network puts the build into ERROR; auto and none work', async () => {
  const none = await c.call('POST', '/servers', c.demo, { server: { name: 'none-vm', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none' } }, '2.95');
  const s = await c.waitFor(none.body.server.id, c.demo, 'ACTIVE');
  assert.deepEqual(s.addresses, {});
  const auto = await c.call('POST', '/servers', c.demo, { server: { name: 'auto-vm', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'auto' } }, '2.95');
  const a = await c.waitFor(auto.body.server.id, c.demo, 'ACTIVE');
  assert.ok(a.addresses.appnet, JSON.stringify(a));
  const missing = await c.call('POST', '/servers', c.demo, { server: { name: 'lost', imageRef: c.imageId, flavorRef: c.flavorId, networks: [{ uuid: '00000000-0000-0000-0000-000000000001' }] } }, '2.95');
  const m = missing.status === 202 ? await c.waitFor(missing.body.server.id, c.demo, 'ERROR') : undefined;
  assert.ok(missing.status === 400 || m?.status === 'ERROR');
  for (const id of [s.id, a.id, m?.id].filter(Boolean)) await c.call('DELETE', `/servers/${id}`, c.demo);
});

test('networks auto in a project without networks: its auto-allocated topology (Neutron get-me-a-network)', async () => {
  const noTopology = await c.call('POST', '/servers', c.other, { server: { name: 'auto-none', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'auto' } }, '2.95');
  const failed = await c.waitFor(noTopology.body.server.id, c.other, 'ACTIVE');
  assert.equal(failed.status, 'ERROR');
  assert.match(failed.fault.message, /Unable to automatically allocate a network for project/);
  await c.call('DELETE', `/servers/${failed.id}`, c.other);
  const pool = await api(`${c.cloud.urls.network}/v2.0/subnetpools`, { method: 'POST', token: c.admin, body: { subnetpool: { name: 'default-v4', prefixes: ['10.140.0.0/16'], default_prefixlen: 24, shared: true, is_default: true } } });
  assert.equal(pool.status, 201, JSON.stringify(pool.body));
  const made = await c.call('POST', '/servers', c.other, { server: { name: 'auto-gmn', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'auto' } }, '2.95');
  const s = await c.waitFor(made.body.server.id, c.other, 'ACTIVE');
  assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
  assert.match(s.addresses.auto_allocated_network[0].addr, /^10\.140\./);
  await c.call('DELETE', `/servers/${s.id}`, c.other);
  // With a second network of its own, auto is ambiguous: Nova refuses before any build.
  await api(`${c.cloud.urls.network}/v2.0/networks`, { method: 'POST', token: c.other, body: { network: { name: 'second' } } });
  const ambiguous = await c.call('POST', '/servers', c.other, { server: { name: 'auto-2', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'auto' } }, '2.95');
  assert.equal(ambiguous.status, 409);
  assert.equal(ambiguous.body.conflictingRequest.message, 'Multiple possible networks found, use a Network ID to be more specific.');
});

test('os-security-groups proxy (before 2.36): groups and ingress rules in Nova shape', async () => {
  const made = await c.call('POST', '/os-security-groups', c.demo, { security_group: { name: 'web', description: 'web servers' } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const g = made.body.security_group;
  assert.equal(g.name, 'web');
  assert.ok(Array.isArray(g.rules));
  assert.equal((await c.call('POST', '/os-security-groups', c.demo, { security_group: { name: 'x' } })).status, 400);
  const rule = await c.call('POST', '/os-security-group-rules', c.demo, { security_group_rule: { parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/8' } });
  assert.equal(rule.status, 200, JSON.stringify(rule.body));
  assert.deepEqual({ ...rule.body.security_group_rule, id: undefined }, { id: undefined, parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, ip_range: { cidr: '10.0.0.0/8' }, group: {} });
  // The CIDR comes back as given, host bits included (Neutron's remote_ip_prefix; normalized_cidr drops them).
  const hostBits = await c.call('POST', '/os-security-group-rules', c.demo, { security_group_rule: { parent_group_id: g.id, ip_protocol: 'tcp', from_port: 80, to_port: 80, cidr: '10.2.3.124/24' } });
  assert.deepEqual(hostBits.body.security_group_rule.ip_range, { cidr: '10.2.3.124/24' });
  const neutronRule = await api(`${c.cloud.urls.network}/v2.0/security-group-rules/${hostBits.body.security_group_rule.id}`, { token: c.demo });
  assert.equal(neutronRule.body.security_group_rule.normalized_cidr, '10.2.3.0/24');
  const dup = await c.call('POST', '/os-security-group-rules', c.demo, { security_group_rule: { parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/8' } });
  assert.equal(dup.status, 400);
  assert.equal((await c.call('POST', '/os-security-group-rules', c.demo, { security_group_rule: { parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 70000 } })).status, 400);
  assert.equal((await c.call('POST', '/os-security-group-rules', c.demo, { security_group_rule: { parent_group_id: 'not-a-uuid', ip_protocol: 'tcp', from_port: 22, to_port: 22 } })).status, 400);
  const listed = await c.call('GET', '/os-security-groups', c.demo);
  assert.ok(listed.body.security_groups.some((x: any) => x.id === g.id && x.rules.length === 2));
  const upd = await c.call('PUT', `/os-security-groups/${g.id}`, c.demo, { security_group: { name: 'web2', description: 'd' } });
  assert.equal(upd.body.security_group.name, 'web2');
  assert.equal((await c.call('DELETE', `/os-security-group-rules/${rule.body.security_group_rule.id}`, c.demo)).status, 202);
  assert.equal((await c.call('DELETE', `/os-security-groups/${g.id}`, c.demo)).status, 202);
  assert.equal((await c.call('GET', `/os-security-groups/${g.id}`, c.demo)).status, 404);
  assert.equal((await c.call('GET', '/os-security-groups', c.demo, undefined, '2.36')).status, 404);
});

test('a server create naming an unknown security group is 400 at the API', async () => {
  const r = await c.call('POST', '/servers', c.demo, { server: { name: 'sg', imageRef: c.imageId, flavorRef: c.flavorId, networks: [{ uuid: netId }], security_groups: [{ name: 'no-such-group' }] } }, '2.95');
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal((await c.call('GET', '/os-volumes/', c.demo)).status, 404);
});

test("a trunk's sub-ports are bound (ACTIVE) with the parent port a server boots on, and unbound with it", async () => {
  const neutron = (method: string, path: string, body?: unknown) => api(`${c.cloud.urls.network}/v2.0${path}`, { method, token: c.demo, body });
  const parent = (await neutron('POST', '/ports', { port: { network_id: netId, name: 'parent' } })).body.port;
  const sub = (await neutron('POST', '/ports', { port: { network_id: netId, name: 'sub' } })).body.port;
  const trunk = await neutron('POST', '/trunks', { trunk: { port_id: parent.id, sub_ports: [{ port_id: sub.id, segmentation_type: 'vlan', segmentation_id: 42 }] } });
  assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
  const r = await c.call('POST', '/servers', c.demo, { server: { name: 'trunk-vm', imageRef: c.imageId, flavorRef: c.flavorId, networks: [{ port: parent.id }] } }, '2.95');
  const s = await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
  assert.equal((await neutron('GET', `/ports/${parent.id}`)).body.port.status, 'ACTIVE');
  assert.equal((await neutron('GET', `/ports/${sub.id}`)).body.port.status, 'ACTIVE');
  assert.equal((await c.call('DELETE', `/servers/${s.id}`, c.demo)).status, 204);
  assert.equal((await neutron('GET', `/ports/${sub.id}`)).body.port.status, 'DOWN');
  assert.equal((await neutron('DELETE', `/trunks/${trunk.body.trunk.id}`)).status, 204);
});
