import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthContext } from '../../src/platform/auth.js';
import type { NetworkClient } from '../../src/services/network/client.js';
import { startNetCloud, type NetCloud } from './helpers.js';

/** The interface compute uses: server ports, addresses, interfaces and security groups. */
describe('network client for compute', () => {
  let n: NetCloud;
  let client: NetworkClient;
  let auth: AuthContext;
  let netId: string;
  let subId: string;
  let publicId: string;
  before(async () => {
    n = await startNetCloud();
    client = n.cloud.clients.network;
    auth = await n.cloud.clients.identity.validate(n.demo);
    netId = (await n.call('POST', '/v2.0/networks', n.demo, { network: { name: 'app' } })).body.network.id;
    subId = (await n.call('POST', '/v2.0/subnets', n.demo, { subnet: { network_id: netId, ip_version: 4, cidr: '10.40.0.0/24' } })).body.subnet.id;
    publicId = (await n.call('GET', '/v2.0/networks?name=public', n.demo)).body.networks[0].id;
  });
  after(async () => n?.cloud.close());

  it("'auto' picks the project's only network; ports are bound and ACTIVE", async () => {
    const ports = await client.allocateServerPorts(auth, { serverId: 'srv-1', networks: 'auto', host: 'compute-1' });
    assert.equal(ports.length, 1);
    assert.equal(ports[0].networkName, 'app');
    const port = (await n.call('GET', `/v2.0/ports/${ports[0].portId}`, n.admin)).body.port;
    assert.equal(port.status, 'ACTIVE');
    assert.equal(port.device_id, 'srv-1');
    assert.equal(port.device_owner, 'compute:nova');
    assert.equal(port['binding:host_id'], 'compute-1');
    assert.deepEqual(await client.allocateServerPorts(auth, { serverId: 'srv-0', networks: 'none', host: 'compute-1' }), []);
  });

  it('explicit networks, fixed IPs and user ports; a failure undoes the ports already made', async () => {
    const userPort = (await n.call('POST', '/v2.0/ports', n.demo, { port: { network_id: netId, name: 'mine' } })).body.port;
    const ports = await client.allocateServerPorts(auth, { serverId: 'srv-2', networks: [{ uuid: netId, fixed_ip: '10.40.0.99' }, { port: userPort.id }], host: 'compute-1' });
    assert.deepEqual(ports.map((p) => p.fixedIps[0].ip_address), ['10.40.0.99', userPort.fixed_ips[0].ip_address]);
    const before = (await n.call('GET', '/v2.0/ports', n.demo)).body.ports.length;
    await assert.rejects(client.allocateServerPorts(auth, { serverId: 'srv-3', networks: [{ uuid: netId }, { uuid: netId, fixed_ip: '10.40.0.99' }], host: 'h' }), (e: { status: number }) => e.status === 409);
    assert.equal((await n.call('GET', '/v2.0/ports', n.demo)).body.ports.length, before, 'no port left behind');
    await assert.rejects(client.allocateServerPorts(auth, { serverId: 'srv-x', networks: [{ uuid: '00000000-0000-0000-0000-000000000000' }], host: 'h' }), (e: { status: number }) => e.status === 400);
    await assert.rejects(client.allocateServerPorts(auth, { serverId: 'srv-x', networks: [{ port: '00000000-0000-0000-0000-000000000000' }], host: 'h' }), (e: { status: number }) => e.status === 400);
    await client.releaseServerPorts('srv-2');
    const kept = (await n.call('GET', `/v2.0/ports/${userPort.id}`, n.demo)).body.port;
    assert.equal(kept.device_id, '', "the user's port is kept, unbound");
    assert.equal(kept.status, 'DOWN');
    assert.deepEqual(await client.serverPorts('srv-2'), []);
  });

  it('addresses include floating IPs; interfaces attach and detach', async () => {
    const [p] = await client.allocateServerPorts(auth, { serverId: 'srv-4', networks: [{ uuid: netId }], host: 'h' });
    const router = (await n.call('POST', '/v2.0/routers', n.demo, { router: { name: 'r', external_gateway_info: { network_id: publicId } } })).body.router;
    await n.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, n.demo, { subnet_id: subId });
    const fip = (await n.call('POST', '/v2.0/floatingips', n.demo, { floatingip: { floating_network_id: publicId, port_id: p.portId } })).body.floatingip;
    const addrs = (await client.serverAddresses(['srv-4'])).get('srv-4')!;
    assert.deepEqual(addrs.app.map((a) => [a.addr, a['OS-EXT-IPS:type']]), [
      [p.fixedIps[0].ip_address, 'fixed'],
      [fip.floating_ip_address, 'floating'],
    ]);
    assert.equal(addrs.app[0]['OS-EXT-IPS-MAC:mac_addr'], p.macAddress);
    const extra = await client.attachInterface(auth, 'srv-4', { net_id: netId, fixed_ips: [{ ip_address: '10.40.0.200' }], host: 'h' });
    assert.equal((await client.serverPorts('srv-4')).length, 2);
    await client.detachInterface(auth, 'srv-4', extra.portId);
    assert.equal((await n.call('GET', `/v2.0/ports/${extra.portId}`, n.demo)).status, 404);
    await assert.rejects(client.detachInterface(auth, 'srv-4', extra.portId), (e: { status: number }) => e.status === 404);
    await assert.rejects(client.attachInterface(auth, 'srv-4', { port_id: extra.portId, host: 'h' }), (e: { status: number }) => e.status === 404);
    await client.releaseServerPorts('srv-4');
    const after = (await n.call('GET', `/v2.0/floatingips/${fip.id}`, n.demo)).body.floatingip;
    assert.equal(after.port_id, null, 'the floating IP is disassociated with the port');
  });

  it('server security groups: list, add and remove by name', async () => {
    await client.allocateServerPorts(auth, { serverId: 'srv-5', networks: [{ uuid: netId }], host: 'h' });
    assert.deepEqual((await client.serverSecurityGroups(auth, 'srv-5')).map((g) => g.name), ['default']);
    await n.call('POST', '/v2.0/security-groups', n.demo, { security_group: { name: 'web' } });
    await client.addServerSecurityGroup(auth, 'srv-5', 'web');
    assert.deepEqual((await client.serverSecurityGroups(auth, 'srv-5')).map((g) => g.name).sort(), ['default', 'web']);
    await client.removeServerSecurityGroup(auth, 'srv-5', 'default');
    assert.deepEqual((await client.serverSecurityGroups(auth, 'srv-5')).map((g) => g.name), ['web']);
    await assert.rejects(client.removeServerSecurityGroup(auth, 'srv-5', 'default'), (e: { status: number }) => e.status === 404);
    await assert.rejects(client.addServerSecurityGroup(auth, 'srv-5', 'nope'), (e: { status: number }) => e.status === 404);
  });
});
