import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';
import { startNetCloud, type NetCloud } from './helpers.js';

/**
 * python-neutronclient (the Python binding Heat, Horizon and older tools call; it asks for quota
 * details as `details.json`): one script drives networks, ports with extra DHCP options, QoS,
 * address scopes, RBAC and quota details.
 */
const SCRIPT = `
import json, openstack
from neutronclient.v2_0 import client
from neutronclient.common import exceptions
def nc(cloud):
    return client.Client(session=openstack.config.OpenStackConfig().get_one_cloud(cloud=cloud).get_session())
admin, demo = nc('scs-admin'), nc('scs-demo')
out = {}
net = demo.create_network({'network': {'name': 'nc-net'}})['network']
demo.create_subnet({'subnet': {'network_id': net['id'], 'ip_version': 4, 'cidr': '10.61.0.0/24'}})
port = demo.create_port({'port': {'network_id': net['id'], 'extra_dhcp_opts': [{'opt_name': 'bootfile-name', 'opt_value': 'pxelinux.0'}]}})['port']
out['dhcp_opts'] = [o['opt_name'] for o in demo.show_port(port['id'])['port']['extra_dhcp_opts']]
out['listed'] = [n['name'] for n in demo.list_networks(name='nc-net')['networks']]
out['quota_used'] = demo.show_quota_details(net['project_id'])['quota']['network']['used']
policy = admin.create_qos_policy({'policy': {'name': 'nc-qos', 'shared': True}})['policy']
admin.create_bandwidth_limit_rule(policy['id'], {'bandwidth_limit_rule': {'max_kbps': 1000}})
out['rules'] = [r['type'] for r in demo.show_qos_policy(policy['id'])['policy']['rules']]
out['port_qos'] = demo.update_port(port['id'], {'port': {'qos_policy_id': policy['id']}})['port']['qos_policy_id'] == policy['id']
try:
    admin.delete_qos_policy(policy['id'])
    out['in_use'] = 'deleted'
except exceptions.Conflict as e:
    out['in_use'] = 409
scope = demo.create_address_scope({'address_scope': {'name': 'nc-scope', 'ip_version': 4}})['address_scope']
out['scopes'] = [s['name'] for s in demo.list_address_scopes()['address_scopes']]
sg = demo.create_security_group({'security_group': {'name': 'nc-sg'}})['security_group']
admin.create_rbac_policy({'rbac_policy': {'object_type': 'security_group', 'object_id': sg['id'], 'action': 'access_as_shared', 'target_tenant': '*'}})
out['shared_sg'] = admin.show_security_group(sg['id'])['security_group']['id'] == sg['id']
demo.update_port(port['id'], {'port': {'qos_policy_id': None}})
demo.delete_port(port['id'])
admin.delete_qos_policy(policy['id'])
demo.delete_address_scope(scope['id'])
demo.delete_network(net['id'])
out['left'] = sorted(n['name'] for n in demo.list_networks()['networks'])
print(json.dumps(out))
`;

describe('network: python-neutronclient', () => {
  let n: NetCloud;
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('drives networks, ports, QoS, address scopes, RBAC and quota details', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('neutronclient'), 'neutronclient', 'python3-neutronclient')) return;
    const out = await python(SCRIPT, { OS_CLIENT_CONFIG_FILE: n.cloud.cloudsYaml });
    assert.deepEqual(out, {
      dhcp_opts: ['bootfile-name'],
      listed: ['nc-net'],
      quota_used: 1,
      rules: ['bandwidth_limit'],
      port_qos: true,
      in_use: 409,
      scopes: ['nc-scope'],
      shared_sg: true,
      left: ['public'],
    });
  });
});
