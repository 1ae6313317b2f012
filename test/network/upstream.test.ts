import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNetCloud, type NetCloud } from './helpers.js';

/** Behaviours upstream's tempest network tests rely on, one regression check each. */
describe('network: upstream behaviours tempest relies on', () => {
  let n: NetCloud;
  const make = async (kind: string, body: Record<string, unknown>, token = n.demo) => {
    const path = kind === 'rbac_policy' ? 'rbac-policies' : kind === 'address_scope' ? 'address-scopes' : `${kind.replace(/_/g, '-')}s`;
    const r = await n.call('POST', `/v2.0/${path}`, token, { [kind]: body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body[kind];
  };
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('every path takes an optional .json suffix (quota details.json from tempest and python-neutronclient)', async () => {
    const r = await n.call('GET', `/v2.0/quotas/${n.demoProjectId}/details.json`, n.admin);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body.quota.network).sort(), ['limit', 'reserved', 'used']);
    const net = (await n.call('POST', '/v2.0/networks.json', n.demo, { network: { name: 'x.json' } })).body.network;
    assert.equal(net.name, 'x.json');
    assert.equal((await n.call('GET', `/v2.0/networks/${net.id}.json`, n.demo)).body.network.id, net.id);
    const listed = await n.call('GET', '/v2.0/networks.json?name=x.json', n.demo);
    assert.deepEqual(listed.body.networks.map((x: { id: string }) => x.id), [net.id]);
    assert.equal((await n.call('DELETE', `/v2.0/networks/${net.id}.json`, n.demo)).status, 204);
  });

  it('agents and service providers: agents hidden from members, 404 for an unknown agent id, the one router provider', async () => {
    assert.deepEqual((await n.call('GET', '/v2.0/agents', n.demo)).body, { agents: [] });
    const one = await n.call('GET', '/v2.0/agents/00000000-0000-0000-0000-000000000000', n.admin);
    assert.equal(one.status, 404);
    assert.equal(one.body.NeutronError.type, 'AgentNotFound');
    assert.deepEqual((await n.call('GET', '/v2.0/service-providers', n.demo)).body, { service_providers: [{ service_type: 'L3_ROUTER_NAT', name: 'single_node', default: true }] });
  });

  it('routes: null clears the extra routes of a router', async () => {
    const router = await make('router', { name: 'r' });
    const net = await make('network', { name: 'routed' });
    const sub = await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.66.0.0/24' });
    assert.equal((await n.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, n.demo, { subnet_id: sub.id })).status, 200);
    const set = await n.call('PUT', `/v2.0/routers/${router.id}`, n.demo, { router: { routes: [{ destination: '10.67.0.0/24', nexthop: '10.66.0.2' }] } });
    assert.equal(set.body.router.routes.length, 1);
    const cleared = await n.call('PUT', `/v2.0/routers/${router.id}`, n.demo, { router: { routes: null } });
    assert.equal(cleared.status, 200);
    assert.deepEqual(cleared.body.router.routes, []);
  });

  it('deleting an external network takes its unassociated floating IPs along', async () => {
    const ext = await make('network', { name: 'ext', 'router:external': true }, n.admin);
    await make('subnet', { network_id: ext.id, ip_version: 4, cidr: '198.51.100.0/24' }, n.admin);
    const fip = await make('floatingip', { floating_network_id: ext.id }, n.admin);
    assert.equal((await n.call('DELETE', `/v2.0/networks/${ext.id}`, n.admin)).status, 204);
    assert.equal((await n.call('GET', `/v2.0/floatingips/${fip.id}`, n.admin)).status, 404);
    assert.equal((await n.call('GET', `/v2.0/ports?device_id=${fip.id}`, n.admin)).body.ports.length, 0);
  });

  it('an auto-address IPv6 subnet is deleted with ports on it; the network then stays in use', async () => {
    const net = await make('network', { name: 'slaac' });
    const v6 = await make('subnet', { network_id: net.id, ip_version: 6, cidr: '2001:db8:5::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    const port = await make('port', { network_id: net.id });
    assert.equal(port.fixed_ips[0].subnet_id, v6.id);
    assert.equal((await n.call('DELETE', `/v2.0/subnets/${v6.id}`, n.demo)).status, 204);
    assert.deepEqual((await n.call('GET', `/v2.0/ports/${port.id}`, n.demo)).body.port.fixed_ips, []);
    const busy = await n.call('DELETE', `/v2.0/networks/${net.id}`, n.demo);
    assert.equal(busy.status, 409);
    assert.match(busy.body.NeutronError.message, /There are one or more ports still in use on the network/);
  });

  it('extra_dhcp_opts: set on create, merged on update by name and IP version, null removes', async () => {
    const net = await make('network', { name: 'pxe' });
    await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.77.0.0/24' });
    const opts = [{ opt_name: 'bootfile-name', opt_value: 'pxelinux.0' }, { opt_name: 'tftp-server', opt_value: '2015::dead', ip_version: 6 }];
    const port = await make('port', { network_id: net.id, extra_dhcp_opts: opts });
    assert.deepEqual(port.extra_dhcp_opts, [
      { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
      { opt_name: 'tftp-server', opt_value: '2015::dead', ip_version: 6 },
    ]);
    const upd = await n.call('PUT', `/v2.0/ports/${port.id}`, n.demo, {
      port: { extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: null }, { opt_name: 'tftp-server', opt_value: '2015::beef', ip_version: 6 }, { opt_name: 'mtu', opt_value: '1400' }] },
    });
    assert.equal(upd.status, 200);
    assert.deepEqual(upd.body.port.extra_dhcp_opts, [
      { opt_name: 'tftp-server', opt_value: '2015::beef', ip_version: 6 },
      { opt_name: 'mtu', opt_value: '1400', ip_version: 4 },
    ]);
    const regenerated = await n.call('PUT', `/v2.0/ports/${port.id}`, n.admin, { port: { mac_address: null } });
    assert.equal(regenerated.status, 200, 'mac_address: null regenerates (port-mac-address-regenerate)');
    assert.match(regenerated.body.port.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.notEqual(regenerated.body.port.mac_address, port.mac_address);
    const bad = await n.call('POST', '/v2.0/ports', n.demo, { port: { network_id: net.id, extra_dhcp_opts: [{ opt_value: 'x' }] } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.NeutronError);
  });

  it('RBAC shares a security group: the target project sees it as shared, uses it on ports by id, cannot change it', async () => {
    const sg = await make('security_group', { name: 'web' });
    const net = await make('network', { name: 'for-other', project_id: n.otherProjectId }, n.admin);
    await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.88.0.0/24', project_id: n.otherProjectId }, n.admin);
    assert.equal((await n.call('GET', `/v2.0/security-groups/${sg.id}`, n.other)).status, 404);
    const bad = await n.call('POST', '/v2.0/rbac-policies', n.demo, { rbac_policy: { object_type: 'security_group', object_id: sg.id, action: 'access_as_external', target_tenant: n.otherProjectId } });
    assert.equal(bad.status, 400);
    const rbac = await make('rbac_policy', { object_type: 'security_group', object_id: sg.id, action: 'access_as_shared', target_tenant: n.otherProjectId });
    const seen = await n.call('GET', `/v2.0/security-groups/${sg.id}`, n.other);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.security_group.shared, true);
    assert.equal((await n.call('GET', `/v2.0/security-groups/${sg.id}`, n.demo)).body.security_group.shared, false);
    assert.ok((await n.call('GET', '/v2.0/security-groups', n.other)).body.security_groups.some((g: { id: string }) => g.id === sg.id));
    assert.equal((await n.call('PUT', `/v2.0/security-groups/${sg.id}`, n.other, { security_group: { name: 'mine' } })).status, 403);
    const rule = await n.call('POST', '/v2.0/security-group-rules', n.other, { security_group_rule: { security_group_id: sg.id, direction: 'ingress' } });
    assert.equal(rule.status, 404);
    const port = await make('port', { network_id: net.id, security_groups: [sg.id] }, n.other);
    assert.deepEqual(port.security_groups, [sg.id]);
    const inUse = await n.call('DELETE', `/v2.0/rbac-policies/${rbac.id}`, n.demo);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.type, 'RbacPolicyInUse');
    assert.equal((await n.call('DELETE', `/v2.0/ports/${port.id}`, n.other)).status, 204);
    assert.equal((await n.call('DELETE', `/v2.0/rbac-policies/${rbac.id}`, n.demo)).status, 204);
    assert.equal((await n.call('GET', `/v2.0/security-groups/${sg.id}`, n.other)).status, 404);
  });

  it('RBAC shares a subnet pool: the target project allocates from it; the grant stays while used', async () => {
    const pool = await make('subnetpool', { name: 'team', prefixes: ['10.200.0.0/16'], default_prefixlen: 24 });
    const net = await make('network', { name: 'pooled' }, n.other);
    const denied = await n.call('POST', '/v2.0/subnets', n.other, { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: pool.id } });
    assert.equal(denied.status, 404);
    const rbac = await make('rbac_policy', { object_type: 'subnetpool', object_id: pool.id, action: 'access_as_shared', target_tenant: n.otherProjectId });
    assert.equal((await n.call('GET', `/v2.0/subnetpools/${pool.id}`, n.other)).body.subnetpool.shared, true);
    const sub = await make('subnet', { network_id: net.id, ip_version: 4, subnetpool_id: pool.id }, n.other);
    assert.equal(sub.cidr, '10.200.0.0/24');
    assert.equal((await n.call('DELETE', `/v2.0/rbac-policies/${rbac.id}`, n.demo)).body.NeutronError.type, 'RbacPolicyInUse');
    assert.equal((await n.call('DELETE', `/v2.0/subnets/${sub.id}`, n.other)).status, 204);
    assert.equal((await n.call('DELETE', `/v2.0/rbac-policies/${rbac.id}`, n.demo)).status, 204);
  });

  it('address scopes: pools of one scope never overlap, networks show the scope of their pools, RBAC shares them', async () => {
    const scope = await make('address_scope', { name: 'corp', ip_version: 4 });
    assert.deepEqual(Object.keys(scope).sort(), ['id', 'ip_version', 'name', 'project_id', 'shared', 'tenant_id']);
    const wrong = await n.call('POST', '/v2.0/subnetpools', n.demo, { subnetpool: { name: 'v6', prefixes: ['2001:db8:100::/48'], address_scope_id: scope.id } });
    assert.equal(wrong.body.NeutronError.type, 'IllegalSubnetPoolAssociationToAddressScope');
    const pool = await make('subnetpool', { name: 'a', prefixes: ['10.210.0.0/16'], default_prefixlen: 24, address_scope_id: scope.id });
    assert.equal(pool.address_scope_id, scope.id);
    const clash = await n.call('POST', '/v2.0/subnetpools', n.demo, { subnetpool: { name: 'b', prefixes: ['10.210.128.0/17'], address_scope_id: scope.id } });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.NeutronError.type, 'AddressScopePrefixConflict');
    const net = await make('network', { name: 'scoped' });
    await make('subnet', { network_id: net.id, ip_version: 4, subnetpool_id: pool.id });
    const shown = (await n.call('GET', `/v2.0/networks/${net.id}`, n.demo)).body.network;
    assert.equal(shown.ipv4_address_scope, scope.id);
    assert.equal(shown.ipv6_address_scope, null);
    const busy = await n.call('DELETE', `/v2.0/address-scopes/${scope.id}`, n.demo);
    assert.equal(busy.status, 409);
    assert.equal(busy.body.NeutronError.type, 'AddressScopeInUse');
    assert.equal((await n.call('GET', `/v2.0/address-scopes/${scope.id}`, n.other)).body.NeutronError.type, 'AddressScopeNotFound');
    // Sharing with every project ('*') is for admins (create_rbac_policy:target_tenant); a member shares with one.
    await make('rbac_policy', { object_type: 'address_scope', object_id: scope.id, action: 'access_as_shared', target_tenant: n.otherProjectId });
    assert.equal((await n.call('GET', `/v2.0/address-scopes/${scope.id}`, n.other)).body.address_scope.shared, true);
    assert.equal((await n.call('PUT', `/v2.0/address-scopes/${scope.id}`, n.demo, { address_scope: { shared: true } })).status, 403);
    assert.equal((await n.call('PUT', `/v2.0/address-scopes/${scope.id}`, n.demo, { address_scope: { name: 'corp2' } })).body.address_scope.name, 'corp2');
  });

  it('QoS: admins manage policies and rules, projects attach visible policies, in-use policies stay', async () => {
    const denied = await n.call('POST', '/v2.0/qos/policies', n.demo, { policy: { name: 'mine' } });
    assert.equal(denied.status, 403);
    const policy = (await n.call('POST', '/v2.0/qos/policies', n.admin, { policy: { name: 'gold', shared: true } })).body.policy;
    assert.equal(policy.shared, true);
    const url = `/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules`;
    const rule = await n.call('POST', url, n.admin, { bandwidth_limit_rule: { max_kbps: 10000, max_burst_kbps: 800 } });
    assert.equal(rule.status, 201);
    assert.deepEqual(rule.body.bandwidth_limit_rule, { id: rule.body.bandwidth_limit_rule.id, max_kbps: 10000, max_burst_kbps: 800, direction: 'egress' });
    assert.equal((await n.call('POST', url, n.admin, { bandwidth_limit_rule: { max_kbps: 1 } })).body.NeutronError.type, 'QoSRulesConflict');
    assert.equal((await n.call('POST', url, n.admin, { bandwidth_limit_rule: { max_kbps: 1, direction: 'ingress' } })).status, 201);
    const dscp = await n.call('POST', `/v2.0/qos/policies/${policy.id}/dscp_marking_rules`, n.admin, { dscp_marking_rule: { dscp_mark: 7 } });
    assert.equal(dscp.status, 400);
    const upd = await n.call('PUT', `${url}/${rule.body.bandwidth_limit_rule.id}`, n.admin, { bandwidth_limit_rule: { max_kbps: 20000 } });
    assert.equal(upd.body.bandwidth_limit_rule.max_kbps, 20000);
    assert.equal(upd.body.bandwidth_limit_rule.max_burst_kbps, 800);
    const shown = (await n.call('GET', `/v2.0/qos/policies/${policy.id}`, n.demo)).body.policy;
    assert.equal(shown.rules.length, 2);
    assert.equal(shown.rules[0].type, 'bandwidth_limit');
    assert.deepEqual((await n.call('GET', '/v2.0/qos/rule-types', n.demo)).body.rule_types.map((t: { type: string }) => t.type).sort(), ['bandwidth_limit', 'dscp_marking', 'minimum_bandwidth', 'minimum_packet_rate']);
    const net = await make('network', { name: 'qos', qos_policy_id: policy.id });
    assert.equal(net.qos_policy_id, policy.id);
    const port = await make('port', { network_id: net.id, qos_policy_id: policy.id });
    assert.equal(port.qos_policy_id, policy.id);
    const busy = await n.call('DELETE', `/v2.0/qos/policies/${policy.id}`, n.admin);
    assert.equal(busy.status, 409);
    assert.equal(busy.body.NeutronError.type, 'QosPolicyInUse');
    const hidden = (await n.call('POST', '/v2.0/qos/policies', n.admin, { policy: { name: 'private' } })).body.policy;
    assert.equal((await n.call('PUT', `/v2.0/ports/${port.id}`, n.demo, { port: { qos_policy_id: hidden.id } })).body.NeutronError.type, 'QosPolicyNotFound');
    assert.equal((await n.call('PUT', `/v2.0/ports/${port.id}`, n.demo, { port: { qos_policy_id: null } })).body.port.qos_policy_id, null);
    assert.equal((await n.call('PUT', `/v2.0/networks/${net.id}`, n.demo, { network: { qos_policy_id: null } })).body.network.qos_policy_id, null);
    assert.equal((await n.call('DELETE', `/v2.0/qos/policies/${policy.id}`, n.admin)).status, 204);
  });

  it('trunks: a parent port carries VLAN sub-ports (trunk_details); parents and sub-ports are guarded', async () => {
    const net = await make('network', { name: 'trunked' });
    await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.90.0.0/24' });
    const [parent, sub1, sub2] = [await make('port', { network_id: net.id }), await make('port', { network_id: net.id }), await make('port', { network_id: net.id })];
    const trunk = await make('trunk', { name: 't', port_id: parent.id, sub_ports: [{ port_id: sub1.id, segmentation_type: 'vlan', segmentation_id: 100 }] });
    assert.equal(trunk.status, 'DOWN');
    assert.deepEqual(trunk.sub_ports, [{ port_id: sub1.id, segmentation_type: 'vlan', segmentation_id: 100 }]);
    assert.equal((await n.call('GET', `/v2.0/ports/${sub1.id}`, n.demo)).body.port.device_owner, 'trunk:subport');
    const again = await n.call('POST', '/v2.0/trunks', n.demo, { trunk: { port_id: parent.id } });
    assert.equal(again.body.NeutronError.type, 'TrunkPortInUse');
    const dupVlan = await n.call('PUT', `/v2.0/trunks/${trunk.id}/add_subports`, n.demo, { sub_ports: [{ port_id: sub2.id, segmentation_type: 'vlan', segmentation_id: 100 }] });
    assert.equal(dupVlan.body.NeutronError.type, 'DuplicateSubPort');
    const added = await n.call('PUT', `/v2.0/trunks/${trunk.id}/add_subports`, n.demo, { sub_ports: [{ port_id: sub2.id, segmentation_type: 'vlan', segmentation_id: 200 }] });
    assert.equal(added.body.sub_ports.length, 2);
    assert.equal((await n.call('GET', `/v2.0/trunks/${trunk.id}/get_subports`, n.demo)).body.sub_ports.length, 2);
    const details = (await n.call('GET', `/v2.0/ports/${parent.id}`, n.demo)).body.port.trunk_details;
    assert.equal(details.trunk_id, trunk.id);
    assert.deepEqual(details.sub_ports[1], { port_id: sub2.id, segmentation_type: 'vlan', segmentation_id: 200, mac_address: sub2.mac_address });
    assert.equal((await n.call('GET', `/v2.0/ports?id=${sub1.id}`, n.demo)).body.ports[0].trunk_details, undefined);
    assert.equal((await n.call('DELETE', `/v2.0/ports/${parent.id}`, n.demo)).body.NeutronError.type, 'PortInUseAsTrunkParent');
    assert.equal((await n.call('DELETE', `/v2.0/ports/${sub2.id}`, n.demo)).body.NeutronError.type, 'PortInUseAsSubPort');
    const removed = await n.call('PUT', `/v2.0/trunks/${trunk.id}/remove_subports`, n.demo, { sub_ports: [{ port_id: sub2.id }] });
    assert.deepEqual(removed.body.sub_ports.map((x: { port_id: string }) => x.port_id), [sub1.id]);
    assert.equal((await n.call('GET', `/v2.0/ports/${sub2.id}`, n.demo)).body.port.device_owner, '');
    assert.equal((await n.call('PUT', `/v2.0/trunks/${trunk.id}/remove_subports`, n.demo, { sub_ports: [{ port_id: sub2.id }] })).body.NeutronError.type, 'SubPortNotFound');
    assert.equal((await n.call('GET', `/v2.0/trunks/${trunk.id}`, n.other)).body.NeutronError.type, 'TrunkNotFound');
    assert.equal((await n.call('DELETE', `/v2.0/trunks/${trunk.id}`, n.demo)).status, 204);
    assert.equal((await n.call('DELETE', `/v2.0/ports/${parent.id}`, n.demo)).status, 204);
  });
});
