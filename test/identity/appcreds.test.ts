import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: application credentials and access rules', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let demoId: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = `${cloud.urls.identity}/v3`;
    demo = await cloud.demoToken();
    demoId = (await api(`${base}/auth/tokens`, { token: demo, headers: { 'x-subject-token': demo } })).body.token.user.id;
  });
  after(() => cloud.close());

  const create = (token: string, body: Record<string, unknown>, user = demoId) =>
    api(`${base}/users/${user}/application_credentials`, { method: 'POST', token, body: { application_credential: body } });
  const login = (cred: Record<string, unknown>) =>
    api(`${base}/auth/tokens`, { method: 'POST', body: { auth: { identity: { methods: ['application_credential'], application_credential: cred } } } });

  it('creates a credential with a generated secret shown once, and logs in with it', async () => {
    const res = await create(demo, { name: 'ci', description: 'for CI' });
    assert.equal(res.status, 201);
    const c = res.body.application_credential;
    assert.equal(c.secret.length, 86);
    assert.equal(c.unrestricted, false);
    assert.equal(c.project_id.length, 32);
    assert.deepEqual(c.roles.map((r: { name: string }) => r.name).sort(), ['member', 'reader']);
    assert.match(c.links.self, new RegExp(`/v3/users/${demoId}/application_credentials/${c.id}$`));

    const shown = await api(`${base}/users/${demoId}/application_credentials/${c.id}`, { token: demo });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.application_credential.secret, undefined);

    const byId = await login({ id: c.id, secret: c.secret });
    assert.equal(byId.status, 201);
    assert.deepEqual(byId.body.token.methods, ['application_credential']);
    assert.equal(byId.body.token.project.id, c.project_id);
    assert.deepEqual(byId.body.token.application_credential, { id: c.id, name: 'ci', restricted: true });

    const byName = await login({ name: 'ci', user: { name: 'demo', domain: { id: 'default' } }, secret: c.secret });
    assert.equal(byName.status, 201);
    assert.equal((await login({ id: c.id, secret: 'wrong' })).status, 401);
  });

  it('lists with a name filter and refuses duplicates and other users', async () => {
    await create(demo, { name: 'second', secret: 'my-own-secret' });
    const all = await api(`${base}/users/${demoId}/application_credentials`, { token: demo });
    assert.equal(all.status, 200);
    assert.ok(all.body.application_credentials.length >= 2);
    const one = await api(`${base}/users/${demoId}/application_credentials?name=second`, { token: demo });
    assert.deepEqual(one.body.application_credentials.map((c: { name: string }) => c.name), ['second']);
    const dup = await create(demo, { name: 'second' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 409);
    const admin = await cloud.adminToken();
    assert.equal((await create(admin, { name: 'x' })).status, 403);
    assert.equal((await api(`${base}/users/${demoId}/application_credentials/nope`, { token: demo })).status, 404);
    assert.equal((await create(demo, { name: 'x', roles: 'member' })).status, 400);
    assert.equal((await create(demo, { name: 'x', expires_at: 'soon' })).status, 400);
    assert.equal((await create(demo, {})).status, 400);
  });

  it('limits roles to a subset of the token roles, by name or id', async () => {
    const reader = await create(demo, { name: 'reader-only', roles: [{ name: 'reader' }] });
    assert.equal(reader.status, 201);
    assert.deepEqual(reader.body.application_credential.roles.map((r: { name: string }) => r.name), ['reader']);
    const tok = await login({ id: reader.body.application_credential.id, secret: reader.body.application_credential.secret });
    assert.deepEqual(tok.body.token.roles.map((r: { name: string }) => r.name), ['reader']);
    const admin = await create(demo, { name: 'escalate', roles: [{ name: 'admin' }] });
    assert.equal(admin.status, 400);
    assert.match(admin.body.error.message, /unassigned role/);
  });

  it('lets a restricted credential neither create nor delete credentials; an unrestricted one may', async () => {
    const restricted = (await create(demo, { name: 'restricted' })).body.application_credential;
    const rToken = (await login({ id: restricted.id, secret: restricted.secret })).headers.get('x-subject-token')!;
    const denied = await create(rToken, { name: 'child' });
    assert.equal(denied.status, 403);
    assert.match(denied.body.error.message, /not allowed for managing additional application credentials/);
    assert.equal((await api(`${base}/users/${demoId}/application_credentials/${restricted.id}`, { method: 'DELETE', token: rToken })).status, 403);
    assert.equal((await api(`${base}/users/${demoId}/credentials/OS-EC2`, { method: 'POST', token: rToken, body: { tenant_id: restricted.project_id } })).status, 403);

    const free = (await create(demo, { name: 'unrestricted', unrestricted: true })).body.application_credential;
    assert.equal(free.unrestricted, true);
    const fToken = (await login({ id: free.id, secret: free.secret })).headers.get('x-subject-token')!;
    const child = await create(fToken, { name: 'child' });
    assert.equal(child.status, 201);
    // EC2 credentials would act with all of the user's roles: not from an application credential.
    const ec2 = await api(`${base}/users/${demoId}/credentials/OS-EC2`, { method: 'POST', token: fToken, body: { tenant_id: free.project_id } });
    assert.equal(ec2.status, 403);
    const generic = { credential: { type: 'ec2', user_id: demoId, project_id: free.project_id, blob: '{"access":"via-ac"}' } };
    assert.equal((await api(`${base}/credentials`, { method: 'POST', token: fToken, body: generic })).status, 403);
  });

  it('revokes the tokens of a deleted credential', async () => {
    const c = (await create(demo, { name: 'doomed' })).body.application_credential;
    const token = (await login({ id: c.id, secret: c.secret })).headers.get('x-subject-token')!;
    assert.equal((await api(`${base}/auth/projects`, { token })).status, 200);
    assert.equal((await api(`${base}/users/${demoId}/application_credentials/${c.id}`, { method: 'DELETE', token: demo })).status, 204);
    assert.equal((await api(`${base}/auth/projects`, { token })).status, 401);
    assert.equal((await login({ id: c.id, secret: c.secret })).status, 401);
  });

  it('honours expiry: the token expires with the credential, an expired credential cannot log in', async () => {
    const soon = new Date(Date.now() + 600_000).toISOString().replace('Z', '');
    const c = (await create(demo, { name: 'expiring', expires_at: soon })).body.application_credential;
    assert.match(c.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const tok = await login({ id: c.id, secret: c.secret });
    assert.ok(Date.parse(tok.body.token.expires_at) <= Date.parse(`${soon}Z`));
    const past = (await create(demo, { name: 'expired', expires_at: '2000-01-01T00:00:00Z' })).body.application_credential;
    assert.equal((await login({ id: past.id, secret: past.secret })).status, 401);
  });

  it('stores access rules, reuses identical ones and enforces them at the API edge', async () => {
    const rules = [
      { service: 'identity', method: 'GET', path: '/v3/users/*/application_credentials' },
      { service: 'identity', method: 'GET', path: '/v3/auth/**' },
    ];
    const c = (await create(demo, { name: 'ruled', access_rules: rules })).body.application_credential;
    assert.equal(c.access_rules.length, 2);
    assert.ok(c.access_rules.every((r: { id: string }) => r.id.length === 32));
    const again = (await create(demo, { name: 'ruled-again', access_rules: [{ id: c.access_rules[0].id }, rules[1]] })).body.application_credential;
    assert.deepEqual(again.access_rules.map((r: { id: string }) => r.id), c.access_rules.map((r: { id: string }) => r.id));

    const listed = await api(`${base}/users/${demoId}/access_rules`, { token: demo });
    assert.equal(listed.status, 200);
    // In creation order, as Keystone lists them (gophercloud compares the lists).
    assert.deepEqual(listed.body.access_rules.map((r: { id: string }) => r.id), c.access_rules.map((r: { id: string }) => r.id));
    const filtered = await api(`${base}/users/${demoId}/access_rules?path=/v3/auth/**`, { token: demo });
    assert.equal(filtered.body.access_rules.length, 1);
    const shown = await api(`${base}/users/${demoId}/access_rules/${c.access_rules[0].id}`, { token: demo });
    assert.equal(shown.body.access_rule.method, 'GET');
    assert.equal((await api(`${base}/users/${demoId}/access_rules/${c.access_rules[0].id}`, { method: 'DELETE', token: demo })).status, 403);

    const tok = await login({ id: c.id, secret: c.secret });
    assert.equal(tok.body.token.application_credential.access_rules.length, 2);
    const token = tok.headers.get('x-subject-token')!;
    assert.equal((await api(`${base}/users/${demoId}/application_credentials`, { token })).status, 200);
    assert.equal((await api(`${base}/auth/projects`, { token })).status, 200);
    const outside = await api(`${base}/users/${demoId}`, { token });
    assert.equal(outside.status, 401);
    assert.match(outside.body.error.message, /access rules/);
    assert.equal((await api(`${base}/users/${demoId}/application_credentials`, { method: 'POST', token, body: {} })).status, 401);

    for (const id of [c.id, again.id]) await api(`${base}/users/${demoId}/application_credentials/${id}`, { method: 'DELETE', token: demo });
    assert.equal((await api(`${base}/users/${demoId}/access_rules/${c.access_rules[0].id}`, { method: 'DELETE', token: demo })).status, 204);
    assert.equal((await api(`${base}/users/${demoId}/access_rules/${c.access_rules[0].id}`, { token: demo })).status, 404);
    const bad = await create(demo, { name: 'bad-rule', access_rules: [{ service: 'identity', method: 'FETCH', path: '/x' }] });
    assert.equal(bad.status, 400);
  });
});
