/**
 * `npm run bench:volume`: create a 10 GiB volume from a 1 GiB image (POST /v3/volumes with
 * imageRef until `available`) and back it up (POST /v3/backups until `available`), against a
 * plain copy of the same 1 GiB file on the same disk in the same run (dd bs=1M). Throughput is
 * the image's MiB per second of wall time; the volume is sparse, so its 9 GiB tail costs nothing.
 * The cloud runs in this process with its defaults (images encrypted at rest, volume type
 * __DEFAULT__); BENCH_TYPE=LUKS measures an encrypted volume, BENCH_CLEAR_IMAGES=1 stores the image
 * in clear text. Median of BENCH_RUNS (default 3).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { startCloud } from '../src/cloud.js';

const run = promisify(execFile);
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const VOLUME_GIB = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TYPE = process.env.BENCH_TYPE ?? '__DEFAULT__';
const CLEAR_IMAGES = process.env.BENCH_CLEAR_IMAGES === '1';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => n.toFixed(0).padStart(6);

function makeFile(path: string): void {
  const fd = openSync(path, 'w');
  const block = randomBytes(16 * 1024 * 1024);
  for (let i = 0; i < SIZE_MIB / 16; i++) {
    block.writeUInt32LE(i, 0);
    writeSync(fd, block);
  }
  closeSync(fd);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'scs-bench-volume-'));
  const cloud = await startCloud({ dataDir: join(work, 'data'), allPorts: 0, logLevel: 'warn', only: ['identity', 'image', 'volume'], services: { image: { standardImages: false, encryptAtRest: !CLEAR_IMAGES } } });
  try {
    const file = join(work, 'image.bin');
    process.stderr.write(`writing a ${SIZE_MIB} MiB test file...\n`);
    makeFile(file);
    const copy: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const dst = join(work, 'copy.bin');
      copy.push(SIZE_MIB / (await timed(() => run('dd', [`if=${file}`, `of=${dst}`, 'bs=1M', 'status=none']))));
      rmSync(dst);
    }

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

    // The image service's own read of the image (decrypting it), the ceiling of create-from-image.
    const auth = await cloud.clients.identity.validate(headers['x-auth-token']);
    const read: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      read.push(SIZE_MIB / (await timed(async () => {
        for await (const _chunk of await cloud.clients.image.openData(auth, image.id)) void _chunk;
      })));
    }

    const create: number[] = [];
    const backup: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let volumeId = '';
      create.push(SIZE_MIB / (await timed(async () => {
        volumeId = (await call('POST', `${vol}/volumes`, { volume: { size: VOLUME_GIB, imageRef: image.id, volume_type: TYPE } })).volume.id;
        await until('volumes', volumeId, 'available');
      })));
      let backupId = '';
      backup.push(SIZE_MIB / (await timed(async () => {
        backupId = (await call('POST', `${vol}/backups`, { backup: { volume_id: volumeId } })).backup.id;
        await until('backups', backupId, 'available');
      })));
      await call('DELETE', `${vol}/backups/${backupId}`);
      await call('DELETE', `${vol}/volumes/${volumeId}`);
      await cloud.ctx.jobs.drain();
    }

    const ref = median(copy);
    console.log(`volume bench: ${VOLUME_GIB} GiB volume (type ${TYPE}) from a ${SIZE_MIB} MiB image (${CLEAR_IMAGES ? 'clear text' : 'encrypted at rest'}), median of ${RUNS}`);
    console.log(`  plain copy (dd bs=1M, same disk)   ${fmt(ref)} MiB/s   (reference)`);
    console.log(`  image service read alone           ${fmt(median(read))} MiB/s   ${((median(read) / ref) * 100).toFixed(0)}% of the copy (the source's ceiling)`);
    console.log(`  create volume from image           ${fmt(median(create))} MiB/s   ${((median(create) / ref) * 100).toFixed(0)}% of the copy, ${((median(create) / median(read)) * 100).toFixed(0)}% of the image read`);
    console.log(`  back up the volume                 ${fmt(median(backup))} MiB/s   ${((median(backup) / ref) * 100).toFixed(0)}% of the copy`);
    console.log(`  goal: at least 70% of the plain copy for each`);
  } finally {
    await cloud.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
