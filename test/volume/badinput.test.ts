import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { createVolume, MV } from './helpers.js';

const FAULTS = ['badRequest', 'itemNotFound', 'forbidden', 'overLimit', 'computeFault', 'badMethod', 'conflictingRequest', 'badMediaType'];
const UNKNOWN = '00000000-0000-0000-0000-00000000dead';

/** Every route answers malformed, mistyped or unknown input with a 4xx in Cinder's fault format. */
describe('block storage bad input', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  let vol: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'volume'] });
    base = cloud.urls.volume;
    admin = await cloud.adminToken();
    vol = (await createVolume(base, admin, { name: 'target' })).id;
  });
  after(() => cloud.close());

  const writes: Array<[string, string]> = [
    ['POST', '/volumes'],
    ['PUT', '/volumes/{v}'],
    ['POST', '/volumes/{v}/metadata'],
    ['PUT', '/volumes/{v}/metadata'],
    ['PUT', '/volumes/{v}/metadata/k'],
    ['POST', '/volumes/{v}/action'],
    ['POST', '/snapshots'],
    ['POST', '/backups'],
    ['POST', '/types'],
    ['POST', '/attachments'],
    ['PUT', '/os-quota-sets/{p}'],
  ];

  const check = (r: { status: number; body: any }, what: string) => {
    assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status}`);
    assert.ok(r.body && FAULTS.some((f) => f in r.body), `${what}: ${JSON.stringify(r.body)}`);
  };

  test('malformed JSON, non-objects and wrong types', async () => {
    const project = (await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: admin, headers: { 'x-subject-token': admin } })).body.token.project.id;
    for (const [method, path] of writes) {
      const url = `${base}/v3${path.replace('{v}', vol).replace('{p}', project)}`;
      for (const [label, opts] of [
        ['bad json', { raw: '{"volume": ' }],
        ['array', { body: [1, 2] }],
        ['string', { body: 'x' }],
        ['wrong inner type', { body: { volume: 7, snapshot: 7, backup: 7, volume_type: 7, attachment: 7, metadata: 7, meta: 7, quota_set: 7, 'os-extend': 7 } }],
      ] as const) {
        check(await api(url, { method, token: admin, headers: MV('3.70'), ...opts }), `${method} ${path} ${label}`);
      }
    }
  });

  test('oversized bodies are refused', async () => {
    const r = await api(`${base}/v3/volumes`, { method: 'POST', token: admin, body: { volume: { size: 1, description: 'x'.repeat(2 * 1024 * 1024) } } });
    check(r, 'oversize');
    assert.equal(r.status, 413);
  });

  test('unknown ids are itemNotFound everywhere', async () => {
    const h = MV('3.70');
    for (const [method, path, body] of [
      ['GET', `/volumes/${UNKNOWN}`],
      ['PUT', `/volumes/${UNKNOWN}`, { volume: { name: 'x' } }],
      ['DELETE', `/volumes/${UNKNOWN}`],
      ['POST', `/volumes/${UNKNOWN}/action`, { 'os-extend': { new_size: 2 } }],
      ['GET', `/volumes/${UNKNOWN}/metadata`],
      ['GET', `/snapshots/${UNKNOWN}`],
      ['DELETE', `/snapshots/${UNKNOWN}`],
      ['GET', `/backups/${UNKNOWN}`],
      ['POST', `/backups/${UNKNOWN}/restore`, { restore: {} }],
      ['GET', `/types/${UNKNOWN}`],
      ['DELETE', `/types/${UNKNOWN}`],
      ['GET', `/attachments/${UNKNOWN}`],
      ['POST', '/snapshots', { snapshot: { volume_id: UNKNOWN } }],
      ['POST', '/backups', { backup: { volume_id: UNKNOWN } }],
      ['POST', '/volumes', { volume: { source_volid: UNKNOWN } }],
      ['POST', '/attachments', { attachment: { volume_uuid: UNKNOWN } }],
      ['GET', '/no-such-thing'],
    ] as Array<[string, string, unknown?]>) {
      const r = await api(`${base}/v3${path}`, { method, token: admin, body, headers: h });
      assert.equal(r.status, 404, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.ok(r.body.itemNotFound, `${method} ${path}`);
    }
  });
});
