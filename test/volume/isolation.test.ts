import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { addTenant, createVolume, MV, waitStatus } from './helpers.js';

/** Project B can neither list, show, change, delete nor use project A's resources: 404, never 403. */
describe('block storage tenant isolation', () => {
  let cloud: TestCloud;
  let base: string;
  let a: string;
  let b: string;
  const ids: Record<string, string> = {};
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'volume'] });
    base = cloud.urls.volume;
    a = await cloud.demoToken();
    b = await (await addTenant(cloud, 'tenant-b')).token();
    ids.volume = (await createVolume(base, a, { name: 'a-vol' })).id;
    const s = await api(`${base}/v3/snapshots`, { method: 'POST', token: a, body: { snapshot: { volume_id: ids.volume } } });
    ids.snapshot = (await waitStatus(base, a, 'snapshots', s.body.snapshot.id, ['available'])).id;
    const bk = await api(`${base}/v3/backups`, { method: 'POST', token: a, body: { backup: { volume_id: ids.volume } } });
    ids.backup = (await waitStatus(base, a, 'backups', bk.body.backup.id, ['available'])).id;
    const other = await createVolume(base, a, { name: 'a-att' });
    const att = await api(`${base}/v3/attachments`, { method: 'POST', token: a, headers: MV('3.27'), body: { attachment: { volume_uuid: other.id } } });
    ids.attachment = att.body.attachment.id;
  });
  after(() => cloud.close());

  test('lists never show the other project', async () => {
    for (const kind of ['volumes', 'snapshots', 'backups']) {
      for (const suffix of ['', '/detail', '/detail?all_tenants=1']) {
        const r = await api(`${base}/v3/${kind}${suffix}`, { token: b });
        assert.equal(r.status, 200);
        assert.equal(r.body[kind].length, 0, `${kind}${suffix}`);
      }
    }
    assert.equal((await api(`${base}/v3/attachments`, { token: b, headers: MV('3.27') })).body.attachments.length, 0);
  });

  test('show, update, delete and actions answer 404', async () => {
    const cases: Array<[string, string, unknown?]> = [
      ['GET', `/volumes/${ids.volume}`],
      ['PUT', `/volumes/${ids.volume}`, { volume: { name: 'x' } }],
      ['DELETE', `/volumes/${ids.volume}`],
      ['GET', `/volumes/${ids.volume}/metadata`],
      ['POST', `/volumes/${ids.volume}/metadata`, { metadata: { a: 'b' } }],
      ['POST', `/volumes/${ids.volume}/action`, { 'os-extend': { new_size: 5 } }],
      ['POST', `/volumes/${ids.volume}/action`, { 'os-set_bootable': { bootable: true } }],
      ['POST', `/volumes/${ids.volume}/action`, { 'os-reserve': null }],
      ['GET', `/snapshots/${ids.snapshot}`],
      ['PUT', `/snapshots/${ids.snapshot}`, { snapshot: { name: 'x' } }],
      ['DELETE', `/snapshots/${ids.snapshot}`],
      ['GET', `/backups/${ids.backup}`],
      ['DELETE', `/backups/${ids.backup}`],
      ['POST', `/backups/${ids.backup}/restore`, { restore: {} }],
      ['GET', `/attachments/${ids.attachment}`],
      ['DELETE', `/attachments/${ids.attachment}`],
      ['POST', '/snapshots', { snapshot: { volume_id: ids.volume } }],
      ['POST', '/backups', { backup: { volume_id: ids.volume } }],
      ['POST', '/volumes', { volume: { snapshot_id: ids.snapshot } }],
      ['POST', '/volumes', { volume: { source_volid: ids.volume } }],
      ['POST', '/volumes', { volume: { backup_id: ids.backup } }],
      ['POST', '/attachments', { attachment: { volume_uuid: ids.volume } }],
    ];
    for (const [method, path, body] of cases) {
      const r = await api(`${base}/v3${path}`, { method, token: b, body, headers: MV('3.47') });
      assert.equal(r.status, 404, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.ok(r.body.itemNotFound, `${method} ${path}`);
    }
    // Nothing changed for A.
    const v = (await api(`${base}/v3/volumes/${ids.volume}`, { token: a })).body.volume;
    assert.deepEqual([v.name, v.status, v.size, v.bootable], ['a-vol', 'available', 1, 'false']);
  });

  test('a project reader reads but cannot change (Cinder default policy)', async () => {
    const demoProject = (await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: a, headers: { 'x-subject-token': a } })).body.token.project.id;
    const reader = await (await addTenant(cloud, 'reader-a', 'reader', demoProject)).token();
    assert.equal((await api(`${base}/v3/volumes/${ids.volume}`, { token: reader })).status, 200);
    assert.ok((await api(`${base}/v3/volumes/detail`, { token: reader })).body.volumes.length >= 1);
    assert.equal((await api(`${base}/v3/backups/${ids.backup}`, { token: reader })).status, 200);
    for (const [method, path, body] of [
      ['POST', '/volumes', { volume: { size: 1 } }],
      ['PUT', `/volumes/${ids.volume}`, { volume: { name: 'x' } }],
      ['DELETE', `/volumes/${ids.volume}`],
      ['POST', `/volumes/${ids.volume}/action`, { 'os-extend': { new_size: 9 } }],
      ['POST', '/snapshots', { snapshot: { volume_id: ids.volume } }],
      ['DELETE', `/backups/${ids.backup}`],
    ] as Array<[string, string, unknown?]>) {
      const r = await api(`${base}/v3${path}`, { method, token: reader, body });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.ok(r.body.forbidden);
    }
  });

  test('admins see every project with all_tenants and by id', async () => {
    const admin = await cloud.adminToken();
    assert.equal((await api(`${base}/v3/volumes/detail`, { token: admin })).body.volumes.length, 0, 'own project only by default');
    assert.ok((await api(`${base}/v3/volumes/detail?all_tenants=1`, { token: admin })).body.volumes.some((v: any) => v.id === ids.volume));
    assert.equal((await api(`${base}/v3/volumes/${ids.volume}`, { token: admin })).status, 200);
  });
});
