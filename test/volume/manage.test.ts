import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { createVolume, MV, waitStatus } from './helpers.js';

/** Cinder's manage and unmanage of volumes and snapshots (tempest's VolumeManageAdminTest, SnapshotManageAdminTest). */
describe('block storage: manage and unmanage', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let admin: string;
  const file = (kind: 'volumes' | 'volumes/snapshots', id: string) => join(cloud.dataDir, kind, `${id}.img`);
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'volume'], services: { volume: { reconcileIntervalMs: 200 } } });
    base = cloud.urls.volume;
    demo = await cloud.demoToken();
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  test('a volume unmanaged keeps its block, which manage turns into a new volume with the same data', async () => {
    const org = await createVolume(base, admin, { name: 'org' });
    const shown = (await api(`${base}/v3/volumes/${org.id}`, { token: admin })).body.volume;
    writeFileSync(file('volumes', org.id), Buffer.from('managed bytes'), { flag: 'r+' });
    assert.equal((await api(`${base}/v3/volumes/${org.id}/action`, { method: 'POST', token: demo, body: { 'os-unmanage': {} } })).status, 404, "another project's volume");
    const un = await api(`${base}/v3/volumes/${org.id}/action`, { method: 'POST', token: admin, body: { 'os-unmanage': {} } });
    assert.equal(un.status, 202);
    assert.equal((await api(`${base}/v3/volumes/${org.id}`, { token: admin })).status, 404);
    assert.ok(existsSync(file('volumes', org.id)), 'the block stays');

    const host = shown['os-vol-host-attr:host'];
    const listed = await api(`${base}/v3/manageable_volumes?host=${encodeURIComponent(host)}`, { token: admin, headers: MV('3.8') });
    const entry = listed.body['manageable-volumes'].find((m: any) => m.reference['source-name'] === `volume-${org.id}`);
    assert.deepEqual(entry, { reference: { 'source-name': `volume-${org.id}` }, size: 1, safe_to_manage: true });
    assert.equal((await api(`${base}/v3/manageable_volumes`, { token: admin, headers: MV('3.8') })).status, 400, 'host is required');
    assert.equal((await api(`${base}/v3/manageable_volumes?host=${encodeURIComponent(host)}`, { token: demo, headers: MV('3.8') })).status, 403);

    const req = (ref: Record<string, unknown>, host = shown['os-vol-host-attr:host']) => ({ volume: { name: 'managed', host, ref, volume_type: shown.volume_type, availability_zone: shown.availability_zone } });
    assert.equal((await api(`${base}/v3/os-volume-manage`, { method: 'POST', token: demo, body: req({ 'source-name': `volume-${org.id}` }) })).status, 403);
    assert.equal((await api(`${base}/v3/os-volume-manage`, { method: 'POST', token: admin, body: req({ 'source-name': 'nothing' }) })).status, 400);
    assert.equal((await api(`${base}/v3/os-volume-manage`, { method: 'POST', token: admin, body: req({ 'source-name': `volume-${org.id}` }, 'elsewhere@x#y') })).status, 404);
    assert.equal((await api(`${base}/v3/manageable_volumes`, { method: 'POST', token: admin, body: req({ 'source-name': `volume-${org.id}` }) })).status, 404, 'needs 3.8');
    const managed = await api(`${base}/v3/manageable_volumes`, { method: 'POST', token: admin, body: req({ 'source-name': `volume-${org.id}` }), headers: MV('3.8') });
    assert.equal(managed.status, 202);
    assert.notEqual(managed.body.volume.id, org.id);
    const v = await waitStatus(base, admin, 'volumes', managed.body.volume.id, ['available', 'error_managing']);
    assert.equal(v.status, 'available');
    const now = (await api(`${base}/v3/volumes/${v.id}`, { token: admin })).body.volume;
    for (const k of ['size', 'volume_type', 'availability_zone', 'os-vol-host-attr:host']) assert.equal(now[k], shown[k], k);
    assert.equal(now.name, 'managed');
    assert.equal(readFileSync(file('volumes', v.id)).subarray(0, 13).toString(), 'managed bytes');
    assert.equal((await api(`${base}/v3/os-volume-manage`, { method: 'POST', token: admin, body: req({ 'source-id': v.id }) })).status, 400, 'already managed');
    const detail = (await api(`${base}/v3/manageable_volumes/detail?host=${encodeURIComponent(host)}`, { token: admin, headers: MV('3.8') })).body['manageable-volumes'];
    assert.deepEqual(detail.find((m: any) => m.cinder_id === v.id), { reference: { 'source-name': `volume-${v.id}` }, size: 1, safe_to_manage: false, reason_not_safe: 'already managed', cinder_id: v.id, extra_info: null });
  });

  test('a snapshot unmanaged comes back with manage onto its volume; encrypted ones are refused', async () => {
    const vol = await createVolume(base, admin, {});
    const snap = await api(`${base}/v3/snapshots`, { method: 'POST', token: admin, body: { snapshot: { volume_id: vol.id, name: 's' } } });
    await waitStatus(base, admin, 'snapshots', snap.body.snapshot.id, ['available']);
    assert.equal((await api(`${base}/v3/snapshots/${snap.body.snapshot.id}/action`, { method: 'POST', token: admin, body: { 'os-unmanage': {} } })).status, 202);
    assert.equal((await api(`${base}/v3/snapshots/${snap.body.snapshot.id}`, { token: admin })).status, 404);
    assert.ok(existsSync(file('volumes/snapshots', snap.body.snapshot.id)));
    const host = encodeURIComponent('localhost@file#file');
    const unmanaged = (await api(`${base}/v3/manageable_snapshots?host=${host}`, { token: admin, headers: MV('3.8') })).body['manageable-snapshots'];
    assert.deepEqual(unmanaged.find((m: any) => m.reference['source-name'] === `_snapshot-${snap.body.snapshot.id}`), { reference: { 'source-name': `_snapshot-${snap.body.snapshot.id}` }, size: 1, safe_to_manage: true, source_reference: null });
    const body = { snapshot: { volume_id: vol.id, ref: { 'source-name': `_snapshot-${snap.body.snapshot.id}` }, name: 'back', description: 'd', metadata: { a: '1' } } };
    const managed = await api(`${base}/v3/os-snapshot-manage`, { method: 'POST', token: admin, body });
    assert.equal(managed.status, 202);
    assert.ok(!('os-extended-snapshot-attributes:project_id' in managed.body.snapshot), 'the summary view');
    const s = await waitStatus(base, admin, 'snapshots', managed.body.snapshot.id, ['available', 'error']);
    assert.deepEqual([s.status, s.volume_id, s.name, s.description, s.metadata, s.size], ['available', vol.id, 'back', 'd', { a: '1' }, vol.size]);
    assert.ok(existsSync(file('volumes/snapshots', s.id)) && !existsSync(file('volumes/snapshots', snap.body.snapshot.id)), 'renamed to its new id');
    const known = (await api(`${base}/v3/manageable_snapshots/detail?host=${host}`, { token: admin, headers: MV('3.8') })).body['manageable-snapshots'].find((m: any) => m.cinder_id === s.id);
    assert.deepEqual([known.safe_to_manage, known.source_reference], [false, { 'source-name': `volume-${vol.id}` }]);

    const enc = await createVolume(base, admin, { volume_type: 'LUKS' });
    assert.equal((await api(`${base}/v3/volumes/${enc.id}/action`, { method: 'POST', token: admin, body: { 'os-unmanage': {} } })).status, 400, 'its key would be lost');
    assert.equal((await api(`${base}/v3/volumes/${vol.id}/action`, { method: 'POST', token: admin, body: { 'os-unmanage': {} } })).status, 400, 'it has a snapshot');
  });

  test('the reconciler leaves a volume whose manage job is still queued in creating', async () => {
    const db = cloud.ctx.db.kysely;
    const long = new Date(Date.now() - 10 * 60_000).toISOString();
    const managed = await createVolume(base, admin, { name: 'queued-manage' });
    const lost = await createVolume(base, admin, { name: 'lost-job' });
    // The job first: the reconciler may run as soon as the volumes look stuck.
    await cloud.ctx.jobs.enqueue('volume.manage', { kind: 'volume', from: managed.id, to: managed.id }, { delayMs: 10 * 60_000 });
    await db.updateTable('vol_volumes').set({ status: 'creating', updated_at: long }).where('id', 'in', [managed.id, lost.id]).execute();
    assert.equal((await waitStatus(base, admin, 'volumes', lost.id, ['error'])).status, 'error', 'the reconciler ran');
    assert.equal((await api(`${base}/v3/volumes/${managed.id}`, { token: admin })).body.volume.status, 'creating');
  });
});
