import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNetCloud, type NetCloud } from './helpers.js';

/** Neutron's auto-allocated topology ("get me a network"), which Nova's `networks: auto` uses. */
describe('network: auto-allocated topology', () => {
  let n: NetCloud;
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('needs a default subnet pool, then builds one network, subnet and router per project, found again, deleted', async () => {
    const ext = await n.call('GET', '/v2.0/extensions/auto-allocated-topology', n.demo);
    assert.equal(ext.status, 200);
    const missing = await n.call('GET', `/v2.0/auto-allocated-topology/${n.demoProjectId}?fields=dry-run`, n.demo);
    assert.equal(missing.status, 409);
    assert.deepEqual(missing.body.NeutronError, { type: 'AutoAllocationFailure', message: 'Deployment error: No default subnetpools defined.', detail: '' });

    await n.call('POST', '/v2.0/subnetpools', n.admin, { subnetpool: { name: 'default-v4', prefixes: ['10.128.0.0/16'], default_prefixlen: 26, shared: true, is_default: true } });
    const dry = await n.call('GET', `/v2.0/auto-allocated-topology/${n.demoProjectId}?fields=dry-run`, n.demo);
    assert.equal(dry.status, 200);
    assert.equal(dry.body.auto_allocated_topology.id, 'dry-run=pass');

    const made = await n.call('GET', '/v2.0/auto-allocated-topology', n.demo);
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const netId = made.body.auto_allocated_topology.id;
    assert.equal(made.body.auto_allocated_topology.project_id, n.demoProjectId);
    const net = (await n.call('GET', `/v2.0/networks/${netId}`, n.demo)).body.network;
    assert.equal(net.name, 'auto_allocated_network');
    assert.equal(net.admin_state_up, true);
    const subnet = (await n.call('GET', `/v2.0/subnets/${net.subnets[0]}`, n.demo)).body.subnet;
    assert.match(subnet.cidr, /^10\.128\.\d+\.\d+\/26$/);
    const routers = (await n.call('GET', '/v2.0/routers?name=auto_allocated_router', n.demo)).body.routers;
    assert.equal(routers.length, 1);
    assert.ok(routers[0].external_gateway_info.network_id);
    const ports = (await n.call('GET', `/v2.0/ports?device_id=${routers[0].id}&network_id=${netId}`, n.demo)).body.ports;
    assert.equal(ports.length, 1, 'the router has an interface on the subnet');

    assert.equal((await n.call('GET', `/v2.0/auto-allocated-topology/${n.demoProjectId}`, n.demo)).body.auto_allocated_topology.id, netId);
    assert.equal((await n.call('GET', `/v2.0/auto-allocated-topology/${n.demoProjectId}`, n.other)).status, 403);
    assert.equal((await n.call('GET', `/v2.0/auto-allocated-topology/${n.demoProjectId}?fields=name`, n.demo)).status, 400);

    assert.equal((await n.call('DELETE', `/v2.0/auto-allocated-topology/${n.demoProjectId}`, n.demo)).status, 204);
    assert.equal((await n.call('GET', `/v2.0/networks/${netId}`, n.demo)).status, 404);
    assert.equal((await n.call('GET', `/v2.0/routers/${routers[0].id}`, n.demo)).status, 404);
    assert.equal((await n.call('DELETE', `/v2.0/auto-allocated-topology/${n.demoProjectId}`, n.demo)).status, 404);
  });
});
