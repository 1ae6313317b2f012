import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openstack, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

let cloud: TestCloud;
let admin: string;
const call = (method: string, path: string, body?: unknown, version = '1.39') =>
  api(`${cloud.urls.placement}${path}`, { method, token: admin, body, headers: { 'openstack-api-version': `placement ${version}` } });
const newProvider = async (name: string) => (await call('POST', '/resource_providers', { name })).body.uuid as string;

before(async () => {
  cloud = await startTestCloud({ only: ['identity', 'placement'] });
  admin = await cloud.adminToken();
});
after(async () => {
  await cloud.close();
});

test('traits: standard ones exist, custom ones are CUSTOM_, provider traits under the generation guard', async () => {
  const all = (await call('GET', '/traits')).body.traits as string[];
  assert.ok(all.includes('COMPUTE_NODE') && all.includes('HW_CPU_X86_AVX2'));
  assert.equal((await call('GET', '/traits', undefined, '1.5')).status, 404);
  assert.equal((await call('PUT', '/traits/CUSTOM_GOLD')).status, 201);
  assert.equal((await call('PUT', '/traits/CUSTOM_GOLD')).status, 204);
  assert.equal((await call('PUT', '/traits/GOLD')).status, 400);
  assert.equal((await call('GET', '/traits/CUSTOM_GOLD')).status, 204);
  assert.equal((await call('GET', '/traits/CUSTOM_NONE')).status, 404);
  assert.deepEqual((await call('GET', '/traits?name=startswith:CUSTOM_')).body.traits, ['CUSTOM_GOLD']);
  assert.deepEqual((await call('GET', '/traits?name=in:CUSTOM_GOLD,COMPUTE_NODE')).body.traits.sort(), ['COMPUTE_NODE', 'CUSTOM_GOLD']);
  assert.equal((await call('GET', '/traits?name=nope')).status, 400);

  const rp = await newProvider('traited');
  const set = await call('PUT', `/resource_providers/${rp}/traits`, { traits: ['CUSTOM_GOLD', 'COMPUTE_NODE'], resource_provider_generation: 0 });
  assert.deepEqual([set.status, set.body.traits, set.body.resource_provider_generation], [200, ['COMPUTE_NODE', 'CUSTOM_GOLD'], 1]);
  const stale = await call('PUT', `/resource_providers/${rp}/traits`, { traits: [], resource_provider_generation: 0 });
  assert.deepEqual([stale.status, stale.body.errors[0].code], [409, 'placement.concurrent_update']);
  assert.equal((await call('PUT', `/resource_providers/${rp}/traits`, { traits: ['CUSTOM_NONE'], resource_provider_generation: 1 })).status, 400);
  assert.equal((await call('PUT', `/resource_providers/${rp}/traits`, { traits: 'x', resource_provider_generation: 1 })).status, 400);
  assert.deepEqual((await call('GET', '/traits?associated=true')).body.traits.sort(), ['COMPUTE_NODE', 'CUSTOM_GOLD']);
  assert.deepEqual((await call('GET', `/resource_providers?required=CUSTOM_GOLD`)).body.resource_providers.map((p: any) => p.uuid), [rp]);
  assert.deepEqual((await call('GET', `/resource_providers?required=!CUSTOM_GOLD`)).body.resource_providers.map((p: any) => p.uuid), []);
  assert.equal((await call('DELETE', '/traits/CUSTOM_GOLD')).status, 409);
  assert.equal((await call('DELETE', '/traits/COMPUTE_NODE')).status, 400);
  assert.equal((await call('DELETE', `/resource_providers/${rp}/traits`)).status, 204);
  assert.deepEqual((await call('GET', `/resource_providers/${rp}/traits`)).body, { traits: [], resource_provider_generation: 2 });
  assert.equal((await call('DELETE', '/traits/CUSTOM_GOLD')).status, 204);
  assert.equal((await call('GET', '/resource_providers/00000000-0000-0000-0000-000000000000/traits')).status, 404);
});

test('aggregates: bare list before 1.19, with generation after; member_of filters providers', async () => {
  const rp = await newProvider('aggregated');
  const agg = 'a0000000-0000-0000-0000-000000000001';
  const old = await call('PUT', `/resource_providers/${rp}/aggregates`, [agg], '1.1');
  assert.deepEqual([old.status, old.body], [200, { aggregates: [agg] }]);
  const now = await call('GET', `/resource_providers/${rp}/aggregates`);
  assert.deepEqual(now.body, { aggregates: [agg], resource_provider_generation: 1 });
  assert.equal((await call('PUT', `/resource_providers/${rp}/aggregates`, { aggregates: [], resource_provider_generation: 0 })).status, 409);
  assert.equal((await call('PUT', `/resource_providers/${rp}/aggregates`, { aggregates: ['not-a-uuid'], resource_provider_generation: 1 })).status, 400);
  assert.deepEqual((await call('GET', `/resource_providers?member_of=in:${agg}`)).body.resource_providers.map((p: any) => p.uuid), [rp]);
  assert.equal((await call('GET', `/resource_providers?member_of=${agg}`, undefined, '1.2')).status, 400);
});

