import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { createImage, PATCH, upload } from './helpers.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('image: API', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let admin: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'image'], services: { image: { standardImages: false } } });
    base = cloud.urls.image;
    demo = await cloud.demoToken();
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  it('discovers versions and serves the schemas like Glance', async () => {
    const root = await api(`${base}/`);
    assert.equal(root.status, 300);
    assert.equal(root.body.versions[0].id, 'v2.16');
    assert.equal(root.body.versions[0].status, 'CURRENT');
    assert.equal(root.body.versions[0].links[0].href, `${base}/v2/`);
    assert.equal((await api(`${base}/versions`)).status, 200);
    const image = await api(`${base}/v2/schemas/image`, { token: demo });
    assert.equal(image.body.name, 'image');
    assert.deepEqual(image.body.additionalProperties, { type: 'string' });
    assert.deepEqual(image.body.properties.visibility.enum, ['community', 'public', 'private', 'shared']);
    assert.ok(image.body.properties.disk_format.enum.includes('qcow2'));
    assert.equal(image.body.properties.os_distro.is_base, false);
    const images = await api(`${base}/v2/schemas/images`, { token: demo });
    assert.equal(images.body.properties.images.items.name, 'image');
    assert.deepEqual(images.body.links.map((l: { rel: string }) => l.rel), ['first', 'next', 'describedby']);
    const members = await api(`${base}/v2/schemas/members`, { token: demo });
    assert.deepEqual(members.body.properties.members.items.properties.status.enum, ['pending', 'accepted', 'rejected']);
    assert.equal((await api(`${base}/v2/schemas/member`, { token: demo })).body.name, 'member');
  });

  it('creates, shows and deletes an image with Glance defaults', async () => {
    const res = await api(`${base}/v2/images`, { method: 'POST', token: demo, body: { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', os_distro: 'cirros', tags: ['a', 'a', 'b'] } });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `${base}/v2/images/${res.body.id}`);
    assert.equal(res.headers.get('openstack-image-import-methods'), 'glance-direct,glance-download');
    const img = res.body;
    assert.equal(img.status, 'queued');
    assert.equal(img.visibility, 'shared');
    assert.equal(img.protected, false);
    assert.equal(img.os_hidden, false);
    assert.equal(img.min_disk, 0);
    assert.equal(img.size, null);
    assert.equal(img.os_distro, 'cirros');
    assert.deepEqual(img.tags, ['a', 'b']);
    assert.equal(img.self, `/v2/images/${img.id}`);
    assert.equal(img.file, `/v2/images/${img.id}/file`);
    assert.equal(img.schema, '/v2/schemas/image');
    assert.match(img.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((await api(`${base}/v2/images/${img.id}`, { token: demo })).body.name, 'cirros');
    assert.equal((await api(`${base}/v2/images/${img.id}`, { method: 'DELETE', token: demo })).status, 204);
    assert.equal((await api(`${base}/v2/images/${img.id}`, { token: demo })).status, 404);
  });

  it('uploads and downloads with md5 and sha512, encrypted on disk', async () => {
    const id = await createImage(base, demo);
    const data = Buffer.concat([Buffer.from('PLAINTEXT-MARKER-'.repeat(1000)), Buffer.alloc(2 * 1024 * 1024 + 3, 1)]);
    assert.equal((await upload(base, demo, id, data)).status, 204);
    const img = (await api(`${base}/v2/images/${id}`, { token: demo })).body;
    assert.equal(img.status, 'active');
    assert.equal(img.size, data.length);
    assert.equal(img.virtual_size, data.length);
    assert.equal(img.checksum, md5(data));
    assert.equal(img.os_hash_algo, 'sha512');
    assert.equal(img.os_hash_value, sha512(data));
    const dl = await fetch(`${base}/v2/images/${id}/file`, { headers: { 'x-auth-token': demo } });
    assert.equal(dl.status, 200);
    assert.equal(dl.headers.get('content-md5'), md5(data));
    assert.equal(dl.headers.get('content-type'), 'application/octet-stream');
    assert.ok(Buffer.from(await dl.arrayBuffer()).equals(data));
    // A range across a chunk boundary.
    const part = await fetch(`${base}/v2/images/${id}/file`, { headers: { 'x-auth-token': demo, range: 'bytes=1048570-1048600' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1048570-1048600/${data.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(data.subarray(1048570, 1048601)));
    const dir = join(cloud.dataDir, 'images');
    const files = readdirSync(dir).filter((f) => f.startsWith(id));
    assert.equal(files.length, 1);
    const onDisk = readFileSync(join(dir, files[0]));
    assert.equal(onDisk.includes(Buffer.from('PLAINTEXT-MARKER')), false);
    // A tampered file fails authentication instead of serving altered bytes.
    const tampered = Buffer.from(onDisk);
    tampered[tampered.length - 100] ^= 1;
    writeFileSync(join(dir, files[0]), tampered);
    const bad = await fetch(`${base}/v2/images/${id}/file`, { headers: { 'x-auth-token': demo } });
    await assert.rejects(bad.arrayBuffer());
    writeFileSync(join(dir, files[0]), onDisk);
    // A second upload to an active image conflicts.
    assert.equal((await upload(base, demo, id, Buffer.from('x'))).status, 409);
  });

  it('answers 204 for data of a queued image and 400 for uploads without formats', async () => {
    const id = await createImage(base, demo);
    assert.equal((await fetch(`${base}/v2/images/${id}/file`, { headers: { 'x-auth-token': demo } })).status, 204);
    const bare = (await api(`${base}/v2/images`, { method: 'POST', token: demo, body: { name: 'noformat' } })).body.id;
    assert.equal((await upload(base, demo, bare, Buffer.from('abc'))).status, 400);
    const wrongType = await fetch(`${base}/v2/images/${id}/file`, { method: 'PUT', headers: { 'x-auth-token': demo, 'content-type': 'text/plain' }, body: 'abc' });
    assert.equal(wrongType.status, 415);
  });

  it('leaves an interrupted upload queued with no file behind', async () => {
    const id = await createImage(base, demo);
    const url = new URL(`${base}/v2/images/${id}/file`);
    await new Promise<void>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', headers: { 'x-auth-token': demo, 'content-type': 'application/octet-stream', 'content-length': String(10 * 1024 * 1024) } });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(3 * 1024 * 1024, 9), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
    });
    await waitFor(async () => ((await api(`${base}/v2/images/${id}`, { token: demo })).body.status === 'queued' ? true : undefined), 'queued again');
    const img = (await api(`${base}/v2/images/${id}`, { token: demo })).body;
    assert.equal(img.size, null);
    assert.equal(img.checksum, null);
    await waitFor(async () => (readdirSync(join(cloud.dataDir, 'images')).some((f) => f.startsWith(id)) ? undefined : true), 'part file removed');
    // The image still takes a complete upload afterwards.
    assert.equal((await upload(base, demo, id, Buffer.from('complete'))).status, 204);
  });

  it('lets exactly one of two racing uploads win', async () => {
    const id = await createImage(base, demo);
    const results = await Promise.all([upload(base, demo, id, Buffer.alloc(4 * 1024 * 1024, 1)), upload(base, demo, id, Buffer.alloc(4 * 1024 * 1024, 2))]);
    assert.deepEqual(results.map((r) => r.status).sort(), [204, 409]);
    const img = (await api(`${base}/v2/images/${id}`, { token: demo })).body;
    assert.equal(img.status, 'active');
    assert.equal(img.size, 4 * 1024 * 1024);
  });

  it('applies JSON-patch changes with Glance status codes', async () => {
    const id = await createImage(base, demo, { foo: 'bar' });
    const patch = (body: unknown, headers: Record<string, string> = PATCH) => api(`${base}/v2/images/${id}`, { method: 'PATCH', token: demo, headers, body });
    const ok = await patch([
      { op: 'replace', path: '/name', value: 'renamed' },
      { op: 'add', path: '/hw_disk_bus', value: 'scsi' },
      { op: 'replace', path: '/foo', value: 'baz' },
      { op: 'add', path: '/min_ram', value: 512 },
      { op: 'replace', path: '/tags', value: ['x', 'y'] },
      { op: 'replace', path: '/os_hidden', value: true },
    ]);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.name, 'renamed');
    assert.equal(ok.body.hw_disk_bus, 'scsi');
    assert.equal(ok.body.foo, 'baz');
    assert.equal(ok.body.min_ram, 512);
    assert.deepEqual(ok.body.tags, ['x', 'y']);
    assert.equal(ok.body.os_hidden, true);
    assert.equal((await patch([{ op: 'remove', path: '/foo' }])).body.foo, undefined);
    assert.equal((await patch([{ op: 'replace', path: '/missing', value: 'v' }])).status, 409);
    assert.equal((await patch([{ op: 'remove', path: '/missing' }])).status, 409);
    assert.equal((await patch([{ op: 'remove', path: '/name' }])).status, 403);
    assert.equal((await patch([{ op: 'replace', path: '/status', value: 'active' }])).status, 403);
    assert.equal((await patch([{ op: 'replace', path: '/checksum', value: 'x' }])).status, 403);
    assert.equal((await patch([{ op: 'add', path: '/os_glance_x', value: 'x' }])).status, 403);
    assert.equal((await patch([{ op: 'replace', path: '/visibility', value: 'public' }])).status, 403);
    assert.equal((await patch([{ op: 'replace', path: '/owner', value: 'someone' }])).status, 403);
    assert.equal((await patch([{ op: 'replace', path: '/min_ram', value: 'x' }])).status, 400);
    assert.equal((await patch([{ op: 'replace', path: '/disk_format', value: 'floppy' }])).status, 400);
    assert.equal((await patch([{ op: 'move', path: '/name', value: 'x' }])).status, 400);
    assert.equal((await patch([{ op: 'replace', path: 'name', value: 'x' }])).status, 400);
    assert.equal((await patch([{ op: 'replace', path: '/a/b', value: 'x' }])).status, 400);
    assert.equal((await patch([{ op: 'replace', path: '/name' }])).status, 400);
    assert.equal((await patch({ op: 'replace' })).status, 400);
    const wrong = await patch([{ op: 'replace', path: '/name', value: 'x' }], { 'content-type': 'application/json' });
    assert.equal(wrong.status, 415);
    assert.match(wrong.headers.get('accept-patch')!, /openstack-images-v2.1-json-patch/);
    const v20 = await patch([{ replace: '/name', value: 'draft4' }], { 'content-type': 'application/openstack-images-v2.0-json-patch' });
    assert.equal(v20.body.name, 'draft4');
    // Formats are fixed once the image has data.
    assert.equal((await upload(base, demo, id, Buffer.from('data'))).status, 204);
    assert.equal((await patch([{ op: 'replace', path: '/disk_format', value: 'qcow2' }])).status, 403);
  });

  it('manages tags, protection and deactivation', async () => {
    const id = await createImage(base, demo);
    assert.equal((await api(`${base}/v2/images/${id}/tags/blue`, { method: 'PUT', token: demo })).status, 204);
    assert.equal((await api(`${base}/v2/images/${id}/tags/blue`, { method: 'PUT', token: demo })).status, 204);
    assert.deepEqual((await api(`${base}/v2/images/${id}`, { token: demo })).body.tags, ['blue']);
    assert.equal((await api(`${base}/v2/images/${id}/tags/blue`, { method: 'DELETE', token: demo })).status, 204);
    assert.equal((await api(`${base}/v2/images/${id}/tags/blue`, { method: 'DELETE', token: demo })).status, 404);

    await api(`${base}/v2/images/${id}`, { method: 'PATCH', token: demo, headers: PATCH, body: [{ op: 'replace', path: '/protected', value: true }] });
    assert.equal((await api(`${base}/v2/images/${id}`, { method: 'DELETE', token: demo })).status, 403);
    await api(`${base}/v2/images/${id}`, { method: 'PATCH', token: demo, headers: PATCH, body: [{ op: 'replace', path: '/protected', value: false }] });

    assert.equal((await api(`${base}/v2/images/${id}/actions/deactivate`, { method: 'POST', token: demo })).status, 403);
    await upload(base, demo, id, Buffer.from('bytes'));
    assert.equal((await api(`${base}/v2/images/${id}/actions/deactivate`, { method: 'POST', token: demo })).status, 204);
    assert.equal((await api(`${base}/v2/images/${id}`, { token: demo })).body.status, 'deactivated');
    assert.equal((await fetch(`${base}/v2/images/${id}/file`, { headers: { 'x-auth-token': demo } })).status, 403);
    assert.equal((await fetch(`${base}/v2/images/${id}/file`, { headers: { 'x-auth-token': admin } })).status, 200);
    assert.equal((await api(`${base}/v2/images/${id}/actions/reactivate`, { method: 'POST', token: demo })).status, 204);
    assert.equal((await api(`${base}/v2/images/${id}`, { token: demo })).body.status, 'active');
    assert.equal((await api(`${base}/v2/images/${id}`, { method: 'DELETE', token: demo })).status, 204);
  });

  it('filters, sorts and pages lists like Glance', async () => {
    const mk = (name: string, extra: Record<string, unknown> = {}) => createImage(base, demo, { name, ...extra });
    const a = await mk('list-a', { tags: ['red'], flavor: 'small' });
    const b = await mk('list-b', { tags: ['red', 'big'], disk_format: 'qcow2' });
    const c = await mk('list-c', { os_hidden: true });
    await upload(base, demo, b, Buffer.alloc(5000));
    const names = async (q: string) => (await api(`${base}/v2/images?${q}`, { token: demo })).body.images.map((i: { name: string }) => i.name);
    assert.deepEqual(await names('name=list-a'), ['list-a']);
    assert.deepEqual(await names('name=in:list-a,list-c'), ['list-a']);
    assert.deepEqual((await names('tag=red&sort=name:asc')), ['list-a', 'list-b']);
    assert.deepEqual(await names('tag=red&tag=big'), ['list-b']);
    assert.deepEqual(await names('flavor=small'), ['list-a']);
    assert.deepEqual(await names('disk_format=qcow2'), ['list-b']);
    assert.deepEqual(await names('status=active&size_min=4000&size_max=6000'), ['list-b']);
    assert.deepEqual(await names('os_hidden=true&name=in:list-a,list-c'), ['list-c']);
    assert.ok(!(await names('')).includes('list-c'));
    const created = (await api(`${base}/v2/images/${a}`, { token: demo })).body.created_at;
    assert.ok((await names(`created_at=gte:${created}&sort_key=name&sort_dir=asc`)).includes('list-a'));
    assert.deepEqual(await names(`created_at=lt:2000-01-01T00:00:00Z`), []);
    assert.deepEqual(await names('name=in:list-a,list-b&sort=name:desc'), ['list-b', 'list-a']);

    // Pages of one follow the next links to the end, in order, without repeats.
    const seen: string[] = [];
    let url: string | undefined = `/v2/images?limit=1&sort=name:asc&tag=red`;
    while (url) {
      const page: { body: { images: Array<{ name: string }>; next?: string; first: string; schema: string } } = await api(`${base}${url}`, { token: demo });
      assert.equal(page.body.schema, '/v2/schemas/images');
      seen.push(...page.body.images.map((i) => i.name));
      url = page.body.next;
      if (url) assert.match(url, /^\/v2\/images\?.*marker=/);
    }
    assert.deepEqual(seen, ['list-a', 'list-b']);
    const first = await api(`${base}/v2/images?limit=1&sort=name:asc&tag=red`, { token: demo });
    assert.equal(first.body.first, '/v2/images?limit=1&sort=name%3Aasc&tag=red');
    for (const id of [a, b, c]) await api(`${base}/v2/images/${id}`, { method: 'DELETE', token: demo });
  });

  it('answers bad input with 4xx in Glance fault format', async () => {
    const json = { accept: 'application/json' };
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/v2/images', '{', 400],
      ['POST', '/v2/images', [], 400],
      ['POST', '/v2/images', { name: 'x'.repeat(256) }, 400],
      ['POST', '/v2/images', { disk_format: 'floppy' }, 400],
      ['POST', '/v2/images', { min_ram: '1' }, 400],
      ['POST', '/v2/images', { min_disk: -1 }, 400],
      ['POST', '/v2/images', { custom: 1 }, 400],
      ['POST', '/v2/images', { visibility: 'public' }, 403],
      ['POST', '/v2/images', { visibility: 'everyone' }, 400],
      ['POST', '/v2/images', { status: 'active' }, 403],
      ['POST', '/v2/images', { self: '/x' }, 403],
      ['POST', '/v2/images', { deleted: 'x' }, 403],
      ['POST', '/v2/images', { owner: 'other' }, 403],
      ['POST', '/v2/images', { id: 'not-a-uuid' }, 400],
      ['GET', '/v2/images?limit=x', undefined, 400],
      ['GET', '/v2/images?limit=-1', undefined, 400],
      ['GET', '/v2/images?sort_key=bogus', undefined, 400],
      ['GET', '/v2/images?sort_dir=up', undefined, 400],
      ['GET', '/v2/images?sort=name&sort_key=name', undefined, 400],
      ['GET', '/v2/images?member_status=maybe', undefined, 400],
      ['GET', '/v2/images?visibility=everyone', undefined, 400],
      ['GET', '/v2/images?marker=00000000-0000-0000-0000-000000000000', undefined, 400],
      ['GET', '/v2/images?created_at=gt:yesterday', undefined, 400],
      ['GET', '/v2/images?status=broken', undefined, 400],
      ['GET', '/v2/images?changes-since=2020-01-01', undefined, 400],
      ['GET', '/v2/images/nope', undefined, 404],
      ['DELETE', '/v2/images/nope', undefined, 404],
      ['PUT', '/v2/images/nope/file', undefined, 404],
      ['GET', '/v2/images/nope/members', undefined, 404],
      ['POST', '/v2/images/nope/actions/deactivate', undefined, 404],
      ['POST', '/v2/images/nope/actions/explode', undefined, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await api(`${base}${path}`, { method, token: demo, headers: json, ...(typeof body === 'string' ? { raw: body } : body === undefined ? {} : { body }) });
      assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, `${status} ${res.body.title}`, `${method} ${path}`);
      assert.equal(typeof res.body.message, 'string');
    }
    const id = await createImage(base, demo);
    const dup = await api(`${base}/v2/images`, { method: 'POST', token: demo, body: { id } });
    assert.equal(dup.status, 409);
    for (const [body, status] of [[undefined, 400], [{}, 400], [{ method: {} }, 400], [{ method: { name: 'web-download', uri: 'http://x' } }, 400], [{ method: { name: 'glance-direct' } }, 409]] as const) {
      const res = await api(`${base}/v2/images/${id}/import`, { method: 'POST', token: demo, ...(body === undefined ? {} : { body }) });
      assert.equal(res.status, status, JSON.stringify(body));
    }
    // Without Accept, webob answers plain text; browsers get HTML; no token is Keystone's 401.
    const plain = await new Promise<{ type: string; text: string }>((resolve, reject) => {
      const u = new URL(`${base}/v2/images/nope`);
      request({ host: u.hostname, port: u.port, path: u.pathname, headers: { 'x-auth-token': demo } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ type: String(res.headers['content-type']), text }));
      })
        .on('error', reject)
        .end();
    });
    assert.match(plain.type, /^text\/plain/);
    assert.match(plain.text, /^404 Not Found\n\nNo image found with ID nope/);
    const html = await fetch(`${base}/v2/images/nope`, { headers: { 'x-auth-token': demo, accept: '*/*' } });
    assert.match(await html.text(), /<title>404 Not Found<\/title>/);
    const anon = await api(`${base}/v2/images`);
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error.code, 401);
    assert.match(anon.headers.get('www-authenticate')!, /^Keystone uri=/);
  });
});
