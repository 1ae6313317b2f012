import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestCloud } from '../helpers/cloud.js';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';
import { lbCloud, vipSubnet } from './helpers.js';

/** Bulk checks through openstacksdk's load balancer proxy: objects, waiting, paging, tags, isolation, quotas, flavors and zones. */
const SDK_SCRIPT = `
import json, time, openstack
conn = openstack.connect(cloud='scs-demo')
admin = openstack.connect(cloud='scs-admin')
out = {}
lbs = [conn.load_balancer.create_load_balancer(name='sdk-%d' % i, vip_subnet_id=SUBNET, tags=['even'] if i % 2 == 0 else []) for i in range(5)]
for lb in lbs:
    conn.load_balancer.wait_for_load_balancer(lb.id, wait=60, interval=0.2)
out['paged'] = len(list(conn.load_balancer.load_balancers(limit=2)))
out['tagged'] = sorted(lb.name for lb in conn.load_balancer.load_balancers(tags='even'))
lb = lbs[0]
listener = conn.load_balancer.create_listener(loadbalancer_id=lb.id, protocol='TCP', protocol_port=5000, connection_limit=100, allowed_cidrs=['127.0.0.0/8'])
conn.load_balancer.wait_for_load_balancer(lb.id, wait=60, interval=0.2)
pool = conn.load_balancer.create_pool(listener_id=listener.id, protocol='TCP', lb_algorithm='SOURCE_IP')
conn.load_balancer.wait_for_load_balancer(lb.id, wait=60, interval=0.2)
for i in range(3):
    conn.load_balancer.create_member(pool, address='127.0.0.%d' % (i + 1), protocol_port=6000, weight=i + 1, backup=(i == 2))
    conn.load_balancer.wait_for_load_balancer(lb.id, wait=60, interval=0.2)
hm = conn.load_balancer.create_health_monitor(pool_id=pool.id, type='TCP', delay=5, timeout=2, max_retries=3)
conn.load_balancer.wait_for_load_balancer(lb.id, wait=60, interval=0.2)
out['members'] = sorted((m.address, m.weight, m.backup) for m in conn.load_balancer.members(pool))
out['listener'] = [l.connection_limit for l in conn.load_balancer.listeners()]
out['hm'] = conn.load_balancer.get_health_monitor(hm.id).type
out['providers'] = sorted(p.name for p in conn.load_balancer.providers())
out['admin_sees'] = len([x for x in admin.load_balancer.load_balancers() if x.name.startswith('sdk-')])
admin_lb = admin.load_balancer.create_load_balancer(name='admins', vip_subnet_id=ADMIN_SUBNET)
try:
    conn.load_balancer.get_load_balancer(admin_lb.id)
    out['other'] = 'visible'
except openstack.exceptions.HttpException as e:
    out['other'] = e.status_code
admin.load_balancer.wait_for_load_balancer(admin_lb.id, wait=60, interval=0.2)
admin.load_balancer.delete_load_balancer(admin_lb.id)
q = admin.load_balancer.update_quota(conn.current_project_id, load_balancer=10, member=2)
out['quota'] = [q.load_balancers, q.members]
try:
    conn.load_balancer.create_member(pool, address='127.0.0.9', protocol_port=6000)
    out['over_quota'] = 'created'
except openstack.exceptions.HttpException as e:
    out['over_quota'] = e.status_code
fp = admin.load_balancer.create_flavor_profile(name='sdk-fp', provider_name='amphora', flavor_data='{"loadbalancer_topology": "SINGLE"}')
flavor = admin.load_balancer.create_flavor(name='sdk-flavor', flavor_profile_id=fp.id, is_enabled=True, description='d')
azp = admin.load_balancer.create_availability_zone_profile(name='sdk-azp', provider_name='amphora', availability_zone_data='{"compute_zone": "nova"}')
admin.load_balancer.create_availability_zone(name='sdk-az', availability_zone_profile_id=azp.id, is_enabled=True)
flb = conn.load_balancer.create_load_balancer(name='sdk-flavored', vip_subnet_id=lb.vip_subnet_id, flavor_id=conn.load_balancer.find_flavor('sdk-flavor').id, availability_zone='sdk-az')
conn.load_balancer.wait_for_load_balancer(flb.id, wait=60, interval=0.2)
flb = conn.load_balancer.get_load_balancer(flb.id)
out['flavored'] = [flb.provider, flb.flavor_id == flavor.id, flb.availability_zone, conn.load_balancer.get_availability_zone('sdk-az').is_enabled]
out['capabilities'] = sorted(c.name for c in admin.load_balancer.provider_flavor_capabilities('amphora'))[:2]
try:
    admin.load_balancer.delete_flavor(flavor.id, ignore_missing=False)
    out['flavor_in_use'] = 'deleted'
except openstack.exceptions.HttpException as e:
    out['flavor_in_use'] = e.status_code
conn.load_balancer.delete_load_balancer(flb.id)
for _ in range(300):
    if not conn.load_balancer.find_load_balancer(flb.id):
        break
    time.sleep(0.2)
admin.load_balancer.delete_flavor(flavor.id, ignore_missing=False)
admin.load_balancer.delete_flavor_profile(fp.id, ignore_missing=False)
admin.load_balancer.delete_availability_zone('sdk-az', ignore_missing=False)
admin.load_balancer.delete_availability_zone_profile(azp.id, ignore_missing=False)
conn.load_balancer.delete_load_balancer(lb.id, cascade=True)
for x in lbs[1:]:
    conn.load_balancer.delete_load_balancer(x.id)
for x in lbs:
    for _ in range(300):  # this openstacksdk's load-balancer proxy has no wait_for_delete
        if not conn.load_balancer.find_load_balancer(x.id):
            break
        time.sleep(0.2)
out['left'] = [x.name for x in conn.load_balancer.load_balancers()]
print(json.dumps(out))
`;

describe('load balancer: openstacksdk', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await lbCloud({ driver: 'simulated', simulatedDelayMs: 20 });
  });
  after(() => cloud.close());

  it('bulk checks of load balancers, listeners, pools, members, monitors, quotas, isolation, flavors and availability zones', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const subnet = await vipSubnet(cloud, await cloud.demoToken());
    const adminSubnet = await vipSubnet(cloud, await cloud.adminToken(), '10.40.0.0/24');
    const script = SDK_SCRIPT.replace('SUBNET', JSON.stringify(subnet)).replace('ADMIN_SUBNET', JSON.stringify(adminSubnet));
    const out = await python(script, { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml });
    assert.deepEqual(out, {
      paged: 5,
      tagged: ['sdk-0', 'sdk-2', 'sdk-4'],
      members: [['127.0.0.1', 1, false], ['127.0.0.2', 2, false], ['127.0.0.3', 3, true]],
      listener: [100],
      hm: 'TCP',
      providers: ['amphora', 'octavia', 'proxy', 'simulated'],
      admin_sees: 5,
      other: 403,
      quota: [10, 2],
      over_quota: 403,
      flavored: ['amphora', true, 'sdk-az', true],
      capabilities: ['allow_member_sriov', 'amp_image_tag'],
      flavor_in_use: 409,
      left: [],
    });
  });
});
