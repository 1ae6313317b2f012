import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addTenant } from '../helpers/cloud.js';
import { faultType, startNetCloud, type NetCloud } from './helpers.js';

// More behaviour neutron-tempest-plugin's API tests found: validation before policy, subnet pool
// prefix operations, security group quotas, network owners' rights over ports on their networks.
describe('network API: Neutron rules found by neutron-tempest-plugin', () => {
  let n: NetCloud;
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('validates a body before the policy check and the lookup', async () => {
    const long = 'z'.repeat(256);
    // QoS policies are admins' to create: a member's over-long name is still a 400.
    assert.equal((await n.call('POST', '/v2.0/qos/policies', n.demo, { policy: { name: long } })).status, 400);
    assert.equal((await n.call('POST', '/v2.0/qos/policies', n.demo, { policy: { name: 'p', tenant_id: long } })).status, 400);
    const policy = await n.create('qos/policies', 'policy', { name: 'admins' }, n.admin);
    assert.equal((await n.call('PUT', `/v2.0/qos/policies/${policy.id}`, n.demo, { policy: { description: long } })).status, 400);
    assert.equal((await n.call('PUT', `/v2.0/qos/policies/${policy.id}`, n.demo, { policy: { name: 'x' } })).status, 404);
    // A read-only attribute is refused before a pool the caller cannot see is looked up.
    const pool = await n.create('subnetpools', 'subnetpool', { name: 'adm', prefixes: ['10.90.0.0/16'] }, n.admin);
    const shared = await n.call('PUT', `/v2.0/subnetpools/${pool.id}`, n.demo, { subnetpool: { shared: true } });
    assert.equal(shared.status, 400);
    const rbac = await n.call('POST', '/v2.0/rbac-policies', n.admin, { rbac_policy: { object_type: 'network', object_id: pool.id, action: 'access_as_shared', target_tenant: '1234'.repeat(100) } });
    assert.equal(rbac.status, 400);
  });

  it('QoS rules of a policy the caller cannot see are 404; policies take tags at /v2.0/policies', async () => {
    const policy = await n.create('qos/policies', 'policy', { name: 'hidden' }, n.admin);
    const rule = await n.create(`qos/policies/${policy.id}/bandwidth_limit_rules`, 'bandwidth_limit_rule', { max_kbps: 1 }, n.admin);
    const path = `/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules/${rule.id}`;
    assert.equal((await n.call('PUT', path, n.demo, { bandwidth_limit_rule: { max_kbps: 2 } })).status, 404);
    assert.equal((await n.call('DELETE', path, n.demo)).status, 404);
    const tags = await n.call('PUT', `/v2.0/policies/${policy.id}/tags`, n.admin, { tags: ['red', 'blue'] });
    assert.equal(tags.status, 200);
    assert.equal((await n.call('PUT', `/v2.0/policies/${policy.id}/tags/green`, n.admin)).status, 201);
    assert.deepEqual((await n.call('GET', `/v2.0/qos/policies/${policy.id}`, n.admin)).body.policy.tags, ['blue', 'green', 'red']);
  });

  it('subnet pools: scope conflicts are 409, scope ids are checked, prefixes in a foreign scope stay', async () => {
    assert.equal((await n.call('POST', '/v2.0/subnetpools', n.demo, { subnetpool: { name: 'x', prefixes: ['10.1.0.0/24'], address_scope_id: 'foo-scope' } })).status, 400);
    const scope = await n.create('address-scopes', 'address_scope', { name: 's', ip_version: 4 });
    await n.create('subnetpools', 'subnetpool', { name: 'a', prefixes: ['20.0.0.0/18'], address_scope_id: scope.id });
    const clash = await n.call('POST', '/v2.0/subnetpools', n.demo, { subnetpool: { name: 'b', prefixes: ['20.0.0.0/12'], address_scope_id: scope.id } });
    assert.equal(clash.status, 409);
    assert.equal(faultType(clash), 'AddressScopePrefixConflict');
    const sharedScope = await n.create('address-scopes', 'address_scope', { name: 'admins', ip_version: 4, shared: true }, n.admin);
    const mine = await n.create('subnetpools', 'subnetpool', { name: 'c', prefixes: ['30.0.0.0/18'] });
    assert.equal((await n.call('PUT', `/v2.0/subnetpools/${mine.id}`, n.admin, { subnetpool: { address_scope_id: sharedScope.id } })).status, 200);
    const grow = await n.call('PUT', `/v2.0/subnetpools/${mine.id}`, n.demo, { subnetpool: { prefixes: ['30.0.0.0/18', '40.0.0.0/18'] } });
    assert.equal(grow.status, 400);
    assert.equal(faultType(grow), 'IllegalSubnetPoolUpdate');
  });

  it('subnet pools: add_prefixes and remove_prefixes answer the compacted pool', async () => {
    const pool = await n.create('subnetpools', 'subnetpool', { name: 'ops', prefixes: ['192.168.1.0/24', '10.10.10.0/24'], min_prefixlen: 16 });
    const added = await n.call('PUT', `/v2.0/subnetpools/${pool.id}/add_prefixes`, n.demo, { prefixes: ['192.168.0.0/24', '10.10.0.0/16'] });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body.prefixes, ['10.10.0.0/16', '192.168.0.0/23']);
    const net = await n.create('networks', 'network', { name: 'pooled' });
    await n.create('subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '192.168.0.0/24', subnetpool_id: pool.id });
    const busy = await n.call('PUT', `/v2.0/subnetpools/${pool.id}/remove_prefixes`, n.demo, { prefixes: ['192.168.0.0/24'] });
    assert.equal(busy.status, 400);
    const removed = await n.call('PUT', `/v2.0/subnetpools/${pool.id}/remove_prefixes`, n.demo, { prefixes: ['10.10.128.0/17'] });
    assert.deepEqual(removed.body.prefixes, ['10.10.0.0/17', '192.168.0.0/23']);
    assert.equal((await n.call('PUT', `/v2.0/subnetpools/${pool.id}/add_prefixes`, n.other, { prefixes: ['10.20.0.0/16'] })).status, 404);
    const ext = (await n.call('GET', '/v2.0/extensions', n.demo)).body.extensions.map((e: { alias: string }) => e.alias);
    for (const alias of ['subnetpool-prefix-ops', 'tag-ports-during-bulk-creation', 'floatingip-pools']) assert.ok(ext.includes(alias), alias);
  });

  it('security groups: IPv6 protocols need IPv6, the default group is made outside the quota, rules must fit', async () => {
    const group = await n.create('security-groups', 'security_group', { name: 'v6' });
    for (const protocol of ['ipv6-icmp', 'ipv6-frag', 58, '43']) {
      const r = await n.call('POST', '/v2.0/security-group-rules', n.demo, { security_group_rule: { security_group_id: group.id, direction: 'ingress', ethertype: 'IPv4', protocol } });
      assert.equal(r.status, 400, String(protocol));
    }
    await n.create('security-group-rules', 'security_group_rule', { security_group_id: group.id, direction: 'ingress', ethertype: 'IPv6', protocol: 'ipv6-icmp' });
    const tenant = await addTenant(n.cloud, 'sgquota');
    const token = await tenant.token();
    const quota = (q: Record<string, unknown>) => n.call('PUT', `/v2.0/quotas/${tenant.projectId}`, n.admin, { quota: q });
    assert.equal((await quota({ security_group: 2147483648 })).status, 400);
    assert.equal((await quota({ security_group: 1 })).status, 200);
    await n.create('security-groups', 'security_group', { name: 'first' }, token);
    const second = await n.call('POST', '/v2.0/security-groups', token, { security_group: { name: 'second' } });
    assert.equal(second.status, 409);
    await quota({ security_group: 10, security_group_rule: 0 });
    const noRules = await n.call('POST', '/v2.0/security-groups', token, { security_group: { name: 'third' } });
    assert.equal(noRules.status, 409);
    assert.match(noRules.body.NeutronError.message, /security_group_rule/);
  });

  it('ports: a network owner sees and deletes other projects\' ports on it, and alone sets address pairs', async () => {
    const net = await n.create('networks', 'network', { name: 'owned' });
    await n.create('subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.55.0.0/24' });
    await n.create('rbac-policies', 'rbac_policy', { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: n.otherProjectId });
    const pairs = [{ ip_address: '1.1.1.1' }];
    const refused = await n.call('POST', '/v2.0/ports', n.other, { port: { network_id: net.id, allowed_address_pairs: pairs } });
    assert.equal(refused.status, 403);
    assert.equal((await n.call('POST', '/v2.0/ports', n.other, { port: { network_id: net.id, port_security_enabled: false } })).status, 403);
    const theirs = await n.create('ports', 'port', { network_id: net.id }, n.other);
    assert.equal((await n.call('PUT', `/v2.0/ports/${theirs.id}`, n.other, { port: { allowed_address_pairs: pairs } })).status, 403);
    assert.ok((await n.call('GET', '/v2.0/ports', n.demo)).body.ports.some((p: { id: string }) => p.id === theirs.id));
    assert.equal((await n.call('PUT', `/v2.0/ports/${theirs.id}`, n.demo, { port: { name: 'mine-now' } })).status, 403);
    // A floating IP takes only ports of its own project.
    const fip = await n.create('floatingips', 'floatingip', { floating_network_id: (await n.call('GET', '/v2.0/networks?name=public', n.demo)).body.networks[0].id });
    const assoc = await n.call('PUT', `/v2.0/floatingips/${fip.id}`, n.demo, { floatingip: { port_id: theirs.id } });
    assert.equal(assoc.status, 400);
    assert.equal((await n.call('DELETE', `/v2.0/ports/${theirs.id}`, n.demo)).status, 204);
    const mine = await n.create('ports', 'port', { network_id: net.id, allowed_address_pairs: pairs });
    assert.equal((await n.call('GET', `/v2.0/ports/${mine.id}`, n.other)).status, 404);
  });

  it('lists floating IP pools: the IPv4 subnets of the external networks', async () => {
    const r = await n.call('GET', '/v2.0/floatingip-pools', n.demo);
    assert.equal(r.status, 200);
    const pub = r.body.floatingip_pools.find((p: { subnet_name: string }) => p.subnet_name === 'public-subnet');
    assert.equal(pub.cidr, '203.0.113.0/24');
    const fip = await n.create('floatingips', 'floatingip', { floating_network_id: pub.network_id, subnet_id: pub.subnet_id });
    assert.match(fip.floating_ip_address, /^203\.0\.113\./);
  });

  it('an RBAC grant goes when another grant still covers the projects that use the object', async () => {
    const policy = await n.create('qos/policies', 'policy', { name: 'granted' }, n.admin);
    const grant = (target: string) => n.create('rbac-policies', 'rbac_policy', { object_type: 'qos_policy', object_id: policy.id, action: 'access_as_shared', target_tenant: target }, n.admin);
    const own = await grant(n.demoProjectId);
    const wild = await grant('*');
    await n.create('networks', 'network', { name: 'qos-user', qos_policy_id: policy.id });
    assert.equal((await n.call('DELETE', `/v2.0/rbac-policies/${own.id}`, n.admin)).status, 204);
    const last = await n.call('DELETE', `/v2.0/rbac-policies/${wild.id}`, n.admin);
    assert.equal(last.status, 409);
    assert.equal(faultType(last), 'RbacPolicyInUse');
  });

  it('a subnet pool in an address scope is shared only with projects that see the scope', async () => {
    const scope = await n.create('address-scopes', 'address_scope', { name: 'private', ip_version: 4 });
    const pool = await n.create('subnetpools', 'subnetpool', { name: 'scoped', prefixes: ['172.30.0.0/16'], address_scope_id: scope.id });
    const share = () => n.call('POST', '/v2.0/rbac-policies', n.demo, { rbac_policy: { object_type: 'subnetpool', object_id: pool.id, action: 'access_as_shared', target_tenant: n.otherProjectId } });
    assert.equal((await share()).status, 400);
    await n.create('rbac-policies', 'rbac_policy', { object_type: 'address_scope', object_id: scope.id, action: 'access_as_shared', target_tenant: n.otherProjectId });
    assert.equal((await share()).status, 201);
  });
});
