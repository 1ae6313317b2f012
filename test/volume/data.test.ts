import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { requireTool } from '../helpers/clients.js';
import { createVolume, waitStatus } from './helpers.js';

const run = promisify(execFile);

/** The bytes: images in and out, encryption at rest, clones and backups, and compute's client. */
describe('block storage data plane', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let imageId: string;
  const payload = randomBytes(3 * 1024 * 1024 + 123);
  const volumeFile = (id: string) => join(cloud.dataDir, 'volumes', `${id}.img`);
  const auth = async () => cloud.clients.identity.validate(demo);

  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'image', 'volume'], services: { volume: { reconcileIntervalMs: 200, quotas: { volumes: 50 } } } });
    base = cloud.urls.volume;
    demo = await cloud.demoToken();
    const img = await api(`${cloud.urls.image}/v2/images`, { method: 'POST', token: demo, body: { name: 'payload', disk_format: 'raw', container_format: 'bare', min_disk: 1 } });
    imageId = img.body.id;
    const put = await fetch(`${cloud.urls.image}/v2/images/${imageId}/file`, { method: 'PUT', headers: { 'x-auth-token': demo, 'content-type': 'application/octet-stream' }, body: payload });
    assert.equal(put.status, 204);
  });
  after(() => cloud.close());

  test("an image's cinder_img_volume_type picks the type when the request names none (unknown names: the default)", async () => {
    const mk = async (type: string) => {
      const img = await api(`${cloud.urls.image}/v2/images`, { method: 'POST', token: demo, body: { name: `typed-${type}`, disk_format: 'raw', container_format: 'bare', cinder_img_volume_type: type } });
      await fetch(`${cloud.urls.image}/v2/images/${img.body.id}/file`, { method: 'PUT', headers: { 'x-auth-token': demo, 'content-type': 'application/octet-stream' }, body: payload });
      return img.body.id as string;
    };
    const luks = await mk('LUKS');
    assert.equal((await createVolume(base, demo, { imageRef: luks })).volume_type, 'LUKS');
    assert.equal((await createVolume(base, demo, { imageRef: luks, volume_type: '__DEFAULT__' })).volume_type, '__DEFAULT__');
    assert.equal((await createVolume(base, demo, { imageRef: await mk('no-such-type') })).volume_type, '__DEFAULT__');
  });

  test('a volume from an image holds its bytes, is bootable and carries the image metadata', async () => {
    const v = await createVolume(base, demo, { imageRef: imageId, name: 'from-image' });
    assert.equal(v.status, 'available');
    assert.equal(v.bootable, 'true');
    assert.equal(v.volume_image_metadata.image_id, imageId);
    assert.equal(v.volume_image_metadata.image_name, 'payload');
    // The GiB past the image is a hole, never written.
    assert.ok(statSync(volumeFile(v.id)).blocks * 512 < 16 * 1024 ** 2);
    const disk = readFileSync(volumeFile(v.id));
    assert.equal(disk.length, 1024 ** 3);
    assert.ok(disk.subarray(0, payload.length).equals(payload));
    const tooSmall = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1, imageRef: '00000000-0000-0000-0000-000000000000' } } });
    assert.equal(tooSmall.status, 400);
  });

  test('revert to snapshot (3.40): the latest snapshot of the same size gives its bytes back', async () => {
    const v = await createVolume(base, demo, { imageRef: imageId, name: 'revertible' });
    const action = (b: unknown, mv = '3.40') => api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: b, headers: { 'openstack-api-version': `volume ${mv}`, accept: 'application/json' } });
    assert.equal((await action({ revert: { snapshot_id: randomUUID() } })).status, 400, 'no snapshots yet');
    const snap = async () => {
      const r = await api(`${base}/v3/snapshots`, { method: 'POST', token: demo, body: { snapshot: { volume_id: v.id } } });
      return (await waitStatus(base, demo, 'snapshots', r.body.snapshot.id, ['available'])).id as string;
    };
    const older = await snap();
    const latest = await snap();
    // What a guest wrote since the snapshot.
    writeFileSync(volumeFile(v.id), Buffer.alloc(payload.length, 9));
    assert.equal((await action({ revert: { snapshot_id: latest } }, '3.39')).status, 400, 'revert needs 3.40');
    const notLatest = await action({ revert: { snapshot_id: older } });
    assert.equal(notLatest.status, 400);
    assert.match(notLatest.body.badRequest.message, /not the latest one/);
    assert.equal((await action({ revert: { snapshot_id: latest } })).status, 202);
    assert.equal((await waitStatus(base, demo, 'volumes', v.id, ['available', 'error'])).status, 'available');
    assert.equal((await waitStatus(base, demo, 'snapshots', latest, ['available'])).status, 'available');
    assert.ok(readFileSync(volumeFile(v.id)).subarray(0, payload.length).equals(payload));
    // A volume extended since its snapshot cannot go back to it.
    assert.equal((await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-extend': { new_size: v.size + 1 } } })).status, 202);
    await waitStatus(base, demo, 'volumes', v.id, ['available']);
    const grown = await action({ revert: { snapshot_id: latest } });
    assert.equal(grown.status, 400);
    assert.match(grown.body.badRequest.message, /must be equal to the snapshot size/);
  });

  test('a qcow2 image is converted to raw (qemu-img), into clear and encrypted volumes', async (t) => {
    if (!requireTool(t, '/usr/bin/qemu-img', 'qemu-utils')) return;
    const dir = mkdtempSync(join(tmpdir(), 'scs-qcow2-'));
    try {
      writeFileSync(join(dir, 'disk.raw'), payload);
      await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', join(dir, 'disk.raw'), join(dir, 'disk.qcow2')]);
      const qcow2 = readFileSync(join(dir, 'disk.qcow2'));
      const img = await api(`${cloud.urls.image}/v2/images`, { method: 'POST', token: demo, body: { name: 'qcow2', disk_format: 'qcow2', container_format: 'bare' } });
      await fetch(`${cloud.urls.image}/v2/images/${img.body.id}/file`, { method: 'PUT', headers: { 'x-auth-token': demo, 'content-type': 'application/octet-stream' }, body: qcow2 });
      const v = await createVolume(base, demo, { imageRef: img.body.id });
      assert.equal(v.status, 'available');
      assert.ok(readFileSync(volumeFile(v.id)).subarray(0, payload.length).equals(payload));
      const enc = await createVolume(base, demo, { imageRef: img.body.id, volume_type: 'LUKS' });
      assert.equal(enc.status, 'available');
      assert.equal(readFileSync(volumeFile(enc.id)).indexOf(payload.subarray(0, 64)), -1);
      // And back out as a qcow2 image: qemu-img reads it back to the same bytes.
      const up = await api(`${base}/v3/volumes/${enc.id}/action`, { method: 'POST', token: demo, body: { 'os-volume_upload_image': { image_name: 'out', disk_format: 'qcow2' } } });
      assert.equal(up.status, 202);
      await waitStatus(base, demo, 'volumes', enc.id, ['available']);
      const out = await fetch(`${cloud.urls.image}/v2/images/${up.body['os-volume_upload_image'].image_id}/file`, { headers: { 'x-auth-token': demo } });
      writeFileSync(join(dir, 'out.qcow2'), Buffer.from(await out.arrayBuffer()));
      await run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', join(dir, 'out.qcow2'), join(dir, 'out.raw')]);
      assert.ok(readFileSync(join(dir, 'out.raw')).subarray(0, payload.length).equals(payload));
      const bad = await api(`${base}/v3/volumes/${enc.id}/action`, { method: 'POST', token: demo, body: { 'os-volume_upload_image': { image_name: 'x', disk_format: 'floppy' } } });
      assert.equal(bad.status, 400);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('LUKS volumes are encrypted at rest: the file lacks the plaintext, clones and uploads read it back', async () => {
    const v = await createVolume(base, demo, { imageRef: imageId, volume_type: 'LUKS' });
    assert.equal(v.encrypted, true);
    const disk = readFileSync(volumeFile(v.id));
    assert.equal(disk.indexOf(payload.subarray(0, 64)), -1);
    assert.equal(disk.indexOf(payload.subarray(1024 * 1024, 1024 * 1024 + 64)), -1);
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo, headers: { 'openstack-api-version': 'volume 3.64' } })).body.volume.encryption_key_id.length, 36);

    const clone = await createVolume(base, demo, { source_volid: v.id });
    assert.equal(clone.encrypted, true);
    const mismatch = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { source_volid: v.id, volume_type: '__DEFAULT__' } } });
    assert.equal(mismatch.status, 400);

    // Upload the clone to an image: the image has the clear text again.
    const up = await api(`${base}/v3/volumes/${clone.id}/action`, { method: 'POST', token: demo, body: { 'os-volume_upload_image': { image_name: 'back', disk_format: 'raw', container_format: 'bare' } } });
    assert.equal(up.status, 202);
    assert.equal(up.body['os-volume_upload_image'].status, 'uploading');
    const image = up.body['os-volume_upload_image'].image_id;
    await waitStatus(base, demo, 'volumes', clone.id, ['available']);
    const data = Buffer.from(await (await fetch(`${cloud.urls.image}/v2/images/${image}/file`, { headers: { 'x-auth-token': demo } })).arrayBuffer());
    assert.equal(data.length, 1024 ** 3);
    assert.ok(data.subarray(0, payload.length).equals(payload));
    assert.ok(data.subarray(payload.length, payload.length + 4096).equals(Buffer.alloc(4096)));
  });

  test('a type with 256-bit keys (AES-128-XTS) encrypts at rest and reads back', async () => {
    const admin = await cloud.adminToken();
    const t = (await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'luks-256' } } })).body.volume_type;
    const spec = (key_size: number) => ({ encryption: { provider: 'luks', cipher: 'aes-xts-plain64', key_size, control_location: 'front-end' } });
    const created = await api(`${base}/v3/types/${t.id}/encryption`, { method: 'POST', token: admin, body: spec(256) });
    assert.deepEqual([created.status, created.body.encryption.key_size], [200, 256]);
    assert.deepEqual(Object.keys(created.body.encryption).sort(), ['cipher', 'control_location', 'encryption_id', 'key_size', 'provider', 'volume_type_id'], 'the request echoed with the ids, as Cinder');
    const v = await createVolume(base, demo, { imageRef: imageId, volume_type: 'luks-256' });
    assert.equal(v.encrypted, true);
    assert.equal(readFileSync(volumeFile(v.id)).indexOf(payload.subarray(0, 64)), -1);
    const up = await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-volume_upload_image': { image_name: 'back-256', disk_format: 'raw', container_format: 'bare' } } });
    await waitStatus(base, demo, 'volumes', v.id, ['available']);
    const res = await fetch(`${cloud.urls.image}/v2/images/${up.body['os-volume_upload_image'].image_id}/file`, { headers: { 'x-auth-token': demo } });
    const reader = res.body!.getReader();
    const chunks: Buffer[] = [];
    for (let got = 0; got < payload.length; ) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      got += value.length;
    }
    await reader.cancel();
    assert.ok(Buffer.concat(chunks).subarray(0, payload.length).equals(payload));
  });

  test('backups of encrypted volumes stay encrypted and restore to the same bytes', async () => {
    const v = await createVolume(base, demo, { imageRef: imageId, volume_type: 'LUKS' });
    const b = await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id } } });
    await waitStatus(base, demo, 'backups', b.body.backup.id, ['available']);
    const backupFile = join(cloud.dataDir, 'backups', `${b.body.backup.id}.img`);
    // Only the data extents are copied: the backup of a 1 GiB volume holding a few MiB stays sparse.
    assert.ok(statSync(backupFile).blocks * 512 < 16 * 1024 ** 2);
    const stored = readFileSync(backupFile);
    assert.equal(stored.indexOf(payload.subarray(0, 64)), -1);
    const r = await api(`${base}/v3/backups/${b.body.backup.id}/restore`, { method: 'POST', token: demo, body: { restore: {} } });
    const restored = await waitStatus(base, demo, 'volumes', r.body.restore.volume_id, ['available']);
    assert.equal(restored.encrypted, true);
    assert.equal(restored.volume_type, 'LUKS');
    const up = await api(`${base}/v3/volumes/${restored.id}/action`, { method: 'POST', token: demo, body: { 'os-volume_upload_image': { image_name: 'restored' } } });
    await waitStatus(base, demo, 'volumes', restored.id, ['available']);
    const res = await fetch(`${cloud.urls.image}/v2/images/${up.body['os-volume_upload_image'].image_id}/file`, { headers: { 'x-auth-token': demo } });
    const head = Buffer.from(await res.arrayBuffer()).subarray(0, payload.length);
    assert.ok(head.equals(payload));
  });

  test('a failed copy leaves the volume in error, never creating', async () => {
    // An image without data: the create job fails and gives up.
    const img = await api(`${cloud.urls.image}/v2/images`, { method: 'POST', token: demo, body: { name: 'empty', disk_format: 'raw', container_format: 'bare' } });
    const r = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1, imageRef: img.body.id } } });
    assert.equal(r.status, 400, 'a queued image is refused up front');
    // A source whose bytes are lost: the copy fails, is retried, then the volume goes to error.
    const src = await createVolume(base, demo, { name: 'lost' });
    rmSync(volumeFile(src.id), { force: true });
    const b = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1, source_volid: src.id } } });
    assert.equal(b.status, 202);
    const done = await waitStatus(base, demo, 'volumes', b.body.volume.id, ['available', 'error']);
    assert.equal(done.status, 'error');
    // Cinder lets an errored volume be deleted.
    assert.equal((await api(`${base}/v3/volumes/${done.id}`, { method: 'DELETE', token: demo })).status, 202);
  });

  test('a job whose process died mid-way is taken over once its lease expires', async () => {
    // What a crashed process leaves: a volume in creating and its job claimed by an owner that is gone.
    const v = (await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1, name: 'orphan' } } })).body.volume;
    await waitStatus(base, demo, 'volumes', v.id, ['available']);
    const db = cloud.ctx.db.kysely;
    await db.updateTable('vol_volumes').set({ status: 'creating' }).where('id', '=', v.id).execute();
    rmSync(volumeFile(v.id), { force: true });
    const past = new Date(Date.now() - 1000).toISOString();
    await db
      .insertInto('platform_jobs')
      .values({ id: randomUUID(), kind: 'volume.create', payload: JSON.stringify({ volumeId: v.id, source: { kind: 'empty' }, auth: {} }), state: 'running', attempts: 1, run_after: past, lease_owner: 'dead-process', lease_until: past, last_error: null, created_at: past, updated_at: past })
      .execute();
    assert.equal((await waitStatus(base, demo, 'volumes', v.id, ['available', 'error'])).status, 'available');
    assert.equal(statSync(volumeFile(v.id)).size, 1024 ** 3);
  });

  test('a transient status whose job was lost is repaired to error by the reconciler', async () => {
    const v = await createVolume(base, demo, { name: 'lost-job' });
    const db = cloud.ctx.db.kysely;
    const long = new Date(Date.now() - 10 * 60_000).toISOString();
    await db.updateTable('vol_volumes').set({ status: 'creating', updated_at: long }).where('id', '=', v.id).execute();
    const fresh = await createVolume(base, demo, { name: 'fresh' });
    await db.updateTable('vol_volumes').set({ status: 'extending' }).where('id', '=', fresh.id).execute();
    assert.equal((await waitStatus(base, demo, 'volumes', v.id, ['error'])).status, 'error');
    assert.equal((await api(`${base}/v3/volumes/${fresh.id}`, { token: demo })).body.volume.status, 'extending', 'young transient states are left alone');
  });

  test('the client compute uses: boot volume from an image, attach, detach, delete', async () => {
    const img = await api(`${cloud.urls.image}/v2/images`, { method: 'POST', token: demo, body: { name: 'boot', disk_format: 'raw', container_format: 'bare' } });
    await fetch(`${cloud.urls.image}/v2/images/${img.body.id}/file`, { method: 'PUT', headers: { 'x-auth-token': demo, 'content-type': 'application/octet-stream' }, body: payload });
    const ctx = await auth();
    const vc = cloud.clients.volume;
    const id = await vc.createForBoot(ctx, { imageId: img.body.id, size: 1, name: 'boot' });
    const info = await vc.getVolume(ctx, id);
    assert.equal(info?.status, 'available');
    assert.equal(info?.bootable, true);
    const server = '33333333-3333-3333-3333-333333333333';
    const { device } = await vc.attach(ctx, id, server, { device: '/dev/vda' });
    assert.equal(device, '/dev/vda');
    const attached = await vc.getVolume(ctx, id);
    assert.equal(attached?.status, 'in-use');
    assert.equal(attached?.attachments[0].server_id, server);
    await assert.rejects(vc.attach(ctx, id, 'other'), /Invalid volume/);
    await vc.detach(ctx, id, server);
    assert.equal((await vc.getVolume(ctx, id))?.status, 'available');
    await vc.attach(ctx, id, server);
    await vc.deleteVolume(ctx, id);
    assert.equal(await vc.getVolume(ctx, id), undefined);
    const other = await cloud.clients.identity.validate(await cloud.adminToken());
    assert.equal(await vc.getVolume({ ...other, roles: ['member'] }, id), undefined);
  });
});
