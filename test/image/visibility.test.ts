import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { addTenant, createImage, PATCH, upload } from './helpers.js';

describe('image: visibility and members', () => {
  let cloud: TestCloud;
  let base: string;
  let a: string;
  let b: string;
  let admin: string;
  let projectA: string;
  let projectB: string;
  const ids: Record<string, string> = {};
  before(async () => {
    // This cloud also runs with encryption at rest off and a byte quota per project.
    cloud = await startTestCloud({ only: ['identity', 'image'], services: { image: { standardImages: false, encryptAtRest: false, quotaBytesPerProject: 1024 * 1024 } } });
    base = cloud.urls.image;
    a = await cloud.demoToken();
    admin = await cloud.adminToken();
    const other = await addTenant(cloud, 'other');
    b = await other.token();
    projectB = other.projectId;
    ids.private = await createImage(base, a, { name: 'a-private', visibility: 'private' });
    ids.shared = await createImage(base, a, { name: 'a-shared', visibility: 'shared' });
    ids.community = await createImage(base, a, { name: 'a-community', visibility: 'community' });
    projectA = (await api(`${base}/v2/images/${ids.private}`, { token: a })).body.owner;
    ids.public = await createImage(base, admin, { name: 'a-public', visibility: 'public', owner: projectA });
    for (const id of Object.values(ids)) await upload(base, a, id, Buffer.from(`data of ${id}`));
  });
  after(() => cloud.close());

  const names = async (token: string, q = '') =>
    ((await api(`${base}/v2/images${q}`, { token })).body.images as Array<{ name: string }>).map((i) => i.name).sort();

  it('shows each visibility to the owner and to another project as Glance does', async () => {
    assert.deepEqual(await names(a), ['a-community', 'a-private', 'a-public', 'a-shared']);
    assert.deepEqual(await names(b), ['a-public']);
    assert.deepEqual(await names(b, '?visibility=community'), ['a-community']);
    assert.deepEqual(await names(b, '?visibility=private'), []);
    assert.deepEqual(await names(b, '?visibility=shared'), []);
    assert.deepEqual(await names(b, '?visibility=all'), ['a-community', 'a-public']);
    const status = async (id: string) => (await api(`${base}/v2/images/${id}`, { token: b })).status;
    assert.equal(await status(ids.private), 404);
    assert.equal(await status(ids.shared), 404);
    assert.equal(await status(ids.community), 200);
    assert.equal(await status(ids.public), 200);
    // Admins see every image.
    assert.deepEqual(await names(admin), ['a-community', 'a-private', 'a-public', 'a-shared']);
  });

  it("lets another project read but never change or delete A's images", async () => {
    for (const [vis, id] of Object.entries(ids)) {
      const hidden = vis === 'private' || vis === 'shared';
      const patch = await api(`${base}/v2/images/${id}`, { method: 'PATCH', token: b, headers: PATCH, body: [{ op: 'replace', path: '/name', value: 'stolen' }] });
      assert.equal(patch.status, hidden ? 404 : 403, `patch ${vis}`);
      assert.equal((await api(`${base}/v2/images/${id}`, { method: 'DELETE', token: b })).status, hidden ? 404 : 403, `delete ${vis}`);
      assert.equal((await api(`${base}/v2/images/${id}/tags/x`, { method: 'PUT', token: b })).status, hidden ? 404 : 403, `tag ${vis}`);
      assert.equal((await api(`${base}/v2/images/${id}/actions/deactivate`, { method: 'POST', token: b })).status, hidden ? 404 : 403, `deactivate ${vis}`);
      const dl = await fetch(`${base}/v2/images/${id}/file`, { headers: { 'x-auth-token': b } });
      assert.equal(dl.status, hidden ? 404 : 200, `download ${vis}`);
      if (!hidden) assert.equal(await dl.text(), `data of ${id}`);
    }
    assert.equal((await api(`${base}/v2/images/${ids.private}`, { token: a })).body.name, 'a-private');
  });

  it('shares an image through members: pending, accepted, rejected, removed', async () => {
    const members = `${base}/v2/images/${ids.shared}/members`;
    assert.equal((await api(`${base}/v2/images/${ids.private}/members`, { method: 'POST', token: a, body: { member: projectB } })).status, 403);
    const add = await api(members, { method: 'POST', token: a, body: { member: projectB } });
    assert.equal(add.status, 200);
    assert.deepEqual(Object.keys(add.body).sort(), ['created_at', 'image_id', 'member_id', 'schema', 'status', 'updated_at']);
    assert.equal(add.body.status, 'pending');
    assert.equal(add.body.schema, '/v2/schemas/member');
    assert.equal((await api(members, { method: 'POST', token: a, body: { member: projectB } })).status, 409);
    for (const body of [{}, { member: '' }, { member: 5 }, []]) assert.equal((await api(members, { method: 'POST', token: a, body })).status, 400, JSON.stringify(body));

    // Pending: B can see the image by id but not in its default list.
    assert.equal((await api(`${base}/v2/images/${ids.shared}`, { token: b })).status, 200);
    assert.deepEqual(await names(b), ['a-public']);
    assert.deepEqual(await names(b, '?member_status=pending&visibility=shared'), ['a-shared']);
    const list = await api(members, { token: b });
    assert.equal(list.body.schema, '/v2/schemas/members');
    assert.deepEqual(list.body.members.map((m: { member_id: string }) => m.member_id), [projectB]);
    assert.equal((await api(members, { method: 'POST', token: b, body: { member: 'third' } })).status, 403);

    // Only the member decides; the owner cannot accept for it.
    const accept = (token: string, status: unknown) => api(`${members}/${projectB}`, { method: 'PUT', token, body: { status } });
    assert.equal((await accept(a, 'accepted')).status, 403);
    assert.equal((await accept(b, 'maybe')).status, 400);
    assert.equal((await api(`${members}/${projectB}`, { method: 'PUT', token: b, body: {} })).status, 400);
    assert.equal((await accept(b, 'accepted')).body.status, 'accepted');
    assert.deepEqual(await names(b), ['a-public', 'a-shared']);
    assert.equal((await api(`${members}/${projectB}`, { token: b })).body.status, 'accepted');
    assert.equal((await accept(b, 'rejected')).body.status, 'rejected');
    assert.deepEqual(await names(b), ['a-public']);
    assert.deepEqual(await names(b, '?member_status=rejected'), ['a-public', 'a-shared']);
    assert.equal((await api(`${members}/${projectA}`, { token: b })).status, 404);

    // A member can download but not modify; removing the member hides the image again.
    assert.equal((await fetch(`${base}/v2/images/${ids.shared}/file`, { headers: { 'x-auth-token': b } })).status, 200);
    assert.equal((await api(`${base}/v2/images/${ids.shared}`, { method: 'DELETE', token: b })).status, 403);
    assert.equal((await api(`${members}/${projectB}`, { method: 'DELETE', token: b })).status, 403);
    assert.equal((await api(`${members}/${projectB}`, { method: 'DELETE', token: a })).status, 204);
    assert.equal((await api(`${members}/${projectB}`, { method: 'DELETE', token: a })).status, 404);
    assert.equal((await api(`${base}/v2/images/${ids.shared}`, { token: b })).status, 404);
  });

  it('makes images public only for admins, community for owners', async () => {
    const id = await createImage(base, a, { name: 'promote' });
    const set = (token: string, v: string) => api(`${base}/v2/images/${id}`, { method: 'PATCH', token, headers: PATCH, body: [{ op: 'replace', path: '/visibility', value: v }] });
    assert.equal((await set(a, 'public')).status, 403);
    assert.equal((await set(a, 'community')).body.visibility, 'community');
    assert.equal((await set(admin, 'public')).body.visibility, 'public');
    assert.ok((await names(b)).includes('promote'));
  });

  it('stores clear text when encryption at rest is off, and enforces the byte quota with 413', async () => {
    const id = await createImage(base, b, { name: 'plain' });
    const data = Buffer.from('CLEARTEXT-'.repeat(50_000));
    assert.equal((await upload(base, b, id, data)).status, 204);
    const files = readdirSync(join(cloud.dataDir, 'images')).filter((f) => f.startsWith(id));
    assert.ok(readFileSync(join(cloud.dataDir, 'images', files[0])).equals(data));
    const part = await fetch(`${base}/v2/images/${id}/file`, { headers: { 'x-auth-token': b, range: 'bytes=10-19' } });
    assert.equal(await part.text(), 'CLEARTEXT-');
    const big = await createImage(base, b, { name: 'too-big' });
    const over = await upload(base, b, big, Buffer.alloc(700 * 1024));
    assert.equal(over.status, 413);
    assert.equal((await api(`${base}/v2/images/${big}`, { token: b })).body.status, 'queued');
    assert.ok(!readdirSync(join(cloud.dataDir, 'images')).some((f) => f.startsWith(big)));
  });
});