test('resource classes and inventories one class at a time', async () => {
  assert.ok((await call('GET', '/resource_classes')).body.resource_classes.some((c: any) => c.name === 'VCPU'));
  assert.equal((await call('POST', '/resource_classes', { name: 'CUSTOM_FPGA_X' })).status, 201);
  assert.equal((await call('POST', '/resource_classes', { name: 'CUSTOM_FPGA_X' })).status, 409);
  assert.equal((await call('POST', '/resource_classes', { name: 'FPGA_X' })).status, 400);
  assert.equal((await call('PUT', '/resource_classes/CUSTOM_LICENSE')).status, 201);
  assert.equal((await call('PUT', '/resource_classes/CUSTOM_LICENSE')).status, 204);
  assert.deepEqual((await call('GET', '/resource_classes/CUSTOM_LICENSE')).body.name, 'CUSTOM_LICENSE');
  assert.equal((await call('GET', '/resource_classes/CUSTOM_NONE')).status, 404);

  const rp = await newProvider('classes');
  const put = await call('PUT', `/resource_providers/${rp}/inventories/CUSTOM_LICENSE`, { total: 5, resource_provider_generation: 0 });
  assert.deepEqual([put.status, put.body.total, put.body.resource_provider_generation], [200, 5, 1]);
  assert.equal((await call('PUT', `/resource_providers/${rp}/inventories/CUSTOM_NONE`, { total: 5, resource_provider_generation: 1 })).status, 400);
  assert.equal((await call('PUT', `/resource_providers/${rp}/inventories`, { inventories: { CUSTOM_NONE: { total: 1 } }, resource_provider_generation: 1 })).status, 400);
  assert.equal((await call('PUT', `/resource_providers/${rp}/inventories/CUSTOM_LICENSE`, { total: 0, resource_provider_generation: 1 })).status, 400);
  const post = await call('POST', `/resource_providers/${rp}/inventories`, { resource_class: 'VCPU', total: 4, resource_provider_generation: 1 });
  assert.deepEqual([post.status, post.body.total], [201, 4]);
  assert.equal((await call('GET', `/resource_providers/${rp}/inventories/VCPU`)).body.total, 4);
  assert.equal((await call('DELETE', '/resource_classes/CUSTOM_LICENSE')).status, 409);
  const consumer = '11111111-2222-3333-4444-555555555556';
  assert.equal((await call('PUT', `/allocations/${consumer}`, { allocations: { [rp]: { resources: { CUSTOM_LICENSE: 2 } } }, project_id: 'p', user_id: 'u', consumer_generation: null })).status, 204);
  assert.equal((await call('DELETE', `/resource_providers/${rp}/inventories/CUSTOM_LICENSE`)).status, 409);
  assert.equal((await call('DELETE', `/allocations/${consumer}`)).status, 204);
  assert.equal((await call('DELETE', `/resource_providers/${rp}/inventories/CUSTOM_LICENSE`)).status, 204);
  assert.equal((await call('DELETE', `/resource_providers/${rp}/inventories/CUSTOM_LICENSE`)).status, 404);
  assert.equal((await call('DELETE', `/resource_providers/${rp}/inventories`)).status, 204);
  assert.deepEqual((await call('GET', `/resource_providers/${rp}/inventories`)).body.inventories, {});
  assert.equal((await call('DELETE', '/resource_classes/CUSTOM_LICENSE')).status, 204);
  assert.equal((await call('DELETE', '/resource_classes/VCPU')).status, 400);
});

test('openstack CLI with osc-placement: providers, traits, classes, inventories', async (t) => {
  if (!requirePythonModule(t, await pythonModuleAvailable('osc_placement'), 'osc_placement', 'python3-osc-placement')) return;
  const os = (args: string[]) => openstack(cloud.cloudsYaml, 'scs-admin', ['--os-placement-api-version', '1.39', ...args, '-f', 'json']);
  const rp = await os(['resource', 'provider', 'create', 'cli-rp']);
  assert.equal((await os(['resource', 'provider', 'show', rp.uuid])).name, 'cli-rp');
  assert.ok((await os(['resource', 'provider', 'list'])).some((p: any) => p.uuid === rp.uuid));
  await openstack(cloud.cloudsYaml, 'scs-admin', ['--os-placement-api-version', '1.39', 'trait', 'create', 'CUSTOM_CLI']);
  assert.ok((await os(['trait', 'list'])).some((x: any) => x.name === 'CUSTOM_CLI'));
  const traits = await os(['resource', 'provider', 'trait', 'set', '--trait', 'CUSTOM_CLI', '--trait', 'COMPUTE_NODE', rp.uuid]);
  assert.deepEqual(traits.map((x: any) => x.name).sort(), ['COMPUTE_NODE', 'CUSTOM_CLI']);
  await openstack(cloud.cloudsYaml, 'scs-admin', ['--os-placement-api-version', '1.39', 'resource', 'class', 'create', 'CUSTOM_CLI_RC']);
  assert.ok((await os(['resource', 'class', 'list'])).some((x: any) => x.name === 'CUSTOM_CLI_RC'));
  const inv = await os(['resource', 'provider', 'inventory', 'set', rp.uuid, '--resource', 'VCPU=8', '--resource', 'CUSTOM_CLI_RC=2']);
  assert.deepEqual(inv.map((x: any) => [x.resource_class, x.total]).sort(), [['CUSTOM_CLI_RC', 2], ['VCPU', 8]]);
  const generation = String((await os(['resource', 'provider', 'show', rp.uuid])).generation);
  const aggs = await os(['resource', 'provider', 'aggregate', 'set', '--aggregate', 'a0000000-0000-0000-0000-00000000000c', '--generation', generation, rp.uuid]);
  assert.deepEqual(aggs.map((x: any) => x.uuid), ['a0000000-0000-0000-0000-00000000000c']);
  await openstack(cloud.cloudsYaml, 'scs-admin', ['--os-placement-api-version', '1.39', 'resource', 'provider', 'delete', rp.uuid]);
});
