import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openstack, requireTool } from '../helpers/clients.js';
import { startNetCloud, type NetCloud } from './helpers.js';

describe('network: openstack CLI', () => {
  let n: NetCloud;
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('builds a tenant topology: network, subnet, port, router with gateway, floating IP, security group', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const os = (args: string[]) => openstack(n.cloud.cloudsYaml, 'scs-demo', args);
    const net = await os(['network', 'create', '--description', 'cli net', '-f', 'json', 'net1']);
    assert.equal(net.status, 'ACTIVE');
    assert.equal(net.mtu, 1450);
    const subnet = await os(['subnet', 'create', '--network', 'net1', '--subnet-range', '10.1.0.0/24', '--dns-nameserver', '9.9.9.9', '-f', 'json', 'sub1']);
    assert.equal(subnet.gateway_ip, '10.1.0.1');
    assert.deepEqual(subnet.allocation_pools, [{ start: '10.1.0.2', end: '10.1.0.254' }]);
    const port = await os(['port', 'create', '--network', 'net1', '--fixed-ip', 'subnet=sub1,ip-address=10.1.0.50', '-f', 'json', 'p1']);
    assert.deepEqual(port.fixed_ips, [{ subnet_id: subnet.id, ip_address: '10.1.0.50' }]);
    assert.match(port.mac_address, /^fa:16:3e:/);
    await os(['port', 'set', '--name', 'p1b', '--description', 'renamed', 'p1']);
    await os(['network', 'set', '--name', 'net1b', '--description', 'renamed', 'net1']);
    await os(['subnet', 'set', '--dns-nameserver', '1.1.1.1', '--name', 'sub1b', 'sub1']);
    const ports = await os(['port', 'list', '--network', 'net1b', '-f', 'json']);
    assert.deepEqual(ports.map((p: { Name: string }) => p.Name), ['p1b']);
    const renamed = await n.call('GET', `/v2.0/subnets/${subnet.id}`, n.demo);
    assert.deepEqual([...renamed.body.subnet.dns_nameservers].sort(), ['1.1.1.1', '9.9.9.9']);

    await os(['router', 'create', 'r1']);
    await os(['router', 'add', 'subnet', 'r1', 'sub1b']);
    await os(['router', 'set', '--external-gateway', 'public', 'r1']);
    const router = await os(['router', 'show', 'r1', '-f', 'json']);
    const pub = await n.call('GET', '/v2.0/networks?name=public', n.demo);
    assert.equal(router.external_gateway_info.network_id, pub.body.networks[0].id);
    assert.equal(router.external_gateway_info.enable_snat, true);
    assert.match(router.external_gateway_info.external_fixed_ips[0].ip_address, /^203\.0\.113\./);

    const fip = await os(['floating', 'ip', 'create', '-f', 'json', 'public']);
    assert.match(fip.floating_ip_address, /^203\.0\.113\./);
    assert.equal(fip.status, 'DOWN');
    await os(['floating', 'ip', 'set', '--port', 'p1b', fip.id]);
    const set = await os(['floating', 'ip', 'show', fip.id, '-f', 'json']);
    assert.equal(set.fixed_ip_address, '10.1.0.50');
    assert.equal(set.router_id, router.id);
    assert.equal(set.status, 'ACTIVE');
    await os(['floating', 'ip', 'unset', '--port', fip.id]);
    const unset = await os(['floating', 'ip', 'show', fip.id, '-f', 'json']);
    assert.equal(unset.port_id, null);

    const sg = await os(['security', 'group', 'create', '--description', 'web servers', '-f', 'json', 'web']);
    const rule = await os(['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', '--remote-ip', '0.0.0.0/0', '-f', 'json', 'web']);
    assert.equal(rule.port_range_min, 22);
    await assert.rejects(os(['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', '--remote-ip', '0.0.0.0/0', 'web']), /already exists|409|Conflict/i);
    const rules = await os(['security', 'group', 'rule', 'list', 'web', '-f', 'json']);
    assert.equal(rules.length, 3, 'two default egress rules plus ssh');
    await os(['security', 'group', 'set', '--name', 'www', sg.id]);

    await os(['floating', 'ip', 'delete', fip.id]);
    await os(['router', 'remove', 'subnet', 'r1', 'sub1b']);
    await os(['router', 'delete', 'r1']);
    await os(['port', 'delete', 'p1b']);
    await os(['subnet', 'delete', 'sub1b']);
    await os(['network', 'delete', 'net1b']);
    await os(['security', 'group', 'delete', 'www']);
    const nets = await os(['network', 'list', '-f', 'json']);
    assert.deepEqual(nets.map((x: { Name: string }) => x.Name), ['public']);
  });
});
