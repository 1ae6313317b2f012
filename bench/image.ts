/**
 * `npm run bench:image`: upload (PUT /v2/images/{id}/file) and download (GET .../file) of a 1 GiB
 * image with curl, in rounds; each round measures, back to back on the same file and disk:
 *  - the plain copy reference: `dd bs=1M conv=fsync` for the upload (an upload is fsynced before
 *    the image becomes active) and `dd bs=1M` for the download (curl writes the download to a file);
 *  - `scs up` in its own process (ephemeral ports), encryption at rest on (the default);
 *  - upstream glance-api when one answers (see below), the same requests.
 * Ratios are taken within each round (the machine is shared: absolute figures move with the load
 * of others) and reported as median (min-max) over BENCH_RUNS rounds (default 3).
 *
 * Upstream Glance: used when BENCH_UPSTREAM_AUTH_URL (default http://127.0.0.1:5000/v3) accepts
 * admin / BENCH_UPSTREAM_PASSWORD (default `bench-admin-pw`, the upstream baseline scripts'
 * default) and its catalog has an image endpoint. With BENCH_UPSTREAM_SCRIPTS=<folder of the
 * baseline scripts> and no upstream answering, the bench starts keystone and glance-api with the
 * folder's setup-keystone.sh and setup-glance.sh and stops them afterwards.
 * BENCH_SIZE_MIB changes the size; BENCH_PLAIN=1 adds a server with encryption at rest off.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { DEFAULT_PORTS } from '../src/platform/config.js';
import { cpuMs, fmt, stopServer } from './lib.js';
import { SERVER_NODE_FLAGS } from '../src/cli/node-flags.js';

const run = promisify(execFile);
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const UPSTREAM_AUTH = process.env.BENCH_UPSTREAM_AUTH_URL ?? 'http://127.0.0.1:5000/v3';
const UPSTREAM_PASSWORD = process.env.BENCH_UPSTREAM_PASSWORD ?? 'bench-admin-pw';
const UPSTREAM_SCRIPTS = process.env.BENCH_UPSTREAM_SCRIPTS;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
/** `median (min-max)` of a series. */
const spread = (xs: number[], d = 1, unit = '') => {
  const s = sorted(xs);
  return `${fmt(median(xs), d)}${unit} (${fmt(s[0], d)}-${fmt(s[s.length - 1], d)})`;
};

function makeFile(path: string): void {
  const fd = openSync(path, 'w');
  const block = randomBytes(16 * 1024 * 1024);
  for (let i = 0; i < SIZE_MIB / 16; i++) {
    block.writeUInt32LE(i, 0); // blocks differ, so nothing along the way can deduplicate them
    writeSync(fd, block);
  }
  closeSync(fd);
}

