import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { addTenant, createVolume, MV, waitStatus } from './helpers.js';

/** Response shapes and routes that upstream tempest's Cinder tests check against Cinder's schemas. */
describe('block storage: Cinder response shapes (tempest)', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let admin: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'volume'], services: { volume: { quotas: { volumes: 100, snapshots: 100, gigabytes: 1000 } } } });
    base = cloud.urls.volume;
    demo = await cloud.demoToken();
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  test('create and update answer without the show-only attributes; no attach_status anywhere', async () => {
    const created = await api(`${base}/v3/volumes`, { method: 'POST', token: admin, body: { volume: { size: 1, name: 'shape' } } });
    assert.equal(created.status, 202);
    for (const k of ['os-vol-tenant-attr:tenant_id', 'os-vol-host-attr:host', 'os-vol-mig-status-attr:migstat', 'attach_status']) assert.ok(!(k in created.body.volume), k);
    await waitStatus(base, admin, 'volumes', created.body.volume.id, ['available']);
    const updated = await api(`${base}/v3/volumes/${created.body.volume.id}`, { method: 'PUT', token: admin, body: { volume: { name: 'shape2' } } });
    assert.ok(!('os-vol-tenant-attr:tenant_id' in updated.body.volume));
    const shown = await api(`${base}/v3/volumes/${created.body.volume.id}`, { token: admin });
    assert.ok(shown.body.volume['os-vol-tenant-attr:tenant_id'] && shown.body.volume['os-vol-host-attr:host']);
    assert.ok(!('attach_status' in shown.body.volume));
  });

  test('snapshots: full index entries, extended attributes on show and detail only', async () => {
    const v = await createVolume(base, demo, { name: 'snapshape' });
    const c = await api(`${base}/v3/snapshots`, { method: 'POST', token: demo, body: { snapshot: { volume_id: v.id, name: 's' } } });
    assert.equal(c.status, 202);
    assert.ok(!('os-extended-snapshot-attributes:project_id' in c.body.snapshot));
    await waitStatus(base, demo, 'snapshots', c.body.snapshot.id, ['available']);
    const index = (await api(`${base}/v3/snapshots`, { token: demo })).body.snapshots.find((s: any) => s.id === c.body.snapshot.id);
    assert.equal(index.volume_id, v.id);
    assert.ok(!('os-extended-snapshot-attributes:progress' in index) && !('links' in index));
    const detail = (await api(`${base}/v3/snapshots/detail`, { token: demo })).body.snapshots.find((s: any) => s.id === c.body.snapshot.id);
    assert.equal(detail['os-extended-snapshot-attributes:progress'], '100%');
  });

  test('volume types: create lacks qos_specs_id, update lacks the access attribute; services: cluster from 3.7', async () => {
    const t = await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'shape-type' } } });
    assert.ok(!('qos_specs_id' in t.body.volume_type) && t.body.volume_type['os-volume-type-access:is_public'] === true);
    const u = await api(`${base}/v3/types/${t.body.volume_type.id}`, { method: 'PUT', token: admin, body: { volume_type: { description: 'd' } } });
    assert.ok(!('os-volume-type-access:is_public' in u.body.volume_type) && !('qos_specs_id' in u.body.volume_type));
    assert.equal((await api(`${base}/v3/types/${t.body.volume_type.id}`, { token: admin })).body.volume_type.qos_specs_id, null);
    const old = (await api(`${base}/v3/os-services`, { token: admin })).body.services;
    assert.ok(old.length === 3 && old.every((s: any) => !('cluster' in s)));
    assert.ok((await api(`${base}/v3/os-services`, { token: admin, headers: MV('3.7') })).body.services.every((s: any) => s.cluster === null));
  });

  test('backup update answers with the summary', async () => {
    const v = await createVolume(base, demo, { name: 'bk' });
    const b = await api(`${base}/v3/backups`, { method: 'POST', token: demo, body: { backup: { volume_id: v.id } } });
    await waitStatus(base, demo, 'backups', b.body.backup.id, ['available']);
    const u = await api(`${base}/v3/backups/${b.body.backup.id}`, { method: 'PUT', token: demo, headers: MV('3.9'), body: { backup: { name: 'renamed' } } });
    assert.equal(u.status, 200);
    assert.deepEqual(Object.keys(u.body.backup).sort(), ['id', 'links', 'name']);
    assert.equal(u.body.backup.name, 'renamed');
  });

  test('volume transfers: offer, show, list, accept by another project; delete gives the volume back', async () => {
    const other = await addTenant(cloud, 'xfer-target');
    const otherToken = await other.token();
    for (const [path, mv] of [['os-volume-transfer', '3.0'], ['volume-transfers', '3.57']] as const) {
      const v = await createVolume(base, demo, { name: `xfer-${path}` });
      const c = await api(`${base}/v3/${path}`, { method: 'POST', token: demo, headers: MV(mv), body: { transfer: { volume_id: v.id, name: 'gift' } } });
      assert.equal(c.status, 202, JSON.stringify(c.body));
      assert.equal(c.body.transfer.auth_key.length, 16);
      assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.status, 'awaiting-transfer');
      const shown = await api(`${base}/v3/${path}/${c.body.transfer.id}`, { token: demo, headers: MV(mv) });
      assert.equal(shown.body.transfer.volume_id, v.id);
      assert.ok(!('auth_key' in shown.body.transfer));
      if (mv === '3.57') assert.deepEqual([shown.body.transfer.accepted, shown.body.transfer.no_snapshots, shown.body.transfer.destination_project_id], [false, false, null]);
      assert.ok((await api(`${base}/v3/${path}`, { token: demo, headers: MV(mv) })).body.transfers.some((t: any) => t.id === c.body.transfer.id));
      assert.equal((await api(`${base}/v3/${path}/${c.body.transfer.id}`, { token: otherToken, headers: MV(mv) })).status, 404, 'another project does not see the offer');
      const wrong = await api(`${base}/v3/${path}/${c.body.transfer.id}/accept`, { method: 'POST', token: otherToken, headers: MV(mv), body: { accept: { auth_key: 'x'.repeat(16) } } });
      assert.equal(wrong.status, 400);
      const ok = await api(`${base}/v3/${path}/${c.body.transfer.id}/accept`, { method: 'POST', token: otherToken, headers: MV(mv), body: { accept: { auth_key: c.body.transfer.auth_key } } });
      assert.equal(ok.status, 202);
      assert.equal(ok.body.transfer.volume_id, v.id);
      const mine = await api(`${base}/v3/volumes/${v.id}`, { token: otherToken });
      assert.equal(mine.body.volume.status, 'available');
      assert.equal(mine.body.volume['os-vol-tenant-attr:tenant_id'], other.projectId);
      assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).status, 404);
    }
    const v = await createVolume(base, demo, { name: 'xfer-del' });
    const c = await api(`${base}/v3/os-volume-transfer`, { method: 'POST', token: demo, body: { transfer: { volume_id: v.id } } });
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { method: 'DELETE', token: demo })).status, 400, 'no delete while awaiting a transfer');
    assert.equal((await api(`${base}/v3/os-volume-transfer/${c.body.transfer.id}`, { method: 'DELETE', token: demo })).status, 202);
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.status, 'available');
    assert.equal((await api(`${base}/v3/volume-transfers`, { token: demo })).status, 404, 'the new URL needs 3.55');
  });

  test('volume summary (3.12), hosts, capabilities and extensions', async () => {
    await createVolume(base, demo, { name: 'sum', metadata: { k: 'v' } });
    assert.equal((await api(`${base}/v3/volumes/summary`, { token: demo })).status, 404);
    const s = await api(`${base}/v3/volumes/summary`, { token: demo, headers: MV('3.36') });
    assert.ok(s.body['volume-summary'].total_count >= 1 && s.body['volume-summary'].total_size >= 1);
    assert.deepEqual(s.body['volume-summary'].metadata.k, ['v']);
    const hosts = (await api(`${base}/v3/os-hosts`, { token: admin })).body.hosts;
    const volHost = hosts.find((h: any) => h.service === 'cinder-volume').host_name;
    const usage = (await api(`${base}/v3/os-hosts/${volHost}`, { token: admin })).body.host;
    assert.equal(usage[0].resource.project, '(total)');
    assert.equal(typeof usage[0].resource.volume_count, 'string');
    assert.equal((await api(`${base}/v3/os-hosts`, { token: demo })).status, 403);
    const pools = (await api(`${base}/v3/scheduler-stats/get_pools?detail=true`, { token: admin })).body.pools;
    const caps = await api(`${base}/v3/capabilities/${encodeURIComponent(pools[0].name)}`, { token: admin });
    assert.equal(caps.body.vendor_name, pools[0].capabilities.vendor_name);
    assert.match(caps.body.namespace, /^OS::Storage::Capabilities::/);
    const ext = (await api(`${base}/v3/extensions`, { token: demo })).body.extensions;
    assert.ok(ext.some((e: any) => e.name === 'Hosts'));
  });

  test('quota classes: the default class sets every project\'s defaults, per type limits are enforced', async () => {
    const t = await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'quota-type' } } });
    const shown = await api(`${base}/v3/os-quota-class-sets/default`, { token: admin });
    assert.equal(shown.body.quota_class_set.id, 'default');
    assert.equal(shown.body.quota_class_set['volumes_quota-type'], -1);
    assert.equal((await api(`${base}/v3/os-quota-class-sets/default`, { token: demo })).status, 403);
    const other = await addTenant(cloud, 'quota-class-target');
    const upd = await api(`${base}/v3/os-quota-class-sets/default`, { method: 'PUT', token: admin, body: { quota_class_set: { 'volumes_quota-type': 1, backups: 11 } } });
    assert.equal(upd.status, 200);
    assert.equal(upd.body.quota_class_set['volumes_quota-type'], 1);
    const defaults = (await api(`${base}/v3/os-quota-sets/${other.projectId}/defaults`, { token: admin })).body.quota_set;
    assert.deepEqual([defaults.backups, defaults['volumes_quota-type']], [11, 1]);
    const token = await other.token();
    await createVolume(base, token, { volume_type: 'quota-type' });
    const over = await api(`${base}/v3/volumes`, { method: 'POST', token, body: { volume: { size: 1, volume_type: 'quota-type' } } });
    assert.equal(over.status, 413);
    const usage = (await api(`${base}/v3/os-quota-sets/${other.projectId}?usage=true`, { token: admin })).body.quota_set;
    assert.deepEqual(usage['volumes_quota-type'], { in_use: 1, limit: 1, reserved: 0, allocated: 0 });
    assert.equal((await api(`${base}/v3/os-quota-class-sets/default`, { method: 'PUT', token: admin, body: { quota_class_set: { nope: 1 } } })).status, 400);
    // Another class shows its own limits over the defaults (`openstack quota show --class` asks for `None`).
    const gold = await api(`${base}/v3/os-quota-class-sets/gold`, { method: 'PUT', token: admin, body: { quota_class_set: { snapshots: 99 } } });
    assert.deepEqual([gold.body.quota_class_set.snapshots, gold.body.quota_class_set.backups], [99, 11]);
    const none = (await api(`${base}/v3/os-quota-class-sets/None`, { token: admin })).body.quota_class_set;
    assert.deepEqual([none.id, none.backups, none.snapshots], ['None', 11, defaults.snapshots]);
    await api(`${base}/v3/os-quota-class-sets/default`, { method: 'PUT', token: admin, body: { quota_class_set: { 'volumes_quota-type': -1, backups: 10 } } });
    assert.ok(t.status === 200);
  });

  test('readonly flag, retype within the back end, force detach', async () => {
    const v = await createVolume(base, demo, { name: 'ro' });
    const act = (token: string, body: unknown) => api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token, body });
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.metadata.readonly, undefined);
    for (const flag of [true, false]) {
      assert.equal((await act(demo, { 'os-update_readonly_flag': { readonly: flag } })).status, 202);
      assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.metadata.readonly, flag ? 'True' : 'False');
    }
    await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'retype-dst' } } });
    assert.equal((await act(demo, { 'os-retype': { new_type: 'retype-dst', migration_policy: 'never' } })).status, 202);
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.volume_type, 'retype-dst');
    assert.equal((await act(demo, { 'os-retype': { new_type: 'LUKS' } })).status, 400, 'a change of encryption needs a migration');
    assert.equal((await act(demo, { 'os-attach': { instance_uuid: '11111111-2222-3333-4444-555555555555', mountpoint: '/dev/vdb' } })).status, 202);
    const attachment = (await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume.attachments[0];
    await act(admin, { 'os-reset_status': { status: 'error' } });
    assert.equal((await act(demo, { 'os-force_detach': { attachment_id: attachment.attachment_id } })).status, 403);
    assert.equal((await act(admin, { 'os-force_detach': { attachment_id: attachment.attachment_id, connector: null } })).status, 202);
    const after = (await api(`${base}/v3/volumes/${v.id}`, { token: demo })).body.volume;
    assert.deepEqual([after.status, after.attachments], ['available', []]);
  });

  test('paging and lookups as Cinder: full pages link on, unknown markers and empty ids are 404', async () => {
    const snapVol = await createVolume(base, demo, { name: 'page' });
    const first = await api(`${base}/v3/volumes?limit=1`, { token: demo });
    assert.ok(first.body.volumes_links?.[0].href.includes('marker='));
    assert.equal((await api(`${base}/v3/snapshots?marker=00000000-0000-0000-0000-000000000000`, { token: demo })).status, 404);
    assert.equal((await api(`${base}/v3/volumes/`, { token: demo })).status, 404);
    assert.equal((await api(`${base}/v3/volumes`, { token: demo })).status, 200);
    const nullVol = await api(`${base}/v3/snapshots`, { method: 'POST', token: demo, body: { snapshot: { volume_id: null } } });
    assert.equal(nullVol.status, 404);
    const specs = await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'echo-specs', extra_specs: { a: '1' } } } });
    const posted = await api(`${base}/v3/types/${specs.body.volume_type.id}/extra_specs`, { method: 'POST', token: admin, body: { extra_specs: { b: '2' } } });
    assert.deepEqual(posted.body.extra_specs, { b: '2' });
    assert.ok(snapVol.id);
  });

  test('snapshot actions: force delete in any status (admin), update_snapshot_status with progress; offset paging', async () => {
    const v = await createVolume(base, demo, { name: 'snapact' });
    const mk = async () => {
      const c = await api(`${base}/v3/snapshots`, { method: 'POST', token: demo, body: { snapshot: { volume_id: v.id } } });
      return waitStatus(base, demo, 'snapshots', c.body.snapshot.id, ['available']);
    };
    const act = (token: string, id: string, body: unknown) => api(`${base}/v3/snapshots/${id}/action`, { method: 'POST', token, body });
    const s1 = await mk();
    assert.equal((await act(admin, s1.id, { 'os-reset_status': { status: 'creating' } })).status, 202);
    assert.equal((await act(demo, s1.id, { 'os-update_snapshot_status': { status: 'error', progress: '80%' } })).status, 202);
    const shown = (await api(`${base}/v3/snapshots/${s1.id}`, { token: demo })).body.snapshot;
    assert.deepEqual([shown.status, shown['os-extended-snapshot-attributes:progress']], ['error', '80%']);
    assert.equal((await act(demo, s1.id, { 'os-update_snapshot_status': { status: 'available' } })).status, 400, 'only from creating or deleting');
    await act(admin, s1.id, { 'os-reset_status': { status: 'error_deleting' } });
    assert.equal((await act(demo, s1.id, { 'os-force_delete': {} })).status, 403);
    assert.equal((await act(admin, s1.id, { 'os-force_delete': {} })).status, 202);
    await waitStatus(base, demo, 'snapshots', s1.id, ['gone']);
    const ids = [(await mk()).id, (await mk()).id, (await mk()).id];
    const all = (await api(`${base}/v3/snapshots`, { token: demo })).body.snapshots.map((s: any) => s.id);
    const paged = (await api(`${base}/v3/snapshots?offset=2&limit=3`, { token: demo })).body.snapshots.map((s: any) => s.id);
    assert.deepEqual(paged, all.slice(2, 5));
    assert.ok(ids.every((id) => all.includes(id)));
    assert.equal((await api(`${base}/v3/snapshots?offset=x`, { token: demo })).status, 400);
  });

  test('QoS specs: admin CRUD, keys, associations with types; front-end specs reach the connection info', async () => {
    const c = await api(`${base}/v3/qos-specs`, { method: 'POST', token: admin, body: { qos_specs: { name: 'gold', consumer: 'front-end', read_iops_sec: '2000' } } });
    assert.equal(c.status, 200);
    assert.deepEqual(c.body.qos_specs.specs, { read_iops_sec: '2000' });
    const id = c.body.qos_specs.id;
    assert.equal((await api(`${base}/v3/qos-specs`, { token: demo })).status, 403);
    assert.deepEqual((await api(`${base}/v3/qos-specs`, { token: admin })).body.qos_specs.find((x: any) => x.id === id), c.body.qos_specs);
    assert.equal((await api(`${base}/v3/qos-specs`, { method: 'POST', token: admin, body: { qos_specs: { name: 'gold' } } })).status, 409);
    assert.equal((await api(`${base}/v3/qos-specs`, { method: 'POST', token: admin, body: { qos_specs: { name: 'x', consumer: 'nobody' } } })).status, 400);
    assert.deepEqual((await api(`${base}/v3/qos-specs/${id}`, { method: 'PUT', token: admin, body: { qos_specs: { iops_bytes: '500' } } })).body.qos_specs, { iops_bytes: '500' });
    assert.equal((await api(`${base}/v3/qos-specs/${id}/delete_keys`, { method: 'PUT', token: admin, body: { keys: ['iops_bytes'] } })).status, 202);
    assert.deepEqual((await api(`${base}/v3/qos-specs/${id}`, { token: admin })).body.qos_specs.specs, { read_iops_sec: '2000' });
    const t = (await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'qos-type' } } })).body.volume_type;
    assert.equal((await api(`${base}/v3/qos-specs/${id}/associate?vol_type_id=${t.id}`, { token: admin })).status, 202);
    assert.deepEqual((await api(`${base}/v3/qos-specs/${id}/associations`, { token: admin })).body.qos_associations, [{ association_type: 'volume_type', name: 'qos-type', id: t.id }]);
    assert.equal((await api(`${base}/v3/types/${t.id}`, { token: admin })).body.volume_type.qos_specs_id, id);
    const v = await createVolume(base, demo, { volume_type: 'qos-type' });
    const conn = await api(`${base}/v3/volumes/${v.id}/action`, { method: 'POST', token: demo, body: { 'os-initialize_connection': { connector: { host: 'h' } } } });
    assert.deepEqual(conn.body.connection_info.data.qos_specs, { read_iops_sec: '2000' });
    assert.equal((await api(`${base}/v3/qos-specs/${id}`, { method: 'DELETE', token: admin })).status, 400, 'in use');
    assert.equal((await api(`${base}/v3/qos-specs/${id}/disassociate_all`, { token: admin })).status, 202);
    assert.equal((await api(`${base}/v3/types/${t.id}`, { token: admin })).body.volume_type.qos_specs_id, null);
    assert.equal((await api(`${base}/v3/qos-specs/${id}`, { method: 'DELETE', token: admin })).status, 202);
    assert.equal((await api(`${base}/v3/qos-specs/${id}`, { token: admin })).status, 404);
  });

  test('os-services: disable (with a reason) sends new volumes to error, enable restores; freeze/thaw name a volume back end', async () => {
    const put = (action: string, body: unknown, token = admin) => api(`${base}/v3/os-services/${action}`, { method: 'PUT', token, body });
    const host = (await api(`${base}/v3/os-services?binary=cinder-volume`, { token: admin })).body.services[0].host;
    assert.equal((await put('disable', { host, binary: 'cinder-volume' }, demo)).status, 403);
    assert.equal((await put('disable-log-reason', { host, binary: 'cinder-volume', disabled_reason: null })).status, 400);
    assert.equal((await put('disable', { host: 'nowhere', binary: 'cinder-volume' })).status, 404);
    const off = await put('disable-log-reason', { host, binary: 'cinder-volume', disabled_reason: 'maintenance' });
    assert.deepEqual(off.body, { host, service: 'cinder-volume', binary: 'cinder-volume', disabled: true, status: 'disabled', disabled_reason: 'maintenance' });
    const listed = (await api(`${base}/v3/os-services?binary=cinder-volume`, { token: admin })).body.services[0];
    assert.deepEqual([listed.status, listed.disabled_reason], ['disabled', 'maintenance']);
    const failed = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1 } } });
    assert.equal(failed.status, 202);
    assert.equal((await api(`${base}/v3/volumes/${failed.body.volume.id}`, { token: demo })).body.volume.status, 'error');
    const on = await put('enable', { host, binary: 'cinder-volume' });
    assert.deepEqual([on.body.status, on.body.disabled, on.body.disabled_reason], ['enabled', false, null]);
    assert.equal((await createVolume(base, demo, {})).status, 'available');
    assert.equal((await put('freeze', { host: 'invalid_host' })).status, 400);
    assert.equal((await put('freeze', { host: host.split('@')[0] })).status, 200);
    assert.equal((await api(`${base}/v3/os-services?binary=cinder-volume`, { token: admin })).body.services[0].frozen, true);
    const frozen = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1 } } });
    assert.equal((await api(`${base}/v3/volumes/${frozen.body.volume.id}`, { token: demo })).body.volume.status, 'error');
    assert.equal((await put('thaw', { host })).status, 200);
    assert.equal((await put('thaw', { host: 'invalid_host' })).status, 400);
    assert.equal((await createVolume(base, demo, {})).status, 'available');
  });

  test('scheduling by extra specs: a type the back end cannot meet leaves the volume in error with a user message', async () => {
    const pools = (await api(`${base}/v3/scheduler-stats/get_pools?detail=true`, { token: admin })).body.pools;
    const caps = pools[0].capabilities;
    const good = await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'caps-good', extra_specs: { storage_protocol: caps.storage_protocol, vendor_name: caps.vendor_name, thin_provisioning_support: '<is> True', 'capabilities:multiattach': '<is> True', 'vendor:anything': 'x' } } } });
    assert.equal((await createVolume(base, demo, { volume_type: good.body.volume_type.name })).status, 'available');
    await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'caps-bad', extra_specs: { storage_protocol: 'fibre', vendor_name: 'nobody' } } } });
    const bad = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1, volume_type: 'caps-bad' } } });
    assert.equal(bad.status, 202);
    const requestId = bad.headers.get('x-openstack-request-id');
    assert.equal((await waitStatus(base, demo, 'volumes', bad.body.volume.id, ['error'])).status, 'error');
    assert.equal((await api(`${base}/v3/messages`, { token: demo })).status, 404, 'messages need 3.3');
    const messages = (await api(`${base}/v3/messages`, { token: demo, headers: MV('3.3') })).body.messages;
    const m = messages.find((x: any) => x.resource_uuid === bad.body.volume.id);
    assert.deepEqual([m.resource_type, m.message_level, m.event_id, m.request_id], ['VOLUME', 'ERROR', 'VOLUME_VOLUME_001_002', requestId]);
    assert.match(m.user_message, /^schedule allocate volume: No valid backend/);
    const other = await addTenant(cloud, 'msg-other');
    assert.equal((await api(`${base}/v3/messages/${m.id}`, { token: await other.token(), headers: MV('3.3') })).status, 404);
    assert.equal((await api(`${base}/v3/messages/${m.id}`, { token: demo, headers: MV('3.3') })).body.message.id, m.id);
    assert.equal((await api(`${base}/v3/messages/${m.id}`, { method: 'DELETE', token: demo, headers: MV('3.3') })).status, 204);
    assert.equal((await api(`${base}/v3/messages/${m.id}`, { token: demo, headers: MV('3.3') })).status, 404);
  });

  test('encryption specs are stored as Cinder stores them and shown field by field; a volume of a spec the back end cannot encrypt is created in error', async () => {
    const t = (await api(`${base}/v3/types`, { method: 'POST', token: admin, body: { volume_type: { name: 'xts-128' } } })).body.volume_type;
    const url = `${base}/v3/types/${t.id}/encryption`;
    const spec = { provider: 'luks', cipher: 'aes-xts-plain64', key_size: 256, control_location: 'front-end' };
    const created = await api(url, { method: 'POST', token: admin, body: { encryption: spec } });
    assert.equal(created.status, 200);
    // tempest's test_volume_type_encryption_create_get_update_delete: XTS with a 128-bit key is accepted, as by Cinder.
    const updated = await api(`${url}/${created.body.encryption.encryption_id}`, { method: 'PUT', token: admin, body: { encryption: { key_size: 128, control_location: 'back-end' } } });
    assert.deepEqual([updated.status, updated.body.encryption.key_size, updated.body.encryption.control_location], [200, 128, 'back-end']);
    assert.equal((await api(url, { token: admin })).body.key_size, 128);
    assert.deepEqual((await api(`${url}/cipher`, { token: admin })).body, { cipher: 'aes-xts-plain64' }, 'one field of the spec');
    assert.equal((await api(`${url}/nothing`, { token: admin })).status, 404);
    assert.equal((await api(`${url}/cipher`, { token: demo })).status, 403);
    const bad = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1, volume_type: 'xts-128' } } });
    assert.equal(bad.status, 202);
    assert.equal((await waitStatus(base, demo, 'volumes', bad.body.volume.id, ['error'])).status, 'error');
    const m = (await api(`${base}/v3/messages`, { token: demo, headers: MV('3.3') })).body.messages.find((x: any) => x.resource_uuid === bad.body.volume.id);
    assert.match(m.user_message, /keys of 256 or 512 bits only, not 128/);
    await api(`${base}/v3/volumes/${bad.body.volume.id}`, { method: 'DELETE', token: demo });
    await waitStatus(base, demo, 'volumes', bad.body.volume.id, ['gone']);
    const cbc = await api(`${url}/${created.body.encryption.encryption_id}`, { method: 'PUT', token: admin, body: { encryption: { cipher: 'aes-cbc-essiv', key_size: 256 } } });
    assert.deepEqual([cbc.status, cbc.body.encryption.cipher], [200, 'aes-cbc-essiv']);
    const other = await createVolume(base, demo, { volume_type: 'xts-128' });
    assert.equal(other.status, 'error', 'a cipher the back end does not implement');
  });
});
