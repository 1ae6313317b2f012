import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';
import { faultType, startNetCloud, type NetCloud } from './helpers.js';

const SINGLE_NODE = 'neutron.services.l3_router.service_providers.single_node.SingleNodeDriver';

/** Flavors, service profiles and their associations through openstacksdk, and a router of a flavor. */
const SDK_SCRIPT = `
import json, openstack
conn = openstack.connect(cloud='scs-admin')
demo = openstack.connect(cloud='scs-demo')
out = {}
fl = conn.network.create_flavor(name='sdk-gold', service_type='L3_ROUTER_NAT', description='gold routers')
sp = conn.network.create_service_profile(driver='${SINGLE_NODE}', description='one node')
out['associated'] = conn.network.associate_flavor_with_service_profile(fl, sp)
out['profiles'] = conn.network.get_flavor(fl.id).service_profile_ids == [sp.id]
out['member_sees'] = 'sdk-gold' in [f.name for f in demo.network.flavors()]
out['member_profiles'] = len(list(demo.network.service_profiles()))
r = demo.network.create_router(name='sdk-flavored', flavor_id=fl.id)
out['router_flavor'] = r.flavor_id == fl.id
try:
    conn.network.delete_flavor(fl)
    out['delete_in_use'] = 'deleted'
except openstack.exceptions.ConflictException:
    out['delete_in_use'] = 409
demo.network.delete_router(r)
conn.network.update_flavor(fl, name='sdk-platinum')
out['found'] = conn.network.find_flavor('sdk-platinum').id == fl.id
conn.network.disassociate_flavor_from_service_profile(fl, sp)
conn.network.delete_service_profile(sp)
conn.network.delete_flavor(fl)
out['gone'] = conn.network.find_flavor('sdk-platinum') is None
print(json.dumps(out))
`;

