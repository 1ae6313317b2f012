import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNetCloud, type NetCloud } from './helpers.js';

/** What openstacksdk's functional tests ask of Neutron beyond tempest. */
describe('network: openstacksdk functional-test compatibility', () => {
  let n: NetCloud;
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('a subnet CIDR with host bits is its network, as neutron-lib accepts it; a bare address is refused', async () => {
    const net = (await n.call('POST', '/v2.0/networks', n.demo, { network: { name: 'hb' } })).body.network;
    const made = await n.call('POST', '/v2.0/subnets', n.demo, { subnet: { network_id: net.id, ip_version: 4, cidr: '10.99.99.0/16' } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.subnet.cidr, '10.99.0.0/16');
    const v6 = await n.call('POST', '/v2.0/subnets', n.demo, { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8::1/64' } });
    assert.equal(v6.body.subnet.cidr, '2001:db8::/64');
    const bare = await n.call('POST', '/v2.0/subnets', n.demo, { subnet: { network_id: net.id, ip_version: 4, cidr: '10.98.0.1' } });
    assert.equal(bare.status, 400);
    assert.equal(bare.body.NeutronError.message, "Invalid input for cidr. Reason: '10.98.0.1' isn't a recognized IP subnet cidr, '10.98.0.1/32' is recommended.");
    const junk = await n.call('POST', '/v2.0/subnets', n.demo, { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/33' } });
    assert.equal(junk.body.NeutronError.message, "Invalid input for cidr. Reason: '10.0.0.0/33' is not a valid IP subnet.");
  });

  it("an extra route may go through the gateway subnet; a nexthop that is the router's own address is refused", async () => {
    const ext = (await n.call('POST', '/v2.0/networks', n.admin, { network: { name: 'ext-rt', 'router:external': true } })).body.network;
    await n.call('POST', '/v2.0/subnets', n.admin, { subnet: { network_id: ext.id, ip_version: 4, cidr: '10.7.7.0/24' } });
    const router = (await n.call('POST', '/v2.0/routers', n.admin, { router: { name: 'rt', external_gateway_info: { network_id: ext.id } } })).body.router;
    const gatewayIp = router.external_gateway_info.external_fixed_ips[0].ip_address;
    const routes = [{ destination: '10.7.7.0/24', nexthop: '10.7.7.99' }];
    const ok = await n.call('PUT', `/v2.0/routers/${router.id}`, n.admin, { router: { routes } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.router.routes, routes);
    const own = await n.call('PUT', `/v2.0/routers/${router.id}`, n.admin, { router: { routes: [{ destination: '10.8.0.0/24', nexthop: gatewayIp }] } });
    assert.equal(own.status, 400);
    assert.equal(own.body.NeutronError.type, 'InvalidRoutes');
    assert.match(own.body.NeutronError.message, /the nexthop is used by router/);
  });
});
