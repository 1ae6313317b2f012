import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { requireTool } from '../helpers/clients.js';
import { startTestCloud } from '../helpers/cloud.js';

const run = promisify(execFile);
const LISTS = join(import.meta.dirname, '../../scripts/tempest');

/** One anchored regex per test id of the scripts/tempest/pass-*.txt lists (ids carry `[id-...]` tags). */
function includeRegexes(): string[] {
  const ids = readdirSync(LISTS)
    .filter((f) => /^pass-.*\.txt$/.test(f))
    .flatMap((f) => readFileSync(join(LISTS, f), 'utf8').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return ids.map((id) => `^${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\[|$)`);
}

// Upstream OpenStack's own API tests (Debian's tempest) that passed when the lists were written:
// a guard against regressions in wire compatibility, not a certificate of it.
test('tempest API tests of scripts/tempest/pass-*.txt pass', async (t) => {
  if (!requireTool(t, '/usr/bin/tempest', 'tempest')) return;
  const regexes = includeRegexes();
  if (regexes.length === 0) return t.skip('no tempest pass lists yet');
  // Octavia's plugin tests its advanced RBAC policy (RBAC_test_type = advanced in run.sh).
  const cloud = await startTestCloud({ services: { loadbalancer: { rbac: 'advanced' } } });
  try {
    const include = join(cloud.dataDir, 'tempest-include.txt');
    writeFileSync(include, regexes.join('\n') + '\n');
    const out = await run('bash', [join(LISTS, 'run.sh'), cloud.cloudsYaml, '--include-list', include, '--concurrency', '4'], {
      env: { ...process.env, TEMPEST_WORKSPACE: join(cloud.dataDir, 'tempest') },
      maxBuffer: 256 * 1024 * 1024,
      timeout: 45 * 60_000,
    }).catch((err: { stdout?: string; stderr?: string }) => err);
    const stdout = out.stdout ?? '';
    const failed = stdout.split('\n').filter((l) => / \.\.\. FAILED$/.test(l));
    const passed = Number(/ - Passed: (\d+)/.exec(stdout)?.[1] ?? 0);
    assert.deepEqual(failed, [], `tempest failures:\n${failed.join('\n')}\n${(out.stderr ?? '').slice(-4000)}`);
    assert.ok(passed >= regexes.length * 0.95, `only ${passed} of ${regexes.length} listed tempest tests passed (others skipped?)\n${stdout.slice(-4000)}`);
  } finally {
    await cloud.close();
  }
});
