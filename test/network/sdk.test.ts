import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';
import { startNetCloud, type NetCloud } from './helpers.js';

/** Bulk checks through openstacksdk: the proxy methods a tenant uses, paging, tags, isolation. */
const SDK_SCRIPT = `
import json, openstack
conn = openstack.connect(cloud='scs-demo')
other = openstack.connect(cloud='other')
out = {}
out['extensions'] = all(conn.network.find_extension(a) is not None for a in ['router', 'security-group', 'standard-attr-tag', 'dns-integration'])
net = conn.network.create_network(name='sdk-net', dns_domain='sdk.example.')
sub = conn.network.create_subnet(network_id=net.id, ip_version=4, cidr='10.60.0.0/24', name='sdk-sub')
v6 = conn.network.create_subnet(network_id=net.id, ip_version=6, cidr='2001:db8:60::/64', ipv6_ra_mode='slaac', ipv6_address_mode='slaac')
ports = [conn.network.create_port(network_id=net.id, name='p%d' % i) for i in range(12)]
out['port_ips'] = len({p.fixed_ips[0]['ip_address'] for p in ports})
out['v6_per_port'] = all(len(p.fixed_ips) == 2 for p in ports)
out['paged'] = len(list(conn.network.ports(network_id=net.id, limit=5)))
conn.network.set_tags(net, ['blue', 'green'])
out['tagged'] = [n.name for n in conn.network.networks(tags='blue')]
pub = conn.network.find_network('public')
router = conn.network.create_router(name='sdk-r', external_gateway_info={'network_id': pub.id})
conn.network.add_interface_to_router(router, subnet_id=sub.id)
fip = conn.network.create_ip(floating_network_id=pub.id, port_id=ports[0].id)
out['fip'] = [fip.router_id == router.id, fip.fixed_ip_address == ports[0].fixed_ips[0]['ip_address'], fip.status]
sg = conn.network.create_security_group(name='sdk-sg')
out['sorted'] = [g.name for g in conn.network.security_groups(sort_key='name', sort_dir='desc')]
out['by_ip'] = [p.name for p in conn.network.ports(fixed_ips='ip_address=' + ports[3].fixed_ips[0]['ip_address'])]
conn.network.create_security_group_rule(security_group_id=sg.id, direction='ingress', protocol='tcp', port_range_min=443, port_range_max=443, remote_ip_prefix='0.0.0.0/0')
try:
    conn.network.create_security_group_rule(security_group_id=sg.id, direction='ingress', protocol='tcp', port_range_min=443, port_range_max=443, remote_ip_prefix='0.0.0.0/0')
    out['dup'] = 'created'
except openstack.exceptions.ConflictException as e:
    out['dup'] = 409
out['rules'] = len(list(conn.network.security_group_rules(security_group_id=sg.id)))
out['other_sees'] = [n.name for n in other.network.networks()]
try:
    other.network.delete_network(pub, ignore_missing=False)
    out['other_delete_public'] = 'deleted'
except openstack.exceptions.HttpException as e:
    out['other_delete_public'] = e.status_code
# the router interface port belongs to the project too
out['quota_ports'] = conn.network.get_quota(conn.current_project_id, details=True).ports['used']
conn.network.delete_ip(fip)
conn.network.remove_interface_from_router(router, subnet_id=sub.id)
conn.network.delete_router(router)
for p in ports:
    conn.network.delete_port(p)
conn.network.delete_network(net)
conn.network.delete_security_group(sg)
out['left'] = sorted(n.name for n in conn.network.networks())
print(json.dumps(out))
`;

describe('network: openstacksdk', () => {
  let n: NetCloud;
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('bulk checks of networks, subnets, ports, routers, floating IPs, security groups, quotas', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const out = await python(SDK_SCRIPT, { OS_CLIENT_CONFIG_FILE: n.cloud.cloudsYaml });
    assert.deepEqual(out, {
      extensions: true,
      port_ips: 12,
      v6_per_port: true,
      paged: 12,
      tagged: ['sdk-net'],
      fip: [true, true, 'ACTIVE'],
      sorted: ['sdk-sg', 'default'],
      by_ip: ['p3'],
      dup: 409,
      rules: 3,
      other_sees: ['public'],
      other_delete_public: 403,
      quota_ports: 13,
      left: ['public'],
    });
  });
});
