import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openstack, requireTool } from '../helpers/clients.js';
import { startNetCloud, type NetCloud } from './helpers.js';

describe('network: openstack CLI for QoS, trunks and address scopes', () => {
  let n: NetCloud;
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('an admin QoS policy with a bandwidth limit on a port; a trunk with a VLAN sub-port; an address scope', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const admin = (args: string[]) => openstack(n.cloud.cloudsYaml, 'scs-admin', args);
    const demo = (args: string[]) => openstack(n.cloud.cloudsYaml, 'scs-demo', args);
    const policy = await admin(['network', 'qos', 'policy', 'create', '--share', '-f', 'json', 'silver']);
    const rule = await admin(['network', 'qos', 'rule', 'create', '--type', 'bandwidth-limit', '--max-kbps', '5000', '--egress', '-f', 'json', 'silver']);
    assert.equal(rule.max_kbps, 5000);
    await demo(['network', 'create', 'tnet']);
    await demo(['subnet', 'create', '--network', 'tnet', '--subnet-range', '10.3.0.0/24', 'tsub']);
    const parent = await demo(['port', 'create', '--network', 'tnet', '--qos-policy', 'silver', '-f', 'json', 'parent']);
    assert.equal(parent.qos_policy_id, policy.id);
    await demo(['port', 'create', '--network', 'tnet', 'child']);
    const trunk = await demo(['network', 'trunk', 'create', '--parent-port', 'parent', '--subport', 'port=child,segmentation-type=vlan,segmentation-id=42', '-f', 'json', 'tr']);
    assert.equal(trunk.sub_ports.length, 1);
    assert.equal(trunk.sub_ports[0].segmentation_id, 42);
    const scope = await demo(['address', 'scope', 'create', '--ip-version', '4', '-f', 'json', 'scope1']);
    assert.equal(scope.ip_version, 4);
    await demo(['network', 'trunk', 'delete', 'tr']);
  });
});
