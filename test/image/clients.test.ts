import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';
import { addTenant } from './helpers.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Bulk checks through openstacksdk: data round trip, update, tags, members, paging, isolation. */
const SDK_SCRIPT = `
import hashlib, io, json, os, openstack
conn = openstack.connect(cloud='scs-demo')
other = openstack.connect(cloud='other')
out = {}
data = os.urandom(3 * 1024 * 1024 + 17)
img = conn.image.create_image(name='sdk-img', data=io.BytesIO(data), disk_format='qcow2', container_format='bare', validate_checksum=False, wait=True)
img = conn.image.get_image(img.id)
out['status'] = img.status
out['size_ok'] = img.size == len(data)
out['md5_ok'] = img.checksum == hashlib.md5(data).hexdigest()
out['sha512_ok'] = img.hash_value == hashlib.sha512(data).hexdigest() and img.hash_algo == 'sha512'
out['download_ok'] = conn.image.download_image(img, stream=False).content == data
conn.image.update_image(img, min_ram=256, os_distro='debian')
conn.image.add_tag(img, 'gold')
img = conn.image.get_image(img.id)
out['updated'] = [img.min_ram, img.os_distro, img.visibility, list(img.tags)]
out['by_tag'] = [i.name for i in conn.image.images(tag='gold', status='active')]
conn.image.remove_tag(img, 'gold')
out['tags_after_remove'] = list(conn.image.get_image(img.id).tags)
out['other_before'] = [i.name for i in other.image.images()]
m = conn.image.add_member(img, member=other.current_project_id)
out['member_status'] = m.status
other.image.update_member(m, img, status='accepted')
out['other_after'] = [i.name for i in other.image.images()]
out['members'] = [x.status for x in conn.image.members(img)]
for n in range(3):
    conn.image.create_image(name='page-%d' % n, disk_format='raw', container_format='bare', allow_duplicates=True)
out['paged'] = sorted(i.name for i in conn.image.images(limit=1))
try:
    other.image.delete_image(img)
    out['other_delete'] = 'allowed'
except openstack.exceptions.HttpException as e:
    out['other_delete'] = e.status_code
for i in list(conn.image.images()):
    conn.image.delete_image(i)
out['left'] = [i.name for i in conn.image.images()]
print(json.dumps(out))
`;

describe('image: real clients', () => {
  let cloud: TestCloud;
  let dir: string;
  let otherProject: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'image'], services: { image: { standardImages: false } } });
    otherProject = (await addTenant(cloud, 'other')).projectId;
    dir = mkdtempSync(join(tmpdir(), 'scs-img-cli-'));
  });
  after(async () => {
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('openstack CLI: image create --file/--import, save, set --property, list filters, share, delete', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const os = (args: string[], cloudName = 'scs-demo') => openstack(cloud.cloudsYaml, cloudName, args);
    const data = randomBytes(5 * 1024 * 1024 + 1);
    const file = join(dir, 'disk.img');
    writeFileSync(file, data);
    const created = await os(['image', 'create', '--file', file, '--disk-format', 'qcow2', '--property', 'os_distro=cirros', '-f', 'json', 'cli-img']);
    const id = created.id as string;
    const shown = await os(['image', 'show', id, '-f', 'json']);
    assert.equal(shown.status, 'active');
    assert.equal(shown.checksum, md5(data));
    assert.equal(shown.size, data.length);

    await os(['image', 'save', '--file', join(dir, 'saved.img'), id]);
    assert.ok(readFileSync(join(dir, 'saved.img')).equals(data));

    await os(['image', 'set', '--property', 'hw_disk_bus=scsi', '--tag', 'golden', '--min-disk', '3', id]);
    const set = await os(['image', 'show', id, '-f', 'json']);
    assert.equal(set.properties.hw_disk_bus, 'scsi');
    assert.deepEqual(set.tags, ['golden']);
    assert.equal(set.min_disk, 3);

    const names = (rows: Array<{ Name: string }>) => rows.map((r) => r.Name);
    assert.deepEqual(names(await os(['image', 'list', '--property', 'hw_disk_bus=scsi', '-f', 'json'])), ['cli-img']);
    assert.deepEqual(names(await os(['image', 'list', '--tag', 'golden', '--status', 'active', '-f', 'json'])), ['cli-img']);
    assert.deepEqual(names(await os(['image', 'list', '--private', '-f', 'json'])), []);
    assert.deepEqual(names(await os(['image', 'list', '--shared', '-f', 'json'])), ['cli-img']);

    // Share with another project, which accepts the image and then sees it.
    assert.deepEqual(await os(['image', 'list', '-f', 'json'], 'other'), []);
    const member = await os(['image', 'add', 'project', id, otherProject, '-f', 'json']);
    assert.equal(member.status, 'pending');
    await os(['image', 'set', '--accept', id], 'other');
    assert.deepEqual(names(await os(['image', 'list', '-f', 'json'], 'other')), ['cli-img']);
    await assert.rejects(os(['image', 'delete', id], 'other'), /403|Forbidden|Failed to delete/);

    // --import goes through the interoperable import API (stage, then glance-direct).
    const imported = await os(['image', 'create', '--import', '--file', file, '--disk-format', 'raw', '-f', 'json', 'cli-imported']);
    for (let i = 0; i < 100 && (await os(['image', 'show', imported.id, '-f', 'json'])).status !== 'active'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await os(['image', 'show', imported.id, '-f', 'json'])).checksum, md5(data));

    await os(['image', 'delete', id, imported.id]);
    assert.deepEqual(await os(['image', 'list', '-f', 'json']), []);
  });

  it('openstacksdk: bulk checks of data, updates, tags, members and paging', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const out = await python(SDK_SCRIPT, { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml });
    assert.deepEqual(out, {
      status: 'active',
      size_ok: true,
      md5_ok: true,
      sha512_ok: true,
      download_ok: true,
      updated: [256, 'debian', 'shared', ['gold']],
      by_tag: ['sdk-img'],
      tags_after_remove: [],
      other_before: [],
      member_status: 'pending',
      other_after: ['sdk-img'],
      members: ['accepted'],
      paged: ['page-0', 'page-1', 'page-2', 'sdk-img'],
      other_delete: 403,
      left: [],
    });
  });
});
