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
});
