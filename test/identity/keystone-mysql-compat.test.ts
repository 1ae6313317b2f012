import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

let cloud: TestCloud;
let admin: string;
const v3 = (path: string, method = 'GET', body?: unknown) => api(`${cloud.urls.identity}/v3${path}`, { method, token: admin, body });

before(async () => {
  cloud = await startTestCloud({ only: ['identity'] });
  admin = await cloud.adminToken();
});
after(() => cloud.close());

// Keystone refuses a domain-specific role only on a project of another domain; a grant on a
// domain itself is accepted (gophercloud's acceptance tests rely on it).
test('a domain-specific role is granted on any domain, but only on projects of its own domain', async () => {
  const other = (await v3('/domains', 'POST', { domain: { name: 'other-domain' } })).body.domain.id;
  const role = (await v3('/roles', 'POST', { role: { name: 'specific', domain_id: 'default' } })).body.role.id;
  const user = (await v3('/users', 'POST', { user: { name: 'dsr-user', domain_id: 'default' } })).body.user.id;
  assert.equal((await v3(`/domains/${other}/users/${user}/roles/${role}`, 'PUT')).status, 204);
  assert.equal((await v3(`/domains/${other}/users/${user}/roles/${role}`, 'HEAD')).status, 204);
  const foreign = (await v3('/projects', 'POST', { project: { name: 'foreign', domain_id: other } })).body.project.id;
  const own = (await v3('/projects', 'POST', { project: { name: 'own', domain_id: 'default' } })).body.project.id;
  assert.equal((await v3(`/projects/${foreign}/users/${user}/roles/${role}`, 'PUT')).status, 403);
  assert.equal((await v3(`/projects/${own}/users/${user}/roles/${role}`, 'PUT')).status, 204);
});

// Keystone on MySQL matches names case-insensitively; gophercloud logs in with domain `default`.
test('a password login names its domain in any case when only one domain matches', async () => {
  const body = (domain: string) => ({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: domain }, password: cloud.passwords.admin } } } } });
  for (const name of ['Default', 'default', 'DEFAULT']) {
    assert.equal((await api(`${cloud.urls.identity}/v3/auth/tokens`, { method: 'POST', body: body(name) })).status, 201, name);
  }
  assert.equal((await api(`${cloud.urls.identity}/v3/auth/tokens`, { method: 'POST', body: body('nodomain') })).status, 401);
});

// Keystone's `__contains`/`__startswith` filters ignore case on MySQL; gophercloud relies on it.
test('inexact name filters on projects, roles and policies ignore case, as Keystone on MySQL', async () => {
  await v3('/roles', 'POST', { role: { name: 'testrole-x' } });
  await v3('/projects', 'POST', { project: { name: 'Mixed-Case-Project', domain_id: 'default' } });
  const policy = (await v3('/policies', 'POST', { policy: { blob: '{}', type: 'application/json' } })).body.policy.id;
  assert.ok((await v3('/roles?name__contains=TEST')).body.roles.some((r: { name: string }) => r.name === 'testrole-x'));
  assert.ok(!(await v3('/roles?name__contains=reader')).body.roles.some((r: { name: string }) => r.name === 'testrole-x'));
  assert.deepEqual((await v3('/projects?name__startswith=mixed')).body.projects.map((p: { name: string }) => p.name), ['Mixed-Case-Project']);
  assert.ok((await v3('/projects?name__contains=dmi')).body.projects.some((p: { name: string }) => p.name === 'admin'));
  assert.deepEqual((await v3('/policies?type__contains=foobar')).body.policies, []);
  assert.ok((await v3('/policies?type__contains=JSON')).body.policies.some((p: { id: string }) => p.id === policy));
});
