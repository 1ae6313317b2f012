import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startComputeCloud, type ComputeCloud } from './helpers.js';

// Regressions found by upstream tempest's compute API tests.
let c: ComputeCloud;
before(async () => {
  c = await startComputeCloud();
});
after(async () => {
  await c.cloud.close();
});

describe('request parsing as Nova', () => {
  test('flavor create takes the string booleans of parameter_types.boolean', async () => {
    const r = await c.call('POST', '/flavors', c.admin, { flavor: { name: 'strbool', ram: 64, vcpus: 1, disk: 1, 'os-flavor-access:is_public': 'False' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.flavor['os-flavor-access:is_public'], false);
    const bad = await c.call('POST', '/flavors', c.admin, { flavor: { name: 'badbool', ram: 64, vcpus: 1, disk: 1, 'os-flavor-access:is_public': 'maybe' } });
    assert.equal(bad.status, 400);
    await c.call('DELETE', `/flavors/${r.body.flavor.id}`, c.admin);
  });

  test('omitted networks (before 2.37) boot without ports when the project has no network', async () => {
    const r = await c.call('POST', '/servers', c.other, { server: { name: 'no-net', imageRef: c.imageId, flavorRef: c.flavorId } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const s = await c.waitFor(r.body.server.id, c.other, 'ACTIVE');
    assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
    assert.deepEqual(s.addresses, {});
    assert.equal((await c.call('DELETE', `/servers/${s.id}`, c.other)).status, 204);
  });
});
