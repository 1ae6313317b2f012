import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { createVolume, MV, waitStatus } from './helpers.js';

describe('block storage API', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let admin: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'volume'], services: { volume: { quotas: { volumes: 50 } } } });
    base = cloud.urls.volume;
    demo = await cloud.demoToken();
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  test('version discovery and the catalog', async () => {
    const root = await api(`${base}/`);
    assert.equal(root.status, 300);
    assert.deepEqual([root.body.versions[0].id, root.body.versions[0].version, root.body.versions[0].min_version], ['v3.0', '3.70', '3.0']);
    assert.equal((await api(`${base}/v3/`)).status, 200);
    const cat = await api(`${cloud.urls.identity}/v3/auth/catalog`, { token: demo });
    const types = cat.body.catalog.map((s: any) => s.type);
    assert.ok(types.includes('volumev3') && types.includes('block-storage'));
  });

  test('microversions: default 3.0, echoed, latest, 406 beyond 3.70, 400 when malformed', async () => {
    const plain = await api(`${base}/v3/volumes`, { token: demo });
    assert.equal(plain.headers.get('openstack-api-version'), 'volume 3.0');
    assert.equal(plain.headers.get('vary'), 'OpenStack-API-Version');
    assert.equal((await api(`${base}/v3/volumes`, { token: demo, headers: MV('latest') })).headers.get('openstack-api-version'), 'volume 3.70');
    const high = await api(`${base}/v3/volumes`, { token: demo, headers: MV('3.71') });
    assert.equal(high.status, 406);
    assert.match(high.body.computeFault.message, /maximum is 3.70/);
    assert.equal((await api(`${base}/v3/volumes`, { token: demo, headers: MV('x.y') })).body.badRequest.code, 400);
    // As Cinder, any entry naming "volume" counts: gophercloud sends its catalog type.
    const gophercloud = await api(`${base}/v3/volumes`, { token: demo, headers: { 'openstack-api-version': 'compute 2.1, volumev3 3.27' } });
    assert.equal(gophercloud.headers.get('openstack-api-version'), 'volume 3.27');
    const v = await createVolume(base, demo, { name: 'mv' });
    const old = await api(`${base}/v3/volumes/${v.id}`, { token: demo });
    assert.equal(old.body.volume.volume_type_id, undefined);
    const neu = await api(`${base}/v3/volumes/${v.id}`, { token: demo, headers: MV('3.65') });
    assert.ok(neu.body.volume.volume_type_id && neu.body.volume.consumes_quota === true && neu.body.volume.group_id === null);
    assert.equal((await api(`${base}/v3/attachments`, { token: demo })).status, 404, 'attachments need 3.27');
  });

  test('both URL forms; another project id in the URL is refused', async () => {
    const { body } = await api(`${base}/v3/volumes`, { token: demo });
    const project = (await api(`${base}/v3/limits`, { token: demo })).status;
    assert.equal(project, 200);
    const own = body.volumes.length;
    const tokenProject = (await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: demo, headers: { 'x-subject-token': demo } })).body.token.project.id;
    assert.equal((await api(`${base}/v3/${tokenProject}/volumes`, { token: demo })).body.volumes.length, own);
    assert.equal((await api(`${base}/v3/0123456789abcdef0123456789abcdef/volumes`, { token: demo })).status, 400);
  });

  test('faults: itemNotFound, badRequest, unauthorized', async () => {
    const nf = await api(`${base}/v3/volumes/00000000-0000-0000-0000-000000000000`, { token: demo });
    assert.deepEqual(Object.keys(nf.body), ['itemNotFound']);
    assert.equal(nf.body.itemNotFound.code, 404);
    assert.equal((await api(`${base}/v3/volumes`)).status, 401);
    const bad = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, raw: '{not json' });
    assert.equal(bad.body.badRequest.code, 400);
  });

  test('create, show, list with filters, sort, paging and count; update; delete', async () => {
    const a = await createVolume(base, demo, { name: 'list-a', metadata: { tier: 'gold' } });
    const b = await createVolume(base, demo, { name: 'list-b', size: 2 });
    assert.equal(a.status, 'available');
    assert.deepEqual(a.metadata, { tier: 'gold' });
    assert.equal(a.bootable, 'false');
    assert.equal(a.volume_type, '__DEFAULT__');
    const byName = await api(`${base}/v3/volumes/detail?name=list-b`, { token: demo });
    assert.deepEqual(byName.body.volumes.map((v: any) => v.id), [b.id]);
    const byMeta = await api(`${base}/v3/volumes/detail?metadata=${encodeURIComponent(JSON.stringify({ tier: 'gold' }))}`, { token: demo });
    assert.deepEqual(byMeta.body.volumes.map((v: any) => v.id), [a.id]);
    const sorted = await api(`${base}/v3/volumes?sort=size:desc&limit=1&with_count=true`, { token: demo, headers: MV('3.45') });
    assert.equal(sorted.body.volumes[0].id, b.id);
    assert.deepEqual(Object.keys(sorted.body.volumes[0]).sort(), ['id', 'links', 'name']);
    assert.ok(sorted.body.count >= 2, JSON.stringify(sorted.body));
    assert.match(sorted.body.volumes_links[0].href, new RegExp(`marker=${b.id}`));
    const next = await api(sorted.body.volumes_links[0].href, { token: demo });
    assert.ok(!next.body.volumes.some((v: any) => v.id === b.id), JSON.stringify([sorted.body.volumes_links, next.body]));
    assert.equal((await api(`${base}/v3/volumes?sort=bogus:asc`, { token: demo })).status, 400);
    assert.equal((await api(`${base}/v3/volumes?marker=nope`, { token: demo })).status, 404);

    const up = await api(`${base}/v3/volumes/${a.id}`, { method: 'PUT', token: demo, body: { volume: { name: 'renamed', description: 'd' } } });
    assert.equal(up.body.volume.name, 'renamed');
    const meta = await api(`${base}/v3/volumes/${a.id}/metadata`, { method: 'POST', token: demo, body: { metadata: { k: 'v' } } });
    assert.deepEqual(meta.body.metadata, { tier: 'gold', k: 'v' });
    assert.equal((await api(`${base}/v3/volumes/${a.id}/metadata/k`, { method: 'DELETE', token: demo })).status, 200);
    assert.equal((await api(`${base}/v3/volumes/${a.id}/metadata/k`, { token: demo })).status, 404);

    assert.equal((await api(`${base}/v3/volumes/${a.id}`, { method: 'DELETE', token: demo })).status, 202);
    await waitStatus(base, demo, 'volumes', a.id, ['gone']);
  });

  test('bad input answers 400 in the fault format', async () => {
    const cases: unknown[] = [
      { volume: { size: 'big' } },
      { volume: { size: 0 } },
      { volume: {} },
      { volume: { size: 1, metadata: 'x' } },
      { volume: { size: 1, volume_type: 'nope' } },
      { volume: { size: 1, availability_zone: 'mars' } },
      { volume: { size: 1, snapshot_id: 'x', source_volid: 'y' } },
      { volumes: {} },
      [],
    ];
    for (const body of cases) {
      const r = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body });
      assert.ok(r.status === 400 || r.status === 404, `${JSON.stringify(body)} -> ${r.status}`);
      assert.ok(r.body.badRequest || r.body.itemNotFound, JSON.stringify(r.body));
    }
    const v = await createVolume(base, demo, { name: 'bad' });
    for (const body of [{ 'os-extend': { new_size: 'x' } }, { 'os-extend': { new_size: 1 } }, { 'os-set_bootable': { bootable: 'maybe' } }, { 'os-nothing': {} }, { a: 1, b: 2 }]) {
      const r = await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(r.body.badRequest);
    }
    assert.equal((await api(`${base}/v3/snapshots`, { method: 'POST', token: demo, body: { snapshot: {} } })).status, 400);
    assert.equal((await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: 5 } } })).status, 400);
  });

  test('actions: extend (in-use only from 3.42), bootable, image metadata, reset status for admins', async () => {
    const v = await createVolume(base, demo, { name: 'act' });
    assert.equal((await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-extend': { new_size: 3 } } })).status, 202);
    assert.equal((await waitStatus(base, demo, 'volumes', v.id, ['available'])).size, 3);
    await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-set_bootable': { bootable: true } } });
    const im = await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-set_image_metadata': { metadata: { hw_disk_bus: 'scsi' } } } });
    assert.deepEqual(im.body.metadata, { hw_disk_bus: 'scsi' });
    const shown = (await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume;
    assert.equal(shown.bootable, 'true');
    assert.deepEqual(shown.volume_image_metadata, { hw_disk_bus: 'scsi' });
    await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-unset_image_metadata': { key: 'hw_disk_bus' } } });
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.volume_image_metadata, undefined);

    assert.equal((await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-reset_status': { status: 'error' } } })).status, 403);
    assert.equal((await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: admin, body: { 'os-reset_status': { status: 'in-use' } } })).status, 202);
    const ext = await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-extend': { new_size: 4 } } });
    assert.equal(ext.status, 400, 'in-use extend needs 3.42');
    const ext42 = await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-extend': { new_size: 4 } }, headers: MV('3.42') });
    assert.equal(ext42.status, 202);
    assert.equal((await waitStatus(base, demo, 'volumes', v.id, ['in-use'])).size, 4);
    await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: admin, body: { 'os-reset_status': { status: 'extending' } } });
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { method: 'DELETE', token: demo })).status, 400, 'busy volumes are not deleted');
    assert.equal((await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-force_delete': {} } })).status, 403);
    assert.equal((await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: admin, body: { 'os-force_delete': {} } })).status, 202);
    await waitStatus(base, demo, 'volumes', v.id, ['gone']);
  });

  test('state conflicts: delete with snapshots, while attached, while creating a backup', async () => {
    const v = await createVolume(base, demo, { name: 'busy' });
    const snap = await api(`${base}/v3/snapshots`, { method: 'POST', token: demo, body: { snapshot: { volume_id: v.id, name: 's' } } });
    assert.equal(snap.status, 202);
    await waitStatus(base, demo, 'snapshots', snap.body.snapshot.id, ['available']);
    const del = await api(`${base}/v3/volumes/${v.id}`, { method: 'DELETE', token: demo });
    assert.equal(del.status, 400);
    assert.match(del.body.badRequest.message, /^Invalid volume: Volume status must be available or error/);

    // Attach through the legacy actions: reserve, attach, then deletion and unforced snapshots are refused.
    const act = (body: unknown) => api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body });
    assert.equal((await act({ 'os-reserve': null })).status, 202);
    assert.equal((await act({ 'os-reserve': null })).status, 400, 'a second reserve loses');
    assert.equal((await act({ 'os-attach': { instance_uuid: '11111111-1111-1111-1111-111111111111', mountpoint: '/dev/vdb' } })).status, 202);
    const inUse = (await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume;
    assert.equal(inUse.status, 'in-use');
    assert.equal(inUse.attachments[0].server_id, '11111111-1111-1111-1111-111111111111');
    assert.equal((await api(`${base}/v3/volumes/${v.id}?cascade=true`, { method: 'DELETE', token: demo })).status, 400);
    assert.equal((await api(`${base}/v3/snapshots`, { method: 'POST', token: demo, body: { snapshot: { volume_id: v.id } } })).status, 400);
    const forced = await api(`${base}/v3/snapshots`, { method: 'POST', token: demo, body: { snapshot: { volume_id: v.id, force: true } } });
    assert.equal(forced.status, 202);
    await waitStatus(base, demo, 'snapshots', forced.body.snapshot.id, ['available']);
    assert.equal((await act({ 'os-begin_detaching': {} })).status, 202);
    assert.equal((await act({ 'os-detach': {} })).status, 202);
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.status, 'available');

    // Cascade deletes the snapshots with the volume.
    assert.equal((await api(`${base}/v3/volumes/${v.id}?cascade=true`, { method: 'DELETE', token: demo })).status, 202);
    await waitStatus(base, demo, 'volumes', v.id, ['gone']);
    assert.equal((await api(`${base}/v3/snapshots/${snap.body.snapshot.id}`, { token: demo })).status, 404);
  });

  test('attachments API: reserve, update with a connector, complete, delete', async () => {
    const v = await createVolume(base, demo, { name: 'att' });
    const h = MV('3.44');
    const server = '22222222-2222-2222-2222-222222222222';
    const a = await api(`${base}/v3/attachments`, { method: 'POST', token: demo, headers: h, body: { attachment: { volume_uuid: v.id, instance_uuid: server } } });
    assert.equal(a.status, 200);
    assert.equal(a.body.attachment.status, 'reserved');
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.status, 'reserved');
    const again = await api(`${base}/v3/attachments`, { method: 'POST', token: demo, headers: h, body: { attachment: { volume_uuid: v.id, instance_uuid: server } } });
    assert.equal(again.status, 400);
    const up = await api(`${base}/v3/attachments/${a.body.attachment.id}`, { method: 'PUT', token: demo, headers: h, body: { attachment: { connector: { host: 'node1', mountpoint: '/dev/vdc' } } } });
    assert.equal(up.body.attachment.status, 'attaching');
    assert.equal(up.body.attachment.connection_info.driver_volume_type, 'file');
    assert.equal((await api(`${base}/v3/attachments/${a.body.attachment.id}/action`, { method: 'POST', token: demo, headers: h, body: { 'os-complete': null } })).status, 204);
    const vol = (await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume;
    assert.equal(vol.status, 'in-use');
    assert.equal(vol.attachments[0].device, '/dev/vdc');
    const list = await api(`${base}/v3/attachments?volume_id=${v.id}`, { token: demo, headers: h });
    assert.equal(list.body.attachments.length, 1);
    const del = await api(`${base}/v3/attachments/${a.body.attachment.id}`, { method: 'DELETE', token: demo, headers: h });
    assert.equal(del.status, 200);
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.status, 'available');
  });

  test('snapshots: list, show, update, metadata, delete; volume from snapshot and from volume', async () => {
    const v = await createVolume(base, demo, { name: 'src', size: 2 });
    const s = await api(`${base}/v3/snapshots`, { method: 'POST', token: demo, body: { snapshot: { volume_id: v.id, name: 'snap', metadata: { a: '1' } } } });
    const snap = await waitStatus(base, demo, 'snapshots', s.body.snapshot.id, ['available']);
    assert.equal(snap.size, 2);
    assert.equal(snap['os-extended-snapshot-attributes:progress'], '100%');
    assert.equal((await api(`${base}/v3/snapshots/${snap.id}`, { method: 'PUT', token: demo, body: { snapshot: { name: 'snap2' } } })).body.snapshot.name, 'snap2');
    assert.deepEqual((await api(`${base}/v3/snapshots/${snap.id}/metadata`, { method: 'PUT', token: demo, body: { metadata: { b: '2' } } })).body.metadata, { b: '2' });
    assert.ok((await api(`${base}/v3/snapshots/detail?volume_id=${v.id}`, { token: demo })).body.snapshots.some((x: any) => x.id === snap.id));
    const small = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1, snapshot_id: snap.id } } });
    assert.equal(small.status, 400);
    const fromSnap = await createVolume(base, demo, { snapshot_id: snap.id, size: null });
    assert.equal(fromSnap.size, 2);
    assert.equal(fromSnap.snapshot_id, snap.id);
    const clone = await createVolume(base, demo, { source_volid: v.id, size: 3 });
    assert.equal(clone.size, 3);
    assert.equal(clone.source_volid, v.id);
    assert.equal((await api(`${base}/v3/snapshots/${snap.id}`, { method: 'DELETE', token: demo })).status, 202);
    await waitStatus(base, demo, 'snapshots', snap.id, ['gone']);
  });

  test('backups: create, incremental, restore to a new and an existing volume, delete', async () => {
    const v = await createVolume(base, demo, { name: 'bk' });
    assert.equal((await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id, incremental: true } } })).status, 400, 'incremental needs a full backup');
    const b = await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id, name: 'full' } } });
    assert.equal(b.status, 202);
    const full = await waitStatus(base, demo, 'backups', b.body.backup.id, ['available']);
    assert.equal(full.is_incremental, false);
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.status, 'available');
    const inc = await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id, incremental: true } } });
    assert.equal((await waitStatus(base, demo, 'backups', inc.body.backup.id, ['available'])).is_incremental, true);
    assert.equal((await api(`${base}/v3/backups/${full.id}`, { token: demo })).body.backup.has_dependent_backups, true);

    const r = await api(`${base}/v3/backups/${full.id}/restore`, { method: 'POST', token: demo, body: { restore: { name: 'restored' } } });
    assert.equal(r.status, 202);
    assert.equal((await waitStatus(base, demo, 'volumes', r.body.restore.volume_id, ['available'])).name, 'restored');
    const target = await createVolume(base, demo, { name: 'target', size: 2 });
    const r2 = await api(`${base}/v3/backups/${full.id}/restore`, { method: 'POST', token: demo, body: { restore: { volume_id: target.id } } });
    assert.equal(r2.body.restore.volume_id, target.id);
    await waitStatus(base, demo, 'volumes', target.id, ['available']);
    await waitStatus(base, demo, 'backups', full.id, ['available']);
    assert.equal((await api(`${base}/v3/backups/${full.id}`, { method: 'PUT', token: demo, body: { backup: { name: 'x' } } })).status, 400, 'update needs 3.9');
    assert.equal((await api(`${base}/v3/backups/${full.id}`, { method: 'PUT', token: demo, headers: MV('3.9'), body: { backup: { name: 'x' } } })).body.backup.name, 'x');
    // As Cinder: a backup that an incremental one follows cannot go first.
    const parentFirst = await api(`${base}/v3/backups/${full.id}`, { method: 'DELETE', token: demo, headers: { accept: 'application/json' } });
    assert.equal(parentFirst.status, 400);
    assert.match(parentFirst.body.badRequest.message, /Incremental backups exist for this backup/);
    assert.equal((await api(`${base}/v3/backups/${inc.body.backup.id}`, { method: 'DELETE', token: demo })).status, 202);
    await waitStatus(base, demo, 'backups', inc.body.backup.id, ['gone']);
    assert.equal((await api(`${base}/v3/backups/${full.id}`, { method: 'DELETE', token: demo })).status, 202);
    await waitStatus(base, demo, 'backups', full.id, ['gone']);
  });

  test("backups belong to the caller's project: an incremental one follows the newest backup of that project only", async () => {
    const v = await createVolume(base, demo, { name: 'cross' });
    const backup = async (token: string, incremental = false) => {
      const r = await api(`${base}/v3/backups`, { method: 'POST', token, body: { backup: { volume_id: v.id, incremental } } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return (await waitStatus(base, token, 'backups', r.body.backup.id, ['available'])).id as string;
    };
    const adminFull = await backup(admin);
    // The admin's backup is the admin project's: the user neither sees it nor may follow it.
    assert.equal((await api(`${base}/v3/backups/${adminFull}`, { token: demo })).status, 404);
    assert.equal((await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id, incremental: true } } })).status, 400);
    const userFull = await backup(demo);
    await backup(admin, true);
    const shown = async (id: string, token: string) => (await api(`${base}/v3/backups/${id}`, { token })).body.backup.has_dependent_backups;
    assert.equal(await shown(userFull, demo), false);
    assert.equal(await shown(adminFull, admin), true);
    await backup(demo, true);
    assert.equal(await shown(userFull, demo), true);
  });

  test('volume types: admin CRUD, extra specs, access, default; members may not manage', async () => {
    const list = await api(`${base}/v3/types`, { token: demo });
    const luks = list.body.volume_types.find((t: any) => t.name === 'LUKS');
    assert.match(luks.description, /^\[scs:encrypted\]/);
    assert.equal((await api(`${base}/v3/types/default`, { token: demo })).body.volume_type.name, '__DEFAULT__');
    assert.equal((await api(`${base}/v3/types`, { method: 'POST', token: demo, body: { volume_type: { name: 'x' } } })).status, 403);
    const t = await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'private', 'os-volume-type-access:is_public': false, extra_specs: { 'scs:a': 'b' } } } });
    assert.equal(t.status, 200);
    assert.equal((await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'private' } } })).status, 409);
    const id = t.body.volume_type.id;
    assert.equal((await api(`${base}/v3/types/${id}`, { token: demo })).status, 404, 'private type invisible');
    const demoProject = (await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: demo, headers: { 'x-subject-token': demo } })).body.token.project.id;
    assert.equal((await api(`${base}/v3/types/${id}/action`, { method: 'POST', token: admin, body: { addProjectAccess: { project: demoProject } } })).status, 202);
    assert.equal((await api(`${base}/v3/types/${id}`, { token: demo })).status, 200);
    assert.deepEqual((await api(`${base}/v3/types/${id}/os-volume-type-access`, { token: admin })).body.volume_type_access.map((a: any) => a.project_id), [demoProject]);
    assert.deepEqual((await api(`${base}/v3/types/${id}/extra_specs`, { method: 'POST', token: admin, body: { extra_specs: { c: 'd' } } })).body.extra_specs, { c: 'd' }, 'Cinder echoes the posted specs');
    assert.equal((await api(`${base}/v3/types/${id}/extra_specs/c`, { method: 'DELETE', token: admin })).status, 202);
    const v = await createVolume(base, demo, { volume_type: 'private' });
    assert.deepEqual([v.volume_type, v.status], ['private', 'available'], 'a scoped extra spec does not stop scheduling');
    assert.equal((await api(`${base}/v3/types/${id}`, { method: 'DELETE', token: admin })).status, 400, 'in use');
    await api(`${base}/v3/volumes/${v.id}`, { method: 'DELETE', token: demo });
    await waitStatus(base, demo, 'volumes', v.id, ['gone']);
    assert.equal((await api(`${base}/v3/types/${id}`, { method: 'DELETE', token: admin })).status, 202);
  });

  test('volume type encryption: admin API, volumes of the type are encrypted, frozen while in use', async () => {
    const luks = (await api(`${base}/v3/types/LUKS`, { token: admin })).body.volume_type;
    const enc = await api(`${base}/v3/types/${luks.id}/encryption`, { token: admin });
    assert.deepEqual([enc.body.provider, enc.body.cipher, enc.body.key_size, enc.body.control_location], ['luks', 'aes-xts-plain64', 512, 'back-end']);
    assert.equal((await api(`${base}/v3/types/${luks.id}/encryption`, { token: demo })).status, 403);
    const plainType = (await api(`${base}/v3/types/default`, { token: admin })).body.volume_type.id;
    assert.deepEqual((await api(`${base}/v3/types/${plainType}/encryption`, { token: admin })).body, {});

    const t = (await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'enc-new', description: '[scs:encrypted] new' } } })).body.volume_type;
    const url = `${base}/v3/types/${t.id}/encryption`;
    assert.equal((await api(url, { method: 'POST', token: admin, body: { encryption: { provider: 'luks', key_size: -1 } } })).status, 400, 'a negative key size');
    assert.equal((await api(url, { method: 'POST', token: admin, body: { encryption: { provider: 'luks', key_size: '' } } })).status, 400, 'not a count of bits');
    const created = await api(url, { method: 'POST', token: admin, body: { encryption: { provider: 'luks', control_location: 'front-end' } } });
    assert.equal(created.status, 200);
    assert.equal((await api(url, { method: 'POST', token: admin, body: { encryption: { provider: 'luks' } } })).status, 400, 'exists already');
    const v = await createVolume(base, demo, { volume_type: 'enc-new' });
    assert.equal(v.encrypted, true);
    const eid = created.body.encryption.encryption_id;
    assert.equal((await api(`${url}/${eid}`, { method: 'DELETE', token: admin })).status, 400, 'in use');
    await api(`${base}/v3/volumes/${v.id}`, { method: 'DELETE', token: demo });
    await waitStatus(base, demo, 'volumes', v.id, ['gone']);
    assert.equal((await api(`${url}/${eid}`, { method: 'DELETE', token: admin })).status, 202);
    assert.equal((await createVolume(base, demo, { volume_type: 'enc-new' })).encrypted, false);
  });

  test('quotas: show, defaults, usage, update by admins, 413 overLimit; limits; zones; services', async () => {
    const project = (await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: demo, headers: { 'x-subject-token': demo } })).body.token.project.id;
    const q = await api(`${base}/v3/os-quota-sets/${project}?usage=true`, { token: demo });
    assert.equal(q.body.quota_set.volumes.limit, 50, 'configured');
    assert.equal(typeof q.body.quota_set.gigabytes.in_use, 'number');
    assert.equal((await api(`${base}/v3/os-quota-sets/${project}/defaults`, { token: demo })).body.quota_set.gigabytes, 1000);
    assert.equal((await api(`${base}/v3/os-quota-sets/${project}`, { method: 'PUT', token: demo, body: { quota_set: { volumes: 1 } } })).status, 403);
    assert.equal((await api(`${base}/v3/os-quota-sets/${project}`, { method: 'PUT', token: admin, body: { quota_set: { bogus: 1 } } })).status, 400);
    const used = q.body.quota_set.gigabytes.in_use;
    const set = await api(`${base}/v3/os-quota-sets/${project}`, { method: 'PUT', token: admin, body: { quota_set: { gigabytes: used + 1 } } });
    assert.equal(set.body.quota_set.gigabytes, used + 1);
    const over = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 2 } } });
    assert.equal(over.status, 413);
    assert.match(over.body.overLimit.message, /VolumeSizeExceedsAvailableQuota/);
    const lim = await api(`${base}/v3/limits`, { token: demo });
    assert.equal(lim.body.limits.absolute.maxTotalVolumeGigabytes, used + 1);
    assert.equal(lim.body.limits.absolute.totalGigabytesUsed, used);
    await api(`${base}/v3/os-quota-sets/${project}`, { method: 'DELETE', token: admin });
    assert.equal((await api(`${base}/v3/os-quota-sets/${project}`, { token: demo })).body.quota_set.gigabytes, 1000);
    assert.equal((await api(`${base}/v3/os-availability-zone`, { token: demo })).body.availabilityZoneInfo[0].zoneName, 'nova');
    assert.equal((await api(`${base}/v3/os-services`, { token: demo })).status, 403);
    assert.ok((await api(`${base}/v3/os-services`, { token: admin })).body.services.some((s: any) => s.binary === 'cinder-volume'));
  });
});
