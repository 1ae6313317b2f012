import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from '../helpers/cloud.js';
import { startComputeCloud, type ComputeCloud } from './helpers.js';

let c: ComputeCloud;
before(async () => {
  c = await startComputeCloud({ services: ['identity', 'image', 'volume', 'placement', 'compute'] });
});
after(async () => {
  await c.cloud.close();
});

const cinder = (method: string, path: string, body?: unknown) => api(`${c.cloud.urls.volume}/v3${path}`, { method, token: c.demo, body, headers: { 'openstack-api-version': 'volume 3.70' } });
async function volumeStatus(id: string, want: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const r = await cinder('GET', `/volumes/${id}`);
    if (r.status === 404) return 'deleted';
    if (r.body.volume.status === want) return want;
    await new Promise((res) => setTimeout(res, 25));
  }
  return (await cinder('GET', `/volumes/${id}`)).body.volume.status;
}

test('boot from volume on a zero-disk SCS flavor, attach and detach a data volume, delete_on_termination', async () => {
  const flavors = await c.call('GET', '/flavors', c.demo);
  const scs = flavors.body.flavors.find((f: any) => f.name === 'SCS-1V-2').id;
  const created = await c.call('POST', '/servers', c.demo, {
    server: {
      name: 'bfv',
      flavorRef: scs,
      networks: 'none',
      block_device_mapping_v2: [{ boot_index: 0, uuid: c.imageId, source_type: 'image', destination_type: 'volume', volume_size: 1, delete_on_termination: true }],
    },
  }, '2.95');
  assert.equal(created.status, 202, JSON.stringify(created.body));
  const s = await c.waitFor(created.body.server.id, c.demo, 'ACTIVE');
  assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
  assert.equal(s.image, '');
  assert.equal(s['os-extended-volumes:volumes_attached'].length, 1);
  const root = s['os-extended-volumes:volumes_attached'][0];
  assert.equal(root.delete_on_termination, true);
  assert.equal(await volumeStatus(root.id, 'in-use'), 'in-use');

  const data = await cinder('POST', '/volumes', { volume: { size: 1, name: 'data' } });
  assert.equal(await volumeStatus(data.body.volume.id, 'available'), 'available');
  const att = await c.call('POST', `/servers/${s.id}/os-volume_attachments`, c.demo, { volumeAttachment: { volumeId: data.body.volume.id } }, '2.79');
  assert.equal(att.status, 200, JSON.stringify(att.body));
  assert.equal(att.body.volumeAttachment.device, '/dev/vdb');
  assert.equal(att.body.volumeAttachment.delete_on_termination, false);
  assert.equal((await c.call('POST', `/servers/${s.id}/os-volume_attachments`, c.demo, { volumeAttachment: { volumeId: data.body.volume.id } })).status, 400);
  assert.equal((await c.call('POST', `/servers/${s.id}/os-volume_attachments`, c.other, { volumeAttachment: { volumeId: data.body.volume.id } })).status, 404);
  const list = await c.call('GET', `/servers/${s.id}/os-volume_attachments`, c.demo);
  assert.deepEqual(list.body.volumeAttachments.map((a: any) => a.device).sort(), ['/dev/vda', '/dev/vdb']);
  // Since 2.89 show and list name the Cinder attachment instead of `id`; an attach still answers with `id` (as Nova does).
  const listed89 = (await c.call('GET', `/servers/${s.id}/os-volume_attachments`, c.demo, undefined, '2.89')).body.volumeAttachments;
  assert.ok(listed89.every((a: any) => a.id === undefined && typeof a.attachment_id === 'string'));
  // PUT: delete_on_termination changes since 2.85; a swap is only Cinder's (migration), 409 here.
  const dataId = data.body.volume.id;
  const put = (token: string, body: unknown, v = '2.85', vol = dataId) => c.call('PUT', `/servers/${s.id}/os-volume_attachments/${vol}`, token, { volumeAttachment: body }, v);
  assert.equal((await put(c.demo, { volumeId: dataId, delete_on_termination: true })).status, 202);
  assert.equal((await c.call('GET', `/servers/${s.id}/os-volume_attachments/${dataId}`, c.demo, undefined, '2.85')).body.volumeAttachment.delete_on_termination, true);
  assert.equal((await put(c.demo, { volumeId: dataId, delete_on_termination: false, device: '/dev/vdb' })).status, 202);
  assert.equal((await put(c.demo, { volumeId: dataId, device: '/dev/vdc' })).status, 400);
  assert.equal((await put(c.demo, { volumeId: dataId }, '2.84')).status, 403);
  assert.equal((await put(c.admin, { volumeId: dataId, delete_on_termination: true }, '2.84')).status, 400);
  assert.equal((await put(c.admin, { volumeId: '00000000-0000-0000-0000-000000000000' }, '2.1')).status, 400);
  assert.equal((await put(c.admin, { volumeId: root.id }, '2.1')).status, 409);
  assert.equal((await put(c.admin, { volumeId: dataId }, '2.85', '00000000-0000-0000-0000-000000000000')).status, 404);
  assert.equal((await c.call('DELETE', `/servers/${s.id}/os-volume_attachments/${root.id}`, c.demo)).status, 400);
  assert.equal((await c.call('DELETE', `/servers/${s.id}/os-volume_attachments/${data.body.volume.id}`, c.demo)).status, 202);
  assert.equal(await volumeStatus(data.body.volume.id, 'available'), 'available');
  const again = await c.call('POST', `/servers/${s.id}/os-volume_attachments`, c.demo, { volumeAttachment: { volumeId: data.body.volume.id } }, '2.89');
  assert.equal(again.body.volumeAttachment.id, data.body.volume.id);
  assert.equal(again.body.volumeAttachment.attachment_id, undefined);

  assert.equal((await c.call('DELETE', `/servers/${s.id}`, c.demo)).status, 204);
  assert.equal(await volumeStatus(root.id, 'deleted'), 'deleted');
  assert.equal(await volumeStatus(data.body.volume.id, 'available'), 'available');
});

