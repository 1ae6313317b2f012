import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNetCloud, type NetCloud } from './helpers.js';

// Behaviour neutron-tempest-plugin's API tests rely on.
describe('network API: neutron-tempest-plugin compatibility', () => {
  let n: NetCloud;
  const make = async (kind: string, body: Record<string, unknown>, token = n.demo) => {
    const r = await n.call('POST', `/v2.0/${kind}s`, token, { [kind.replace(/-/g, '_')]: body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body[kind.replace(/-/g, '_')];
  };
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('reads a body without Content-Type as JSON', async () => {
    const net = await make('network', { name: 'plain' });
    const res = await fetch(n.url(`/v2.0/networks/${net.id}`), { method: 'PUT', headers: { 'x-auth-token': n.demo }, body: new TextEncoder().encode(JSON.stringify({ network: { name: 'renamed' } })) });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).network.name, 'renamed');
  });

  it('filters subnets by their network being shared, without showing the attribute', async () => {
    const own = await make('network', { name: 'own' });
    const ownSub = await make('subnet', { network_id: own.id, cidr: '10.77.0.0/24' });
    const shared = await make('network', { name: 'shared', shared: true }, n.admin);
    const sharedSub = await make('subnet', { network_id: shared.id, cidr: '10.78.0.0/24' }, n.admin);
    const ids = async (q: string) => (await n.call('GET', `/v2.0/subnets?${q}`, n.demo)).body.subnets.map((s: { id: string }) => s.id);
    assert.ok((await ids('shared=True')).includes(sharedSub.id));
    assert.ok(!(await ids('shared=True')).includes(ownSub.id));
    assert.ok((await ids('shared=False')).includes(ownSub.id));
    assert.ok(!(await ids('shared=False')).includes(sharedSub.id));
    const listed = (await n.call('GET', '/v2.0/subnets', n.demo)).body.subnets;
    assert.ok(listed.every((s: object) => !('shared' in s)));
  });

  it('takes bulk items wrapped in their singular key', async () => {
    const r = await n.call('POST', '/v2.0/security-groups', n.demo, { security_groups: [{ security_group: { name: 'b1' } }, { security_group: { name: 'b2' } }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.security_groups.map((g: { name: string }) => g.name), ['b1', 'b2']);
  });

  it('defaults a subnet pool default_prefixlen to the given min_prefixlen', async () => {
    const pool = await make('subnetpool', { name: 'p', prefixes: ['10.11.12.0/24'], min_prefixlen: 29 });
    assert.equal(pool.min_prefixlen, 29);
    assert.equal(pool.default_prefixlen, 29);
  });

  it('RBAC: wildcard grants are for admins, a seen but foreign object is 400, grants go with their object', async () => {
    const net = await make('network', { name: 'mine' });
    const wild = await n.call('POST', '/v2.0/rbac-policies', n.demo, { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: '*' } });
    assert.equal(wild.status, 403);
    // Neutron does not check that the target project exists.
    const unknown = await n.call('POST', '/v2.0/rbac-policies', n.demo, { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: 'f'.repeat(32) } });
    assert.equal(unknown.status, 201, JSON.stringify(unknown.body));
    const grant = (await n.call('POST', '/v2.0/rbac-policies', n.demo, { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: n.otherProjectId } })).body.rbac_policy;
    const foreign = await n.call('POST', '/v2.0/rbac-policies', n.other, { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: n.otherProjectId } });
    assert.equal(foreign.status, 400);
    const hidden = await make('network', { name: 'hidden' });
    const unseen = await n.call('POST', '/v2.0/rbac-policies', n.other, { rbac_policy: { object_type: 'network', object_id: hidden.id, action: 'access_as_shared', target_tenant: n.otherProjectId } });
    assert.equal(unseen.status, 404);
    const toWild = await n.call('PUT', `/v2.0/rbac-policies/${grant.id}`, n.demo, { rbac_policy: { target_tenant: '*' } });
    assert.equal(toWild.status, 403);
    const group = await make('security-group', { name: 'g' });
    const sgGrant = (await n.call('POST', '/v2.0/rbac-policies', n.demo, { rbac_policy: { object_type: 'security_group', object_id: group.id, action: 'access_as_shared', target_tenant: n.otherProjectId } })).body.rbac_policy;
    assert.equal((await n.call('DELETE', `/v2.0/security-groups/${group.id}`, n.demo)).status, 204);
    assert.equal((await n.call('GET', `/v2.0/rbac-policies/${sgGrant.id}`, n.demo)).status, 404);
  });

  it('counts IPv6 addresses exactly', async () => {
    const net = await make('network', { name: 'v6' });
    await make('subnet', { network_id: net.id, cidr: '2001:db8:1::/64', ip_version: 6 });
    const res = await fetch(n.url(`/v2.0/network-ip-availabilities/${net.id}`), { headers: { 'x-auth-token': n.admin } });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /"total_ips":18446744073709551614\b/);
    const list = await n.call('GET', '/v2.0/network-ip-availabilities?sort_key=total_ips', n.admin);
    assert.equal(list.status, 200);
  });

  it('an RBAC grant bumps the revision of its network', async () => {
    const net = await make('network', { name: 'rev' });
    const grant = await n.call('POST', '/v2.0/rbac-policies', n.demo, { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: n.otherProjectId } });
    assert.equal(grant.status, 201);
    const after = (await n.call('GET', `/v2.0/networks/${net.id}`, n.demo)).body.network;
    assert.ok(after.revision_number > net.revision_number);
  });

  it('refuses an MTU above the overlay maximum, a foreign project_id (400) and a malformed interface port id', async () => {
    const big = await n.call('POST', '/v2.0/networks', n.demo, { network: { name: 'big', mtu: 1501 } });
    assert.equal(big.status, 400);
    const foreign = await n.call('POST', '/v2.0/networks', n.demo, { network: { name: 'f', project_id: n.otherProjectId } });
    assert.equal(foreign.status, 400);
    assert.match(foreign.body.NeutronError.message, /requires admin privileges/);
    const router = await make('router', { name: 'r' });
    const bad = await n.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, n.demo, { port_id: 'port-nope' });
    assert.equal(bad.status, 400);
  });

  it('updates a port dns_domain; an empty floating IP update disassociates', async () => {
    const net = await make('network', { name: 'dns' });
    await make('subnet', { network_id: net.id, cidr: '10.79.0.0/24' });
    const port = await make('port', { network_id: net.id, dns_domain: 'a.org.' });
    const upd = await n.call('PUT', `/v2.0/ports/${port.id}`, n.demo, { port: { dns_domain: 'b.org.' } });
    assert.equal(upd.status, 200, JSON.stringify(upd.body));
    assert.equal(upd.body.port.dns_domain, 'b.org.');
    const router = await make('router', { name: 'gw' });
    const publicId = (await n.call('GET', '/v2.0/networks?name=public', n.demo)).body.networks[0].id;
    await n.call('PUT', `/v2.0/routers/${router.id}`, n.demo, { router: { external_gateway_info: { network_id: publicId } } });
    await n.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, n.demo, { subnet_id: port.fixed_ips[0].subnet_id });
    const fip = await make('floatingip', { floating_network_id: publicId, port_id: port.id });
    assert.equal(fip.port_id, port.id);
    const blank = await n.call('PUT', `/v2.0/floatingips/${fip.id}`, n.demo, { floatingip: {} });
    assert.equal(blank.status, 200);
    assert.equal(blank.body.floatingip.port_id, null);
  });

  it('a subnet with a cidr from a pool keeps the pool; a port names a group once', async () => {
    const pool = await make('subnetpool', { name: 'cp', prefixes: ['10.90.0.0/16'], min_prefixlen: 24 });
    const net = await make('network', { name: 'pooled' });
    const sub = await make('subnet', { network_id: net.id, cidr: '10.90.5.0/24', subnetpool_id: pool.id, ip_version: 4 });
    assert.equal(sub.subnetpool_id, pool.id);
    const outside = await n.call('POST', '/v2.0/subnets', n.demo, { subnet: { network_id: net.id, cidr: '10.91.0.0/24', subnetpool_id: pool.id, ip_version: 4 } });
    assert.equal(outside.status, 400);
    const port = await make('port', { network_id: net.id });
    const group = await make('security-group', { name: 'twice' });
    const twice = await n.call('PUT', `/v2.0/ports/${port.id}`, n.demo, { port: { security_groups: [group.id, group.id] } });
    assert.equal(twice.status, 400);
  });

  it('trunks: sub-port requests are checked before lookups; a disabled trunk cannot change', async () => {
    const net = await make('network', { name: 'trunked' });
    await make('subnet', { network_id: net.id, cidr: '10.92.0.0/24' });
    const parent = await make('port', { network_id: net.id });
    const missingType = await n.call('POST', '/v2.0/trunks', n.demo, { trunk: { port_id: parent.id, sub_ports: [{ port_id: parent.id, segmentation_id: 3 }] } });
    assert.equal(missingType.status, 400);
    const twice = [1, 2].map(() => ({ port_id: parent.id, segmentation_type: 'vlan', segmentation_id: 2 }));
    const dup = await n.call('POST', '/v2.0/trunks', n.demo, { trunk: { port_id: 'f'.repeat(32), sub_ports: twice } });
    assert.equal(dup.status, 400);
    const trunk = await make('trunk', { port_id: parent.id, admin_state_up: false });
    const del = await n.call('DELETE', `/v2.0/trunks/${trunk.id}`, n.demo);
    assert.equal(del.status, 409);
    assert.equal(del.body.NeutronError.type, 'TrunkDisabled');
    await n.call('PUT', `/v2.0/trunks/${trunk.id}`, n.demo, { trunk: { admin_state_up: true } });
    assert.equal((await n.call('DELETE', `/v2.0/trunks/${trunk.id}`, n.demo)).status, 204);
  });
});
