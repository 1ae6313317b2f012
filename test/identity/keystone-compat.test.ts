import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addTenant, api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

/** Details where upstream tempest found us different from Keystone. */
describe('identity: Keystone compatibility details', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = `${cloud.urls.identity}/v3`;
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());
  const post = (path: string, body: unknown, token = admin) => api(`${base}/${path}`, { method: 'POST', token, body });
  const userOf = async (token: string) => (await api(`${base}/auth/tokens`, { token, headers: { 'x-subject-token': token } })).body.token.user.id as string;

  it('application credentials: roles granted after the token was issued; expiry keeps microseconds', async () => {
    const tenant = await addTenant(cloud, 'appcred-late', 'member');
    const token = await tenant.token();
    const userId = await userOf(token);
    const role = (await post('roles', { role: { name: 'late-role' } })).body.role;
    assert.equal((await api(`${base}/projects/${tenant.projectId}/users/${userId}/roles/${role.id}`, { method: 'PUT', token: admin })).status, 204);
    const res = await post(`users/${userId}/application_credentials`, { application_credential: { name: 'late', roles: [{ id: role.id }], expires_at: '2099-05-06T07:08:09.793224' } }, token);
    assert.equal(res.status, 201);
    assert.equal(res.body.application_credential.expires_at, '2099-05-06T07:08:09.793224');
    const login = await post('auth/tokens', { auth: { identity: { methods: ['application_credential'], application_credential: { id: res.body.application_credential.id, secret: res.body.application_credential.secret } } } });
    assert.deepEqual(login.body.token.roles.map((r: { id: string }) => r.id), [role.id]);
  });

  it('credentials: an ec2 blob may get a new access key, not a new trust_id', async () => {
    const project = (await post('projects', { project: { name: 'cred-proj', domain_id: 'default' } })).body.project;
    const userId = await userOf(admin);
    const cred = (await post('credentials', { credential: { user_id: userId, project_id: project.id, type: 'ec2', blob: '{"access": "a1", "secret": "s1"}' } })).body.credential;
    const patch = (blob: string) => api(`${base}/credentials/${cred.id}`, { method: 'PATCH', token: admin, body: { credential: { blob } } });
    const changed = await patch('{"access": "a2", "secret": "s2"}');
    assert.equal(changed.status, 200);
    assert.equal(changed.body.credential.id, cred.id);
    assert.equal(JSON.parse(changed.body.credential.blob).access, 'a2');
    assert.equal((await patch('{"access": "a2", "secret": "s2", "trust_id": "t"}')).status, 400);
  });

  it('deleting a disabled domain deletes its projects, users and groups', async () => {
    const dom = (await post('domains', { domain: { name: 'doomed' } })).body.domain;
    const parent = (await post('projects', { project: { name: 'p', domain_id: dom.id } })).body.project;
    const child = (await post('projects', { project: { name: 'c', domain_id: dom.id, parent_id: parent.id } })).body.project;
    const user = (await post('users', { user: { name: 'u', domain_id: dom.id } })).body.user;
    const group = (await post('groups', { group: { name: 'g', domain_id: dom.id } })).body.group;
    assert.equal((await api(`${base}/domains/${dom.id}`, { method: 'DELETE', token: admin })).status, 403, 'enabled');
    await api(`${base}/domains/${dom.id}`, { method: 'PATCH', token: admin, body: { domain: { enabled: false } } });
    assert.equal((await api(`${base}/domains/${dom.id}`, { method: 'DELETE', token: admin })).status, 204);
    for (const path of [`domains/${dom.id}`, `projects/${parent.id}`, `projects/${child.id}`, `users/${user.id}`, `groups/${group.id}`]) {
      assert.equal((await api(`${base}/${path}`, { token: admin })).status, 404, path);
    }
  });

  it('endpoints: the legacy `region` attribute creates a missing region', async () => {
    const svc = (await post('services', { service: { type: 'legacy', name: 'legacy' } })).body.service;
    const res = await post('endpoints', { endpoint: { service_id: svc.id, interface: 'public', url: 'http://x.example', region: 'new-region' } });
    assert.equal(res.status, 201);
    assert.equal(res.body.endpoint.region_id, 'new-region');
    assert.equal((await api(`${base}/regions/new-region`, { token: admin })).status, 200);
    assert.equal((await post('endpoints', { endpoint: { service_id: svc.id, interface: 'public', url: 'http://x.example', region_id: 'absent' } })).status, 400);
  });

  it('effective role assignments and tokens leave out domain-specific roles', async () => {
    const tenant = await addTenant(cloud, 'domrole', 'member');
    const userId = await userOf(await tenant.token());
    const domRole = (await post('roles', { role: { name: 'dom-only', domain_id: 'default' } })).body.role;
    await api(`${base}/projects/${tenant.projectId}/users/${userId}/roles/${domRole.id}`, { method: 'PUT', token: admin });
    const eff = await api(`${base}/role_assignments?effective&user.id=${userId}&scope.project.id=${tenant.projectId}`, { token: admin });
    assert.ok(!eff.body.role_assignments.some((a: { role: { id: string } }) => a.role.id === domRole.id));
    assert.ok(eff.body.role_assignments.length > 0);
  });

  it('policies: opaque blobs with create, list by type, update and delete (admin only)', async () => {
    const created = await post('policies', { policy: { blob: '{"a": 1}', type: 'application/json', owner: 'x' } });
    assert.equal(created.status, 201);
    const p = created.body.policy;
    assert.equal(p.blob, '{"a": 1}');
    assert.equal(p.owner, 'x');
    assert.match(p.links.self, new RegExp(`/v3/policies/${p.id}$`));
    const listed = await api(`${base}/policies?type=application/json`, { token: admin });
    assert.deepEqual(listed.body.policies.map((x: { id: string }) => x.id), [p.id]);
    const upd = await api(`${base}/policies/${p.id}`, { method: 'PATCH', token: admin, body: { policy: { type: 'text/plain' } } });
    assert.equal(upd.body.policy.type, 'text/plain');
    assert.equal(upd.body.policy.blob, '{"a": 1}');
    assert.equal((await post('policies', { policy: { type: 'no-blob' } })).status, 400);
    assert.equal((await api(`${base}/policies`, { token: await cloud.demoToken() })).status, 403);
    assert.equal((await api(`${base}/policies/${p.id}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(`${base}/policies/${p.id}`, { token: admin })).status, 404);
  });

  it('OAuth1 consumers: the secret shown once, description updates, no secret change', async () => {
    const created = await post('OS-OAUTH1/consumers', { consumer: { description: 'c1' } });
    assert.equal(created.status, 201);
    const c = created.body.consumer;
    assert.ok(c.secret.length >= 32);
    assert.match(c.links.self, new RegExp(`/v3/OS-OAUTH1/consumers/${c.id}$`));
    const shown = await api(`${base}/OS-OAUTH1/consumers/${c.id}`, { token: admin });
    assert.deepEqual(shown.body.consumer, { id: c.id, description: 'c1', links: c.links });
    const patch = (body: unknown) => api(`${base}/OS-OAUTH1/consumers/${c.id}`, { method: 'PATCH', token: admin, body: { consumer: body } });
    assert.equal((await patch({ description: 'c2' })).body.consumer.description, 'c2');
    assert.equal((await patch({ secret: 'x' })).status, 400);
    assert.deepEqual((await api(`${base}/OS-OAUTH1/consumers`, { token: admin })).body.consumers.map((x: { id: string }) => x.id), [c.id]);
    assert.equal((await api(`${base}/OS-OAUTH1/consumers`, { token: await cloud.demoToken() })).status, 403);
    assert.equal((await api(`${base}/OS-OAUTH1/consumers/${c.id}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(`${base}/OS-OAUTH1/consumers/${c.id}`, { token: admin })).status, 404);
  });

  it('shows domains through the projects API as projects acting as domains (read only)', async () => {
    const shown = await api(`${base}/projects/default`, { token: admin });
    assert.equal(shown.status, 200);
    assert.deepEqual(
      { id: shown.body.project.id, name: shown.body.project.name, is_domain: shown.body.project.is_domain, domain_id: shown.body.project.domain_id, parent_id: shown.body.project.parent_id },
      { id: 'default', name: 'Default', is_domain: true, domain_id: null, parent_id: null },
    );
    assert.match(shown.body.project.links.self, /\/v3\/projects\/default$/);
    const listed = await api(`${base}/projects?is_domain=true`, { token: admin });
    assert.ok(listed.body.projects.some((p: { id: string; is_domain: boolean }) => p.id === 'default' && p.is_domain));
    assert.ok((await api(`${base}/projects`, { token: admin })).body.projects.every((p: { is_domain: boolean }) => !p.is_domain));
    const member = await (await addTenant(cloud, 'domain-as-project', 'member')).token();
    assert.equal((await api(`${base}/projects/default`, { token: member })).status, 403);
    assert.equal((await api(`${base}/projects/no-such-thing`, { token: admin })).status, 404);
  });

  it('a rescoped token lists the token method with the original ones', async () => {
    const unscoped = (await post('auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { id: 'default' }, password: cloud.passwords.demo } } }, scope: 'unscoped' } })).headers.get('x-subject-token')!;
    const scoped = await post('auth/tokens', { auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } } });
    assert.equal(scoped.status, 201);
    assert.deepEqual([...scoped.body.token.methods].sort(), ['password', 'token']);
    // A revoked token given to the token method is Keystone's TokenNotFound, a 404.
    await api(`${base}/auth/tokens`, { method: 'DELETE', token: admin, headers: { 'x-subject-token': unscoped } });
    const again = await post('auth/tokens', { auth: { identity: { methods: ['token'], token: { id: unscoped } } } });
    assert.equal(again.status, 404);
  });
});
