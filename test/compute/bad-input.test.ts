import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startComputeCloud, type ComputeCloud } from './helpers.js';

let c: ComputeCloud;
let serverId: string;
before(async () => {
  c = await startComputeCloud({ services: ['identity', 'image', 'placement', 'compute'] });
  const r = await c.call('POST', '/servers', c.demo, { server: { name: 'target', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none' } }, '2.95');
  serverId = r.body.server.id;
  await c.waitFor(serverId, c.demo, 'ACTIVE');
});
after(async () => {
  await c.cloud.close();
});

const NAMES = ['badRequest', 'itemNotFound', 'forbidden', 'conflictingRequest', 'overLimit', 'badMediaType', 'computeFault', 'badMethod'];

test('every writing route answers malformed JSON, wrong types and unknown ids with a 4xx in Nova format', async () => {
  const ghost = '00000000-0000-0000-0000-00000000dead';
  const routes: Array<[string, string, string?]> = [
    ['POST', '/servers'],
    ['PUT', `/servers/${serverId}`],
    ['POST', `/servers/${serverId}/action`],
    ['POST', `/servers/${serverId}/metadata`],
    ['PUT', `/servers/${serverId}/metadata`],
    ['PUT', `/servers/${serverId}/metadata/k`],
    ['PUT', `/servers/${serverId}/tags`, '2.26'],
    ['POST', '/flavors', undefined],
    ['POST', `/flavors/${c.flavorId}/os-extra_specs`],
    ['POST', `/flavors/${c.flavorId}/action`],
    ['POST', '/os-keypairs'],
    ['POST', '/os-server-groups'],
    ['PUT', '/os-quota-sets/x'],
    ['POST', `/servers/${serverId}/os-volume_attachments`],
    ['POST', '/os-simulator/hosts/compute-1/faults'],
  ];
  for (const [method, path, version] of routes) {
    const token = path.startsWith('/flavors') || path.startsWith('/os-quota') || path.startsWith('/os-simulator') ? c.admin : c.demo;
    const headers = { 'x-auth-token': token, 'content-type': 'application/json', ...(version ? { 'openstack-api-version': `compute ${version}` } : {}) };
    for (const body of ['{"broken', '[]', '"text"', '{"x": 1}', JSON.stringify({ server: 5, flavor: [], keypair: 'k', server_group: null, quota_set: 3, metadata: 'm', meta: 1, tags: 'x', extra_specs: [], volumeAttachment: 1, faults: 2 })]) {
      const res = await fetch(`${c.cloud.urls.compute}/v2.1${path}`, { method, headers, body });
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path} ${body} -> ${res.status}`);
      const json = await res.json();
      const key = Object.keys(json)[0];
      assert.ok(NAMES.includes(key), `${method} ${path} ${body}: fault key ${key}`);
      assert.equal(json[key].code, res.status);
    }
  }
  for (const [method, path] of [
    ['GET', `/servers/${ghost}`],
    ['DELETE', `/servers/${ghost}`],
    ['POST', `/servers/${ghost}/action`],
    ['GET', `/flavors/${ghost}`],
    ['GET', '/os-keypairs/ghost'],
    ['GET', `/os-server-groups/${ghost}`],
    ['GET', `/servers/${ghost}/os-instance-actions`],
    ['GET', '/no-such-thing'],
  ]) {
    const res = await c.call(method, path, c.demo, method === 'POST' ? { 'os-stop': null } : undefined);
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.body.itemNotFound.code, 404);
  }
  const huge = await c.call('POST', '/servers', c.demo, { server: { name: 'x'.repeat(256), imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none' } }, '2.95');
  assert.equal(huge.status, 400);
  const tooMuchData = await c.call('POST', '/servers', c.demo, { server: { name: 'ud', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none', user_data: Buffer.alloc(70000).toString('base64') } }, '2.95');
  assert.equal(tooMuchData.status, 400);
});
