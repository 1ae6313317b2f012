import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: service providers (OS-FEDERATION, K2K)', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  let sps: string;

  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
    sps = `${base}/v3/OS-FEDERATION/service_providers`;
  });
  after(() => cloud.close());

  const issue = async () =>
    (
      await api(`${base}/v3/auth/tokens`, {
        method: 'POST',
        body: { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { id: 'default' }, password: cloud.passwords.demo } } } } },
      })
    ).body.token;

  it('creates with Keystone\'s defaults (disabled, relay state ss:mem:), shows, lists and filters', async () => {
    const body = { service_provider: { auth_url: 'https://sp.example/v3/OS-FEDERATION/identity_providers/us/protocols/saml2/auth', sp_url: 'https://sp.example/Shibboleth.sso/SAML2/ECP' } };
    const created = await api(`${sps}/sp-one`, { method: 'PUT', token: admin, body });
    assert.equal(created.status, 201);
    const sp = created.body.service_provider;
    assert.equal(sp.enabled, false);
    assert.equal(sp.relay_state_prefix, 'ss:mem:');
    assert.equal(sp.description, null);
    assert.equal(sp.links.self, `${sps}/sp-one`);
    assert.deepEqual(Object.keys(sp).sort(), ['auth_url', 'description', 'enabled', 'id', 'links', 'relay_state_prefix', 'sp_url']);
    assert.equal((await api(`${sps}/sp-one`, { method: 'PUT', token: admin, body })).status, 409);
    assert.equal((await api(`${sps}/sp-one`, { token: admin })).body.service_provider.sp_url, body.service_provider.sp_url);
    const listed = await api(`${sps}?enabled=false`, { token: admin });
    assert.deepEqual(listed.body.service_providers.map((s: { id: string }) => s.id), ['sp-one']);
    assert.equal((await api(`${sps}?enabled=true`, { token: admin })).body.service_providers.length, 0);
    assert.equal((await api(`${sps}/nope`, { token: admin })).status, 404);
    assert.equal((await api(`${sps}/nope`, { method: 'DELETE', token: admin })).status, 404);
  });

  it('validates as Keystone\'s schema (400)', async () => {
    const bad = [
      { sp_url: 'https://x' },
      { auth_url: 'no-scheme', sp_url: 'https://x' },
      { auth_url: 'https://x', sp_url: 'https://x', enabled: 'yes' },
      { auth_url: 'https://x', sp_url: 'https://x', id: 'other' },
    ];
    for (const b of bad) assert.equal((await api(`${sps}/sp-bad`, { method: 'PUT', token: admin, body: { service_provider: b } })).status, 400, JSON.stringify(b));
    assert.equal((await api(`${sps}/sp-one`, { method: 'PATCH', token: admin, body: { service_provider: {} } })).status, 400);
  });

  it('puts the enabled providers in every token, scoped or not', async () => {
    assert.equal((await issue()).service_providers, undefined);
    const upd = await api(`${sps}/sp-one`, { method: 'PATCH', token: admin, body: { service_provider: { enabled: true, description: 'peer cloud' } } });
    assert.equal(upd.status, 200);
    assert.equal(upd.body.service_provider.description, 'peer cloud');
    const unscoped = await issue();
    assert.deepEqual(unscoped.service_providers, [{ auth_url: upd.body.service_provider.auth_url, id: 'sp-one', sp_url: upd.body.service_provider.sp_url }]);
    const scoped = await api(`${base}/v3/auth/tokens`, { token: admin, headers: { 'x-subject-token': admin } });
    assert.equal(scoped.body.token.service_providers[0].id, 'sp-one');
    await api(`${sps}/sp-one`, { method: 'PATCH', token: admin, body: { service_provider: { enabled: false } } });
    assert.equal((await issue()).service_providers, undefined);
  });

  it('is read by the admin and the system reader, changed by the admin only', async () => {
    const demo = await cloud.demoToken();
    assert.equal((await api(sps, { token: demo })).status, 403);
    assert.equal((await api(`${sps}/sp-one`, { token: demo })).status, 403);
    assert.equal((await api(`${sps}/sp-x`, { method: 'PUT', token: demo, body: { service_provider: { auth_url: 'https://a', sp_url: 'https://b' } } })).status, 403);
  });

  it('works with the openstack CLI (create, list, set, delete)', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const created = await openstack(cloud.cloudsYaml, 'scs-admin', [
      'service', 'provider', 'create', '--auth-url', 'https://peer.example/v3/auth', '--service-provider-url', 'https://peer.example/ecp', '--enable', 'cli-sp', '-f', 'json',
    ]);
    assert.equal(created.id, 'cli-sp');
    assert.equal(created.enabled, true);
    await openstack(cloud.cloudsYaml, 'scs-admin', ['service', 'provider', 'set', '--description', 'from the CLI', 'cli-sp']);
    const listed = await openstack(cloud.cloudsYaml, 'scs-admin', ['service', 'provider', 'list', '-f', 'json']);
    assert.ok(listed.some((s: { ID: string; Description: string }) => s.ID === 'cli-sp' && s.Description === 'from the CLI'));
    await openstack(cloud.cloudsYaml, 'scs-admin', ['service', 'provider', 'delete', 'cli-sp']);
    assert.equal((await api(`${sps}/cli-sp`, { token: admin })).status, 404);
  });

  it('is read from the token by keystoneauth (openstacksdk), as its K2K plugin does', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const body = { service_provider: { auth_url: 'https://peer.example/v3/auth', sp_url: 'https://peer.example/ecp', enabled: true } };
    assert.equal((await api(`${sps}/sdk-sp`, { method: 'PUT', token: admin, body })).status, 201);
    const seen = await python(
      [
        'import json, openstack',
        "c = openstack.connect(cloud='scs-demo')",
        'sps = c.session.auth.get_access(c.session).service_providers',
        "print(json.dumps([sps.get_auth_url('sdk-sp'), sps.get_sp_url('sdk-sp')]))",
      ].join('\n'),
      { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml },
    );
    assert.deepEqual(seen, [body.service_provider.auth_url, body.service_provider.sp_url]);
    assert.equal((await api(`${sps}/sdk-sp`, { method: 'DELETE', token: admin })).status, 204);
  });
});
