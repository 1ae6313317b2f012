import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNetCloud, type NetCloud } from './helpers.js';

describe('network API', () => {
  let n: NetCloud;
  let publicId: string;
  const demo = (method: string, path: string, body?: unknown) => n.call(method, path, n.demo, body);
  const make = async (kind: string, body: Record<string, unknown>, token = n.demo) => {
    const r = await n.call('POST', `/v2.0/${kind}s`, token, { [kind.replace(/-/g, '_')]: body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body[kind.replace(/-/g, '_')];
  };
  before(async () => {
    n = await startNetCloud();
    publicId = (await demo('GET', '/v2.0/networks?name=public')).body.networks[0].id;
  });
  after(async () => n?.cloud.close());

  it('discovers versions and lists the implemented extensions', async () => {
    const root = await n.call('GET', '/', '');
    assert.equal(root.status, 200);
    assert.equal(root.body.versions[0].id, 'v2.0');
    const ext = await demo('GET', '/v2.0/extensions');
    const aliases = ext.body.extensions.map((e: { alias: string }) => e.alias);
    for (const a of ['security-group', 'router', 'external-net', 'extraroute', 'standard-attr-tag', 'quotas', 'port-security', 'dns-integration', 'security-groups-default-rules', 'rbac-policies', 'pagination', 'sorting']) {
      assert.ok(aliases.includes(a), a);
    }
    for (const e of ext.body.extensions) assert.deepEqual(Object.keys(e).sort(), ['alias', 'description', 'links', 'name', 'updated']);
    assert.equal((await demo('GET', '/v2.0/extensions/router')).body.extension.alias, 'router');
    const missing = await demo('GET', '/v2.0/extensions/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'ExtensionNotFound');
  });

  it('bootstraps the shared external network public with a TEST-NET-3 subnet', async () => {
    const pub = (await demo('GET', `/v2.0/networks/${publicId}`)).body.network;
    assert.equal(pub.shared, true);
    assert.equal(pub['router:external'], true);
    const sub = (await demo('GET', `/v2.0/subnets/${pub.subnets[0]}`)).body.subnet;
    assert.equal(sub.name, 'public-subnet');
    assert.equal(sub.cidr, '203.0.113.0/24');
    assert.equal(pub['provider:network_type'], undefined, 'provider attributes are for admins');
    const asAdmin = (await n.call('GET', `/v2.0/networks/${publicId}`, n.admin)).body.network;
    assert.equal(asAdmin['provider:network_type'], 'flat');
  });

  it('networks: create, show, update, provider attributes for admins only, delete', async () => {
    const net = await make('network', { name: 'a', mtu: 1400, dns_domain: 'example.org.' });
    assert.equal(net.status, 'ACTIVE');
    assert.equal(net.mtu, 1400);
    assert.equal(net.revision_number, 1);
    const denied = await demo('POST', '/v2.0/networks', { network: { name: 'x', 'provider:network_type': 'vlan' } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.NeutronError.type, 'PolicyNotAuthorized');
    const shared = await demo('POST', '/v2.0/networks', { network: { name: 'x', shared: true } });
    assert.equal(shared.status, 403);
    const vlan = await make('network', { name: 'v', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet2', 'provider:segmentation_id': 42 }, n.admin);
    assert.equal(vlan['provider:segmentation_id'], 42);
    const upd = await demo('PUT', `/v2.0/networks/${net.id}`, { network: { name: 'a2' } });
    assert.equal(upd.body.network.name, 'a2');
    assert.equal(upd.body.network.revision_number, 2);
    const gone = await demo('GET', '/v2.0/networks/00000000-0000-0000-0000-000000000000');
    assert.deepEqual(gone.body, { NeutronError: { type: 'NetworkNotFound', message: 'Network 00000000-0000-0000-0000-000000000000 could not be found.', detail: '' } });
    assert.equal((await demo('DELETE', `/v2.0/networks/${net.id}`)).status, 204);
    assert.equal((await n.call('DELETE', `/v2.0/networks/${vlan.id}`, n.admin)).status, 204);
  });

  it('subnets: default gateway and pools, validation, IPv6 SLAAC with EUI-64 addresses', async () => {
    const net = await make('network', { name: 'subnets' });
    const s = await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.2.0.0/24', gateway_ip: '10.2.0.254', host_routes: [{ destination: '10.9.0.0/16', nexthop: '10.2.0.9' }] });
    assert.deepEqual(s.allocation_pools, [{ start: '10.2.0.1', end: '10.2.0.253' }]);
    const bad = [
      [{ cidr: '10.2.0.0/25' }, 400, 'InvalidInput'],
      [{ cidr: '10.3.0.1' }, 400, 'HTTPBadRequest'],
      [{ cidr: '10.4.0.0/24', gateway_ip: '10.4.0.255' }, 400, 'InvalidInput'],
      [{ cidr: '10.4.0.0/24', allocation_pools: [{ start: '10.4.0.10', end: '10.4.1.5' }] }, 400, 'OutOfBoundsAllocationPool'],
      [{ cidr: '10.4.0.0/24', allocation_pools: [{ start: '10.4.0.1', end: '10.4.0.20' }] }, 409, 'GatewayConflictWithAllocationPools'],
      [{ cidr: '10.4.0.0/24', allocation_pools: [{ start: '10.4.0.10', end: '10.4.0.20' }, { start: '10.4.0.15', end: '10.4.0.30' }] }, 409, 'OverlappingAllocationPools'],
      [{ cidr: '2001:db8::/64' }, 400, 'InvalidInput'],
    ] as const;
    for (const [body, status, type] of bad) {
      const r = await demo('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, ...body } });
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.NeutronError.type, type, JSON.stringify(r.body));
    }
    assert.equal((await demo('GET', `/v2.0/networks/${net.id}`)).body.network.revision_number, 2, 'a new subnet is a new network revision');
    // A gateway outside the subnet is Neutron's to allow (the router may sit on another segment).
    assert.equal((await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.7.0.0/24', gateway_ip: '10.5.0.1' })).gateway_ip, '10.5.0.1');
    const nogw = await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.6.0.0/29', gateway_ip: null });
    assert.equal(nogw.gateway_ip, null);
    assert.deepEqual(nogw.allocation_pools, [{ start: '10.6.0.1', end: '10.6.0.6' }]);
    const v6 = await make('subnet', { network_id: net.id, ip_version: 6, cidr: '2001:db8:1::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    assert.equal(v6.gateway_ip, '2001:db8:1::1');
    const slaacFixed = await demo('POST', '/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ subnet_id: v6.id, ip_address: '2001:db8:1::5' }] } });
    assert.equal(slaacFixed.body.NeutronError.type, 'InvalidInput', 'SLAAC addresses are not chosen by clients');
    const port = await make('port', { network_id: net.id, mac_address: 'fa:16:3e:11:22:33' });
    const v6ip = port.fixed_ips.find((f: { subnet_id: string }) => f.subnet_id === v6.id);
    assert.equal(v6ip.ip_address, '2001:db8:1:0:f816:3eff:fe11:2233');
    assert.equal(port.fixed_ips.length, 2, 'one IPv4 address plus the SLAAC address');
    const inUse = await demo('DELETE', `/v2.0/subnets/${s.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.type, 'SubnetInUse');
    const netInUse = await demo('DELETE', `/v2.0/networks/${net.id}`);
    assert.equal(netInUse.body.NeutronError.type, 'NetworkInUse');
    assert.equal((await demo('DELETE', `/v2.0/ports/${port.id}`)).status, 204);
    assert.equal((await demo('DELETE', `/v2.0/subnets/${s.id}`)).status, 204);
    assert.equal((await demo('DELETE', `/v2.0/networks/${net.id}`)).status, 204, 'remaining subnets go with the network');
  });

  it('subnet pools: allocation by prefix length and the default pool', async () => {
    const pool = await make('subnetpool', { name: 'p', prefixes: ['10.100.0.0/16'], default_prefixlen: 26, is_default: true }, n.admin);
    assert.equal(pool.ip_version, 4);
    const shared = await n.call('PUT', `/v2.0/subnetpools/${pool.id}`, n.admin, { subnetpool: { name: 'p2', default_quota: 20 } });
    assert.equal(shared.status, 200);
    assert.equal(shared.body.subnetpool.default_quota, 20);
    const net = await make('network', { name: 'pooled' }, n.admin);
    const a = await make('subnet', { network_id: net.id, ip_version: 4, subnetpool_id: pool.id }, n.admin);
    assert.equal(a.cidr, '10.100.0.0/26');
    assert.equal(a.subnetpool_id, pool.id);
    const b = await make('subnet', { network_id: net.id, ip_version: 4, use_default_subnetpool: true, prefixlen: 24 }, n.admin);
    assert.equal(b.cidr, '10.100.1.0/24');
    const busy = await n.call('DELETE', `/v2.0/subnetpools/${pool.id}`, n.admin);
    assert.equal(busy.body.NeutronError.type, 'SubnetPoolInUse');
    await n.call('DELETE', `/v2.0/networks/${net.id}`, n.admin);
    assert.equal((await n.call('DELETE', `/v2.0/subnetpools/${pool.id}`, n.admin)).status, 204);
  });

  it('ports: fixed IPs, conflicts, allowed address pairs, port security, binding for admins', async () => {
    const net = await make('network', { name: 'ports' });
    const sub = await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.7.0.0/24' });
    const p = await make('port', { network_id: net.id, fixed_ips: [{ ip_address: '10.7.0.10' }], allowed_address_pairs: [{ ip_address: '10.7.0.200/32' }], dns_name: 'web1' });
    assert.equal(p.status, 'DOWN');
    assert.equal(p.allowed_address_pairs[0].mac_address, p.mac_address);
    assert.equal(p.dns_assignment[0].hostname, 'web1');
    assert.equal(p['binding:host_id'], undefined);
    const dup = await demo('POST', '/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ subnet_id: sub.id, ip_address: '10.7.0.10' }] } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.NeutronError.type, 'IpAddressAlreadyAllocated');
    const off = await demo('POST', '/v2.0/ports', { port: { network_id: net.id, port_security_enabled: false, security_groups: [] } });
    assert.equal(off.status, 201);
    assert.deepEqual(off.body.port.security_groups, []);
    const conflict = await demo('PUT', `/v2.0/ports/${p.id}`, { port: { port_security_enabled: false } });
    assert.equal(conflict.body.NeutronError.type, 'PortSecurityPortHasSecurityGroup');
    const bindDenied = await demo('PUT', `/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'compute1' } });
    assert.equal(bindDenied.status, 403);
    const bound = await n.call('PUT', `/v2.0/ports/${p.id}`, n.admin, { port: { 'binding:host_id': 'compute1', fixed_ips: [{ ip_address: '10.7.0.11' }] } });
    assert.equal(bound.body.port.status, 'ACTIVE');
    assert.equal(bound.body.port['binding:vif_type'], 'ovs');
    assert.deepEqual(bound.body.port.fixed_ips, [{ subnet_id: sub.id, ip_address: '10.7.0.11' }]);
    assert.equal((await n.call('PUT', `/v2.0/ports/${p.id}`, n.admin, { port: { mac_address: 'fa:16:3e:00:00:01' } })).body.NeutronError.type, 'PortBound');
    const macChange = await n.call('PUT', `/v2.0/ports/${off.body.port.id}`, n.admin, { port: { mac_address: 'FA:16:3E:00:00:02' } });
    assert.equal(macChange.body.port.mac_address, 'fa:16:3e:00:00:02');
    const macTaken = await demo('POST', '/v2.0/ports', { port: { network_id: net.id, mac_address: 'fa:16:3e:00:00:02' } });
    assert.equal(macTaken.body.NeutronError.type, 'MacAddressInUse');
    const reuse = await make('port', { network_id: net.id, fixed_ips: [{ ip_address: '10.7.0.10' }] });
    assert.equal(reuse.fixed_ips[0].ip_address, '10.7.0.10', 'the released address is free again');
    const byIp = await demo('GET', '/v2.0/ports?fixed_ips=ip_address%3D10.7.0.11');
    assert.deepEqual(byIp.body.ports.map((x: { id: string }) => x.id), [p.id]);
    const bySubstr = await demo('GET', '/v2.0/ports?fixed_ips=ip_address_substr%3D7.0.11');
    assert.ok(bySubstr.body.ports.some((x: { id: string }) => x.id === p.id));
    for (const x of bySubstr.body.ports) assert.ok(x.fixed_ips.some((f: { ip_address: string }) => f.ip_address.includes('7.0.11')));
  });

  it('routers, extra routes, floating IPs with router resolution and port details', async () => {
    const net = await make('network', { name: 'tenant' });
    const sub = await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.8.0.0/24' });
    const port = await make('port', { network_id: net.id, device_owner: 'compute:nova', device_id: 'vm-1' });
    const router = await make('router', { name: 'r' });
    const unreachable = await demo('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId, port_id: port.id } });
    assert.equal(unreachable.status, 404);
    assert.equal(unreachable.body.NeutronError.type, 'ExternalGatewayForFloatingIPNotFound');
    const iface = await demo('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
    assert.equal(iface.status, 200);
    assert.deepEqual(iface.body.subnet_ids, [sub.id]);
    const again = await demo('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
    assert.equal(again.status, 400);
    const gw = await demo('PUT', `/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: publicId } } });
    assert.equal(gw.body.router.external_gateway_info.enable_snat, true);
    assert.equal(gw.body.router.external_gateway_info.external_fixed_ips.length, 1);
    const routes = await demo('PUT', `/v2.0/routers/${router.id}/add_extraroutes`, { router: { routes: [{ destination: '192.168.50.0/24', nexthop: '10.8.0.77' }] } });
    assert.deepEqual(routes.body.router.routes, [{ destination: '192.168.50.0/24', nexthop: '10.8.0.77' }]);
    const badRoute = await demo('PUT', `/v2.0/routers/${router.id}`, { router: { routes: [{ destination: '192.168.51.0/24', nexthop: '172.16.0.1' }] } });
    assert.equal(badRoute.body.NeutronError.type, 'InvalidRoutes');
    const fip = await make('floatingip', { floating_network_id: publicId, port_id: port.id });
    assert.equal(fip.router_id, router.id);
    assert.equal(fip.status, 'ACTIVE');
    assert.equal(fip.fixed_ip_address, port.fixed_ips[0].ip_address);
    assert.equal(fip.port_details.device_id, 'vm-1');
    const ifaceBusy = await demo('PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: sub.id });
    assert.equal(ifaceBusy.status, 409);
    const inUse = await demo('DELETE', `/v2.0/routers/${router.id}`);
    assert.equal(inUse.body.NeutronError.type, 'RouterInUse');
    const routerPort = await demo('DELETE', `/v2.0/ports/${iface.body.port_id}`);
    assert.equal(routerPort.status, 409);
    const dis = await demo('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } });
    assert.equal(dis.body.floatingip.status, 'DOWN');
    assert.equal(dis.body.floatingip.port_details, null);
    await demo('PUT', `/v2.0/routers/${router.id}/remove_extraroutes`, { router: { routes: [{ destination: '192.168.50.0/24', nexthop: '10.8.0.77' }] } });
    const removed = await demo('PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: sub.id });
    assert.equal(removed.status, 200);
    const noIface = await demo('PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: sub.id });
    assert.equal(noIface.body.NeutronError.type, 'RouterInterfaceNotFoundForSubnet');
    assert.equal((await demo('DELETE', `/v2.0/floatingips/${fip.id}`)).status, 204);
    assert.equal((await demo('DELETE', `/v2.0/routers/${router.id}`)).status, 204);
    const nonExt = await demo('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: net.id } });
    assert.equal(nonExt.status, 400);
  });

  it('admins change the external fixed IPs of a router gateway in place', async () => {
    const admin = (method: string, path: string, body?: unknown) => n.call(method, path, n.admin, body);
    const router = await make('router', { name: 'gw-ips', external_gateway_info: { network_id: publicId } }, n.admin);
    const [first] = router.external_gateway_info.external_fixed_ips;
    const both = await admin('PUT', `/v2.0/routers/${router.id}`, {
      router: { external_gateway_info: { network_id: publicId, enable_snat: true, external_fixed_ips: [first, { subnet_id: first.subnet_id }] } },
    });
    assert.equal(both.status, 200, JSON.stringify(both.body));
    const ips = both.body.router.external_gateway_info.external_fixed_ips;
    assert.equal(ips.length, 2);
    assert.deepEqual(ips[0], first);
    assert.notEqual(ips[1].ip_address, first.ip_address);
    const gwPorts = await admin('GET', `/v2.0/ports?device_id=${router.id}&device_owner=network:router_gateway`);
    assert.equal(gwPorts.body.ports.length, 1, 'the same gateway port keeps both addresses');
    const second = await admin('PUT', `/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: publicId, external_fixed_ips: [ips[1]] } } });
    assert.deepEqual(second.body.router.external_gateway_info.external_fixed_ips, [ips[1]]);
    const reuse = await make('port', { network_id: publicId, fixed_ips: [first] }, n.admin);
    assert.deepEqual(reuse.fixed_ips, [first], 'the dropped address is free again');
    await admin('DELETE', `/v2.0/ports/${reuse.id}`);
    assert.equal((await admin('DELETE', `/v2.0/routers/${router.id}`)).status, 204);
  });

  it('metering labels and rules: admin-made, overlap checks, cascade on delete, invisible to other projects', async () => {
    const admin = (method: string, path: string, body?: unknown) => n.call(method, path, n.admin, body);
    const label = (await admin('POST', '/v2.0/metering/metering-labels', { metering_label: { name: 'web', description: 'http traffic', shared: true } })).body.metering_label;
    assert.deepEqual(Object.keys(label).sort(), ['description', 'id', 'name', 'project_id', 'shared', 'tenant_id']);
    assert.equal(label.shared, true);
    const rule = (body: Record<string, unknown>) => admin('POST', '/v2.0/metering/metering-label-rules', { metering_label_rule: { metering_label_id: label.id, ...body } });
    const r1 = await rule({ direction: 'ingress', remote_ip_prefix: '10.0.0.0/24' });
    assert.equal(r1.status, 201, JSON.stringify(r1.body));
    assert.deepEqual(r1.body.metering_label_rule, { id: r1.body.metering_label_rule.id, metering_label_id: label.id, direction: 'ingress', excluded: false, remote_ip_prefix: '10.0.0.0/24', source_ip_prefix: null, destination_ip_prefix: null });
    assert.equal((await rule({ direction: 'ingress', remote_ip_prefix: '10.0.0.128/25' })).body.NeutronError.type, 'MeteringLabelRuleOverlaps');
    assert.equal((await rule({ direction: 'egress', remote_ip_prefix: '10.0.0.128/25' })).status, 201);
    assert.equal((await rule({ direction: 'egress', source_ip_prefix: '10.1.0.0/16', destination_ip_prefix: '0.0.0.0/0', excluded: 'true' })).body.metering_label_rule.excluded, true);
    assert.equal((await rule({ direction: 'sideways', remote_ip_prefix: '10.9.0.0/24' })).status, 400);
    assert.equal((await rule({ direction: 'ingress' })).status, 400);
    assert.equal((await rule({ direction: 'ingress', remote_ip_prefix: '10.2.0.0/24', source_ip_prefix: '10.3.0.0/24' })).status, 400);
    assert.equal((await demo('GET', `/v2.0/metering/metering-labels/${label.id}`)).status, 404);
    assert.deepEqual((await demo('GET', '/v2.0/metering/metering-labels')).body.metering_labels, []);
    assert.equal((await demo('POST', '/v2.0/metering/metering-labels', { metering_label: { name: 'mine' } })).status, 403);
    assert.equal((await admin('GET', `/v2.0/metering/metering-label-rules?metering_label_id=${label.id}`)).body.metering_label_rules.length, 3);
    assert.equal((await admin('PUT', `/v2.0/metering/metering-labels/${label.id}`, { metering_label: { name: 'x' } })).status, 400);
    assert.equal((await admin('DELETE', `/v2.0/metering/metering-labels/${label.id}`)).status, 204);
    assert.deepEqual((await admin('GET', `/v2.0/metering/metering-label-rules?metering_label_id=${label.id}`)).body.metering_label_rules, []);
    assert.equal((await admin('GET', `/v2.0/metering/metering-labels/${label.id}`)).body.NeutronError.type, 'MeteringLabelNotFound');
  });

  it('RBAC policies share a network with one project', async () => {
    const net = await make('network', { name: 'to-share' });
    assert.equal((await n.call('GET', `/v2.0/networks/${net.id}`, n.other)).status, 404);
    const created = await demo('POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: n.otherProjectId } });
    assert.equal(created.status, 201);
    const rbac = created.body.rbac_policy;
    const seen = await n.call('GET', `/v2.0/networks/${net.id}`, n.other);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.network.shared, true);
    await make('subnet', { network_id: net.id, ip_version: 4, cidr: '10.10.0.0/24' });
    const theirPort = await make('port', { network_id: net.id }, n.other);
    const busy = await demo('DELETE', `/v2.0/rbac-policies/${rbac.id}`);
    assert.equal(busy.body.NeutronError.type, 'RbacPolicyInUse');
    await n.call('DELETE', `/v2.0/ports/${theirPort.id}`, n.other);
    assert.equal((await demo('DELETE', `/v2.0/rbac-policies/${rbac.id}`)).status, 204);
    assert.equal((await n.call('GET', `/v2.0/networks/${net.id}`, n.other)).status, 404);
  });

  it('quotas: show, details, update by admin, OverQuota at the limit, reset', async () => {
    const q = await demo('GET', `/v2.0/quotas/${n.otherProjectId}`);
    assert.equal(q.status, 403, 'another project quota is not readable');
    const own = await demo('GET', `/v2.0/quotas/${n.demoProjectId}`);
    assert.equal(own.body.quota.network, 100);
    const set = await n.call('PUT', `/v2.0/quotas/${n.otherProjectId}`, n.admin, { quota: { network: 1, router: 0 } });
    assert.equal(set.body.quota.network, 1);
    await make('network', { name: 'q1' }, n.other);
    const over = await n.call('POST', '/v2.0/networks', n.other, { network: { name: 'q2' } });
    assert.equal(over.status, 409);
    assert.equal(over.body.NeutronError.type, 'OverQuota');
    const details = await n.call('GET', `/v2.0/quotas/${n.otherProjectId}/details`, n.other);
    assert.deepEqual(details.body.quota.network, { limit: 1, used: 1, reserved: 0 });
    // quota-check-limit: with check_limit a limit under the usage is refused; without it, it is set.
    const under = await n.call('PUT', `/v2.0/quotas/${n.otherProjectId}`, n.admin, { quota: { network: 0, check_limit: true } });
    assert.equal(under.status, 400);
    assert.equal(under.body.NeutronError.message, 'Quota limit 0 for network must be greater than or equal to already used 1');
    assert.equal((await n.call('PUT', `/v2.0/quotas/${n.otherProjectId}`, n.admin, { quota: { network: 0 } })).body.quota.network, 0);
    assert.equal((await n.call('GET', '/v2.0/quotas', n.admin)).body.quotas.length, 1);
    assert.equal((await n.call('DELETE', `/v2.0/quotas/${n.otherProjectId}`, n.admin)).status, 204);
    assert.equal((await n.call('GET', `/v2.0/quotas/${n.otherProjectId}`, n.admin)).body.quota.network, 100);
    assert.equal((await demo('PUT', `/v2.0/quotas/${n.demoProjectId}`, { quota: { network: 1000 } })).status, 403);
  });

  it('bulk create is all or nothing', async () => {
    const ok = await demo('POST', '/v2.0/networks', { networks: [{ name: 'bulk-1' }, { name: 'bulk-2' }] });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.body.networks.map((x: { name: string }) => x.name), ['bulk-1', 'bulk-2']);
    const netId = ok.body.networks[0].id;
    await make('subnet', { network_id: netId, ip_version: 4, cidr: '10.11.0.0/24' });
    const bad = await demo('POST', '/v2.0/ports', { ports: [{ network_id: netId, fixed_ips: [{ ip_address: '10.11.0.5' }] }, { network_id: netId, fixed_ips: [{ ip_address: '10.11.0.5' }] }] });
    assert.equal(bad.status, 409);
    assert.deepEqual((await demo('GET', `/v2.0/ports?network_id=${netId}`)).body.ports, []);
  });

  it('availability zones and IP availability', async () => {
    const az = await demo('GET', '/v2.0/availability_zones');
    assert.deepEqual(az.body.availability_zones, [
      { name: 'nova', resource: 'network', state: 'available' },
      { name: 'nova', resource: 'router', state: 'available' },
    ]);
    const avail = await n.call('GET', `/v2.0/network-ip-availabilities/${publicId}`, n.admin);
    assert.equal(avail.body.network_ip_availability.total_ips, 253);
    assert.equal((await demo('GET', '/v2.0/network-ip-availabilities')).status, 403);
    // ip_version filters subnets, and leaves out networks without one of that version (`openstack ip availability list`).
    const v4 = (await n.call('GET', '/v2.0/network-ip-availabilities?ip_version=4', n.admin)).body.network_ip_availabilities;
    assert.ok(v4.some((a: { network_id: string }) => a.network_id === publicId));
    assert.ok(v4.every((a: { subnet_ip_availability: Array<{ ip_version: number }> }) => a.subnet_ip_availability.length > 0 && a.subnet_ip_availability.every((s) => s.ip_version === 4)));
    const v6 = (await n.call('GET', '/v2.0/network-ip-availabilities?ip_version=6', n.admin)).body.network_ip_availabilities;
    assert.ok(!v6.some((a: { network_id: string }) => a.network_id === publicId));
    assert.equal((await n.call('GET', '/v2.0/network-ip-availabilities?ip_version=5', n.admin)).status, 400);
  });
});
