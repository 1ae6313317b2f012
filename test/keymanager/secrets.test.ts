import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { raw, storeSecret } from './helpers.js';

describe('key manager secrets API', () => {
  let cloud: TestCloud;
  let base: string;
  let token: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'keymanager'] });
    base = cloud.urls.keymanager;
    token = await cloud.demoToken();
  });
  after(() => cloud.close());

  test('version discovery: 300 at the root, v1 document', async () => {
    const root = await api(`${base}/`);
    assert.equal(root.status, 300);
    const v = root.body.versions.values[0];
    assert.equal(v.id, 'v1');
    assert.equal(v.links.find((l: any) => l.rel === 'self').href, `${base}/v1/`);
    const v1 = await api(`${base}/v1`);
    assert.equal(v1.status, 200);
    assert.equal(v1.body.version.id, 'v1');
    assert.equal(v1.headers.get('openstack-api-version'), 'key-manager 1.0');
  });

  test('text payload: create, metadata, payload by /payload and by Accept, delete', async () => {
    const r = await api(`${base}/v1/secrets`, {
      method: 'POST',
      token,
      body: { name: 'pw', payload: 'hunter2 ✓', payload_content_type: 'text/plain', secret_type: 'passphrase', algorithm: 'aes', bit_length: 256, mode: 'cbc' },
    });
    assert.equal(r.status, 201);
    const ref: string = r.body.secret_ref;
    assert.equal(r.headers.get('location'), ref);
    assert.match(ref, new RegExp(`^${base}/v1/secrets/[0-9a-f-]{36}$`));
    const meta = await api(ref, { token, headers: { accept: 'application/json' } });
    assert.equal(meta.status, 200);
    assert.equal(meta.body.secret_ref, ref);
    assert.deepEqual(
      [meta.body.name, meta.body.secret_type, meta.body.algorithm, meta.body.bit_length, meta.body.mode, meta.body.status, meta.body.content_types],
      ['pw', 'passphrase', 'aes', 256, 'cbc', 'ACTIVE', { default: 'text/plain' }],
    );
    assert.equal(meta.body.payload, undefined);
    const p = await raw(`${ref}/payload`, { token, headers: { accept: 'text/plain' } });
    assert.equal(p.status, 200);
    assert.match(p.headers.get('content-type')!, /^text\/plain/);
    assert.equal(p.bytes.toString('utf8'), 'hunter2 ✓');
    const legacy = await raw(ref, { token, headers: { accept: 'text/plain' } });
    assert.equal(legacy.bytes.toString('utf8'), 'hunter2 ✓');
    assert.equal((await api(ref, { method: 'DELETE', token })).status, 204);
    const gone = await api(ref, { token });
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { code: 404, title: 'Not Found', description: 'Secret not found.' });
  });

  test('binary payload round trip (base64 in, raw bytes out) and Accept negotiation', async () => {
    const key = randomBytes(32);
    const id = await storeSecret(cloud, token, {
      name: 'key',
      secret_type: 'symmetric',
      payload: key.toString('base64'),
      payload_content_type: 'application/octet-stream',
      payload_content_encoding: 'base64',
    });
    const p = await raw(`${base}/v1/secrets/${id}/payload`, { token, headers: { accept: 'application/octet-stream' } });
    assert.equal(p.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(p.bytes, key);
    assert.deepEqual((await raw(`${base}/v1/secrets/${id}/payload`, { token })).bytes, key);
    const bad = await raw(`${base}/v1/secrets/${id}/payload`, { token, headers: { accept: 'application/xml' } });
    assert.equal(bad.status, 406);
    assert.equal(JSON.parse(bad.bytes.toString()).title, 'Not Acceptable');
  });

  test('two-step create: metadata, then PUT the payload once', async () => {
    const id = await storeSecret(cloud, token, { name: 'later', secret_type: 'opaque' });
    const meta = (await api(`${base}/v1/secrets/${id}`, { token })).body;
    assert.equal(meta.content_types, undefined);
    assert.equal((await api(`${base}/v1/secrets/${id}/payload`, { token })).status, 404);
    const bytes = randomBytes(48);
    const put = await raw(`${base}/v1/secrets/${id}`, {
      method: 'PUT',
      token,
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'base64' },
      body: bytes.toString('base64'),
    });
    assert.equal(put.status, 204);
    assert.deepEqual((await api(`${base}/v1/secrets/${id}`, { token })).body.content_types, { default: 'application/octet-stream' });
    assert.deepEqual((await raw(`${base}/v1/secrets/${id}/payload`, { token, headers: { accept: 'application/octet-stream' } })).bytes, bytes);
    const again = await raw(`${base}/v1/secrets/${id}`, { method: 'PUT', token, headers: { 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(again.status, 409);
    const text = await storeSecret(cloud, token, { name: 'later-text' });
    assert.equal((await raw(`${base}/v1/secrets/${text}`, { method: 'PUT', token, headers: { 'content-type': 'text/plain' }, body: 'plain words' })).status, 204);
    assert.equal((await raw(`${base}/v1/secrets/${text}/payload`, { token, headers: { accept: 'text/plain' } })).bytes.toString(), 'plain words');
    const unsupported = await raw(`${base}/v1/secrets/${text}`, { method: 'PUT', token, headers: { 'content-type': 'application/xml' }, body: '<x/>' });
    assert.equal(unsupported.status, 415);
  });

  test('expiration: a past date is refused, an expired secret is gone', async () => {
    const past = await api(`${base}/v1/secrets`, { method: 'POST', token, body: { name: 'old', expiration: '2001-01-01T00:00:00' } });
    assert.equal(past.status, 400);
    assert.equal(past.body.title, 'Bad Request');
    const id = await storeSecret(cloud, token, { name: 'soon', payload: 'x', payload_content_type: 'text/plain', expiration: '2099-01-01T00:00:00Z' });
    assert.equal((await api(`${base}/v1/secrets/${id}`, { token })).body.expiration, '2099-01-01T00:00:00');
    // Let the clock pass the expiration without waiting: move it into the past in the database.
    await cloud.ctx.db.kysely.updateTable('km_secrets').set({ expiration: '2001-01-01T00:00:00.000Z' }).where('id', '=', id).execute();
    assert.equal((await api(`${base}/v1/secrets/${id}`, { token })).status, 404);
    assert.equal((await api(`${base}/v1/secrets/${id}/payload`, { token })).status, 404);
    assert.ok(!(await api(`${base}/v1/secrets?name=soon`, { token })).body.secrets.length);
  });

  test('list: limit/offset with total, next and previous; filters and sort', async () => {
    for (let i = 0; i < 5; i++) {
      await storeSecret(cloud, token, { name: `page-${i}`, algorithm: i % 2 ? 'aes' : 'rsa', bit_length: 128 * (i + 1), secret_type: i === 4 ? 'certificate' : 'opaque' });
    }
    const first = await api(`${base}/v1/secrets?name=page-1`, { token });
    assert.deepEqual([first.body.total, first.body.secrets[0].name], [1, 'page-1']);
    const aes = await api(`${base}/v1/secrets?alg=aes&sort=name:desc`, { token });
    assert.deepEqual(aes.body.secrets.map((s: any) => s.name), ['page-3', 'page-1']);
    assert.equal((await api(`${base}/v1/secrets?bits=640`, { token })).body.secrets[0].name, 'page-4');
    assert.equal((await api(`${base}/v1/secrets?secret_type=certificate`, { token })).body.total, 1);
    const all = await api(`${base}/v1/secrets?sort=created:asc`, { token });
    const total: number = all.body.total;
    assert.ok(total >= 5);
    const page = await api(`${base}/v1/secrets?limit=2&offset=2`, { token });
    assert.equal(page.body.secrets.length, 2);
    assert.equal(page.body.total, total);
    assert.equal(page.body.next, `${base}/v1/secrets?limit=2&offset=4`);
    assert.equal(page.body.previous, `${base}/v1/secrets?limit=2&offset=0`);
    const created = all.body.secrets[2].created as string;
    const after = await api(`${base}/v1/secrets?created=gt:${created}`, { token });
    assert.ok(after.body.secrets.every((s: any) => s.created > created));
    assert.equal((await api(`${base}/v1/secrets?limit=x`, { token })).status, 400);
    assert.equal((await api(`${base}/v1/secrets?sort=bogus:asc`, { token })).status, 400);
  });

  test('user metadata: PUT all, POST one, GET/PUT/DELETE by key', async () => {
    const id = await storeSecret(cloud, token, { name: 'with-meta' });
    const m = `${base}/v1/secrets/${id}/metadata`;
    assert.deepEqual((await api(m, { token })).body, { metadata: {} });
    const put = await api(m, { method: 'PUT', token, body: { metadata: { Owner: 'ops', tier: 'gold' } } });
    assert.equal(put.status, 201);
    assert.deepEqual(put.body, { metadata_ref: m });
    assert.deepEqual((await api(m, { token })).body.metadata, { owner: 'ops', tier: 'gold' });
    const post = await api(m, { method: 'POST', token, body: { key: 'env', value: 'prod' } });
    assert.equal(post.status, 201);
    assert.equal(post.headers.get('location'), `${m}/env`);
    assert.equal((await api(m, { method: 'POST', token, body: { key: 'env', value: 'x' } })).status, 409);
    assert.deepEqual((await api(`${m}/env`, { token })).body, { key: 'env', value: 'prod' });
    assert.deepEqual((await api(`${m}/env`, { method: 'PUT', token, body: { key: 'env', value: 'dev' } })).body, { key: 'env', value: 'dev' });
    assert.equal((await api(`${m}/env`, { method: 'PUT', token, body: { key: 'other', value: 'dev' } })).status, 400);
    assert.equal((await api(`${m}/env`, { method: 'DELETE', token })).status, 204);
    assert.equal((await api(`${m}/env`, { token })).status, 404);
  });

  test('encryption at rest: the row holds neither the plaintext nor the project key in clear', async () => {
    const marker = `plain-marker-${randomBytes(8).toString('hex')}`;
    const id = await storeSecret(cloud, token, { name: 'at-rest', payload: marker, payload_content_type: 'text/plain' });
    const row = await cloud.ctx.db.kysely.selectFrom('km_secrets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(row.payload);
    assert.ok(!row.payload.includes(marker) && !Buffer.from(row.payload, 'base64').toString('latin1').includes(marker));
    const keys = await cloud.ctx.db.kysely.selectFrom('km_project_keys').selectAll().execute();
    assert.equal(keys.length, 1, 'one KEK for the one project that stored secrets');
    assert.equal(keys[0].project_id, row.project_id);
    // The sealed payload is bound to its secret: copied onto another secret it does not open.
    const other = await storeSecret(cloud, token, { name: 'victim', payload: 'other', payload_content_type: 'text/plain' });
    await cloud.ctx.db.kysely.updateTable('km_secrets').set({ payload: row.payload, content_type: 'text/plain' }).where('id', '=', other).execute();
    const r = await api(`${base}/v1/secrets/${other}/payload`, { token });
    assert.equal(r.status, 500);
    assert.equal(r.body.title, 'Internal Server Error');
  });

  test('bad input answers 4xx in Barbican format', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ payload: 'x' }, 400, /payload_content_type/],
      [{ payload: 'x', payload_content_type: 'application/xml' }, 400, /not supported/],
      [{ payload: 'x', payload_content_type: 'application/octet-stream' }, 400, /payload_content_encoding/],
      [{ payload: '!!!', payload_content_type: 'application/octet-stream', payload_content_encoding: 'base64' }, 400, /base64/],
      [{ payload: '', payload_content_type: 'text/plain' }, 400, /non empty/],
      [{ secret_type: 'bogus' }, 400, /bogus/],
      [{ bit_length: 'many' }, 400, /bit_length/],
      [{ name: 42 }, 400, /name/],
      [{ expiration: 'not a date' }, 400, /expiration/],
      [[1, 2], 400, /JSON object/],
      [{ payload: 'x'.repeat(30000), payload_content_type: 'text/plain' }, 413, /too large/],
    ];
    for (const [body, status, re] of cases) {
      const r = await api(`${base}/v1/secrets`, { method: 'POST', token, body });
      assert.equal(r.status, status, JSON.stringify(body).slice(0, 80));
      assert.equal(r.body.code, status);
      assert.ok(r.body.title);
      assert.match(r.body.description, re);
    }
    const badJson = await api(`${base}/v1/secrets`, { method: 'POST', token, raw: '{"name":' });
    assert.deepEqual([badJson.status, badJson.body.code], [400, 400]);
    const noToken = await api(`${base}/v1/secrets`);
    assert.deepEqual([noToken.status, noToken.body.title], [401, 'Unauthorized']);
    assert.equal((await api(`${base}/v1/nothing`, { token })).body.code, 404);
  });
});
