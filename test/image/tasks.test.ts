import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';
import { createImage, upload } from './helpers.js';

// Glance's legacy tasks API (`/v2/tasks`): import tasks from a mirrored URL or an image of this region.
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MIRRORED = 'https://images.example.org/noble/disk.img';
const SDK_SCRIPT = `
import json, openstack
c = openstack.connect(cloud='scs-admin')
t = c.image.create_task(type='import', input={'import_from': '${MIRRORED}', 'import_from_format': 'raw', 'image_properties': {'name': 'sdk-task', 'disk_format': 'raw', 'container_format': 'bare'}})
t = c.image.wait_for_task(t, status='success', interval=0.2, wait=60)
ids = [x.id for x in c.image.tasks()]
schema = c.image.get_tasks_schema()
print(json.dumps({'status': t.status, 'image': c.image.get_image(t.result['image_id']).status, 'listed': t.id in ids, 'schema': schema.name}))
`;

describe('image: legacy tasks API', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  let demo: string;
  let dir: string;
  const mirrored = Buffer.alloc(64 * 1024, 7);

  const task = (body: unknown, token = admin) => api(`${base}/v2/tasks`, { method: 'POST', token, body, headers: { accept: 'application/json' } });
  const importTask = (importFrom: string, props: Record<string, unknown> = { name: 'from-task', disk_format: 'raw', container_format: 'bare' }) =>
    task({ type: 'import', input: { import_from: importFrom, import_from_format: 'raw', image_properties: props } });
  async function finished(id: string): Promise<Record<string, any>> {
    for (let i = 0; i < 400; i++) {
      const t = (await api(`${base}/v2/tasks/${id}`, { token: admin })).body;
      if (t.status === 'success' || t.status === 'failure') return t;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`task ${id} never finished`);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scs-img-tasks-'));
    mkdirSync(join(dir, 'noble'));
    writeFileSync(join(dir, 'noble', 'disk.img'), mirrored);
    cloud = await startTestCloud({ only: ['identity', 'image'], services: { image: { standardImages: '', webDownload: { enabled: false, allowedPrefixes: [], mirrors: { 'https://images.example.org/': dir } } } } });
    base = cloud.urls.image;
    admin = await cloud.adminToken();
    demo = await cloud.demoToken();
  });
  after(async () => {
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a mirrored URL: pending/processing, then success with the image id; the image is active with the bytes', async () => {
    const made = await importTask(MIRRORED, { name: 'noble', disk_format: 'raw', container_format: 'bare', os_distro: 'ubuntu' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.headers.get('location'), `/v2/tasks/${made.body.id}`);
    assert.ok(['pending', 'processing'].includes(made.body.status));
    assert.equal(made.body.type, 'import');
    assert.equal(made.body.result, null);
    assert.equal(made.body.schema, '/v2/schemas/task');
    assert.equal(made.body.input.import_from, MIRRORED);
    const done = await finished(made.body.id);
    assert.equal(done.status, 'success', done.message);
    assert.equal(done.message, '');
    assert.match(done.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const image = (await api(`${base}/v2/images/${done.result.image_id}`, { token: admin })).body;
    assert.equal(image.status, 'active');
    assert.equal(image.name, 'noble');
    assert.equal(image.os_distro, 'ubuntu');
    assert.equal(image.checksum, md5(mirrored));
  });

  it('imports the file URL of an image of this region, read from the store as the task creator', async () => {
    const bytes = Buffer.from('bytes of a source image');
    const src = await createImage(base, admin, { name: 'src' });
    assert.equal((await upload(base, admin, src, bytes)).status, 204);
    const done = await finished((await importTask(`${base}/v2/images/${src}/file`)).body.id);
    assert.equal(done.status, 'success', done.message);
    const copy = (await api(`${base}/v2/images/${done.result.image_id}`, { token: admin })).body;
    assert.equal(copy.checksum, md5(bytes));
    assert.notEqual(copy.id, src);
  });

  it('fails the task and removes its image when the source has no bytes or the input is incomplete', async () => {
    const queued = await createImage(base, admin, { name: 'no-data' });
    const empty = await finished((await importTask(`${base}/v2/images/${queued}/file`)).body.id);
    assert.equal(empty.status, 'failure');
    assert.equal(empty.message, `Image ${queued} has no data to import.`);
    assert.equal(empty.result, null);
    const listed = (await api(`${base}/v2/images?name=from-task`, { token: admin })).body.images;
    assert.equal(listed.length, 1, 'only the image of the successful task');
    const incomplete = await task({ type: 'import', input: { import_from: MIRRORED } });
    assert.equal(incomplete.status, 201);
    const failed = await finished(incomplete.body.id);
    assert.equal(failed.message, "Input does not contain 'import_from_format' field");
  });

  it('refuses bad input with 400 as Glance, file URLs included; non-admins get 403', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ input: {} }, /Task 'type' is required/],
      [{ type: 'import' }, /Task 'input' is required/],
      [{ type: 'copy', input: {} }, /does not match schema 'task'/],
      [{ type: 'import', input: 'x' }, /does not match schema 'task'/],
      [{ type: 'import', input: {}, extra: 1 }, /Additional properties are not allowed/],
      [{ type: 'import', input: {} }, /Invalid location: None/],
      [{ type: 'import', input: { import_from: 'file:///etc/passwd' } }, /File based imports are not allowed/],
      [{ type: 'import', input: { import_from: 'ftp://example.org/x.img' } }, /The given uri is not valid/],
      [{ type: 'import', input: { import_from: 'https://elsewhere.example.org/x.img' } }, /web-download from the network is disabled/],
      [{ type: 'import', input: { import_from: 'https://images.example.org/not-mirrored.img' } }, /no mirror holds it/],
    ];
    for (const [body, message] of cases) {
      const r = await task(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.message, message);
    }
    assert.equal((await task({ type: 'import', input: { import_from: MIRRORED } }, demo)).status, 403);
    assert.equal((await api(`${base}/v2/tasks`, { token: demo })).status, 403);
  });

  it('openstacksdk: create_task, wait_for_task, tasks(), get_tasks_schema', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const out = await python(SDK_SCRIPT, { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml });
    assert.deepEqual(out, { status: 'success', image: 'active', listed: true, schema: 'tasks' });
  });

  it('lists stubs newest first with filters and paging; show is 404 for unknown ids; delete is 405', async () => {
    const all = await api(`${base}/v2/tasks`, { token: admin });
    assert.equal(all.status, 200);
    assert.equal(all.body.first, '/v2/tasks');
    assert.equal(all.body.schema, '/v2/schemas/tasks');
    const tasks = all.body.tasks;
    assert.equal(tasks.length, 5);
    assert.equal(tasks[0].input, undefined);
    assert.equal(tasks[0].self, `/v2/tasks/${tasks[0].id}`);
    const created = tasks.map((t: any) => t.created_at);
    assert.deepEqual(created, [...created].sort().reverse());
    const page = await api(`${base}/v2/tasks?limit=2&sort_dir=asc`, { token: admin });
    assert.equal(page.body.tasks.length, 2);
    assert.equal(page.body.first, '/v2/tasks?limit=2&sort_dir=asc');
    const next = await api(`${base}${page.body.next}`, { token: admin });
    assert.notEqual(next.body.tasks[0].id, page.body.tasks[1].id);
    assert.ok(next.body.tasks[0].created_at >= page.body.tasks[1].created_at);
    const failures = (await api(`${base}/v2/tasks?status=failure`, { token: admin })).body.tasks;
    assert.ok(failures.length === 2 && failures.every((t: any) => t.status === 'failure'));
    for (const q of ['status=done', 'type=copy', 'sort_dir=up', 'sort_key=input', 'limit=-1', 'limit=x', 'marker=nope']) {
      assert.equal((await api(`${base}/v2/tasks?${q}`, { token: admin })).status, 400, q);
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    assert.equal((await api(`${base}/v2/tasks/${unknown}`, { token: admin })).status, 404);
    assert.equal((await api(`${base}/v2/tasks?marker=${unknown}`, { token: admin })).status, 400);
    const del = await api(`${base}/v2/tasks/${tasks[0].id}`, { method: 'DELETE', token: admin });
    assert.equal(del.status, 405);
    assert.equal(del.headers.get('allow'), 'GET');
    const schema = (await api(`${base}/v2/schemas/tasks`, { token: admin })).body;
    assert.equal(schema.name, 'tasks');
    assert.equal(schema.properties.tasks.items.properties.input, undefined);
    assert.deepEqual((await api(`${base}/v2/schemas/task`, { token: admin })).body.properties.status.enum, ['pending', 'processing', 'success', 'failure']);
  });
});
