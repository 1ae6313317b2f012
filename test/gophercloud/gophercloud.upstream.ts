import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { requireTool } from '../helpers/clients.js';
import { startTestCloud } from '../helpers/cloud.js';

const run = promisify(execFile);
const LISTS = join(import.meta.dirname, '../../scripts/gophercloud');
const SOURCE = '/usr/share/gocode/src/github.com/gophercloud/gophercloud';

/** scripts/gophercloud/pass-<package with dashes>.txt: the acceptance tests of that package that passed. */
function passLists(): Array<{ pkg: string; tests: string[] }> {
  return readdirSync(LISTS)
    .filter((f) => /^pass-.*\.txt$/.test(f))
    .map((f) => ({
      pkg: f.slice('pass-'.length, -'.txt'.length).replaceAll('-', '/'),
      tests: readFileSync(join(LISTS, f), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    }))
    .filter((l) => l.tests.length > 0);
}

// gophercloud's own acceptance tests (Debian's golang-github-gophercloud-gophercloud-dev) that
// passed when the lists were written: Go clients such as Terraform's provider are built on it.
test('gophercloud acceptance tests of scripts/gophercloud/pass-*.txt pass', async (t) => {
  if (!requireTool(t, '/usr/bin/go', 'golang-go')) return;
  if (!requireTool(t, SOURCE, 'golang-github-gophercloud-gophercloud-dev')) return;
  const cloud = await startTestCloud();
  try {
    for (const { pkg, tests } of passLists()) {
      await t.test(pkg, async () => {
        const out = await run('bash', [join(LISTS, 'run.sh'), cloud.cloudsYaml, pkg, '-run', `^(${tests.join('|')})$`], {
          env: { ...process.env, GOPHERCLOUD_WORKSPACE: join(cloud.dataDir, 'gophercloud') },
          maxBuffer: 256 * 1024 * 1024,
          timeout: 20 * 60_000,
        }).catch((err: { stdout?: string; stderr?: string }) => err);
        const stdout = out.stdout ?? '';
        const failed = stdout.split('\n').filter((l) => l.startsWith('--- FAIL'));
        const passed = stdout.split('\n').filter((l) => l.startsWith('--- PASS')).length;
        assert.deepEqual(failed, [], `${pkg} failures:\n${failed.join('\n')}\n${stdout.slice(-6000)}\n${(out.stderr ?? '').slice(-2000)}`);
        assert.equal(passed, tests.length, `${pkg}: ${passed} of ${tests.length} listed tests passed\n${stdout.slice(-4000)}\n${(out.stderr ?? '').slice(-2000)}`);
      });
    }
  } finally {
    await cloud.close();
  }
});
