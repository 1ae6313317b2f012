import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AuthContext } from '../../src/platform/auth.js';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { addTenant, raw, storeSecret, systemAdminToken } from './helpers.js';

describe('key manager containers, consumers, orders, quotas and the service client', () => {
  let cloud: TestCloud;
  let base: string;
  let token: string;
  const ref = (id: string) => `${base}/v1/secrets/${id}`;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'keymanager'] });
    base = cloud.urls.keymanager;
    token = await cloud.demoToken();
  });
  after(() => cloud.close());

  test('containers: generic, certificate and rsa rules; list, show, delete', async () => {
    const cert = await storeSecret(cloud, token, { name: 'cert', secret_type: 'certificate', payload: 'PEM', payload_content_type: 'text/plain' });
    const key = await storeSecret(cloud, token, { name: 'key', secret_type: 'private', payload: 'KEY', payload_content_type: 'text/plain' });
    const c = await api(`${base}/v1/containers`, {
      method: 'POST',
      token,
      body: { type: 'certificate', name: 'tls', secret_refs: [{ name: 'certificate', secret_ref: ref(cert) }, { name: 'private_key', secret_ref: ref(key) }] },
    });
    assert.equal(c.status, 201);
    assert.equal(c.headers.get('location'), c.body.container_ref);
    const shown = (await api(c.body.container_ref, { token })).body;
    assert.deepEqual([shown.type, shown.name, shown.status, shown.consumers], ['certificate', 'tls', 'ACTIVE', []]);
    assert.deepEqual(shown.secret_refs, [{ name: 'certificate', secret_ref: ref(cert) }, { name: 'private_key', secret_ref: ref(key) }]);
    const bad: Array<[unknown, number]> = [
      [{ type: 'certificate', secret_refs: [{ name: 'private_key', secret_ref: ref(key) }] }, 400],
      [{ type: 'rsa', secret_refs: [{ name: 'public_key', secret_ref: ref(key) }] }, 400],
      [{ type: 'certificate', secret_refs: [{ name: 'certificate', secret_ref: ref(cert) }, { name: 'bogus', secret_ref: ref(key) }] }, 400],
      [{ type: 'nope' }, 400],
      [{ name: 'no type' }, 400],
      [{ type: 'generic', secret_refs: [{ name: 'x', secret_ref: 'not-a-ref' }] }, 400],
      [{ type: 'generic', secret_refs: [{ name: 'x', secret_ref: ref('00000000-0000-0000-0000-000000000000') }] }, 404],
    ];
    for (const [body, status] of bad) {
      const r = await api(`${base}/v1/containers`, { method: 'POST', token, body });
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.code, status);
    }
    const list = await api(`${base}/v1/containers?type=certificate`, { token });
    assert.deepEqual([list.body.total, list.body.containers[0].name], [1, 'tls']);
    assert.equal((await api(c.body.container_ref, { method: 'DELETE', token })).status, 204);
    assert.equal((await api(c.body.container_ref, { token })).status, 404);
    // Deleting a container leaves its secrets.
    assert.equal((await api(ref(cert), { token })).status, 200);
  });

  test('container consumers: register (idempotent), list, remove', async () => {
    const s = await storeSecret(cloud, token, { name: 'for-lb' });
    const c = (await api(`${base}/v1/containers`, { method: 'POST', token, body: { type: 'generic', secret_refs: [{ name: 'a', secret_ref: ref(s) }] } })).body.container_ref;
    const consumer = { name: 'octavia', URL: 'http://lb/listener/1' };
    const add = await api(`${c}/consumers`, { method: 'POST', token, body: consumer });
    assert.equal(add.status, 200);
    assert.deepEqual(add.body.consumers, [consumer]);
    assert.deepEqual((await api(`${c}/consumers`, { method: 'POST', token, body: consumer })).body.consumers, [consumer]);
    const list = (await api(`${c}/consumers`, { token })).body;
    assert.deepEqual([list.total, list.consumers[0].name, list.consumers[0].URL], [1, 'octavia', 'http://lb/listener/1']);
    assert.deepEqual((await api(`${c}/consumers`, { method: 'DELETE', token, body: consumer })).body.consumers, []);
    assert.equal((await api(`${c}/consumers`, { method: 'DELETE', token, body: consumer })).status, 404);
    assert.equal((await api(`${c}/consumers`, { method: 'POST', token, body: { name: 'x' } })).status, 400);
  });

  test('container secrets: add to and remove from a generic container only', async () => {
    const a = await storeSecret(cloud, token, { name: 'a', payload: 'A', payload_content_type: 'text/plain' });
    const b = await storeSecret(cloud, token, { name: 'b', payload: 'B', payload_content_type: 'text/plain' });
    const c = (await api(`${base}/v1/containers`, { method: 'POST', token, body: { type: 'generic', secret_refs: [{ name: 'one', secret_ref: ref(a) }] } })).body.container_ref;
    const add = await api(`${c}/secrets`, { method: 'POST', token, body: { name: 'two', secret_ref: ref(b) } });
    assert.deepEqual([add.status, add.body, add.headers.get('location')], [201, { container_ref: c }, c]);
    assert.equal((await api(`${c}/secrets`, { method: 'POST', token, body: { name: 'two', secret_ref: ref(b) } })).status, 409);
    assert.equal((await api(`${c}/secrets`, { method: 'POST', token, body: { name: 'x', secret_ref: ref('00000000-0000-0000-0000-000000000000') } })).status, 404);
    assert.equal((await api(`${c}/secrets`, { method: 'POST', token, body: { name: 'x' } })).status, 400);
    assert.deepEqual((await api(c, { token })).body.secret_refs, [{ name: 'one', secret_ref: ref(a) }, { name: 'two', secret_ref: ref(b) }]);
    assert.equal((await api(`${c}/secrets`, { method: 'DELETE', token, body: { name: 'one', secret_ref: ref(a) } })).status, 204);
    assert.equal((await api(`${c}/secrets`, { method: 'DELETE', token, body: { name: 'one', secret_ref: ref(a) } })).status, 404);
    assert.deepEqual((await api(c, { token })).body.secret_refs, [{ name: 'two', secret_ref: ref(b) }]);
    const rsa = (await api(`${base}/v1/orders`, { method: 'POST', token, body: { type: 'asymmetric', meta: { algorithm: 'rsa', bit_length: 1024 } } })).body.order_ref;
    const rsaContainer = (await api(rsa, { token })).body.container_ref;
    assert.equal((await api(`${rsaContainer}/secrets`, { method: 'POST', token, body: { name: 'extra', secret_ref: ref(a) } })).status, 400);
  });

  test('orders echo meta.expiration as sent, and the secret expires then', async () => {
    const o = await api(`${base}/v1/orders`, { method: 'POST', token, body: { type: 'key', meta: { algorithm: 'aes', bit_length: 128, expiration: '2049-01-01T01:01:01' } } });
    const order = (await api(o.body.order_ref, { token })).body;
    assert.equal(order.meta.expiration, '2049-01-01T01:01:01');
    assert.equal((await api(order.secret_ref, { token })).body.expiration, '2049-01-01T01:01:01');
    const bad = await api(`${base}/v1/orders`, { method: 'POST', token, body: { type: 'key', meta: { algorithm: 'aes', bit_length: 128, expiration: 'soon' } } });
    assert.equal(bad.status, 400);
  });

  test('orders: a symmetric key and an RSA pair are generated; bad orders are 400', async () => {
    const o = await api(`${base}/v1/orders`, { method: 'POST', token, body: { type: 'key', meta: { name: 'gen', algorithm: 'aes', bit_length: 256, mode: 'cbc', payload_content_type: 'application/octet-stream' } } });
    assert.equal(o.status, 202);
    const order = (await api(o.body.order_ref, { token })).body;
    assert.deepEqual([order.status, order.type, order.meta.bit_length], ['ACTIVE', 'key', 256]);
    const secret = (await api(order.secret_ref, { token })).body;
    assert.deepEqual([secret.name, secret.secret_type, secret.algorithm, secret.bit_length], ['gen', 'symmetric', 'aes', 256]);
    assert.equal((await raw(`${order.secret_ref}/payload`, { token, headers: { accept: 'application/octet-stream' } })).bytes.length, 32);

    const a = await api(`${base}/v1/orders`, { method: 'POST', token, body: { type: 'asymmetric', meta: { name: 'pair', algorithm: 'rsa', bit_length: 2048 } } });
    const asym = (await api(a.body.order_ref, { token })).body;
    const container = (await api(asym.container_ref, { token })).body;
    assert.equal(container.type, 'rsa');
    const byName = Object.fromEntries(container.secret_refs.map((r: any) => [r.name, r.secret_ref]));
    const priv = createPrivateKey((await raw(`${byName.private_key}/payload`, { token })).bytes);
    const pub = createPublicKey((await raw(`${byName.public_key}/payload`, { token })).bytes);
    assert.equal(createPublicKey(priv).export({ format: 'pem', type: 'spki' }), pub.export({ format: 'pem', type: 'spki' }));

    const orders = (await api(`${base}/v1/orders`, { token })).body;
    assert.equal(orders.total >= 2, true);
    for (const body of [
      { type: 'key', meta: { algorithm: 'aes' } },
      { type: 'key', meta: { algorithm: 'aes', bit_length: 7 } },
      { type: 'key', meta: { algorithm: 'rot13', bit_length: 128 } },
      { type: 'certificate', meta: {} },
      { type: 'key' },
    ]) {
      const r = await api(`${base}/v1/orders`, { method: 'POST', token, body });
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    // Barbican's secure RBAC lets a project member delete the project's orders.
    assert.equal((await api(o.body.order_ref, { method: 'DELETE', token })).status, 204);
    assert.equal((await api(o.body.order_ref, { token })).status, 404);
  });

  test('quotas: defaults unlimited, project quotas by the system admin are enforced (403)', async () => {
    const t = await addTenant(cloud, 'km-quota');
    const qt = await t.token();
    assert.deepEqual((await api(`${base}/v1/quotas`, { token: qt })).body.quotas, { secrets: -1, orders: -1, containers: -1, consumers: -1, cas: -1 });
    const admin = await systemAdminToken(cloud);
    assert.equal((await api(`${base}/v1/project-quotas/${t.projectId}`, { method: 'PUT', token: qt, body: { project_quotas: { secrets: 1 } } })).status, 403);
    // As Barbican's secure RBAC: a project-scoped admin does not manage project quotas.
    assert.equal((await api(`${base}/v1/project-quotas`, { token: await cloud.adminToken() })).status, 403);
    assert.equal((await api(`${base}/v1/project-quotas/${t.projectId}`, { method: 'PUT', token: admin, body: { project_quotas: { secrets: 1 } } })).status, 204);
    assert.deepEqual((await api(`${base}/v1/project-quotas/${t.projectId}`, { token: admin })).body, { project_quotas: { secrets: 1 } });
    assert.equal((await api(`${base}/v1/project-quotas`, { token: admin })).body.total, 1);
    assert.equal((await api(`${base}/v1/quotas`, { token: qt })).body.quotas.secrets, 1);
    await storeSecret(cloud, qt, { name: 'one' });
    const over = await api(`${base}/v1/secrets`, { method: 'POST', token: qt, body: { name: 'two' } });
    assert.deepEqual([over.status, over.body.title], [403, 'Forbidden']);
    assert.match(over.body.description, /Quota reached/);
    assert.equal((await api(`${base}/v1/project-quotas/${t.projectId}`, { method: 'PUT', token: admin, body: { project_quotas: { bogus: 1 } } })).status, 400);
    assert.equal((await api(`${base}/v1/project-quotas/${t.projectId}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(`${base}/v1/secrets`, { method: 'POST', token: qt, body: { name: 'two' } })).status, 201);
  });

  test('the service client (volume encryption keys, load balancer certificates) under the caller project', async () => {
    const auth: AuthContext = await cloud.clients.identity.validate(token);
    const km = cloud.clients.keymanager;
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const stored = await km.storeSecret(auth, { name: 'volume-key', payload: key, secret_type: 'symmetric', algorithm: 'aes', bit_length: 256 });
    assert.equal(stored.ref, ref(stored.id));
    assert.deepEqual(await km.getSecretPayload(auth, stored.ref), key);
    assert.deepEqual(await km.getSecretPayload(auth, stored.id), key);
    const c = (await api(`${base}/v1/containers`, { method: 'POST', token, body: { type: 'generic', secret_refs: [{ name: 'k', secret_ref: stored.ref }] } })).body.container_ref;
    assert.deepEqual((await km.getContainer(auth, c)).secret_refs, [{ name: 'k', secret_ref: stored.ref }]);
    const otherAuth = await cloud.clients.identity.validate(await (await addTenant(cloud, 'km-client-other')).token());
    await assert.rejects(km.getSecretPayload(otherAuth, stored.id), (e: any) => e.status === 403);
    await km.deleteSecret(auth, stored.ref);
    await assert.rejects(km.getSecretPayload(auth, stored.id), (e: any) => e.status === 404);
  });
});
