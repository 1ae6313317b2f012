/**
 * `npm run bench:volume`: create a 10 GiB volume from a 1 GiB image (POST /v3/volumes with
 * imageRef until `available`) and back it up (POST /v3/backups until `available`), each against
 * a plain copy of the same 1 GiB on the same disk with the same durability, measured in the same
 * run next to it: GNU `cp` then `sync FILE` (the copy is on disk when it ends, as a volume or
 * backup is on disk when it becomes `available`), right before and right after each operation
 * (the mean of the two is its reference: what the disk does after a burst of writes depends on
 * the burst). `dd bs=1M conv=fsync` (a write() loop, as an import writes; cp uses
 * copy_file_range, at times much faster on this disk) and a page-cache copy (cp alone) are shown
 * for context. Throughput is the image's MiB per second of wall time; the volume is sparse, so
 * its 9 GiB tail costs nothing. The cloud runs in this process with its defaults (images
 * encrypted at rest, volume type __DEFAULT__); BENCH_TYPE=LUKS measures an encrypted volume,
 * BENCH_CLEAR_IMAGES=1 stores the image in clear text. Ratios are taken per run (reference and
 * operations back to back), reported as median and range over BENCH_RUNS (default 5).
 * BENCH_PROFILE=<dir> writes a CPU profile of each create and backup phase there.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { startCloud } from '../src/cloud.js';

const run = promisify(execFile);
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const VOLUME_GIB = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TYPE = process.env.BENCH_TYPE ?? '__DEFAULT__';
const CLEAR_IMAGES = process.env.BENCH_CLEAR_IMAGES === '1';
const PROFILE = process.env.BENCH_PROFILE;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
const spread = (xs: number[], unit: (n: number) => string) => `${unit(median(xs))} (${unit(sorted(xs)[0])}-${unit(sorted(xs)[xs.length - 1])})`;
const mib = (n: number) => `${n.toFixed(0)} MiB/s`;
const pct = (n: number) => `${(n * 100).toFixed(0)}%`;

function makeFile(path: string): void {
  const fd = openSync(path, 'w');
  const block = randomBytes(16 * 1024 * 1024);
  for (let i = 0; i < SIZE_MIB / 16; i++) {
    block.writeUInt32LE(i, 0);
    writeSync(fd, block);
  }
  fsyncSync(fd);
  closeSync(fd);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Runs `fn` under the CPU profiler when BENCH_PROFILE is set. */
