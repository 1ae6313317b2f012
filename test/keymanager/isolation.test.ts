import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { addTenant, raw, storeSecret } from './helpers.js';

/**
 * scs-0116 through Barbican's default policy: a plain member creates, lists, reads and deletes the
 * project's secrets; a reader gets nothing (secure RBAC); the legacy roles work as in Barbican
 * (observer reads, audit sees metadata only); another project sees nothing (403 on a direct
 * access, as Barbican answers), unless a read ACL names its user.
 */
describe('key manager isolation and roles', () => {
  let cloud: TestCloud;
  let base: string;
  let member: string;
  let other: string;
  let reader: string;
  let observer: string;
  let auditor: string;
  let otherUserId: string;
  const ids: Record<string, string> = {};
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'keymanager'] });
    base = cloud.urls.keymanager;
    member = await cloud.demoToken();
    const self = await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: member, headers: { 'x-subject-token': member } });
    const demoProject: string = self.body.token.project.id;
    other = await (await addTenant(cloud, 'km-other')).token();
    otherUserId = (await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: other, headers: { 'x-subject-token': other } })).body.token.user.id;
    reader = await (await addTenant(cloud, 'km-reader', 'reader', demoProject)).token();
    observer = await (await addTenant(cloud, 'km-observer', 'observer', demoProject)).token();
    auditor = await (await addTenant(cloud, 'km-audit', 'audit', demoProject)).token();
    ids.secret = await storeSecret(cloud, member, { name: 'a-secret', payload: 'a-payload', payload_content_type: 'text/plain' });
    const c = await api(`${base}/v1/containers`, { method: 'POST', token: member, body: { type: 'generic', name: 'a-c', secret_refs: [{ name: 's', secret_ref: `${base}/v1/secrets/${ids.secret}` }] } });
    ids.container = c.body.container_ref.split('/').pop();
    const o = await api(`${base}/v1/orders`, { method: 'POST', token: member, body: { type: 'key', meta: { algorithm: 'aes', bit_length: 128 } } });
    ids.order = o.body.order_ref.split('/').pop();
  });
  after(() => cloud.close());

  test('another project: empty lists, 403 on its secrets and containers, 404 on its orders', async () => {
    for (const kind of ['secrets', 'containers', 'orders']) {
      const r = await api(`${base}/v1/${kind}`, { token: other });
      assert.deepEqual([r.status, r.body.total, r.body[kind].length], [200, 0, 0], kind);
    }
    const cases: Array<[string, string, unknown?]> = [
      ['GET', `/secrets/${ids.secret}`],
      ['GET', `/secrets/${ids.secret}/payload`],
      ['PUT', `/secrets/${ids.secret}/metadata`, { metadata: { a: 'b' } }],
      ['GET', `/secrets/${ids.secret}/metadata`],
      ['GET', `/secrets/${ids.secret}/acl`],
      ['PUT', `/secrets/${ids.secret}/acl`, { read: { 'project-access': true } }],
      ['DELETE', `/secrets/${ids.secret}`],
      ['GET', `/containers/${ids.container}`],
      ['POST', `/containers/${ids.container}/consumers`, { name: 'lb', URL: 'http://x' }],
      ['DELETE', `/containers/${ids.container}`],
    ];
    for (const [method, path, body] of cases) {
      const r = await api(`${base}/v1${path}`, { method, token: other, body });
      assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 403);
    }
    const notFound: Array<[string, string, unknown?]> = [
      ['GET', `/orders/${ids.order}`],
      ['DELETE', `/orders/${ids.order}`],
      ['POST', '/containers', { type: 'generic', secret_refs: [{ name: 's', secret_ref: `${base}/v1/secrets/${ids.secret}` }] }],
    ];
    for (const [method, path, body] of notFound) {
      const r = await api(`${base}/v1${path}`, { method, token: other, body });
      assert.equal(r.status, 404, `${method} ${path}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await raw(`${base}/v1/secrets/${ids.secret}`, { method: 'PUT', token: other, headers: { 'content-type': 'text/plain' }, body: 'x' })).status, 403);
    assert.equal((await api(`${base}/v1/secrets/${ids.secret}`, { token: member })).body.name, 'a-secret');
  });

  test('a reader is refused secrets, containers and orders; it sees the quotas', async () => {
    for (const path of ['/secrets', `/secrets/${ids.secret}`, `/secrets/${ids.secret}/payload`, '/containers', `/containers/${ids.container}`, '/orders', `/orders/${ids.order}`]) {
      assert.equal((await api(`${base}/v1${path}`, { token: reader })).status, 403, path);
    }
    assert.equal((await api(`${base}/v1/quotas`, { token: reader })).status, 200);
  });

  test('the legacy observer role reads and decrypts but cannot create or delete', async () => {
    assert.equal((await api(`${base}/v1/secrets`, { token: observer })).body.total >= 1, true);
    assert.equal((await raw(`${base}/v1/secrets/${ids.secret}/payload`, { token: observer })).bytes.toString(), 'a-payload');
    assert.equal((await api(`${base}/v1/containers/${ids.container}`, { token: observer })).status, 200);
    for (const [method, path, body] of [
      ['POST', '/secrets', { name: 'r' }],
      ['DELETE', `/secrets/${ids.secret}`],
      ['POST', `/secrets/${ids.secret}/metadata`, { key: 'k', value: 'v' }],
      ['POST', '/containers', { type: 'generic' }],
      ['DELETE', `/containers/${ids.container}`],
      ['POST', '/orders', { type: 'key', meta: { algorithm: 'aes', bit_length: 128 } }],
    ] as Array<[string, string, unknown]>) {
      const r = await api(`${base}/v1${path}`, { method, token: observer, body });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.deepEqual([r.body.code, r.body.title], [403, 'Forbidden']);
    }
  });

  test('audit sees metadata, never the payload', async () => {
    assert.equal((await api(`${base}/v1/secrets/${ids.secret}`, { token: auditor })).status, 200);
    assert.equal((await api(`${base}/v1/secrets/${ids.secret}/payload`, { token: auditor })).status, 403);
    assert.equal((await api(`${base}/v1/secrets`, { token: auditor })).status, 403);
  });

  test('read ACL: a named user of another project reads; project-access false hides it from the reader', async () => {
    const acl = `${base}/v1/secrets/${ids.secret}/acl`;
    assert.deepEqual((await api(acl, { token: member })).body, { read: { 'project-access': true } });
    const put = await api(acl, { method: 'PUT', token: member, body: { read: { users: [otherUserId], 'project-access': false } } });
    assert.deepEqual([put.status, put.body.acl_ref], [200, acl]);
    const shown = (await api(acl, { token: member })).body.read;
    assert.deepEqual([shown['project-access'], shown.users], [false, [otherUserId]]);
    assert.equal((await raw(`${base}/v1/secrets/${ids.secret}/payload`, { token: other })).bytes.toString(), 'a-payload');
    assert.equal((await api(`${base}/v1/secrets/${ids.secret}/payload`, { token: observer })).status, 403);
    assert.equal((await raw(`${base}/v1/secrets/${ids.secret}/payload`, { token: member })).bytes.toString(), 'a-payload');
    // The ACL user reads but does not delete, and the secret stays out of their own list.
    assert.equal((await api(`${base}/v1/secrets/${ids.secret}`, { method: 'DELETE', token: other })).status, 403);
    assert.equal((await api(`${base}/v1/secrets`, { token: other })).body.total, 0);
    const patch = await api(acl, { method: 'PATCH', token: member, body: { read: { 'project-access': true } } });
    assert.equal(patch.status, 200);
    assert.deepEqual((await api(acl, { token: member })).body.read.users, [otherUserId]);
    const deleted = await api(acl, { method: 'DELETE', token: member });
    assert.deepEqual([deleted.status, deleted.body], [200, null]);
    assert.equal((await api(`${base}/v1/secrets/${ids.secret}`, { token: other })).status, 403);
    assert.equal((await api(acl, { method: 'PUT', token: member, body: { write: {} } })).status, 400);
  });

  test('a plain member deletes the project secret; the admin of another project is refused', async () => {
    const id = await storeSecret(cloud, member, { name: 'to-delete', payload: 'p', payload_content_type: 'text/plain' });
    const admin = await cloud.adminToken();
    assert.equal((await api(`${base}/v1/secrets/${id}`, { token: admin })).status, 403);
    assert.equal((await api(`${base}/v1/secrets/${id}/payload`, { token: admin })).status, 403);
    assert.equal((await api(`${base}/v1/secrets/${id}`, { method: 'DELETE', token: admin })).status, 403);
    assert.equal((await api(`${base}/v1/secrets/${id}`, { method: 'DELETE', token: member })).status, 204);
  });
});