async function seconds(cmd: string, args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run(cmd, args, { maxBuffer: 1 << 20 });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** curl's own timing of a transfer, seconds. */
async function curl(args: string[]): Promise<number> {
  const { stdout } = await run('curl', ['-sS', '-f', '-o', '/dev/null', '-w', '%{time_total}', ...args], { maxBuffer: 1 << 20 });
  return Number(stdout.trim());
}

/** A Glance v2 endpoint and a project-scoped admin token for it. */
interface GlanceApi {
  token: string;
  image: string;
}

async function login(authUrl: string, user: string, password: string): Promise<GlanceApi> {
  const res = await fetch(`${authUrl.replace(/\/$/, '')}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 201) throw new Error(`${authUrl}: token request answered ${res.status}`);
  const body = (await res.json()) as { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } };
  const eps = body.token.catalog.find((s) => s.type === 'image')?.endpoints ?? [];
  const ep = eps.find((e) => e.interface === 'public') ?? eps[0];
  if (!ep) throw new Error(`${authUrl}: no image endpoint in the catalog`);
  return { token: res.headers.get('x-subject-token')!, image: ep.url.replace(/\/$/, '') };
}

/** One create + upload + download + delete; MiB/s and server CPU ms of the upload and of the download. */
async function roundTrip(api: GlanceApi, pids: number[], file: string, out: string, name: string) {
  const h = ['-H', `X-Auth-Token: ${api.token}`];
  const res = await fetch(`${api.image}/v2/images`, {
    method: 'POST',
    headers: { 'x-auth-token': api.token, 'content-type': 'application/json' },
    body: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare', visibility: 'private' }),
  });
  if (res.status !== 201) throw new Error(`${api.image}: image create answered ${res.status}`);
  const id = ((await res.json()) as { id: string }).id;
  try {
    const c0 = cpuMs(pids);
    const up = SIZE_MIB / (await curl([...h, '-H', 'Content-Type: application/octet-stream', '-T', file, '-X', 'PUT', `${api.image}/v2/images/${id}/file`]));
    const c1 = cpuMs(pids);
    const down = SIZE_MIB / (await curl([...h, '-o', out, `${api.image}/v2/images/${id}/file`]));
    return { up, down, cpuUp: c1 - c0, cpuDown: cpuMs(pids) - c1 };
  } finally {
    rmSync(out, { force: true });
    await fetch(`${api.image}/v2/images/${id}`, { method: 'DELETE', headers: { 'x-auth-token': api.token } });
  }
}

/** `scs up` from the sources on ephemeral ports; resolves with its process and service URLs. */
async function startScs(dataDir: string, encrypt: boolean): Promise<{ proc: ChildProcess; api: GlanceApi }> {
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'scs.yaml'), stringify({ ports: Object.fromEntries(Object.keys(DEFAULT_PORTS).map((k) => [k, 0])) }));
  const proc = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', 'src/cli/main.ts', 'up', '--data', dataDir], {
    env: { ...process.env, SCS_LOG_LEVEL: 'warn', SCS_ENCRYPT_AT_REST: String(encrypt) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urls: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      for (const m of out.matchAll(/^(\w+)\s+(http:\/\/\S+)$/gm)) urls[m[1]] = m[2];
      if (out.includes('Cloud ready')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`scs up exited with ${code}`)));
  });
  const clouds = parseYaml(readFileSync(join(dataDir, 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: Record<string, string> }> };
  return { proc, api: await login(`${urls.identity}/v3`, 'admin', clouds.clouds['scs-admin'].auth.password) };
}

/** The glance-api processes (parent and workers), for their CPU time. */
function glancePids(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('glance-api')) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Waits (at most 60 s) until the processes use less than 10% of a core over a second. */
async function idle(pids: number[]): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const c0 = cpuMs(pids);
    await new Promise((r) => setTimeout(r, 1000));
    if (cpuMs(pids) - c0 < 100) return;
  }
}

/** Runs one of the baseline scripts; its output goes to stderr. */
async function script(name: string): Promise<void> {
  const p = spawn(join(UPSTREAM_SCRIPTS!, name), [], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((r) => p.once('exit', r));
  if (code !== 0) throw new Error(`${name} exited with ${code}`);
}

/** Upstream glance-api if one answers, or started by the baseline scripts; `stop` undoes a start. */
async function upstream(): Promise<{ api?: GlanceApi; note: string; stop: () => Promise<void> }> {
  const none = async () => undefined;
  try {
    return { api: await login(UPSTREAM_AUTH, 'admin', UPSTREAM_PASSWORD), note: `running at ${UPSTREAM_AUTH}`, stop: none };
  } catch (e) {
    if (!UPSTREAM_SCRIPTS) return { note: `not measured: ${(e as Error).message} (set BENCH_UPSTREAM_SCRIPTS to start it)`, stop: none };
  }
  process.stderr.write('starting upstream keystone and glance-api with the baseline scripts...\n');
  const stop = async () => {
    await script('stop-glance.sh').catch(() => undefined);
    await script('stop-keystone.sh').catch(() => undefined);
  };
  try {
    await script('setup-keystone.sh');
    await script('setup-glance.sh');
    return { api: await login(UPSTREAM_AUTH, 'admin', UPSTREAM_PASSWORD), note: 'started for this run by the baseline scripts', stop };
  } catch (e) {
    await stop();
    return { note: `not measured: could not start it (${(e as Error).message})`, stop: none };
  }
}

interface Series {
  up: number[];
  down: number[];
  cpuUp: number[];
  cpuDown: number[];
}
const series = (): Series => ({ up: [], down: [], cpuUp: [], cpuDown: [] });

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'scs-bench-image-'));
  const servers: ChildProcess[] = [];
  const glance = await upstream();
  try {
    const file = join(work, 'image.bin');
    const out = join(work, 'download.bin');
    process.stderr.write(`writing a ${SIZE_MIB} MiB test file...\n`);
    makeFile(file);
    const targets: Array<{ name: string; api: GlanceApi; pids: () => number[]; s: Series }> = [];
    for (const encrypt of process.env.BENCH_PLAIN === '1' ? [true, false] : [true]) {
      const dataDir = join(work, `data-${encrypt ? 'enc' : 'plain'}`);
      const { proc, api } = await startScs(dataDir, encrypt);
      servers.push(proc);
      targets.push({ name: encrypt ? 'scs, encrypted at rest (default)' : 'scs, encryption off', api, pids: () => [proc.pid!], s: series() });
    }
    if (glance.api) targets.push({ name: 'upstream glance-api (file store)', api: glance.api, pids: glancePids, s: series() });

    // A fresh cloud finishes its first-start work in the background: measure once it is idle.
    for (const t of targets) await idle(t.pids());
    const copy = series();
    for (let i = 0; i < RUNS; i++) {
      const dst = join(work, 'copy.bin');
      copy.up.push(SIZE_MIB / (await seconds('dd', [`if=${file}`, `of=${dst}`, 'bs=1M', 'conv=fsync', 'status=none'])));
      rmSync(dst);
      copy.down.push(SIZE_MIB / (await seconds('dd', [`if=${file}`, `of=${dst}`, 'bs=1M', 'status=none'])));
      rmSync(dst);
      const line = [`round ${i + 1}: copy ${fmt(copy.up[i])}/${fmt(copy.down[i])}`];
      for (const t of targets) {
        const r = await roundTrip(t.api, t.pids(), file, out, `bench-${i}`);
        t.s.up.push(r.up);
        t.s.down.push(r.down);
        // CPU seconds per GiB: steadier than MiB/s when other tenants load the machine.
        t.s.cpuUp.push(r.cpuUp / 1000 / (SIZE_MIB / 1024));
        t.s.cpuDown.push(r.cpuDown / 1000 / (SIZE_MIB / 1024));
        line.push(`${t.name} ${fmt(r.up)}/${fmt(r.down)}`);
      }
      process.stderr.write(`${line.join(', ')} MiB/s (up/down); load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}\n`);
    }

    const ratio = (a: number[], b: number[], k = 100) => a.map((x, i) => (k * x) / b[i]);
    const ref = glance.api ? targets[targets.length - 1].s : undefined;
    const vsUpstream = (xs: number[], ys?: number[]) => (ys && xs !== ys ? spread(ratio(xs, ys, 1), 2, 'x') : '');
    console.log(`# image bench: ${SIZE_MIB} MiB image, ${RUNS} rounds, curl client; median (min-max) over the rounds`);
    console.log(`upstream glance-api: ${glance.note}`);
    console.log('| | upload MiB/s | vs copy+fsync | vs upstream | download MiB/s (to a file) | vs copy | vs upstream | server CPU s/GiB up / down |');
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(`| plain copy (dd bs=1M conv=fsync / dd bs=1M) | ${spread(copy.up)} | | | ${spread(copy.down)} | | | |`);
    for (const { name, s } of targets) {
      console.log(
        `| ${name} | ${spread(s.up)} | ${spread(ratio(s.up, copy.up), 0, '%')} | ${vsUpstream(s.up, ref?.up)} | ${spread(s.down)} | ${spread(ratio(s.down, copy.down), 0, '%')} | ${vsUpstream(s.down, ref?.down)} | ${fmt(median(s.cpuUp), 2)} / ${fmt(median(s.cpuDown), 2)} |`,
      );
    }
  } finally {
    for (const s of servers) await stopServer(s);
    await glance.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
