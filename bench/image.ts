/**
 * `npm run bench:image`: upload (PUT /v2/images/{id}/file) and download (GET .../file) of a
 * 1 GiB image with curl against `scs up` in its own process, side by side with a plain file copy
 * of the same file on the same disk in the same run (dd bs=1M, with conv=fsync for the upload
 * since an upload is fsynced before the image becomes active). Median of BENCH_RUNS (default 3).
 * BENCH_SIZE_MIB changes the size; BENCH_PLAIN=1 also measures with encryption at rest off.
 * Upstream glance-api is not driven from here (see docs/image.md for its baseline figures).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { cpuMs, fmt, stopServer, waitFor } from './lib.js';

const run = promisify(execFile);
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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

function startUp(dataDir: string, encrypt: boolean): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'up', '--data', dataDir], {
    env: { ...process.env, SCS_LOG_LEVEL: 'warn', SCS_ENCRYPT_AT_REST: String(encrypt) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function token(dataDir: string): Promise<{ token: string; image: string }> {
  const clouds = parseYaml(readFileSync(join(dataDir, 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: Record<string, string> }> };
  const a = clouds.clouds['scs-admin'].auth;
  const res = await fetch(`${a.auth_url}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: a.username, domain: { id: 'default' }, password: a.password } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  });
  const body = (await res.json()) as { token: { catalog: Array<{ type: string; endpoints: Array<{ url: string }> }> } };
  return { token: res.headers.get('x-subject-token')!, image: body.token.catalog.find((s) => s.type === 'image')!.endpoints[0].url };
}

async function measureServer(work: string, file: string, encrypt: boolean) {
  const dataDir = join(work, `data-${encrypt ? 'enc' : 'plain'}`);
  const server = startUp(dataDir, encrypt);
  try {
    await waitFor(async () => {
      try {
        statSync(join(dataDir, 'clouds.yaml'));
        await token(dataDir);
        return true;
      } catch {
        return false;
      }
    }, 120_000);
    const { token: t, image } = await token(dataDir);
    const h = ['-H', `X-Auth-Token: ${t}`];
    const up: number[] = [];
    const down: number[] = [];
    let cpu = 0;
    for (let i = 0; i < RUNS; i++) {
      const res = await fetch(`${image}/v2/images`, {
        method: 'POST',
        headers: { 'x-auth-token': t, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bench-${i}`, disk_format: 'raw', container_format: 'bare', visibility: 'private' }),
      });
      const id = ((await res.json()) as { id: string }).id;
      const c0 = cpuMs([server.pid!]);
      up.push(SIZE_MIB / (await curl([...h, '-H', 'Content-Type: application/octet-stream', '-T', file, '-X', 'PUT', `${image}/v2/images/${id}/file`])));
      const out = join(work, 'download.bin');
      down.push(SIZE_MIB / (await curl([...h, "-o", out, `${image}/v2/images/${id}/file`])));
      cpu += cpuMs([server.pid!]) - c0;
      rmSync(out, { force: true });
      await fetch(`${image}/v2/images/${id}`, { method: 'DELETE', headers: { 'x-auth-token': t } });
    }
    return { up: median(up), down: median(down), cpuSecPerGiB: cpu / 1000 / RUNS / (SIZE_MIB / 1024) / 2 };
  } finally {
    await stopServer(server);
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'scs-bench-image-'));
  try {
    const file = join(work, 'image.bin');
    process.stderr.write(`writing a ${SIZE_MIB} MiB test file...\n`);
    makeFile(file);
    const copySync: number[] = [];
    const copy: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const dst = join(work, 'copy.bin');
      copySync.push(SIZE_MIB / (await seconds('dd', [`if=${file}`, `of=${dst}`, 'bs=1M', 'conv=fsync', 'status=none'])));
      rmSync(dst);
      copy.push(SIZE_MIB / (await seconds('dd', [`if=${file}`, `of=${dst}`, 'bs=1M', 'status=none'])));
      rmSync(dst);
    }
    const ref = { sync: median(copySync), plain: median(copy) };
    const rows: Array<[string, Awaited<ReturnType<typeof measureServer>>]> = [['encrypted at rest (default)', await measureServer(work, file, true)]];
    if (process.env.BENCH_PLAIN === '1') rows.push(['encryption off', await measureServer(work, file, false)]);

    console.log(`# image bench: ${SIZE_MIB} MiB, median of ${RUNS} runs, curl client, server in its own process`);
    console.log(`plain copy on the same disk: dd bs=1M conv=fsync ${fmt(ref.sync)} MiB/s, dd bs=1M ${fmt(ref.plain)} MiB/s`);
    console.log('| server | upload MiB/s | vs copy+fsync | download MiB/s (to a file) | vs copy | server CPU s per GiB moved |');
    console.log('|---|---|---|---|---|---|');
    for (const [name, r] of rows) {
      console.log(`| ${name} | ${fmt(r.up)} | ${fmt((100 * r.up) / ref.sync, 0)}% | ${fmt(r.down)} | ${fmt((100 * r.down) / ref.plain, 0)}% | ${fmt(r.cpuSecPerGiB, 2)} |`);
    }
    console.log('upstream glance-api: not driven by this script (not installed here); its 64 MiB baseline is quoted in docs/image.md.');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
