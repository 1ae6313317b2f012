import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { addTenant, createImage, PATCH, upload } from './helpers.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Waits for the import task of an image to leave `processing`; returns the task and the image. */
async function settled(base: string, token: string, id: string): Promise<{ task: Record<string, any>; image: Record<string, any> }> {
  for (let i = 0; i < 400; i++) {
    const task = (await api(`${base}/v2/images/${id}/tasks`, { token })).body.tasks[0];
    if (task && task.status !== 'processing') return { task, image: (await api(`${base}/v2/images/${id}`, { token })).body };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the import of ${id} never settled`);
}

/** Glance's glance-download import method (tempest's ImportImagesTest.test_image_glance_download_*). */
describe('image: glance-download import', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  const region = 'RegionOne';
  const data = Buffer.alloc(64 * 1024, 5);
  let src: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'image'] });
    base = cloud.urls.image;
    demo = await cloud.demoToken();
    src = await createImage(base, demo, { name: 'src', disk_format: 'qcow2' });
    assert.equal((await upload(base, demo, src, data)).status, 204);
    const props = [
      { op: 'add', path: '/hw_cpu_cores', value: '5' },
      { op: 'add', path: '/trait:STORAGE_DISK_SSD', value: 'required' },
      { op: 'add', path: '/os_distro', value: 'rhel' },
      { op: 'add', path: '/speed', value: '88mph' },
    ];
    assert.equal((await api(`${base}/v2/images/${src}`, { method: 'PATCH', token: demo, body: props, headers: PATCH })).status, 200);
  });
  after(() => cloud.close());

  const importFrom = (token: string, id: string, method: Record<string, unknown>) =>
    api(`${base}/v2/images/${id}/import`, { method: 'POST', token, body: { method: { name: 'glance-download', ...method } } });

  it('is advertised and copies the data, formats and the configured properties of an image of this region', async () => {
    assert.ok((await api(`${base}/v2/info/import`, { token: demo })).body['import-methods'].value.includes('glance-download'));
    const dst = await createImage(base, demo, { name: 'dst', disk_format: 'iso', container_format: 'ovf', hw_cpu_cores: '1', os_distro: 'windows' });
    const imp = await importFrom(demo, dst, { glance_image_id: src, glance_region: region, glance_service_interface: 'public' });
    assert.equal(imp.status, 202);
    const { task, image } = await settled(base, demo, dst);
    assert.equal(task.status, 'success', task.message);
    assert.equal(task.input.import_req.method.name, 'glance-download');
    assert.deepEqual([image.status, image.checksum, image.disk_format, image.container_format], ['active', md5(data), 'qcow2', 'bare']);
    assert.deepEqual([image.hw_cpu_cores, image['trait:STORAGE_DISK_SSD'], image.os_distro, image.speed], ['5', 'required', 'rhel', undefined]);
    const bytes = Buffer.from(await (await fetch(`${base}/v2/images/${dst}/file`, { headers: { 'x-auth-token': demo } })).arrayBuffer());
    assert.ok(bytes.equals(data));
  });

  it('refuses a request without the source or with an id that is not a UUID (400)', async () => {
    const dst = await createImage(base, demo, { name: 'bad-uuid' });
    const bad = await importFrom(demo, dst, { glance_image_id: 'foo', glance_region: region, glance_service_interface: 'public' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /image id does not look like a UUID/);
    assert.equal((await importFrom(demo, dst, { glance_image_id: src })).status, 400, 'no region');
    assert.equal((await importFrom(demo, dst, { glance_region: region })).status, 400, 'no image id');
    assert.equal((await api(`${base}/v2/images/${dst}`, { token: demo })).body.status, 'queued');
  });

  it('fails the task and leaves the image queued with its properties: unknown region or interface, missing or invisible image', async () => {
    const other = await addTenant(cloud, 'gd-other');
    const private_ = await createImage(base, await other.token(), { name: 'theirs' });
    const cases = [
      { glance_image_id: src, glance_region: 'not a region', glance_service_interface: 'not an interface' },
      { glance_image_id: src, glance_region: region, glance_service_interface: 'not an interface' },
      { glance_image_id: '36d4b546-64a2-4bb9-bdd0-ba676aa48f2c', glance_region: region, glance_service_interface: 'public' },
      { glance_image_id: private_, glance_region: region },
    ];
    for (const method of cases) {
      const dst = await createImage(base, demo, { name: 'fails', hw_cpu_cores: '1', os_distro: 'windows' });
      assert.equal((await importFrom(demo, dst, method)).status, 202);
      const { task, image } = await settled(base, demo, dst);
      assert.equal(task.status, 'failure', JSON.stringify(method));
      assert.deepEqual([image.status, image.hw_cpu_cores, image.os_distro, image.os_glance_failed_import], ['queued', '1', 'windows', 'local']);
    }
  });
});