test('boot from an existing volume; bad mappings are 400', async () => {
  const vol = await cinder('POST', '/volumes', { volume: { size: 1, name: 'bootable', imageRef: c.imageId } });
  assert.equal(await volumeStatus(vol.body.volume.id, 'available'), 'available');
  const body = (bdm: unknown[]) => ({ server: { name: 'v', flavorRef: c.flavorId, networks: 'none', block_device_mapping_v2: bdm } });
  const ok = await c.call('POST', '/servers', c.demo, body([{ boot_index: 0, uuid: vol.body.volume.id, source_type: 'volume', destination_type: 'volume' }]), '2.95');
  assert.equal(ok.status, 202);
  const s = await c.waitFor(ok.body.server.id, c.demo, 'ACTIVE');
  assert.equal(s['os-extended-volumes:volumes_attached'][0].id, vol.body.volume.id);
  const taken = await c.call('POST', '/servers', c.demo, body([{ boot_index: 0, uuid: vol.body.volume.id, source_type: 'volume', destination_type: 'volume' }]), '2.95');
  assert.equal(taken.status, 400);
  assert.equal((await c.call('POST', '/servers', c.demo, body([{ boot_index: 0, uuid: c.imageId, source_type: 'image', destination_type: 'volume' }]), '2.95')).status, 400);
  assert.equal((await c.call('POST', '/servers', c.demo, body([{ boot_index: 0, uuid: '00000000-0000-0000-0000-000000000000', source_type: 'volume', destination_type: 'volume' }]), '2.95')).status, 400);
  assert.equal((await c.call('DELETE', `/servers/${s.id}`, c.demo)).status, 204);
  assert.equal(await volumeStatus(vol.body.volume.id, 'available'), 'available');
  // A volume marked not bootable cannot be the root disk (tempest).
  const plain = await cinder('POST', '/volumes', { volume: { size: 1, name: 'plain' } });
  assert.equal(await volumeStatus(plain.body.volume.id, 'available'), 'available');
  assert.equal((await c.call('POST', '/servers', c.demo, body([{ boot_index: 0, uuid: plain.body.volume.id, source_type: 'volume', destination_type: 'volume' }]), '2.95')).status, 400);
  // With an image given, Nova boots the volume as it is (openstacksdk's functional tests do this).
  const withImage = { server: { ...body([{ boot_index: 0, uuid: plain.body.volume.id, source_type: 'volume', destination_type: 'volume' }]).server, imageRef: c.imageId } };
  const booted = await c.call('POST', '/servers', c.demo, withImage, '2.95');
  assert.equal(booted.status, 202, JSON.stringify(booted.body));
  await c.waitFor(booted.body.server.id, c.demo, 'ACTIVE');
});

