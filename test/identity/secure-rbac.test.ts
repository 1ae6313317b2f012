import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

/**
 * Keystone's secure-RBAC personas beyond the domain manager (isolation.test.ts): the domain admin
 * (admin on a domain-scoped token) administers its domain only, the system reader reads
 * everything, and another user's application credential is 403 even through one's own path.
 */
describe('identity: secure RBAC personas', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  const roles: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let domainAdmin: string;
  let systemReader: string;

  const as = (token: string, method: string, path: string, body?: unknown) => api(`${base}${path}`, { method, token, body });
  const create = async (kind: string, body: Record<string, unknown>) => {
    const res = await as(admin, 'POST', `/v3/${kind}s`, { [kind]: body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body[kind].id as string;
  };
  const grant = async (path: string) => assert.equal((await as(admin, 'PUT', path)).status, 204);
  const login = async (user: string, domainId: string, scope: unknown) => {
    const res = await api(`${base}/v3/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: domainId }, password: 'pw' } } }, scope } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.headers.get('x-subject-token')!;
  };

  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
    for (const r of (await as(admin, 'GET', '/v3/roles')).body.roles) roles[r.name] = r.id;
    ids.domA = await create('domain', { name: 'rbac-a' });
    ids.domB = await create('domain', { name: 'rbac-b' });
    ids.userA = await create('user', { name: 'rbac-user', domain_id: ids.domA, password: 'pw' });
    const da = await create('user', { name: 'rbac-dadmin', domain_id: ids.domA, password: 'pw' });
    await grant(`/v3/domains/${ids.domA}/users/${da}/roles/${roles.admin}`);
    domainAdmin = await login('rbac-dadmin', ids.domA, { domain: { id: ids.domA } });
    const sr = await create('user', { name: 'rbac-sreader', domain_id: 'default', password: 'pw' });
    await grant(`/v3/system/users/${sr}/roles/${roles.reader}`);
    systemReader = await login('rbac-sreader', 'default', { system: { all: true } });
  });
  after(() => cloud.close());

  it('lets a domain admin administer its own domain only', async () => {
    const mine = await as(domainAdmin, 'POST', '/v3/users', { user: { name: 'hired', domain_id: ids.domA } });
    assert.equal(mine.status, 201);
    assert.equal((await as(domainAdmin, 'POST', '/v3/users', { user: { name: 'spy', domain_id: ids.domB } })).status, 403);
    assert.equal((await as(domainAdmin, 'POST', '/v3/domains', { domain: { name: 'mine' } })).status, 403);
    assert.equal((await as(domainAdmin, 'POST', '/v3/OS-OAUTH1/consumers', { consumer: {} })).status, 403);
    assert.equal((await as(domainAdmin, 'GET', '/v3/credentials')).status, 200, 'its own credentials only');
    // Granting admin would make a cloud admin: a domain admin grants what a domain manager may.
    const onDomain = (role: string) => `/v3/domains/${ids.domA}/users/${ids.userA}/roles/${roles[role]}`;
    assert.equal((await as(domainAdmin, 'PUT', onDomain('member'))).status, 204);
    assert.equal((await as(domainAdmin, 'PUT', onDomain('admin'))).status, 403);
  });

  it('lets a system reader read everything and change nothing', async () => {
    for (const path of ['/v3/domains', '/v3/users', '/v3/projects', '/v3/policies', '/v3/OS-OAUTH1/consumers', `/v3/users/${ids.userA}/access_rules`]) {
      assert.equal((await as(systemReader, 'GET', path)).status, 200, path);
    }
    assert.equal((await as(systemReader, 'POST', '/v3/domains', { domain: { name: 'nope' } })).status, 403);
    assert.equal((await as(systemReader, 'POST', '/v3/policies', { policy: { blob: '{}', type: 'application/json' } })).status, 403);
  });

  it("answers 403 for another user's application credential, also through one's own path", async () => {
    const demo = await cloud.demoToken();
    const demoId = (await api(`${base}/v3/auth/tokens`, { token: demo, headers: { 'x-subject-token': demo } })).body.token.user.id as string;
    const created = await as(demo, 'POST', `/v3/users/${demoId}/application_credentials`, { application_credential: { name: 'victim' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const victim = created.body.application_credential.id as string;
    const member = await login('rbac-user', ids.domA, 'unscoped');
    const own = `/v3/users/${ids.userA}/application_credentials`;
    assert.equal((await as(member, 'GET', `${own}/${victim}`)).status, 403);
    assert.equal((await as(member, 'DELETE', `${own}/${victim}`)).status, 403);
    assert.equal((await as(member, 'GET', `/v3/users/${demoId}/application_credentials/${victim}`)).status, 403);
    assert.equal((await as(member, 'GET', `${own}/${'0'.repeat(32)}`)).status, 404, 'a missing one of its own is 404');
  });
});
