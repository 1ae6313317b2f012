import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { faultType, startNetCloud, type NetCloud } from './helpers.js';

describe('network API: address groups (address-group, rbac-address-group, security-groups-remote-address-group)', () => {
  let n: NetCloud;
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('keeps CIDRs as their networks, edits them by add_addresses/remove_addresses, updates name and description', async () => {
    const bad = await n.call('POST', '/v2.0/address-groups', n.demo, { address_group: { name: 'x', addresses: ['10.20.30.40'] } });
    assert.equal(bad.status, 400);
    const ag = await n.create('address-groups', 'address_group', { name: 'ag', description: 'd', addresses: ['10.10.10.3/32', '192.168.0.10/24', '2001:db8::f00/64'] });
    assert.deepEqual(Object.keys(ag).sort(), ['addresses', 'description', 'id', 'name', 'project_id', 'tenant_id']);
    assert.deepEqual([...ag.addresses].sort(), ['10.10.10.3/32', '192.168.0.0/24', '2001:db8::/64']);
    const path = `/v2.0/address-groups/${ag.id}`;
    const added = await n.call('PUT', `${path}/add_addresses`, n.demo, { addresses: ['10.20.30.40/32'] });
    assert.equal(added.status, 200);
    assert.ok(added.body.address_group.addresses.includes('10.20.30.40/32'));
    assert.equal((await n.call('PUT', `${path}/add_addresses`, n.demo, { addresses: ['10.20.30.40'] })).status, 400);
    assert.equal((await n.call('PUT', `${path}/add_addresses`, n.demo, { addresses: ['this is bad'] })).status, 400);
    const missing = await n.call('PUT', `${path}/remove_addresses`, n.demo, { addresses: ['10.200.200.200'] });
    assert.equal(missing.status, 404);
    assert.equal(faultType(missing), 'AddressesNotFound');
    const removed = await n.call('PUT', `${path}/remove_addresses`, n.demo, { addresses: ['10.10.10.3/32'] });
    assert.deepEqual([...removed.body.address_group.addresses].sort(), ['10.20.30.40/32', '192.168.0.0/24', '2001:db8::/64']);
    const updated = await n.call('PUT', path, n.demo, { address_group: { description: 'new' } });
    assert.equal(updated.body.address_group.description, 'new');
    assert.equal((await n.call('PUT', path, n.demo, { address_group: { addresses: [] } })).status, 400);
    assert.equal((await n.call('GET', path, n.other)).status, 404);
    assert.equal((await n.call('DELETE', path, n.demo)).status, 204);
    assert.equal((await n.call('GET', path, n.demo)).status, 404);
  });

  it('shared by RBAC: the target reads and uses it in rules, cannot change it; a used grant stays', async () => {
    const ag = await n.create('address-groups', 'address_group', { name: 'admins', addresses: ['10.1.0.0/16'] }, n.admin);
    assert.equal((await n.call('GET', `/v2.0/address-groups/${ag.id}`, n.demo)).status, 404);
    const grant = await n.create('rbac-policies', 'rbac_policy', { object_type: 'address_group', object_id: ag.id, action: 'access_as_shared', target_tenant: n.demoProjectId }, n.admin);
    assert.equal((await n.call('GET', `/v2.0/address-groups/${ag.id}`, n.demo)).status, 200);
    assert.equal((await n.call('PUT', `/v2.0/address-groups/${ag.id}`, n.demo, { address_group: { name: 'mine' } })).status, 404);
    const reshare = await n.call('POST', '/v2.0/rbac-policies', n.demo, { rbac_policy: { object_type: 'address_group', object_id: ag.id, action: 'access_as_shared', target_tenant: n.otherProjectId } });
    assert.equal(reshare.status, 400);
    const group = await n.create('security-groups', 'security_group', { name: 'uses-ag' });
    const both = await n.call('POST', '/v2.0/security-group-rules', n.demo, { security_group_rule: { security_group_id: group.id, direction: 'ingress', remote_address_group_id: ag.id, remote_ip_prefix: '10.0.0.0/8' } });
    assert.equal(both.status, 400);
    const rule = await n.create('security-group-rules', 'security_group_rule', { security_group_id: group.id, direction: 'ingress', protocol: 'tcp', remote_address_group_id: ag.id });
    assert.equal(rule.remote_address_group_id, ag.id);
    const used = await n.call('DELETE', `/v2.0/rbac-policies/${grant.id}`, n.admin);
    assert.equal(used.status, 409);
    assert.equal(faultType(used), 'RbacPolicyInUse');
    const inUse = await n.call('DELETE', `/v2.0/address-groups/${ag.id}`, n.admin);
    assert.equal(faultType(inUse), 'AddressGroupInUse');
    assert.equal((await n.call('DELETE', `/v2.0/security-group-rules/${rule.id}`, n.demo)).status, 204);
    assert.equal((await n.call('DELETE', `/v2.0/rbac-policies/${grant.id}`, n.admin)).status, 204);
    const other = await n.call('POST', '/v2.0/security-group-rules', n.demo, { security_group_rule: { security_group_id: group.id, direction: 'ingress', remote_address_group_id: ag.id } });
    assert.equal(faultType(other), 'AddressGroupNotFound');
  });
});
