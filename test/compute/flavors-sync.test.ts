import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { flavorsSyncCommand } from '../../src/services/compute/scs/command.js';
import { loadFlavorSpecs } from '../../src/services/compute/scs/flavors.js';
import { startComputeCloud, type ComputeCloud } from './helpers.js';

let c: ComputeCloud;
before(async () => {
  c = await startComputeCloud({ services: ['identity', 'placement', 'compute'] });
});
after(async () => {
  await c.cloud.close();
});

test('scs flavors sync: creates the recommended list, then leaves it unchanged, then corrects drift', async () => {
  const file = join(process.cwd(), 'config', 'scs-flavors-recommended.yaml');
  const first = await flavorsSyncCommand(file, { data: c.cloud.dataDir });
  assert.equal(first.length, loadFlavorSpecs(file).length);
  assert.ok(first.every((r) => r.action === 'created'));
  const again = await flavorsSyncCommand(file, { data: c.cloud.dataDir });
  assert.ok(again.every((r) => r.action === 'unchanged'));

  const id = first.find((r) => r.name === 'SCS-2V-4-10')!.id;
  await c.call('POST', `/flavors/${id}/os-extra_specs`, c.admin, { extra_specs: { 'scs:cpu-type': 'dedicated-core' } });
  const drift = await flavorsSyncCommand(file, { data: c.cloud.dataDir });
  assert.equal(drift.find((r) => r.name === 'SCS-2V-4-10')!.action, 'updated');
  const specs = await c.call('GET', `/flavors/${id}/os-extra_specs`, c.admin);
  assert.equal(specs.body.extra_specs['scs:cpu-type'], 'shared-core');

  const custom = join(c.cloud.dataDir, 'one.yaml');
  writeFileSync(custom, 'flavors:\n  - name: SCS-2V-4-10\n    vcpus: 2\n    ram: 4096\n    disk: 20\n    public: true\n    extra_specs: {}\n');
  const replaced = await flavorsSyncCommand(custom, { data: c.cloud.dataDir });
  assert.equal(replaced[0].action, 'replaced');
  assert.equal((await c.call('GET', `/flavors/${replaced[0].id}`, c.admin)).body.flavor.disk, 20);
  writeFileSync(custom, 'flavors:\n  - name: bad\n    vcpus: two\n');
  assert.throws(() => loadFlavorSpecs(custom), /'vcpus' must be a whole number/);
});
