import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { requireTool } from '../helpers/clients.js';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';

const run = promisify(execFile);
const SCRIPTS = join(import.meta.dirname, '../../scripts/openstacksdk');
const FUNCTIONAL = '/usr/lib/python3/dist-packages/openstack/tests/functional';

/** scripts/openstacksdk/pass.txt: pytest ids (relative to openstack/tests/functional) that passed. */
const listed = (): string[] =>
  readFileSync(join(SCRIPTS, 'pass.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

/** One pytest run of `ids`: the ids that failed or errored, the ids that passed, the output's tail. */
async function runSdk(cloud: TestCloud, ids: string[]): Promise<{ failed: string[]; passed: string[]; tail: string }> {
  const out = await run('bash', [join(SCRIPTS, 'run.sh'), cloud.cloudsYaml, ...ids], {
    env: { ...process.env, SDK_WORKSPACE: join(cloud.dataDir, 'openstacksdk') },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 30 * 60_000,
  }).catch((err: { stdout?: string; stderr?: string }) => err);
  const stdout = out.stdout ?? '';
  // `-rA` summary lines: `PASSED <path>/openstack/tests/functional/network/v2/test_network.py::TestNetwork::test_get`,
  // `FAILED <id> - reason`, `ERROR <id> - reason`; ids are kept from `network/v2/...` on.
  const outcome = (word: string) =>
    [...stdout.matchAll(new RegExp(`^${word} \\S*?openstack/tests/functional/(\\S+)`, 'gm'))].map((m) => m[1]);
  return { failed: [...new Set([...outcome('FAILED'), ...outcome('ERROR')])], passed: outcome('PASSED'), tail: `${stdout.slice(-6000)}\n${(out.stderr ?? '').slice(-3000)}` };
}

// openstacksdk's own functional tests (Debian's python3-openstacksdk) that passed when the list was
// written: openstacksdk is what the `openstack` CLI and Ansible's modules are built on.
test('openstacksdk functional tests of scripts/openstacksdk/pass.txt pass', async (t) => {
  if (!requireTool(t, FUNCTIONAL, 'python3-openstacksdk')) return;
  if (!requireTool(t, '/usr/lib/python3/dist-packages/pytest', 'python3-pytest')) return;
  const ids = listed();
  const cloud = await startTestCloud();
  try {
    const first = await runSdk(cloud, ids);
    // As with tempest: a listed test that fails is run once more; a regression fails twice.
    const again = first.failed.length ? await runSdk(cloud, first.failed) : undefined;
    if (again) t.diagnostic(`passed when run again: ${first.failed.filter((id) => !again.failed.includes(id)).join(', ') || 'none'}`);
    const failed = again?.failed ?? [];
    assert.deepEqual(failed, [], `openstacksdk failures:\n${failed.join('\n')}\n${again?.tail ?? ''}`);
    const passed = new Set([...first.passed, ...(again?.passed ?? [])]);
    const missing = ids.filter((id) => !passed.has(id));
    t.diagnostic(`${passed.size} of ${ids.length} listed tests passed`);
    assert.deepEqual(missing, [], `listed tests that did not pass (skipped or not found):\n${missing.join('\n')}\n${first.tail}`);
  } finally {
    await cloud.close();
  }
});
