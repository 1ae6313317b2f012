import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';
import { MV, waitStatus } from './helpers.js';

const H = MV('3.20');

/** openstacksdk's block_storage group calls (microversion negotiation, waits). */
const SDK_SCRIPT = `
import json, openstack
adm = openstack.connect(cloud='scs-admin')
bs = openstack.connect(cloud='scs-demo').block_storage
wait = dict(interval=0.1, wait=120)
out = {}
gt = adm.block_storage.create_group_type(name='sdk-gt', group_specs={'k': 'v'})
out['specs'] = gt.group_specs
g = bs.wait_for_status(bs.create_group(name='sdk-g', group_type=gt.id, volume_types=['__DEFAULT__']), status='available', **wait)
v = bs.wait_for_status(bs.create_volume(size=1, group_id=g.id, name='sdk-gv'), status='available', **wait)
out['member'] = bs.get_volume(v.id).group_id == g.id
out['groups'] = [x.name for x in bs.groups()]
bs.delete_group(g, delete_volumes=True)
bs.wait_for_delete(g, **wait)
out['left'] = [x.name for x in bs.volumes()]
adm.block_storage.delete_group_type(gt)
print(json.dumps(out))
`;

/** Generic volume groups (3.11 group types, 3.13 groups, 3.14 group snapshots and create-from-src). */
describe('volume: groups, group types and group snapshots', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let admin: string;
  const wait = async (kind: 'groups' | 'group_snapshots', id: string, states: string[]) => {
    for (let i = 0; i < 600; i++) {
      const r = await api(`${base}/v3/${kind}/${id}`, { token: demo, headers: H });
      if (r.status === 404 && states.includes('gone')) return undefined;
      if (r.status === 200 && states.includes(r.body[kind.slice(0, -1)].status)) return r.body[kind.slice(0, -1)];
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`${kind} ${id} never became ${states.join('/')}`);
  };
  const post = (path: string, body: unknown, token = demo) => api(`${base}/v3${path}`, { method: 'POST', token, headers: H, body });
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'volume'], services: { volume: { quotas: { groups: 3 } } } });
    base = cloud.urls.volume;
    demo = await cloud.demoToken();
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  it('group types: admin CRUD with group specs; hidden below 3.11; private ones for admins only', async () => {
    assert.equal((await api(`${base}/v3/group_types`, { token: admin, headers: MV('3.10') })).status, 404);
    const c = await post('/group_types', { group_type: { name: 'gt-a', description: 'd', group_specs: { consistent_group_snapshot_enabled: '<is> False' } } }, admin);
    assert.equal(c.status, 202);
    assert.deepEqual(c.body.group_type.group_specs, { consistent_group_snapshot_enabled: '<is> False' });
    const id = c.body.group_type.id;
    assert.equal((await post('/group_types', { group_type: { name: 'gt-a' } }, admin)).status, 409);
    assert.equal((await post('/group_types', { group_type: { name: 'gt-x' } })).status, 403);
    const priv = await post('/group_types', { group_type: { name: 'gt-private', is_public: false } }, admin);
    const seen = async (token: string, qs = '') => (await api(`${base}/v3/group_types${qs}`, { token, headers: H })).body.group_types.map((t: any) => t.name);
    assert.deepEqual(await seen(demo), ['gt-a']);
    assert.ok(!('group_specs' in (await api(`${base}/v3/group_types/${id}`, { token: demo, headers: H })).body.group_type));
    assert.deepEqual((await seen(admin, '?is_public=None&sort=name:desc')).slice(0, 2), ['gt-private', 'gt-a']);
    assert.equal((await api(`${base}/v3/group_types/${priv.body.group_type.id}`, { token: demo, headers: H })).status, 404);
    assert.equal((await api(`${base}/v3/group_types/default`, { token: demo, headers: H })).status, 404);

    const u = await api(`${base}/v3/group_types/${id}`, { method: 'PUT', token: admin, headers: H, body: { group_type: { description: 'new' } } });
    assert.deepEqual([u.status, u.body.group_type.description], [200, 'new']);
    const specs = await post(`/group_types/${id}/group_specs`, { group_specs: { k1: 'v1' } }, admin);
    assert.deepEqual([specs.status, specs.body.group_specs], [202, { k1: 'v1' }]);
    assert.deepEqual((await api(`${base}/v3/group_types/${id}/group_specs`, { token: admin, headers: H })).body.group_specs, { consistent_group_snapshot_enabled: '<is> False', k1: 'v1' });
    const item = await api(`${base}/v3/group_types/${id}/group_specs/k1`, { method: 'PUT', token: admin, headers: H, body: { k1: 'v2' } });
    assert.deepEqual([item.status, item.body], [200, { k1: 'v2' }]);
    assert.equal((await api(`${base}/v3/group_types/${id}/group_specs/k1`, { method: 'DELETE', token: admin, headers: H })).status, 202);
    assert.equal((await api(`${base}/v3/group_types/${id}/group_specs/k1`, { token: admin, headers: H })).status, 404);
    assert.equal((await api(`${base}/v3/group_types/${priv.body.group_type.id}`, { method: 'DELETE', token: admin, headers: H })).status, 202);
  });

  it('groups: volumes join at creation and by update, a group snapshot copies them, new groups come from it or from the group', async () => {
    const gt = (await post('/group_types', { group_type: { name: 'gt-flow' } }, admin)).body.group_type;
    const g = await post('/groups', { group: { name: 'g1', group_type: 'gt-flow', volume_types: ['__DEFAULT__'] } });
    assert.equal(g.status, 202);
    assert.deepEqual(Object.keys(g.body.group).sort(), ['id', 'name']);
    const group = await wait('groups', g.body.group.id, ['available']);
    assert.equal(group.group_type, gt.id);
    assert.equal(group.volume_types.length, 1);
    assert.equal(group.source_group_id, null);

    const inGroup = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, headers: H, body: { volume: { size: 1, group_id: group.id } } });
    assert.equal(inGroup.body.volume.group_id, group.id);
    const v1 = await waitStatus(base, demo, 'volumes', inGroup.body.volume.id, ['available']);
    const lone = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, body: { volume: { size: 1 } } });
    await waitStatus(base, demo, 'volumes', lone.body.volume.id, ['available']);
    const luks = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, headers: H, body: { volume: { size: 1, volume_type: 'LUKS', group_id: group.id } } });
    assert.equal(luks.status, 400, 'a type the group does not take');

    assert.equal((await api(`${base}/v3/groups/${group.id}`, { method: 'PUT', token: demo, headers: H, body: { group: { add_volumes: lone.body.volume.id, name: 'g1b' } } })).status, 202);
    const listed = await api(`${base}/v3/groups/${group.id}?list_volume=true`, { token: demo, headers: MV('3.25') });
    assert.deepEqual([listed.body.group.name, listed.body.group.volumes.sort()], ['g1b', [v1.id, lone.body.volume.id].sort()]);
    const bad = await api(`${base}/v3/groups/${group.id}`, { method: 'PUT', token: demo, headers: H, body: { group: { remove_volumes: 'nope' } } });
    assert.equal(bad.status, 400);
    const refused = await api(`${base}/v3/volumes/${v1.id}`, { method: 'DELETE', token: demo });
    assert.equal(refused.status, 400, 'a group member is deleted with its group');

    const gs = await post('/group_snapshots', { group_snapshot: { group_id: group.id, name: 'gs1' } });
    assert.deepEqual([gs.status, gs.body.group_snapshot.group_type_id], [202, gt.id]);
    await wait('group_snapshots', gs.body.group_snapshot.id, ['available']);
    const snaps = (await api(`${base}/v3/snapshots/detail`, { token: demo, headers: H })).body.snapshots.filter((s: any) => s.group_snapshot_id === gs.body.group_snapshot.id);
    assert.equal(snaps.length, 2);
    assert.equal((await api(`${base}/v3/snapshots/${snaps[0].id}`, { method: 'DELETE', token: demo })).status, 400, 'snapshots go with their group snapshot');
    const delGroup = await post(`/groups/${group.id}/action`, { delete: { 'delete-volumes': true } });
    assert.match(delGroup.body.badRequest.message, /Group has existing snapshots/);

    const fromSnap = await post('/groups/action', { 'create-from-src': { group_snapshot_id: gs.body.group_snapshot.id, name: 'from-snap' } });
    assert.equal(fromSnap.status, 202);
    const fromGroup = await post('/groups/action', { 'create-from-src': { source_group_id: group.id, name: 'from-group' } });
    for (const [id, source] of [[fromSnap.body.group.id, 'group_snapshot_id'], [fromGroup.body.group.id, 'source_group_id']]) {
      const made = await wait('groups', id, ['available', 'error']);
      assert.equal(made.status, 'available');
      assert.ok(made[source]);
      const members = (await api(`${base}/v3/volumes/detail`, { token: demo, headers: H })).body.volumes.filter((v: any) => v.group_id === id);
      assert.deepEqual(members.map((v: any) => v.status), ['available', 'available']);
    }
    const over = await post('/groups', { group: { group_type: gt.id, volume_types: ['__DEFAULT__'] } });
    assert.equal(over.status, 413, 'the groups quota (3)');
    const project = (await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: demo, headers: { 'x-subject-token': demo } })).body.token.project.id;
    const quota = await api(`${base}/v3/os-quota-sets/${project}?usage=true`, { token: demo });
    assert.equal(quota.body.quota_set.groups.in_use, 3);

    assert.equal((await api(`${base}/v3/group_snapshots/${gs.body.group_snapshot.id}`, { method: 'DELETE', token: demo, headers: H })).status, 202);
    await wait('group_snapshots', gs.body.group_snapshot.id, ['gone']);
    const keep = await post(`/groups/${group.id}/action`, { delete: { 'delete-volumes': false } });
    assert.match(keep.body.badRequest.message, /still contains volumes/);
    for (const id of [group.id, fromSnap.body.group.id, fromGroup.body.group.id]) {
      assert.equal((await post(`/groups/${id}/action`, { delete: { 'delete-volumes': true } })).status, 202);
      await wait('groups', id, ['gone']);
    }
    assert.deepEqual((await api(`${base}/v3/volumes`, { token: demo })).body.volumes, []);
    assert.equal((await api(`${base}/v3/group_types/${gt.id}`, { method: 'DELETE', token: admin, headers: H })).status, 202);
  });

  it('reset_status: admins only, from 3.20 (groups) and 3.19 (group snapshots); unknown statuses refused', async () => {
    const gt = (await post('/group_types', { group_type: { name: 'gt-reset' } }, admin)).body.group_type;
    const g = (await post('/groups', { group: { group_type: gt.id, volume_types: ['__DEFAULT__'] } })).body.group;
    await wait('groups', g.id, ['available']);
    assert.equal((await post(`/groups/${g.id}/action`, { reset_status: { status: 'error' } })).status, 403);
    const old = await api(`${base}/v3/groups/${g.id}/action`, { method: 'POST', token: admin, headers: MV('3.19'), body: { reset_status: { status: 'error' } } });
    assert.equal(old.status, 400);
    assert.equal((await post(`/groups/${g.id}/action`, { reset_status: { status: 'bogus' } }, admin)).status, 400);
    assert.equal((await post(`/groups/${g.id}/action`, { reset_status: { status: 'error' } }, admin)).status, 202);
    assert.equal((await wait('groups', g.id, ['error'])).status, 'error');
    assert.equal((await post(`/groups/${g.id}/action`, { delete: {} })).status, 202);
    await wait('groups', g.id, ['gone']);
    assert.equal((await api(`${base}/v3/groups`, { token: demo, headers: MV('3.12') })).status, 404);
  });

  it('openstack CLI: volume group type, group and group snapshot create, list, delete', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const os = (args: string[], cloudName = 'scs-demo') => openstack(cloud.cloudsYaml, cloudName, ['--os-volume-api-version', '3.14', ...args]);
    const gt = await os(['volume', 'group', 'type', 'create', '-f', 'json', 'cli-gt'], 'scs-admin');
    const g = await os(['volume', 'group', 'create', '--name', 'cli-g', '-f', 'json', 'cli-gt', '__DEFAULT__']);
    assert.equal(g['Group Type'], gt.ID);
    await wait('groups', g.ID, ['available']);
    const v = await api(`${base}/v3/volumes`, { method: 'POST', token: demo, headers: H, body: { volume: { size: 1, group_id: g.ID } } });
    await waitStatus(base, demo, 'volumes', v.body.volume.id, ['available']);
    const gs = await os(['volume', 'group', 'snapshot', 'create', '-f', 'json', '--description', 'cli', '--name', 'cli-gs', g.ID]);
    await wait('group_snapshots', gs.ID, ['available']);
    const listed = await os(['volume', 'group', 'snapshot', 'list', '-f', 'json']);
    assert.deepEqual(listed.map((r: any) => r.Name), ['cli-gs']);
    await os(['volume', 'group', 'snapshot', 'delete', 'cli-gs']);
    await wait('group_snapshots', gs.ID, ['gone']);
    // (OSC 6's `volume group show` calls a method cinderclient lacks: the list shows the group instead.)
    const groups = await os(['volume', 'group', 'list', '-f', 'json']);
    assert.deepEqual(groups.map((r: any) => [r.Name, r.Status]), [['cli-g', 'available']]);
    await os(['volume', 'group', 'delete', '--force', g.ID]);
    await wait('groups', g.ID, ['gone']);
    await waitStatus(base, demo, 'volumes', v.body.volume.id, ['gone']);
  });

  it('openstacksdk: group type with specs, group, member volume, delete with volumes', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const out = await python(SDK_SCRIPT, { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml });
    assert.deepEqual(out, { specs: { k: 'v' }, member: true, groups: ['sdk-g'], left: [] });
  });
});