test('boot from a volume made from a snapshot; legacy mappings bring delete_on_termination as a word', async () => {
  const source = await cinder('POST', '/volumes', { volume: { size: 1, name: 'snap-source', imageRef: c.imageId } });
  assert.equal(await volumeStatus(source.body.volume.id, 'available'), 'available');
  const snap = await cinder('POST', '/snapshots', { snapshot: { volume_id: source.body.volume.id, name: 'boot-snap' } });
  for (let i = 0; i < 200 && (await cinder('GET', `/snapshots/${snap.body.snapshot.id}`)).body.snapshot.status !== 'available'; i++) await new Promise((r) => setTimeout(r, 25));
  const created = await c.call('POST', '/servers', c.demo, {
    server: { name: 'from-snap', flavorRef: c.flavorId, networks: 'none', block_device_mapping_v2: [{ boot_index: 0, uuid: snap.body.snapshot.id, source_type: 'snapshot', destination_type: 'volume', delete_on_termination: 'true' }] },
  }, '2.95');
  assert.equal(created.status, 202, JSON.stringify(created.body));
  const s = await c.waitFor(created.body.server.id, c.demo, 'ACTIVE');
  const rootId = s['os-extended-volumes:volumes_attached'][0].id;
  const root = (await cinder('GET', `/volumes/${rootId}`)).body.volume;
  assert.equal(root.snapshot_id, snap.body.snapshot.id);
  assert.equal(root.size, 1);
  assert.equal(s['os-extended-volumes:volumes_attached'][0].delete_on_termination, true);
  const missing = await c.call('POST', '/servers', c.demo, {
    server: { name: 'x', flavorRef: c.flavorId, networks: 'none', block_device_mapping_v2: [{ boot_index: 0, uuid: '00000000-0000-0000-0000-000000000000', source_type: 'snapshot', destination_type: 'volume' }] },
  }, '2.95');
  assert.equal(missing.status, 400);
  assert.equal((await c.call('DELETE', `/servers/${s.id}`, c.demo)).status, 204);
  assert.equal(await volumeStatus(rootId, 'deleted'), 'deleted');
});

test('os-volumes and os-snapshots proxy (before 2.36)', async () => {
  const made = await c.call('POST', '/os-volumes', c.demo, { volume: { size: 1, display_name: 'proxied', metadata: { k: 'v' } } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const id = made.body.volume.id;
  assert.equal(made.body.volume.displayName, 'proxied');
  assert.deepEqual(made.body.volume.metadata, { k: 'v' });
  assert.equal(await volumeStatus(id, 'available'), 'available');
  const shown = await c.call('GET', `/os-volumes/${id}`, c.demo);
  assert.deepEqual(shown.body.volume.attachments, [{}]);
  assert.ok((await c.call('GET', '/os-volumes/detail?limit=1', c.demo)).body.volumes.length <= 1);
  assert.equal((await c.call('GET', `/os-volumes/${id}`, c.other)).status, 404);
  for (const size of [0, 'abc', undefined]) assert.equal((await c.call('POST', '/os-volumes', c.demo, { volume: { size } })).status, 400);
  assert.equal((await c.call('GET', '/os-volumes', c.demo, undefined, '2.36')).status, 404);

  const snap = await c.call('POST', '/os-snapshots', c.demo, { snapshot: { volume_id: id, display_name: 'snap' } });
  assert.equal(snap.status, 200, JSON.stringify(snap.body));
  assert.equal(snap.body.snapshot.volumeId, id);
  assert.ok((await c.call('GET', '/os-snapshots', c.demo)).body.snapshots.some((s: any) => s.id === snap.body.snapshot.id));
  for (let i = 0; i < 400 && (await c.call('GET', `/os-snapshots/${snap.body.snapshot.id}`, c.demo)).body.snapshot.status !== 'available'; i++) await new Promise((res) => setTimeout(res, 25));
  assert.equal((await c.call('DELETE', `/os-snapshots/${snap.body.snapshot.id}`, c.demo)).status, 202);
  for (let i = 0; i < 400 && (await c.call('GET', `/os-snapshots/${snap.body.snapshot.id}`, c.demo)).status !== 404; i++) await new Promise((res) => setTimeout(res, 25));
  assert.equal((await c.call('DELETE', `/os-volumes/${id}`, c.demo)).status, 202);
  assert.equal(await volumeStatus(id, 'deleted'), 'deleted');
  assert.equal((await c.call('DELETE', `/os-volumes/${id}`, c.demo)).status, 404);
});

test('a rescued server keeps its volumes: detach is 409 until unrescue', async () => {
  const r = await c.call('POST', '/servers', c.demo, { server: { name: 'resc', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none' } }, '2.37');
  const s = await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
  const vol = await cinder('POST', '/volumes', { volume: { size: 1, name: 'resc-data' } });
  assert.equal(await volumeStatus(vol.body.volume.id, 'available'), 'available');
  assert.equal((await c.call('POST', `/servers/${s.id}/os-volume_attachments`, c.demo, { volumeAttachment: { volumeId: vol.body.volume.id } })).status, 200);
  assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.demo, { rescue: null })).status, 200);
  await c.waitFor(s.id, c.demo, 'RESCUE');
  assert.equal((await c.call('DELETE', `/servers/${s.id}/os-volume_attachments/${vol.body.volume.id}`, c.demo)).status, 409);
  assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.demo, { unrescue: null })).status, 202);
  await c.waitFor(s.id, c.demo, 'ACTIVE');
  assert.equal((await c.call('DELETE', `/servers/${s.id}/os-volume_attachments/${vol.body.volume.id}`, c.demo)).status, 202);
  assert.equal((await c.call('DELETE', `/servers/${s.id}`, c.demo)).status, 204);
});

