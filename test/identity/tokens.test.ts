import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: tokens', () => {
  let cloud: TestCloud;
  let base: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
  });
  after(() => cloud.close());

  it('discovers versions like Keystone', async () => {
    const root = await api(`${base}/`);
    assert.equal(root.status, 300);
    assert.equal(root.body.versions.values[0].id, 'v3.14');
    const v3 = await api(`${base}/v3`);
    assert.equal(v3.status, 200);
    assert.equal(v3.body.version.status, 'stable');
    assert.match(v3.headers.get('x-openstack-request-id')!, /^req-[0-9a-f-]{36}$/);
  });

  it('issues a project-scoped token with roles and catalog', async () => {
    const res = await api(`${base}/v3/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: cloud.passwords.demo } } },
          scope: { project: { name: 'demo', domain: { id: 'default' } } },
        },
      },
    });
    assert.equal(res.status, 201);
    assert.ok(res.headers.get('x-subject-token'));
    const t = res.body.token;
    assert.deepEqual(t.methods, ['password']);
    assert.equal(t.project.name, 'demo');
    assert.deepEqual(t.roles.map((r: { name: string }) => r.name).sort(), ['member', 'reader']);
    assert.match(t.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(t.catalog.some((s: { type: string }) => s.type === 'identity'));
    assert.equal(t.audit_ids.length, 1);
  });

  it('rejects a wrong password with 401 in Keystone format', async () => {
    const res = await api(`${base}/v3/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { id: 'default' }, password: 'nope' } } } } },
    });
    assert.equal(res.status, 401);
    assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'title']);
    assert.equal(res.body.error.title, 'Unauthorized');
    assert.match(res.headers.get('www-authenticate')!, /^Keystone uri=/);
  });

  it('validates, then revokes a token', async () => {
    const admin = await cloud.adminToken();
    const subject = await cloud.login('demo', cloud.passwords.demo, 'demo');
    const ok = await api(`${base}/v3/auth/tokens`, { token: admin, headers: { 'x-subject-token': subject } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.token.user.name, 'demo');
    const nocat = await api(`${base}/v3/auth/tokens?nocatalog`, { token: admin, headers: { 'x-subject-token': subject } });
    assert.equal(nocat.body.token.catalog, undefined);
    const del = await api(`${base}/v3/auth/tokens`, { method: 'DELETE', token: admin, headers: { 'x-subject-token': subject } });
    assert.equal(del.status, 204);
    const gone = await api(`${base}/v3/auth/tokens`, { token: admin, headers: { 'x-subject-token': subject } });
    assert.equal(gone.status, 404);
    const use = await api(`${base}/v3/auth/catalog`, { token: subject });
    assert.equal(use.status, 401);
  });

  it('rescopes with the token method and keeps expiry and audit chain', async () => {
    const unscoped = await cloud.login('demo', cloud.passwords.demo);
    const res = await api(`${base}/v3/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } } },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.token.audit_ids.length, 2);
  });

  it('answers bad input with 400, never 500', async () => {
    for (const raw of ['{', '[]', '{"auth": 1}', '{"auth": {"identity": {"methods": "password"}}}', '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"x"}}}}}']) {
      const res = await api(`${base}/v3/auth/tokens`, { method: 'POST', raw });
      assert.equal(res.status, 400, raw);
      assert.equal(res.body.error.code, 400);
    }
  });
});
