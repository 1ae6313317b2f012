import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: domain configuration', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  let domainId: string;
  const ldap = { url: 'ldap://myldap.example:389/', user_tree_dn: 'ou=Users,dc=example,dc=org', password: 'hush' };

  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
    const d = await api(`${base}/v3/domains`, { method: 'POST', token: admin, body: { domain: { name: 'cfg-domain' } } });
    domainId = d.body.domain.id;
  });
  after(() => cloud.close());

  const cfg = (path = '') => `${base}/v3/domains/${domainId}/config${path}`;

  it('creates (201, then 200 on replace), and never returns the sensitive ldap password', async () => {
    const body = { config: { identity: { driver: 'ldap', list_limit: 7 }, ldap } };
    const created = await api(cfg(), { method: 'PUT', token: admin, body });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.config, { identity: { driver: 'ldap', list_limit: 7 }, ldap: { url: ldap.url, user_tree_dn: ldap.user_tree_dn } });
    const shown = await api(cfg(), { token: admin });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.config.ldap.password, undefined);
    assert.equal(shown.body.config.identity.list_limit, 7);
    const pw = await api(cfg('/ldap/password'), { token: admin });
    assert.equal(pw.status, 404);
    assert.deepEqual((await api(cfg('/ldap'), { token: admin })).body.config, { ldap: { url: ldap.url, user_tree_dn: ldap.user_tree_dn } });
    assert.deepEqual((await api(cfg('/identity/driver'), { token: admin })).body.config, { driver: 'ldap' });
    const replaced = await api(cfg(), { method: 'PUT', token: admin, body: { config: { identity: { driver: 'sql' } } } });
    assert.equal(replaced.status, 200);
    assert.deepEqual(replaced.body.config, { identity: { driver: 'sql' } });
  });

  it('merges by PATCH; a group or option path must name exactly that, existing, item', async () => {
    await api(cfg(), { method: 'PUT', token: admin, body: { config: { identity: { driver: 'ldap' }, ldap: { url: 'ldap://a' } } } });
    const merged = await api(cfg(), { method: 'PATCH', token: admin, body: { config: { ldap: { user_tree_dn: 'ou=x' } } } });
    assert.equal(merged.status, 200);
    assert.deepEqual(merged.body.config, { identity: { driver: 'ldap' }, ldap: { url: 'ldap://a', user_tree_dn: 'ou=x' } });
    const opt = await api(cfg('/ldap/url'), { method: 'PATCH', token: admin, body: { config: { url: 'ldap://b' } } });
    assert.equal(opt.body.config.ldap.url, 'ldap://b');
    const wrongGroup = await api(cfg('/ldap'), { method: 'PATCH', token: admin, body: { config: { identity: { driver: 'x' } } } });
    assert.equal(wrongGroup.status, 403);
    assert.match(wrongGroup.body.error.message, /^Invalid domain specific configuration: request to update group ldap/);
    const unset = await api(cfg('/ldap/suffix'), { method: 'PATCH', token: admin, body: { config: { suffix: 'cn=x' } } });
    assert.equal(unset.status, 404);
    assert.match(unset.body.error.message, /Could not find option suffix in group ldap in domain configuration/);
  });

  it('refuses groups and options Keystone does not allow (403) and empty configurations', async () => {
    for (const config of [{ token: { expiration: 1 } }, { ldap: { not_an_option: 1 } }, {}, { ldap: {} }]) {
      const res = await api(cfg(), { method: 'PUT', token: admin, body: { config } });
      assert.equal(res.status, 403, JSON.stringify(config));
      assert.equal(res.body.error.title, 'Forbidden');
    }
    assert.equal((await api(cfg(), { method: 'PUT', token: admin, raw: '[1]' })).status, 400);
    assert.equal((await api(cfg('/token'), { token: admin })).status, 403);
  });

  it('deletes an option, a group, then all (404 for what is not set, or an unknown domain)', async () => {
    await api(cfg(), { method: 'PUT', token: admin, body: { config: { identity: { driver: 'ldap' }, ldap: { url: 'ldap://a', user_filter: 'x' } } } });
    assert.equal((await api(cfg('/ldap/user_filter'), { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(cfg('/ldap/user_filter'), { token: admin })).status, 404);
    assert.equal((await api(cfg('/ldap/user_filter'), { method: 'DELETE', token: admin })).status, 404);
    assert.equal((await api(cfg('/ldap'), { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(cfg('/ldap'), { token: admin })).status, 404);
    assert.equal((await api(cfg(), { method: 'DELETE', token: admin })).status, 204);
    const none = await api(cfg(), { token: admin });
    assert.equal(none.status, 404);
    assert.match(none.body.error.message, /Could not find any options in domain configuration/);
    assert.equal((await api(`${base}/v3/domains/nope/config`, { token: admin })).status, 404);
  });

  it('serves the defaults of the allowed options', async () => {
    const all = await api(`${base}/v3/domains/config/default`, { token: admin });
    assert.equal(all.status, 200);
    assert.equal(all.body.config.identity.driver, 'sql');
    assert.equal(all.body.config.identity.list_limit, null);
    assert.equal(all.body.config.ldap.url, 'ldap://localhost');
    assert.equal(all.body.config.ldap.password, undefined);
    assert.deepEqual(Object.keys((await api(`${base}/v3/domains/config/identity/default`, { token: admin })).body.config), ['identity']);
    assert.deepEqual((await api(`${base}/v3/domains/config/ldap/query_scope/default`, { token: admin })).body.config, { query_scope: 'one' });
    assert.equal((await api(`${base}/v3/domains/config/ldap/password/default`, { token: admin })).status, 403);
    assert.equal((await api(`${base}/v3/domains/config/token/default`, { token: admin })).status, 403);
  });

  it('lets any token read the security compliance options of the default domain only', async () => {
    const demo = await cloud.demoToken();
    const sc = await api(`${base}/v3/domains/default/config/security_compliance`, { token: demo });
    assert.equal(sc.status, 200);
    assert.deepEqual(sc.body.config, { security_compliance: { password_regex: null, password_regex_description: null } });
    const one = await api(`${base}/v3/domains/default/config/security_compliance/password_regex_description`, { token: demo });
    assert.deepEqual(one.body.config, { password_regex_description: null });
    assert.equal((await api(`${base}/v3/domains/default/config/security_compliance/lockout_duration`, { token: demo })).status, 403);
    assert.equal((await api(`${base}/v3/domains/${domainId}/config/security_compliance`, { token: demo })).status, 403);
  });

  it('is the cloud admin\'s: a member may not read or change it', async () => {
    const demo = await cloud.demoToken();
    assert.equal((await api(cfg(), { token: demo })).status, 403);
    assert.equal((await api(`${base}/v3/domains/config/default`, { token: demo })).status, 403);
    assert.equal((await api(cfg(), { method: 'PUT', token: demo, body: { config: { identity: { driver: 'sql' } } } })).status, 403);
  });

  it('goes with its domain', async () => {
    const d = await api(`${base}/v3/domains`, { method: 'POST', token: admin, body: { domain: { name: 'cfg-gone', enabled: false } } });
    const url = `${base}/v3/domains/${d.body.domain.id}/config`;
    assert.equal((await api(url, { method: 'PUT', token: admin, body: { config: { identity: { driver: 'ldap' } } } })).status, 201);
    assert.equal((await api(`${base}/v3/domains/${d.body.domain.id}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(url, { token: admin })).status, 404);
  });
});
