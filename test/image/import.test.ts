import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { startCloud } from '../../src/cloud.js';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { createImage, upload } from './helpers.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MIRRORED = 'https://cloud-images.example.org/noble/disk.img';
const qcow2 = () => {
  // A qcow2 header (magic, version 3, virtual size 10 GiB at offset 24) and some payload.
  const b = Buffer.alloc(4096, 3);
  b.writeUInt32BE(0x514649fb, 0);
  b.writeUInt32BE(3, 4);
  b.writeBigUInt64BE(10n * 1024n ** 3n, 24);
  return b;
};

const scsMeta = (extra: Record<string, unknown> = {}) => ({
  architecture: 'x86_64',
  os_distro: 'ubuntu',
  os_version: '24.04',
  os_purpose: 'generic',
  hw_disk_bus: 'scsi',
  image_build_date: '2025-11-01',
  image_original_user: 'ubuntu',
  image_source: MIRRORED,
  image_description: 'https://cloud-images.example.org/noble/',
  replace_frequency: 'quarterly',
  provided_until: '2029-05-31',
  uuid_validity: 'last-3',
  hotfix_hours: 0,
  ...extra,
});

async function waitStatus(base: string, token: string, id: string, want: string[]): Promise<Record<string, any>> {
  for (let i = 0; i < 400; i++) {
    const img = (await api(`${base}/v2/images/${id}`, { token })).body;
    // An import records its outcome (task, os_glance_* properties) just after the status changes.
    const task = (await api(`${base}/v2/images/${id}/tasks`, { token })).body.tasks[0];
    if (want.includes(img.status) && task?.status !== 'processing') return (await api(`${base}/v2/images/${id}`, { token })).body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`image ${id} never reached ${want.join('/')}`);
}

