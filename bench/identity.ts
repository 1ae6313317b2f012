/**
 * `npm run bench:identity`: password token issue, token validation and project listing at
 * concurrency 1, 8 and 32, with req/s, p50, p99 and server CPU ms per request; cold start to the
 * first token and idle RSS. When upstream Keystone runs on 127.0.0.1:5000 (set up by the shared
 * upstream bench scripts), the same measurements run against it in the same run and the ratios
 * are printed. Durations: BENCH_SECONDS (default 10).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { DEFAULT_PORTS } from '../src/platform/config.js';
import { fmt, haveHey, hey, rssMiB, startServer, stopServer, waitFor, type LoadResult } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = [1, 8, 32];

interface Target {
  name: string;
  url: string;
  user: string;
  password: string;
  pids: () => number[];
}

async function token(t: Target, body: string): Promise<string> {
  const res = await fetch(`${t.url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (res.status !== 201) throw new Error(`${t.name}: token issue failed with ${res.status}`);
  return res.headers.get('x-subject-token')!;
}

function authBody(user: string, password: string): string {
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  });
}

async function measure(t: Target, dir: string): Promise<Record<string, LoadResult>> {
  const body = authBody(t.user, t.password);
  const bodyFile = join(dir, `${t.name}-auth.json`);
  writeFileSync(bodyFile, body);
  const adminToken = await token(t, body);
  const subjectToken = await token(t, body);
  const issue = ['-m', 'POST', '-T', 'application/json', '-D', bodyFile, `${t.url}/v3/auth/tokens`];
  const validate = ['-H', `X-Auth-Token: ${adminToken}`, '-H', `X-Subject-Token: ${subjectToken}`, `${t.url}/v3/auth/tokens`];
  const list = ['-H', `X-Auth-Token: ${adminToken}`, `${t.url}/v3/projects`];
  const out: Record<string, LoadResult> = {};
  for (const [name, args] of [
    ['token issue', issue],
    ['token validate', validate],
    ['project list', list],
  ] as const) {
    await hey([...args], 8, 2, t.pids); // warm-up
    for (const c of CONCURRENCY) {
      out[`${name} c${c}`] = await hey([...args], c, SECONDS, t.pids);
      process.stderr.write(`${t.name} ${name} c${c}: ${fmt(out[`${name} c${c}`].rps)} req/s\n`);
    }
  }
  return out;
}

function pidsOfTree(root: number): number[] {
  try {
    const kids = execFileSync('pgrep', ['-P', String(root)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
    return [root, ...kids];
  } catch {
    return [root];
  }
}

function upstreamTarget(): Target | undefined {
  const pidfile = '/run/keystone-bench/uwsgi.pid';
  if (!existsSync(pidfile)) return undefined;
  const extra = ['/run/mysqld/mysqld.pid', '/run/keystone-bench/memcached.pid'].filter(existsSync).map((f) => Number(readFileSync(f, 'utf8')));
  return {
    name: 'keystone',
    url: 'http://127.0.0.1:5000',
    user: 'admin',
    password: process.env.UPSTREAM_ADMIN_PW ?? 'bench-admin-pw',
    pids: () => [...pidsOfTree(Number(readFileSync(pidfile, 'utf8'))), ...extra],
  };
}

async function main(): Promise<void> {
  if (!haveHey()) throw new Error('hey is missing: apt-get install hey');
  const dir = mkdtempSync(join(tmpdir(), 'scs-bench-identity-'));
  const ports = Object.fromEntries(Object.entries(DEFAULT_PORTS).map(([k, v]) => [k, v + 10000]));
  writeFileSync(join(dir, 'scs.yaml'), stringify({ ports }));
  const url = `http://127.0.0.1:${ports.identity}`;
  // clouds.yaml is written once bootstrap is done, after the listeners are up.
  const probe = async () => existsSync(join(dir, 'clouds.yaml')) && (await fetch(`${url}/v3`)).ok;

  // First start (bootstrap), then cold starts on the existing data folder.
  let server = startServer(dir);
  await waitFor(probe);
  const clouds = parseYaml(readFileSync(join(dir, 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: { password: string } }> };
  const password = clouds.clouds['scs-admin'].auth.password;
  const ours: Target = { name: 'scs-ts', url, user: 'admin', password, pids: () => [server.pid!] };
  await stopServer(server);
  const colds: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = Date.now();
    server = startServer(dir);
    await waitFor(async () => {
      const r = await fetch(`${url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: authBody('admin', password) });
      return r.status === 201;
    });
    colds.push(Date.now() - start);
    if (i < 2) await stopServer(server);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const idleRss = rssMiB([server.pid!]);

  const results: Record<string, Record<string, LoadResult>> = { ours: await measure(ours, dir) };
  const afterRss = rssMiB([server.pid!]);
  await stopServer(server);
  const upstream = upstreamTarget();
  if (upstream) results.upstream = await measure(upstream, dir);
  rmSync(dir, { recursive: true, force: true });

  console.log(`\n# identity benchmark (${SECONDS} s per row, hey closed loop)\n`);
  console.log('| test | scs-ts req/s | p50 ms | p99 ms | CPU ms/req | keystone req/s | p50 ms | p99 ms | CPU ms/req | req/s ratio | CPU ratio |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [key, o] of Object.entries(results.ours)) {
    const u = results.upstream?.[key];
    console.log(
      `| ${key} | ${fmt(o.rps)} | ${fmt(o.p50)} | ${fmt(o.p99)} | ${fmt(o.cpuMsPerReq, 2)} | ${u ? fmt(u.rps) : '-'} | ${u ? fmt(u.p50) : '-'} | ${u ? fmt(u.p99) : '-'} | ${u ? fmt(u.cpuMsPerReq, 2) : '-'} | ${u ? fmt(o.rps / u.rps) + 'x' : '-'} | ${u ? fmt(u.cpuMsPerReq / o.cpuMsPerReq) + 'x less' : '-'} |`,
    );
  }
  console.log(`\ncold start to first token (existing data folder): ${colds.map((c) => `${c} ms`).join(', ')}`);
  console.log(`RSS: idle ${fmt(idleRss)} MiB, after load ${fmt(afterRss)} MiB`);
  if (!upstream) console.log('upstream Keystone not running: set it up with the shared upstream bench scripts (setup-keystone.sh) to get ratios in the same run.');
  const errors = Object.values(results).flatMap((r) => Object.values(r)).reduce((n, r) => n + r.errors, 0);
  if (errors) console.log(`WARNING: ${errors} failed requests`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
