import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { createVolume, waitStatus } from './helpers.js';

/** Backups in a container of the caller's choice; export_record/import_record (admin) after a database loss. */
describe('volume: backup container and exported records', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let admin: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'volume'] });
    base = cloud.urls.volume;
    demo = await cloud.demoToken();
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  it('a backup keeps the container it was given; others show the default one', async () => {
    const v = await createVolume(base, demo, { name: 'contained' });
    const named = await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id, container: 'mine' } } });
    assert.equal((await waitStatus(base, demo, 'backups', named.body.backup.id, ['available'])).container, 'mine');
    const plain = await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id } } });
    assert.equal((await waitStatus(base, demo, 'backups', plain.body.backup.id, ['available'])).container, 'backups');
  });

  it('a restore gives the volume back the metadata it had when backed up', async () => {
    const v = await createVolume(base, demo, { name: 'meta', metadata: { tier: 'gold' } });
    const b = await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id } } });
    await waitStatus(base, demo, 'backups', b.body.backup.id, ['available']);
    const r = await api(`${base}/v3/backups/${b.body.backup.id}/restore`, { method: 'POST', token: demo, body: { restore: { name: 'meta-restored' } } });
    const restored = await waitStatus(base, demo, 'volumes', r.body.restore.volume_id, ['available']);
    assert.deepEqual([restored.name, restored.metadata], ['meta-restored', { tier: 'gold' }]);
  });

  it('an exported record imports under a new id, shares the bytes, restores, and the bytes outlive either record', async () => {
    const v = await createVolume(base, demo, { name: 'exported' });
    const b = await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id, name: 'orig' } } });
    await waitStatus(base, demo, 'backups', b.body.backup.id, ['available']);
    assert.equal((await api(`${base}/v3/backups/${b.body.backup.id}/export_record`, { token: demo })).status, 403);
    const exported = await api(`${base}/v3/backups/${b.body.backup.id}/export_record`, { token: admin });
    assert.equal(exported.status, 200);
    const record = exported.body['backup-record'];
    assert.match(record.backup_service, /^cinder\.backup\.drivers\./);

    const again = await api(`${base}/v3/backups/import_record`, { method: 'POST', token: admin, body: { 'backup-record': record } });
    assert.equal(again.status, 400, 'the id exists already');
    const newId = '0b6d0b5e-4c1f-4c5a-9d0e-111111111111';
    const decoded = JSON.parse(Buffer.from(record.backup_url, 'base64').toString());
    const url = Buffer.from(JSON.stringify({ ...decoded, id: newId })).toString('base64');
    const imported = await api(`${base}/v3/backups/import_record`, { method: 'POST', token: admin, body: { 'backup-record': { backup_service: record.backup_service, backup_url: url } } });
    assert.deepEqual([imported.status, imported.body.backup.id], [201, newId]);
    assert.equal((await waitStatus(base, admin, 'backups', newId, ['available', 'error'])).status, 'available');
    const bogus = Buffer.from(JSON.stringify({ ...decoded, id: '0b6d0b5e-4c1f-4c5a-9d0e-222222222222', data_id: 'missing' })).toString('base64');
    const orphan = await api(`${base}/v3/backups/import_record`, { method: 'POST', token: admin, body: { 'backup-record': { backup_service: record.backup_service, backup_url: bogus } } });
    assert.equal((await waitStatus(base, admin, 'backups', orphan.body.backup.id, ['available', 'error'])).status, 'error', 'no bytes behind it');

    assert.equal((await api(`${base}/v3/backups/${b.body.backup.id}`, { method: 'DELETE', token: demo })).status, 202);
    await waitStatus(base, demo, 'backups', b.body.backup.id, ['gone']);
    const r = await api(`${base}/v3/backups/${newId}/restore`, { method: 'POST', token: admin, body: { restore: { name: 'from-import' } } });
    assert.equal(r.status, 202);
    assert.equal((await waitStatus(base, admin, 'volumes', r.body.restore.volume_id, ['available', 'error_restoring'])).status, 'available');
  });
});
