import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { createImage } from './helpers.js';

/**
 * Glance's policies have scope_types ['project'] (glance_tempest_plugin's persona tests): a
 * system-scoped admin may neither create nor list images, and any image is 404 to it.
 */
describe('image: project scope only', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  let system: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'image'], services: { image: { standardImages: false } } });
    base = cloud.urls.image;
    admin = await cloud.adminToken();
    const body = { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: cloud.passwords.admin } } }, scope: { system: { all: true } } } };
    const res = await fetch(`${cloud.urls.identity}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 201);
    system = res.headers.get('x-subject-token')!;
  });
  after(() => cloud.close());

  it('refuses a system-scoped admin: 403 to create and list, 404 for an image', async () => {
    const id = await createImage(base, admin, { visibility: 'public' });
    assert.equal((await api(`${base}/v2/images`, { method: 'POST', token: system, body: { name: 'x', disk_format: 'raw', container_format: 'bare' } })).status, 403);
    assert.equal((await api(`${base}/v2/images`, { token: system })).status, 403);
    assert.equal((await api(`${base}/v2/images/${id}`, { token: system })).status, 404);
    assert.equal((await api(`${base}/v2/images/${id}`, { method: 'DELETE', token: system })).status, 404);
    assert.equal((await api(`${base}/v2/images/${id}`, { token: admin })).status, 200, 'the project-scoped admin still acts cloud-wide');
  });
});
