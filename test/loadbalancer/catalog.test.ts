import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, type TestCloud } from '../helpers/cloud.js';
import { lbCloud, lbUrl, vipSubnet, waitActive } from './helpers.js';

/** Octavia's provider names, flavors and availability zones (on the default `proxy` data plane). */
describe('load balancer providers, flavors and availability zones', () => {
  let cloud: TestCloud;
  let admin: string;
  let demo: string;
  let subnet: string;
  const post = (path: string, body: unknown, token = admin) => api(lbUrl(cloud, path), { method: 'POST', token, body });
  const lbWith = async (extra: Record<string, unknown>) => post('/loadbalancers', { loadbalancer: { vip_subnet_id: subnet, ...extra } }, demo);
  before(async () => {
    cloud = await lbCloud();
    admin = await cloud.adminToken();
    demo = await cloud.demoToken();
    subnet = await vipSubnet(cloud, demo);
  });
  after(() => cloud.close());

  it('serves amphora and its alias octavia with the default driver and keeps the name asked for', async () => {
    const providers = (await api(lbUrl(cloud, '/providers'), { token: demo })).body.providers;
    assert.deepEqual(providers.map((p: any) => p.name), ['amphora', 'octavia', 'proxy', 'simulated']);
    assert.match(providers[0].description, /served here by the proxy provider/);
    for (const name of ['amphora', 'octavia']) {
      const r = await lbWith({ provider: name });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.loadbalancer.provider, name);
      const lb = await waitActive(cloud, demo, r.body.loadbalancer.id);
      assert.equal(lb.provisioning_status, 'ACTIVE');
      assert.equal(lb.provider, name);
      await api(lbUrl(cloud, `/loadbalancers/${lb.id}`), { method: 'DELETE', token: demo });
    }
  });

  it('validates flavor profiles against the provider: 400 for bad JSON or provider, 501 for what it cannot do', async () => {
    const profile = (flavor_data: string, provider_name = 'amphora') => post('/flavorprofiles', { flavorprofile: { name: 'fp', provider_name, flavor_data } });
    const ok = await profile('{"loadbalancer_topology": "SINGLE", "compute_flavor": "m1.small"}');
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual(Object.keys(ok.body.flavorprofile).sort(), ['flavor_data', 'id', 'name', 'provider_name']);
    const cases: Array<[string, string, number, RegExp]> = [
      ['{"loadbalancer_topology": "ACTIVE_STANDBY"}', 'amphora', 501, /^Provider 'amphora' does not support a requested option: loadbalancer_topology "ACTIVE_STANDBY" is not one of \["SINGLE"\]/],
      ['{"bogus": 1}', 'amphora', 501, /Additional properties are not allowed \('bogus' was unexpected\)/],
      ['{"sriov_vip": true}', 'amphora', 501, /sriov_vip true is not one of \[false\]/],
      ['[1]', 'amphora', 501, /is not of type 'object'/],
      ['not json', 'amphora', 400, /^not json is not a valid option for flavor_data$/],
      ['{}', 'f5', 400, /^Provider 'f5' is not enabled\.$/],
    ];
    for (const [data, provider, status, message] of cases) {
      const r = await profile(data, provider);
      assert.equal(r.status, status, data);
      assert.match(r.body.faultstring, message);
    }
    // The simulated provider has no data plane and simulates either topology.
    assert.equal((await profile('{"loadbalancer_topology": "ACTIVE_STANDBY"}', 'simulated')).status, 201);
    const caps = await api(lbUrl(cloud, '/providers/amphora/flavor_capabilities'), { token: admin });
    assert.ok(caps.body.flavor_capabilities.some((c: any) => c.name === 'loadbalancer_topology'));
    const list = await api(lbUrl(cloud, '/flavorprofiles'), { token: admin });
    assert.ok(Array.isArray(list.body.flavorprofile_links));
    assert.equal((await api(lbUrl(cloud, '/flavorprofiles'), { token: demo })).status, 403);
  });

  it('offers flavors to members, applies them to load balancers and keeps one in use', async () => {
    const fp = (await post('/flavorprofiles', { flavorprofile: { name: 'single', provider_name: 'amphora', flavor_data: '{"loadbalancer_topology": "SINGLE"}' } })).body.flavorprofile;
    const created = await post('/flavors', { flavor: { name: 'small', description: 'one proxy', flavor_profile_id: fp.id } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const flavor = created.body.flavor;
    assert.deepEqual(flavor, { id: flavor.id, name: 'small', description: 'one proxy', enabled: true, flavor_profile_id: fp.id });
    assert.equal((await post('/flavors', { flavor: { name: 'small', flavor_profile_id: fp.id } })).status, 409);
    assert.equal((await post('/flavors', { flavor: { name: 'x', flavor_profile_id: fp.id } }, demo)).status, 403);
    assert.equal((await post('/flavors', { flavor: { name: 'x', flavor_profile_id: 'nope' } })).status, 400);
    assert.deepEqual((await api(lbUrl(cloud, `/flavors/${flavor.id}`), { token: demo })).body.flavor, flavor);
    assert.ok((await api(lbUrl(cloud, '/flavors?name=small'), { token: demo })).body.flavors.some((f: any) => f.id === flavor.id));

    const lb = await lbWith({ flavor_id: flavor.id });
    assert.equal(lb.status, 201, JSON.stringify(lb.body));
    assert.equal(lb.body.loadbalancer.flavor_id, flavor.id);
    assert.equal(lb.body.loadbalancer.provider, 'amphora');
    await waitActive(cloud, demo, lb.body.loadbalancer.id);
    const mismatch = await lbWith({ flavor_id: flavor.id, provider: 'simulated' });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.faultstring, `Flavor '${flavor.id}' is not compatible with provider 'simulated'`);
    assert.equal((await lbWith({ flavor_id: '5b1a0c5e-6d0e-4d32-9f4a-1b1c2d3e4f50' })).body.faultstring, 'Validation failure: Invalid flavor_id.');

    const inUse = await api(lbUrl(cloud, `/flavors/${flavor.id}`), { method: 'DELETE', token: admin });
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.faultstring, `Flavor ${flavor.id} is in use and cannot be modified.`);
    const profileInUse = await api(lbUrl(cloud, `/flavorprofiles/${fp.id}`), { method: 'PUT', token: admin, body: { flavorprofile: { flavor_data: '{}' } } });
    assert.equal(profileInUse.status, 409);
    assert.equal((await api(lbUrl(cloud, `/flavorprofiles/${fp.id}`), { method: 'DELETE', token: admin })).status, 409);
    const renamed = await api(lbUrl(cloud, `/flavorprofiles/${fp.id}`), { method: 'PUT', token: admin, body: { flavorprofile: { name: 'renamed' } } });
    assert.equal(renamed.body.flavorprofile.name, 'renamed');

    const disabled = await api(lbUrl(cloud, `/flavors/${flavor.id}`), { method: 'PUT', token: admin, body: { flavor: { enabled: false } } });
    assert.equal(disabled.body.flavor.enabled, false);
    assert.equal((await lbWith({ flavor_id: flavor.id })).body.faultstring, `The selected flavor is not allowed in this deployment: ${flavor.id}`);

    await api(lbUrl(cloud, `/loadbalancers/${lb.body.loadbalancer.id}`), { method: 'DELETE', token: demo });
    await waitActive(cloud, demo, lb.body.loadbalancer.id);
    assert.equal((await api(lbUrl(cloud, `/flavors/${flavor.id}`), { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(lbUrl(cloud, `/flavors/${flavor.id}`), { token: admin })).status, 404);
    assert.equal((await api(lbUrl(cloud, `/flavorprofiles/${fp.id}`), { method: 'DELETE', token: admin })).status, 204);
  });

  it('offers availability zones by name and enforces their valid_vip_networks', async () => {
    const network = (await api(`${cloud.urls.network}/v2.0/subnets/${subnet}`, { token: demo })).body.subnet.network_id;
    const azp = await post('/availabilityzoneprofiles', { availability_zone_profile: { name: 'zp', provider_name: 'amphora', availability_zone_data: JSON.stringify({ compute_zone: 'nova', valid_vip_networks: [network] }) } });
    assert.equal(azp.status, 201, JSON.stringify(azp.body));
    const strict = await post('/availabilityzoneprofiles', { availability_zone_profile: { name: 'zq', provider_name: 'amphora', availability_zone_data: '{"valid_vip_networks": ["elsewhere"]}' } });
    const az = await post('/availabilityzones', { availability_zone: { name: 'zone-a', availability_zone_profile_id: azp.body.availability_zone_profile.id } });
    assert.equal(az.status, 201, JSON.stringify(az.body));
    assert.deepEqual(az.body.availability_zone, { name: 'zone-a', description: null, enabled: true, availability_zone_profile_id: azp.body.availability_zone_profile.id });
    await post('/availabilityzones', { availability_zone: { name: 'zone-b', availability_zone_profile_id: strict.body.availability_zone_profile.id } });
    assert.equal((await api(lbUrl(cloud, '/availabilityzones/zone-a'), { token: demo })).body.availability_zone.name, 'zone-a');
    assert.equal((await post('/availabilityzones', { availability_zone: { name: 'zone-a', availability_zone_profile_id: azp.body.availability_zone_profile.id } })).status, 409);

    const lb = await lbWith({ availability_zone: 'zone-a' });
    assert.equal(lb.status, 201, JSON.stringify(lb.body));
    assert.equal(lb.body.loadbalancer.availability_zone, 'zone-a');
    await waitActive(cloud, demo, lb.body.loadbalancer.id);
    const refused = await lbWith({ availability_zone: 'zone-b' });
    assert.equal(refused.status, 400);
    assert.match(refused.body.faultstring, /VIP network_id is not allowed/);
    assert.equal((await lbWith({ availability_zone: 'zone-z' })).body.faultstring, 'Validation failure: Invalid availability zone.');
    assert.equal((await api(lbUrl(cloud, '/availabilityzones/zone-a'), { method: 'DELETE', token: admin })).status, 409);
    assert.equal((await api(lbUrl(cloud, '/availabilityzones/zone-b'), { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(lbUrl(cloud, '/availabilityzones/zone-b'), { method: 'DELETE', token: demo })).status, 403);
  });

  it('lists no amphorae to the admin (none exist) and refuses others', async () => {
    assert.deepEqual((await api(`${cloud.urls.loadbalancer}/v2/octavia/amphorae?loadbalancer_id=x`, { token: admin })).body, { amphorae: [], amphorae_links: [] });
    assert.equal((await api(`${cloud.urls.loadbalancer}/v2/octavia/amphorae`, { token: demo })).status, 403);
  });
});