describe('image: import API, SCS images and the client interface', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let admin: string;
  let server: Server;
  let origin: string;
  let dir: string;
  const served = Buffer.alloc(300 * 1024, 5);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scs-img-mirror-'));
    mkdirSync(join(dir, 'mirror', 'noble'), { recursive: true });
    writeFileSync(join(dir, 'mirror', 'noble', 'disk.img'), qcow2());
    server = createServer((req, res) => {
      if (req.url === '/ok/disk.raw') res.end(served);
      else res.writeHead(404).end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(
      join(dir, 'standard.yaml'),
      stringify({
        images: [
          { name: 'Ubuntu 24.04', url: MIRRORED, disk_format: 'qcow2', min_disk: 8, min_ram: 512, tags: ['os:ubuntu'], meta: scsMeta() },
          { name: 'Debian 12', url: 'https://cloud.example.org/debian-12.qcow2', min_disk: 8, min_ram: 512, meta: scsMeta({ os_distro: 'debian', os_version: '12' }) },
        ],
      }),
    );
    cloud = await startTestCloud({
      only: ['identity', 'image'],
      services: {
        image: {
          standardImages: join(dir, 'standard.yaml'),
          webDownload: { enabled: true, allowedPrefixes: [`${origin}/ok/`, `${origin}/missing/`], mirrors: { 'https://cloud-images.example.org/': `file://${join(dir, 'mirror')}` } },
        },
      },
    });
    base = cloud.urls.image;
    demo = await cloud.demoToken();
    admin = await cloud.adminToken();
  });
  after(async () => {
    await cloud.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the standard images at bootstrap: mirrored bytes become active, the others stay queued', async () => {
    const list = (await api(`${base}/v2/images?sort=name:asc`, { token: demo })).body.images;
    assert.deepEqual(list.map((i: { name: string }) => i.name), ['Debian 12', 'Ubuntu 24.04']);
    const ubuntu = await waitStatus(base, demo, list[1].id, ['active']);
    assert.equal(ubuntu.visibility, 'public');
    assert.equal(ubuntu.os_purpose, 'generic');
    assert.equal(ubuntu.replace_frequency, 'quarterly');
    assert.equal(ubuntu.hotfix_hours, '0');
    assert.equal(ubuntu.min_disk, 8);
    assert.equal(ubuntu.size, 4096);
    assert.equal(ubuntu.virtual_size, 10 * 1024 ** 3);
    assert.deepEqual(ubuntu.tags, ['os:ubuntu']);
    const debian = list[0];
    assert.equal(debian.status, 'queued');
    assert.equal(debian.os_distro, 'debian');
    assert.equal(debian.size, null);
  });

  it('advertises the import methods and stores', async () => {
    const info = await api(`${base}/v2/info/import`, { token: demo });
    assert.deepEqual(info.body['import-methods'], { description: 'Import methods available.', type: 'array', value: ['glance-direct', 'web-download', 'glance-download'] });
    const stores = await api(`${base}/v2/info/stores`, { token: demo });
    assert.equal(stores.body.stores[0].id, 'local');
    assert.equal(stores.body.stores[0].default, 'true');
  });

  it('imports with glance-direct: stage, then import', async () => {
    const id = await createImage(base, demo, { name: 'direct' });
    const data = Buffer.alloc(2 * 1024 * 1024, 8);
    const staged = await fetch(`${base}/v2/images/${id}/stage`, { method: 'PUT', headers: { 'x-auth-token': demo, 'content-type': 'application/octet-stream' }, body: new Blob([new Uint8Array(data)]) });
    assert.equal(staged.status, 204);
    assert.equal((await api(`${base}/v2/images/${id}`, { token: demo })).body.status, 'uploading');
    const imp = await api(`${base}/v2/images/${id}/import`, { method: 'POST', token: demo, body: { method: { name: 'glance-direct' } } });
    assert.equal(imp.status, 202);
    const img = await waitStatus(base, demo, id, ['active']);
    assert.equal(img.checksum, md5(data));
    assert.equal(img.os_glance_failed_import, '');
    const tasks = (await api(`${base}/v2/images/${id}/tasks`, { token: demo })).body.tasks;
    assert.equal(tasks[0].status, 'success');
    assert.equal(tasks[0].type, 'api_image_import');
  });

  it('imports with web-download from an allowed URL, refuses others, and fails back to queued', async () => {
    const id = await createImage(base, demo, { name: 'web' });
    assert.equal((await api(`${base}/v2/images/${id}/import`, { method: 'POST', token: demo, body: { method: { name: 'web-download', uri: `${origin}/ok/disk.raw` } } })).status, 202);
    assert.equal((await waitStatus(base, demo, id, ['active'])).checksum, md5(served));

    const refused = await createImage(base, demo, { name: 'refused' });
    for (const uri of [`${origin}/elsewhere/disk.raw`, 'file:///etc/passwd', 'https://cloud-images.example.org/../../etc/passwd']) {
      const res = await api(`${base}/v2/images/${refused}/import`, { method: 'POST', token: demo, body: { method: { name: 'web-download', uri } } });
      assert.equal(res.status, 400, uri);
    }
    assert.equal((await api(`${base}/v2/images/${refused}`, { token: demo })).body.status, 'queued');

    const broken = await createImage(base, demo, { name: 'broken' });
    assert.equal((await api(`${base}/v2/images/${broken}/import`, { method: 'POST', token: demo, body: { method: { name: 'web-download', uri: `${origin}/missing/disk.raw` } } })).status, 202);
    await new Promise((r) => setTimeout(r, 50));
    const img = await waitStatus(base, demo, broken, ['queued']);
    assert.equal(img.os_glance_failed_import, 'local');
    const task = (await api(`${base}/v2/images/${broken}/tasks`, { token: demo })).body.tasks[0];
    assert.equal(task.status, 'failure');
    assert.match(task.message, /404/);
  });

  it('syncs an image list into a running cloud with `scs images sync`, updating metadata', async () => {
    const file = join(dir, 'sync.yaml');
    writeFileSync(
      file,
      stringify({ images: [{ name: 'Ubuntu 24.04', url: MIRRORED, disk_format: 'qcow2', min_disk: 10, min_ram: 1024, meta: scsMeta({ hw_rng_model: 'virtio' }) }] }),
    );
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'images', 'sync', file, '--data', cloud.dataDir], { env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
    assert.match(stdout, /Ubuntu 24\.04\s+[0-9a-f-]{36}\s+updated\s+active/);
    const img = (await api(`${base}/v2/images?name=${encodeURIComponent('Ubuntu 24.04')}`, { token: demo })).body.images[0];
    assert.equal(img.min_disk, 10);
    assert.equal(img.hw_rng_model, 'virtio');
    writeFileSync(file, stringify({ images: [{ name: 'Broken', min_disk: 1, min_ram: 1, meta: { os_distro: 'x' } }] }));
    await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'images', 'sync', file, '--data', cloud.dataDir]), /scs-0102 requires the property 'architecture'/);
  });

  it('serves compute and volume through the typed client', async () => {
    const ctx = await cloud.clients.identity.validate(demo);
    const created = await cloud.clients.image.createImage(ctx, { name: 'snap', disk_format: 'raw', container_format: 'bare', properties: { image_type: 'snapshot' } });
    assert.equal(created.status, 'queued');
    const info = await cloud.clients.image.uploadData(ctx, created.id, Readable.from([Buffer.from('abc'), Buffer.from('def')]));
    assert.equal(info.status, 'active');
    assert.equal(info.size, 6);
    assert.equal(info.properties.image_type, 'snapshot');
    const chunks: Buffer[] = [];
    for await (const c of await cloud.clients.image.openData(ctx, created.id)) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'abcdef');
    const adminCtx = await cloud.clients.identity.validate(admin);
    const other = await cloud.clients.image.createImage(adminCtx, { name: 'admins', disk_format: 'raw', container_format: 'bare', visibility: 'private' });
    assert.equal(await cloud.clients.image.getImage(ctx, other.id), undefined);
    await cloud.clients.image.deleteImage(ctx, created.id);
    assert.equal(await cloud.clients.image.getImage(ctx, created.id), undefined);
  });

  it('sweeps files no image references and resets transfers whose lease ran out', async () => {
    const imagesDir = join(cloud.dataDir, 'images');
    writeFileSync(join(imagesDir, '00000000-0000-0000-0000-000000000000.deadbeef'), 'orphan');
    writeFileSync(join(imagesDir, '00000000-0000-0000-0000-000000000000.cafe.part'), 'partial');
    writeFileSync(join(imagesDir, '00000000-0000-0000-0000-000000000001.young'), 'maybe a transfer just starting');
    const old = new Date(Date.now() - 3600_000);
    for (const f of ['00000000-0000-0000-0000-000000000000.deadbeef', '00000000-0000-0000-0000-000000000000.cafe.part']) utimesSync(join(imagesDir, f), old, old);
    const id = await createImage(base, demo, { name: 'stuck' });
    // A process died mid-upload: the row says saving with a lease in the past.
    await cloud.ctx.db.kysely.updateTable('img_images').set({ status: 'saving', upload_token: 'dead', lease_until: '2000-01-01T00:00:00.000Z' }).where('id', '=', id).execute();
    const before = readdirSync(imagesDir).length;
    // Another process starting on the same database and data folder runs the sweep.
    const second = await startCloud({ dataDir: cloud.dataDir, databaseUrl: cloud.config.databaseUrl, allPorts: 0, logLevel: 'silent', services: { image: { standardImages: false } } });
    await second.close();
    assert.equal((await api(`${base}/v2/images/${id}`, { token: demo })).body.status, 'queued');
    const left = readdirSync(imagesDir);
    assert.equal(left.length, before - 2);
    assert.ok(!left.some((f) => f.startsWith('00000000-0000-0000-0000-000000000000')));
    assert.ok(left.includes('00000000-0000-0000-0000-000000000001.young'));
    assert.equal((await upload(base, demo, id, Buffer.from('after restart'))).status, 204);
  });
});