describe('network: service flavors and service profiles', () => {
  let n: NetCloud;
  const admin = (method: string, path: string, body?: unknown) => n.call(method, path, n.admin, body);
  /** A router flavor whose first profile names `driver` (enabled unless said otherwise). */
  const routerFlavor = async (opts: { driver?: string; profileEnabled?: boolean; flavorEnabled?: boolean; serviceType?: string } = {}) => {
    const flavor = await n.create('flavors', 'flavor', { name: 'f', service_type: opts.serviceType ?? 'L3_ROUTER_NAT', enabled: opts.flavorEnabled ?? true }, n.admin);
    const profile = await n.create('service_profiles', 'service_profile', { driver: opts.driver ?? SINGLE_NODE, enabled: opts.profileEnabled ?? true }, n.admin);
    assert.equal((await admin('POST', `/v2.0/flavors/${flavor.id}/service_profiles`, { service_profile: { id: profile.id } })).status, 201);
    return { flavor, profile };
  };
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('lists the extensions', async () => {
    const aliases = (await n.call('GET', '/v2.0/extensions', n.demo)).body.extensions.map((e: any) => e.alias);
    for (const a of ['flavors', 'l3-flavors', 'agent', 'l3_agent_scheduler', 'dhcp_agent_scheduler', 'service-type']) assert.ok(aliases.includes(a), a);
  });

  it('flavors: admins create and change them, everyone reads them; the service type is one this cloud runs', async () => {
    const f = await n.create('flavors', 'flavor', { name: 'gold', description: 'd', service_type: 'FLAVORS' }, n.admin);
    assert.deepEqual(f, { id: f.id, name: 'gold', description: 'd', service_type: 'FLAVORS', enabled: true, service_profiles: [] });
    assert.deepEqual((await n.call('GET', `/v2.0/flavors/${f.id}`, n.demo)).body.flavor, f);
    assert.deepEqual((await n.call('GET', `/v2.0/flavors?id=${f.id}`, n.demo)).body.flavors, [f]);
    assert.deepEqual((await admin('GET', '/v2.0/flavors?id=33')).body.flavors, []);
    const denied = await n.call('POST', '/v2.0/flavors', n.demo, { flavor: { name: 'x', service_type: 'FLAVORS' } });
    assert.equal(denied.status, 403);
    assert.equal(faultType(await n.call('PUT', `/v2.0/flavors/${f.id}`, n.demo, { flavor: { name: 'x' } })), 'PolicyNotAuthorized');
    const unknown = await admin('POST', '/v2.0/flavors', { flavor: { name: 'x', service_type: 'LOADBALANCERV2' } });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.NeutronError, { type: 'InvalidServiceType', message: 'Invalid service type: LOADBALANCERV2.', detail: '' });
    assert.equal((await admin('POST', '/v2.0/flavors', { flavor: { name: 'x' } })).status, 400);
    const updated = await admin('PUT', `/v2.0/flavors/${f.id}`, { flavor: { enabled: false, description: 'retired' } });
    assert.equal(updated.body.flavor.enabled, false);
    assert.equal(updated.body.flavor.description, 'retired');
    assert.equal((await admin('PUT', `/v2.0/flavors/${f.id}`, { flavor: { service_type: 'QOS' } })).status, 400);
    assert.equal((await admin('DELETE', `/v2.0/flavors/${f.id}`)).status, 204);
    assert.equal(faultType(await admin('GET', `/v2.0/flavors/${f.id}`)), 'FlavorNotFound');
  });

  it('service profiles: admins only, a driver of this cloud or metainfo', async () => {
    const p = await n.create('service_profiles', 'service_profile', { description: 'meta', metainfo: '{"data": "value"}' }, n.admin);
    assert.deepEqual(p, { id: p.id, description: 'meta', driver: '', metainfo: '{"data": "value"}', enabled: true });
    assert.deepEqual((await n.call('GET', '/v2.0/service_profiles', n.demo)).body, { service_profiles: [] });
    const hidden = await n.call('GET', `/v2.0/service_profiles/${p.id}`, n.demo);
    assert.equal(hidden.status, 404);
    assert.equal(faultType(hidden), 'HTTPNotFound');
    assert.equal((await n.call('POST', '/v2.0/service_profiles', n.demo, { service_profile: { metainfo: 'x' } })).status, 403);
    const empty = await admin('POST', '/v2.0/service_profiles', { service_profile: { description: 'nothing' } });
    assert.equal(empty.status, 400);
    assert.equal(faultType(empty), 'ServiceProfileEmpty');
    const driver = await admin('POST', '/v2.0/service_profiles', { service_profile: { driver: 'neutron.services.l3_router.service_providers.dvr.DvrDriver' } });
    assert.equal(driver.status, 404);
    assert.equal(faultType(driver), 'ServiceProfileDriverNotFound');
    assert.equal((await admin('PUT', `/v2.0/service_profiles/${p.id}`, { service_profile: { enabled: false } })).body.service_profile.enabled, false);
    assert.equal((await admin('DELETE', `/v2.0/service_profiles/${p.id}`)).status, 204);
  });

  it('associations: once per pair; an associated profile can neither change nor go', async () => {
    const { flavor, profile } = await routerFlavor();
    assert.deepEqual((await admin('GET', `/v2.0/flavors/${flavor.id}`)).body.flavor.service_profiles, [profile.id]);
    const body = { service_profile: { id: profile.id } };
    const again = await admin('POST', `/v2.0/flavors/${flavor.id}/service_profiles`, body);
    assert.equal(again.status, 409);
    assert.equal(faultType(again), 'FlavorServiceProfileBindingExists');
    assert.equal(faultType(await admin('PUT', `/v2.0/service_profiles/${profile.id}`, { service_profile: { description: 'x' } })), 'ServiceProfileInUse');
    assert.equal(faultType(await admin('DELETE', `/v2.0/service_profiles/${profile.id}`)), 'ServiceProfileInUse');
    const missing = await admin('POST', `/v2.0/flavors/${flavor.id}/service_profiles`, { service_profile: { id: '00000000-0000-0000-0000-000000000000' } });
    assert.equal(faultType(missing), 'ServiceProfileNotFound');
    assert.equal((await admin('DELETE', `/v2.0/flavors/${flavor.id}/service_profiles/${profile.id}`)).status, 204);
    const gone = await admin('DELETE', `/v2.0/flavors/${flavor.id}/service_profiles/${profile.id}`);
    assert.equal(gone.status, 404);
    assert.equal(faultType(gone), 'FlavorServiceProfileBindingNotFound');
    assert.equal((await admin('DELETE', `/v2.0/service_profiles/${profile.id}`)).status, 204);
  });

  it('a router keeps the flavor it was created with; the flavor stays while routers use it', async () => {
    const { flavor } = await routerFlavor();
    const router = await n.create('routers', 'router', { name: 'flavored', flavor_id: flavor.id });
    assert.equal(router.flavor_id, flavor.id);
    assert.equal((await n.call('GET', `/v2.0/routers?flavor_id=${flavor.id}`, n.demo)).body.routers.length, 1);
    const inUse = await admin('DELETE', `/v2.0/flavors/${flavor.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(faultType(inUse), 'FlavorInUse');
    assert.equal((await n.call('PUT', `/v2.0/routers/${router.id}`, n.demo, { router: { flavor_id: null } })).status, 400);
    assert.equal((await n.call('DELETE', `/v2.0/routers/${router.id}`, n.demo)).status, 204);
    assert.equal((await admin('DELETE', `/v2.0/flavors/${flavor.id}`)).status, 204);
    assert.equal((await n.create('routers', 'router', { name: 'plain' })).flavor_id, null);
  });

  it('a router flavor that cannot serve is refused as Neutron refuses it', async () => {
    const refused = async (body: Record<string, unknown>, status: number, type: string) => {
      const r = await n.call('POST', '/v2.0/routers', n.demo, { router: { name: 'r', ...body } });
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(faultType(r), type);
    };
    await refused({ flavor_id: '00000000-0000-0000-0000-000000000000' }, 404, 'FlavorNotFound');
    await refused({ flavor_id: 'not-a-uuid' }, 400, 'HTTPBadRequest');
    const lonely = await n.create('flavors', 'flavor', { name: 'lonely', service_type: 'L3_ROUTER_NAT' }, n.admin);
    await refused({ flavor_id: lonely.id }, 404, 'FlavorServiceProfileBindingNotFound');
    await refused({ flavor_id: (await routerFlavor({ profileEnabled: false })).flavor.id }, 503, 'ServiceProfileDisabled');
    await refused({ flavor_id: (await routerFlavor({ flavorEnabled: false })).flavor.id }, 503, 'FlavorDisabled');
    await refused({ flavor_id: (await routerFlavor({ serviceType: 'QOS' })).flavor.id }, 400, 'InvalidServiceType');
    const good = (await routerFlavor()).flavor.id;
    const both = await admin('POST', '/v2.0/routers', { router: { name: 'r', flavor_id: good, distributed: true } });
    assert.equal(both.status, 400);
  });

  it('bad input to every flavor route is a 4xx in Neutron format', async () => {
    const flavor = await n.create('flavors', 'flavor', { name: 'b', service_type: 'FLAVORS' }, n.admin);
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/v2.0/flavors', { flavor: 'x' }],
      ['POST', '/v2.0/flavors', { flavor: { service_type: 7 } }],
      ['POST', '/v2.0/flavors', { flavor: { service_type: 'FLAVORS', enabled: 'maybe' } }],
      ['POST', '/v2.0/flavors', { flavor: { service_type: 'FLAVORS', service_profiles: ['nope'] } }],
      ['POST', '/v2.0/flavors', { flavor: { service_type: 'FLAVORS', service_profiles: ['11111111-2222-3333-4444-555555555555'] } }],
      ['PUT', `/v2.0/flavors/${flavor.id}`, { flavor: { bogus: 1 } }],
      ['POST', '/v2.0/service_profiles', { service_profile: { metainfo: { a: 1 } } }],
      ['POST', '/v2.0/service_profiles', { service_profile: { driver: 5 } }],
      ['POST', `/v2.0/flavors/${flavor.id}/service_profiles`, 'x'],
      ['POST', `/v2.0/flavors/${flavor.id}/service_profiles`, { service_profile: {} }],
      ['POST', `/v2.0/flavors/${flavor.id}/service_profiles`, { service_profile: { id: 'nope' } }],
      ['POST', '/v2.0/flavors/11111111-2222-3333-4444-555555555555/service_profiles', { service_profile: { id: '11111111-2222-3333-4444-555555555555' } }],
      ['DELETE', '/v2.0/flavors/11111111-2222-3333-4444-555555555555/service_profiles/x', undefined],
      ['GET', '/v2.0/flavors?colour=red', undefined],
      ['POST', '/v2.0/routers', { router: { flavor_id: 5 } }],
    ];
    for (const [method, path, body] of cases) {
      const r = await admin(method, path, body);
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} ${JSON.stringify(body)}: ${r.status}`);
      assert.equal(typeof faultType(r), 'string', `${method} ${path}: ${JSON.stringify(r.body)}`);
    }
  });

  it('the openstack CLI creates a router flavor with a profile that members then see', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const os = (cloud: string, args: string[]) => openstack(n.cloud.cloudsYaml, cloud, args);
    await os('scs-admin', ['network', 'flavor', 'create', '--service-type', 'L3_ROUTER_NAT', '--description', 'gold', 'cli-gold']);
    const profile = await os('scs-admin', ['network', 'flavor', 'profile', 'create', '--driver', SINGLE_NODE, '-f', 'json']);
    await os('scs-admin', ['network', 'flavor', 'add', 'profile', 'cli-gold', profile.id]);
    const seen = (await os('scs-demo', ['network', 'flavor', 'list', '-f', 'json'])).find((f: any) => f.Name === 'cli-gold');
    assert.deepEqual([seen['Service Type'], seen.Enabled, seen.Description], ['L3_ROUTER_NAT', true, 'gold']);
    const router = await n.create('routers', 'router', { name: 'cli-flavored', flavor_id: seen.ID });
    assert.equal(router.flavor_id, seen.ID);
  });

  it('openstacksdk: flavors, profiles, associations and a flavored router', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const out = await python(SDK_SCRIPT, { OS_CLIENT_CONFIG_FILE: n.cloud.cloudsYaml });
    assert.deepEqual(out, {
      associated: { service_profile: { id: out.associated.service_profile.id } },
      profiles: true,
      member_sees: true,
      member_profiles: 0,
      router_flavor: true,
      delete_in_use: 409,
      found: true,
      gone: true,
    });
  });
});