async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!PROFILE) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(PROFILE, { recursive: true });
    writeFileSync(join(PROFILE, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'scs-bench-volume-'));
  const cloud = await startCloud({ dataDir: join(work, 'data'), allPorts: 0, logLevel: 'warn', only: ['identity', 'image', 'volume'], services: { image: { standardImages: false, encryptAtRest: !CLEAR_IMAGES } } });
  try {
    const file = join(work, 'image.bin');
    process.stderr.write(`writing a ${SIZE_MIB} MiB test file...\n`);
    makeFile(file);
    // Copies are kept until the end of a run: deleting 1 GiB (this disk may discard freed blocks) must not land inside a measurement.
    const copies: string[] = [];
    const copy = async (how: 'cp' | 'cp+fsync' | 'dd+fsync') => {
      const dst = join(work, `copy-${copies.length}.bin`);
      copies.push(dst);
      return SIZE_MIB / (await timed(async () => {
        if (how === 'dd+fsync') return run('dd', [`if=${file}`, `of=${dst}`, 'bs=1M', 'conv=fsync', 'status=none']);
        await run('cp', [file, dst]);
        if (how === 'cp+fsync') await run('sync', [dst]);
      }));
    };

    const clouds = parseYaml(readFileSync(join(work, 'data', 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: Record<string, string> }> };
    const a = clouds.clouds['scs-admin'].auth;
    const res = await fetch(`${cloud.urls.identity}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: a.username, domain: { id: 'default' }, password: a.password } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
    });
    const headers = { 'x-auth-token': res.headers.get('x-subject-token')!, 'content-type': 'application/json' };
    const call = async (method: string, url: string, body?: unknown) => {
      const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      if (r.status >= 400) throw new Error(`${method} ${url}: ${r.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const vol = `${cloud.urls.volume}/v3`;
    const until = async (kind: 'volumes' | 'backups', id: string, status: string) => {
      for (;;) {
        const row = (await call('GET', `${vol}/${kind}/${id}`))[kind.slice(0, -1)];
        if (row.status === status) return;
        if (row.status.startsWith('error')) throw new Error(`${kind} ${id} went to ${row.status}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    const image = await call('POST', `${cloud.urls.image}/v2/images`, { name: 'bench', disk_format: 'raw', container_format: 'bare' });
    const up = await fetch(`${cloud.urls.image}/v2/images/${image.id}/file`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: Readable.toWeb(createReadStream(file)) as ReadableStream, duplex: 'half' } as RequestInit);
    if (up.status !== 204) throw new Error(`image upload: ${up.status}`);
    await run('sync');

    // The image service's own read of the image (decrypting it), the ceiling of create-from-image.
    const auth = await cloud.clients.identity.validate(headers['x-auth-token']);
    const r = { cached: [] as number[], dd: [] as number[], durable: [] as number[], read: [] as number[], create: [] as number[], backup: [] as number[], createRatio: [] as number[], backupRatio: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      r.cached.push(await copy('cp'));
      r.dd.push(await copy('dd+fsync'));
      r.read.push(SIZE_MIB / (await timed(async () => {
        for await (const _chunk of await cloud.clients.image.openData(auth, image.id)) void _chunk;
      })));
      // Each operation's reference is the mean of the durable copies right before and right after it.
      const before = await copy('cp+fsync');
      let volumeId = '';
      const create = SIZE_MIB / (await timed(() => profiled(`create-${i}`, async () => {
        volumeId = (await call('POST', `${vol}/volumes`, { volume: { size: VOLUME_GIB, imageRef: image.id, volume_type: TYPE } })).volume.id;
        await until('volumes', volumeId, 'available');
      })));
      const middle = await copy('cp+fsync');
      let backupId = '';
      const backup = SIZE_MIB / (await timed(() => profiled(`backup-${i}`, async () => {
        backupId = (await call('POST', `${vol}/backups`, { backup: { volume_id: volumeId } })).backup.id;
        await until('backups', backupId, 'available');
      })));
      const after = await copy('cp+fsync');
      const [createRef, backupRef] = [(before + middle) / 2, (middle + after) / 2];
      r.durable.push(before, middle, after);
      r.create.push(create);
      r.backup.push(backup);
      r.createRatio.push(create / createRef);
      r.backupRatio.push(backup / backupRef);
      process.stderr.write(`run ${i + 1}: durable copies ${[before, middle, after].map(mib).join(', ')}; create ${mib(create)} (${pct(create / createRef)}), backup ${mib(backup)} (${pct(backup / backupRef)})\n`);
      await call('DELETE', `${vol}/backups/${backupId}`);
      await call('DELETE', `${vol}/volumes/${volumeId}`);
      await cloud.ctx.jobs.drain();
      for (const f of copies.splice(0)) rmSync(f);
      await run('sync');
    }

    console.log(`volume bench: ${VOLUME_GIB} GiB volume (type ${TYPE}) from a ${SIZE_MIB} MiB image (${CLEAR_IMAGES ? 'clear text' : 'encrypted at rest'}), ${RUNS} runs, median (min-max)`);
    console.log(`  reference: cp of the same ${SIZE_MIB} MiB file on the same disk, then fsync (sync FILE), right before and right after each operation (their mean)`);
    console.log(`  durable copy, cp + fsync        ${spread(r.durable, mib)}   the reference`);
    console.log(`  durable copy, dd bs=1M fsync    ${spread(r.dd, mib)}   context: a write() loop, as a volume import writes`);
    console.log(`  page-cache copy, cp alone       ${spread(r.cached, mib)}   context: no durability`);
    console.log(`  image service read alone        ${spread(r.read, mib)}   the ceiling of create from image`);
    console.log(`  create volume from image        ${spread(r.create, mib)}   ${spread(r.createRatio, pct)} of the durable copy`);
    console.log(`  back up the volume              ${spread(r.backup, mib)}   ${spread(r.backupRatio, pct)} of the durable copy`);
    console.log(`  goal: at least 70% of the durable copy for each`);
  } finally {
    await cloud.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