test('extending an attached volume records the extend_volume action with a compute_extend_volume event, as Nova', async () => {
  const made = await c.call('POST', '/servers', c.demo, { server: { name: 'grow', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none' } }, '2.95');
  const s = await c.waitFor(made.body.server.id, c.demo, 'ACTIVE');
  const vol = await cinder('POST', '/volumes', { volume: { size: 1, name: 'grows' } });
  const volId = vol.body.volume.id;
  assert.equal(await volumeStatus(volId, 'available'), 'available');
  assert.equal((await c.call('POST', `/servers/${s.id}/os-volume_attachments`, c.demo, { volumeAttachment: { volumeId: volId } })).status, 200);
  assert.equal(await volumeStatus(volId, 'in-use'), 'in-use');
  assert.equal((await cinder('POST', `/volumes/${volId}/action`, { 'os-extend': { new_size: 2 } })).status, 202);
  assert.equal(await volumeStatus(volId, 'in-use'), 'in-use');
  assert.equal((await cinder('GET', `/volumes/${volId}`)).body.volume.size, 2);
  let events: any[] = [];
  for (let i = 0; i < 400 && !events.some((e) => e.finish_time); i++) {
    const action = (await c.call('GET', `/servers/${s.id}/os-instance-actions`, c.demo)).body.instanceActions.find((a: any) => a.action === 'extend_volume');
    if (action) events = (await c.call('GET', `/servers/${s.id}/os-instance-actions/${action.request_id}`, c.admin)).body.instanceAction.events;
    await new Promise((res) => setTimeout(res, 25));
  }
  assert.deepEqual(events.map((e) => [e.event, e.result]), [['compute_extend_volume', 'Success']]);
  // The external event as Cinder posts it (admins only) records the same; an unattached volume fails the event.
  const ev = { events: [{ name: 'volume-extended', server_uuid: s.id, tag: '00000000-0000-4000-8000-000000000000' }] };
  assert.equal((await c.call('POST', '/os-server-external-events', c.demo, ev, '2.51')).status, 403);
  assert.equal((await c.call('POST', '/os-server-external-events', c.admin, ev, '2.51')).status, 200);
  let failed: any;
  for (let i = 0; i < 400 && !failed?.finish_time; i++) {
    const actions = (await c.call('GET', `/servers/${s.id}/os-instance-actions`, c.demo)).body.instanceActions.filter((a: any) => a.action === 'extend_volume');
    if (actions.length === 2) failed = (await c.call('GET', `/servers/${s.id}/os-instance-actions/${actions[0].request_id}`, c.admin)).body.instanceAction.events[0];
    await new Promise((res) => setTimeout(res, 25));
  }
  assert.equal(failed.result, 'Error');
  await c.call('DELETE', `/servers/${s.id}`, c.demo);
});

test('a multiattach volume attaches to a second server from 2.60 on; twice to one server or a plain in-use volume is 400', async () => {
  const boot = async (name: string) => (await c.waitFor((await c.call('POST', '/servers', c.demo, { server: { name, imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none' } }, '2.95')).body.server.id, c.demo, 'ACTIVE')).id as string;
  const [s1, s2] = [await boot('ma-1'), await boot('ma-2')];
  const shared = (await cinder('POST', '/volumes', { volume: { size: 1, name: 'shared', multiattach: true } })).body.volume.id;
  const plain = (await cinder('POST', '/volumes', { volume: { size: 1, name: 'plain' } })).body.volume.id;
  assert.equal(await volumeStatus(shared, 'available'), 'available');
  assert.equal(await volumeStatus(plain, 'available'), 'available');
  const attach = (server: string, volumeId: string, v = '2.60') => c.call('POST', `/servers/${server}/os-volume_attachments`, c.demo, { volumeAttachment: { volumeId } }, v);
  assert.equal((await attach(s1, shared)).status, 200);
  const old = await attach(s2, shared, '2.59');
  assert.equal(old.status, 400);
  assert.equal(old.body.badRequest.message, 'Multiattach volumes are only supported starting with compute API version 2.60.');
  assert.equal((await attach(s2, shared)).status, 200);
  assert.equal((await attach(s2, shared)).status, 400, 'already attached to this server');
  assert.equal((await cinder('GET', `/volumes/${shared}`)).body.volume.attachments.length, 2);
  assert.equal((await attach(s1, plain)).status, 200);
  assert.equal(await volumeStatus(plain, 'in-use'), 'in-use');
  const again = await attach(s2, plain);
  assert.equal(again.status, 400);
  assert.match(again.body.badRequest.message, /is already attached/);
  // Detaching from one server leaves the other attachment in use.
  assert.equal((await c.call('DELETE', `/servers/${s1}/os-volume_attachments/${shared}`, c.demo)).status, 202);
  assert.equal(await volumeStatus(shared, 'in-use'), 'in-use');
  assert.deepEqual((await cinder('GET', `/volumes/${shared}`)).body.volume.attachments.map((a: any) => a.server_id), [s2]);
  for (const s of [s1, s2]) await c.call('DELETE', `/servers/${s}`, c.demo);
});

test('boot from a blank volume; a volume-backed server is rescued only as a stable device rescue (2.87, hw_rescue_* image)', async () => {
  const made = await c.call('POST', '/servers', c.demo, {
    server: { name: 'blank-root', flavorRef: c.flavorId, networks: 'none', block_device_mapping_v2: [{ boot_index: 0, source_type: 'blank', destination_type: 'volume', volume_size: 1, delete_on_termination: true }] },
  }, '2.95');
  assert.equal(made.status, 202, JSON.stringify(made.body));
  const s = await c.waitFor(made.body.server.id, c.demo, 'ACTIVE');
  assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
  const root = s['os-extended-volumes:volumes_attached'][0].id;
  assert.equal((await cinder('GET', `/volumes/${root}`)).body.volume.size, 1);
  const bad = await c.call('POST', '/servers', c.demo, { server: { name: 'x', flavorRef: c.flavorId, networks: 'none', block_device_mapping_v2: [{ boot_index: 0, source_type: 'blank', destination_type: 'volume' }] } }, '2.95');
  assert.equal(bad.status, 400);

  const rescue = (ref: string, v = '2.87') => c.call('POST', `/servers/${s.id}/action`, c.demo, { rescue: { rescue_image_ref: ref } }, v);
  const plainRescue = await rescue(c.imageId);
  assert.equal(plainRescue.status, 400);
  assert.equal(plainRescue.body.badRequest.message, `Instance ${s.id} cannot be rescued: Cannot rescue a volume-backed instance`);
  const img = await api(`${c.cloud.urls.image}/v2/images`, { method: 'POST', token: c.demo, body: { name: 'rescue', disk_format: 'raw', container_format: 'bare', hw_rescue_bus: 'virtio', hw_rescue_device: 'disk' } });
  assert.equal(img.status, 201);
  assert.equal((await rescue(img.body.id, '2.86')).status, 400);
  const ok = await rescue(img.body.id);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await c.waitFor(s.id, c.demo, 'RESCUE')).status, 'RESCUE');
  assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.demo, { unrescue: null })).status, 202);
  assert.equal((await c.waitFor(s.id, c.demo, 'ACTIVE')).status, 'ACTIVE');
  await c.call('DELETE', `/servers/${s.id}`, c.demo);
  assert.equal(await volumeStatus(root, 'gone'), 'deleted');
});
