import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { requireTool } from '../helpers/clients.js';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';

const run = promisify(execFile);
const LISTS = join(import.meta.dirname, '../../scripts/tempest');

/** One anchored regex per test id of the scripts/tempest/pass-*.txt lists (ids carry `[id-...]` tags). */
function includeRegexes(): string[] {
  const ids = readdirSync(LISTS)
    .filter((f) => /^pass-.*\.txt$/.test(f))
    .flatMap((f) => readFileSync(join(LISTS, f), 'utf8').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return ids.map((id) => `^${escapeRegex(id)}(\\[|$)`);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One `tempest run` of the tests matching `regexes`: the ids that failed, how many passed, the output's tail. */
async function runTempest(cloud: TestCloud, listName: string, regexes: string[]): Promise<{ failed: string[]; passed: number; tail: string }> {
  const include = join(cloud.dataDir, listName);
  writeFileSync(include, regexes.join('\n') + '\n');
  const out = await run('bash', [join(LISTS, 'run.sh'), cloud.cloudsYaml, '--include-list', include, '--concurrency', '6'], {
    env: { ...process.env, TEMPEST_WORKSPACE: join(cloud.dataDir, 'tempest') },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 45 * 60_000,
  }).catch((err: { stdout?: string; stderr?: string }) => err);
  const stdout = out.stdout ?? '';
  // `{1} tempest.api....Class.test_x[id-...,smoke] [1.1s] ... FAILED`: the id without attributes;
  // `{0} setUpClass (tempest.api....Class) ... FAILED`: the class.
  const failed = stdout
    .split('\n')
    .filter((l) => / \.\.\. FAILED$/.test(l))
    .map((l) => l.replace(/^\{\d+\} /, ''))
    .map((l) => /^\w+Class \(([^)]+)\)/.exec(l)?.[1] ?? l.replace(/[[ ].*$/, ''));
  const passed = Number(/ - Passed: (\d+)/.exec(stdout)?.[1] ?? 0);
  return { failed, passed, tail: `${stdout.slice(-4000)}\n${(out.stderr ?? '').slice(-4000)}` };
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
    const first = await runTempest(cloud, 'tempest-include.txt', regexes);
    // A listed test that fails is run once more on its own: the suite's waits (builds, status
    // polls) have fixed timeouts that a loaded 2-core machine can overrun. A regression fails twice.
    const again = first.failed.length ? await runTempest(cloud, 'tempest-retry.txt', first.failed.map((id) => `^${escapeRegex(id)}(\\[|\\.|$)`)) : undefined;
    if (again) t.diagnostic(`passed when run again: ${first.failed.filter((id) => !again.failed.includes(id)).join(', ') || 'none'}`);
    const failed = again?.failed ?? [];
    assert.deepEqual(failed, [], `tempest failures:\n${failed.join('\n')}\n${again?.tail ?? ''}`);
    const passed = first.passed + (again?.passed ?? 0);
    assert.ok(passed >= regexes.length * 0.95, `only ${passed} of ${regexes.length} listed tempest tests passed (others skipped?)\n${first.tail}`);
  } finally {
    await cloud.close();
  }
});
