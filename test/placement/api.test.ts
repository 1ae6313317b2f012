import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

let cloud: TestCloud;
let admin: string;
const call = (method: string, path: string, token: string, body?: unknown, version = '1.39') =>
  api(`${cloud.urls.placement}${path}`, { method, token, body, headers: { 'openstack-api-version': `placement ${version}` } });

before(async () => {
  cloud = await startTestCloud({ only: ['identity', 'placement', 'compute'], services: { compute: { hosts: [{ name: 'node-1', vcpus: 8, memoryMb: 16384, diskGb: 100 }] } } });
  admin = await cloud.adminToken();
});
after(async () => {
  await cloud.close();
});

test('version discovery and microversion negotiation', async () => {
  const root = await fetch(`${cloud.urls.placement}/`).then((r) => r.json());
  assert.equal(root.versions[0].min_version, '1.0');
  const r = await call('GET', '/resource_providers', admin, undefined, '1.14');
  assert.equal(r.headers.get('openstack-api-version'), 'placement 1.14');
  assert.equal((await call('GET', '/resource_providers', admin, undefined, '1.99')).status, 406);
  const denied = await call('GET', '/resource_providers', await cloud.demoToken());
  assert.equal(denied.status, 403);
  assert.equal(denied.body.errors[0].status, 403);
});

test('compute hosts are resource providers with inventories, and servers are allocations', async () => {
  const rps = await call('GET', '/resource_providers?name=node-1', admin);
  assert.equal(rps.body.resource_providers.length, 1);
  const rp = rps.body.resource_providers[0];
  const inv = await call('GET', `/resource_providers/${rp.uuid}/inventories`, admin);
  assert.equal(inv.body.inventories.VCPU.total, 8);
  assert.equal(inv.body.inventories.VCPU.allocation_ratio, 4);
  assert.equal(inv.body.inventories.MEMORY_MB.allocation_ratio, 1.5);
  const cands = await call('GET', '/allocation_candidates?resources=VCPU:2,MEMORY_MB:1024', admin);
  assert.equal(cands.body.allocation_requests.length, 1);
  assert.equal(cands.body.provider_summaries[rp.uuid].resources.VCPU.capacity, 32);
  assert.equal((await call('GET', '/allocation_candidates?resources=VCPU:64', admin)).body.allocation_requests.length, 0);
  assert.equal((await call('GET', '/allocation_candidates?resources=lots', admin)).status, 400);
});

test('providers, inventories with generations, allocations with capacity checks', async () => {
  const made = await call('POST', '/resource_providers', admin, { name: 'ext-1' });
  assert.equal(made.status, 200);
  const id = made.body.uuid;
  assert.equal((await call('POST', '/resource_providers', admin, { name: 'ext-1' })).status, 409);
  const put = await call('PUT', `/resource_providers/${id}/inventories`, admin, { resource_provider_generation: 0, inventories: { VCPU: { total: 4 } } });
  assert.equal(put.status, 200);
  assert.equal(put.body.resource_provider_generation, 1);
  const stale = await call('PUT', `/resource_providers/${id}/inventories`, admin, { resource_provider_generation: 0, inventories: { VCPU: { total: 8 } } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.errors[0].code, 'placement.concurrent_update');
  const consumer = '11111111-2222-3333-4444-555555555555';
  const alloc = { allocations: { [id]: { resources: { VCPU: 3 } } }, project_id: 'p', user_id: 'u' };
  assert.equal((await call('PUT', `/allocations/${consumer}`, admin, alloc)).status, 204);
  assert.equal((await call('PUT', `/allocations/22222222-2222-3333-4444-555555555555`, admin, alloc)).status, 409);
  assert.deepEqual((await call('GET', `/resource_providers/${id}/usages`, admin)).body.usages, { VCPU: 3 });
  assert.equal((await call('GET', `/allocations/${consumer}`, admin)).body.allocations[id].resources.VCPU, 3);
  assert.deepEqual((await call('GET', '/usages?project_id=p', admin)).body.usages, { VCPU: 3 });
  assert.equal((await call('DELETE', `/resource_providers/${id}`, admin)).status, 409);
  assert.equal((await call('DELETE', `/allocations/${consumer}`, admin)).status, 204);
  assert.equal((await call('DELETE', `/resource_providers/${id}`, admin)).status, 204);
  assert.equal((await call('GET', `/resource_providers/${id}`, admin)).status, 404);
  assert.equal((await call('PUT', `/allocations/${consumer}`, admin, { allocations: 'x' })).status, 400);
});
