/**
 * `npm run bench:s3`: the object store in its own process (SigV4 on every request, encryption at
 * rest on) against references measured in the same run on the same machine:
 *  - 4 KiB PUT and GET at concurrency 32 (ops/s, p50, p99, server CPU ms per op) beside a bare
 *    node:http server answering 4 KiB from memory and nginx serving a 4 KiB static file;
 *  - one 256 MiB object PUT and GET (MB/s) beside a plain file copy (with fsync, as we fsync)
 *    and nginx serving the same file;
 *  - ListObjectsV2 pages of 1000 keys over a bucket of 100,000 keys.
 * BENCH_SECONDS (default 5) sets each small-object phase; BENCH_LARGE_MIB (256) the large object;
 * BENCH_LARGE_RUNS (3) repeats it; BENCH_PHASES (small,large,list) picks phases; BENCH_PROFILE=<dir> writes the object store's CPU
 * profile (node --cpu-prof) there; BENCH_NODE_FLAGS adds Node flags to its process (e.g. --trace-gc).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, fsyncSync, closeSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sign, type S3Keys } from '../test/objectstore/helpers.js';
import { SERVER_NODE_FLAGS } from '../src/cli/node-flags.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LARGE_MIB = Number(process.env.BENCH_LARGE_MIB ?? 256);
const CONCURRENCY = 32;
const SMALL = 4096;
const LIST_KEYS = 100_000;
const PHASES = new Set((process.env.BENCH_PHASES ?? 'small,large,list').split(','));
const PROFILE = process.env.BENCH_PROFILE;
const LARGE_RUNS = Number(process.env.BENCH_LARGE_RUNS ?? 3);
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

interface Child {
  proc: ChildProcess;
  url: string;
  keys?: S3Keys;
  ask<T>(msg: unknown): Promise<T>;
}

function startChild(args: string[], profile?: string): Promise<Child> {
  const execArgv = [...SERVER_NODE_FLAGS, '--import', 'tsx', ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])];
  const proc = fork(join(import.meta.dirname, 's3-server.ts'), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (m: { url: string; keys?: S3Keys }) =>
      resolve({
        proc,
        url: m.url,
        keys: m.keys,
        ask: <T>(msg: unknown) =>
          new Promise<T>((r) => {
            proc.once('message', (x) => r(x as T));
            proc.send(msg as object);
          }),
      }),
    );
    proc.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

async function stopChild(c: Child): Promise<void> {
  const done = new Promise((r) => c.proc.once('exit', r));
  c.proc.send({ cmd: 'stop' });
  await done;
}

/** CPU milliseconds of processes from /proc (nginx, which has no IPC). */
function procCpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

function once(base: string, r: Req): Promise<{ status: number; bytes: number }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode!, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

interface Load {
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  cpuPerOp: number;
}

/** Closed loop at CONCURRENCY for SECONDS; `make(i)` builds request i. */
async function load(base: string, make: (i: number) => Req, cpu: () => Promise<number>): Promise<Load> {
  const lat: number[] = [];
  let errors = 0;
  let next = 0;
  const cpu0 = await cpu();
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const r = make(next++);
        const s = performance.now();
        const res = await once(base, r);
        lat.push(performance.now() - s);
        if (res.status >= 300) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = await cpu();
  return { ops: lat.length, opsPerSec: lat.length / elapsed, p50: pct(lat, 50), p99: pct(lat, 99), errors, cpuPerOp: (cpu1 - cpu0) / lat.length };
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function s3Req(base: string, keys: S3Keys, method: string, path: string, body?: Buffer, payloadHash?: string, query?: Record<string, string>): Req {
  const headers = sign(base, { method, path, keys, body, payloadHash, query });
  if (body) headers['content-length'] = String(body.length);
  const qs = query ? `?${new URLSearchParams(query).toString().replace(/\+/g, '%20')}` : '';
  return { method, path: path + qs, headers, body };
}

async function startNginx(dir: string): Promise<{ url: string; pids: () => number[]; stop(): Promise<void> }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  sendfile on;\n  client_body_temp_path ${dir}/tmp;\n  proxy_temp_path ${dir}/tmp;\n  fastcgi_temp_path ${dir}/tmp;\n  uwsgi_temp_path ${dir}/tmp;\n  scgi_temp_path ${dir}/tmp;\n  keepalive_requests 1000000;\n  server { listen 127.0.0.1:${port}; root ${dir}/www; }\n}\n`,
  );
  const proc = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (await once(url, { method: 'GET', path: '/small', headers: {} }).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const pids = () => {
    const children = (() => {
      try {
        return readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    })();
    return [proc.pid!, ...children];
  };
  return {
    url,
    pids,
    async stop() {
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGQUIT');
      await done;
    },
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

function streamPut(base: string, headers: Record<string, string>, path: string, file: string, size: number): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: 'PUT', path, headers: { ...headers, 'content-length': String(size) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(req);
  });
}

const mbs = (bytes: number, s: number) => bytes / 1e6 / s;
const median = (xs: number[]) => pct(xs, 50);
const spread = (xs: number[], d = 1) => `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}-${fmt(Math.max(...xs), d)})`;

interface Servers {
  dir: string;
  base: string;
  keys: S3Keys;
  ours: Child;
  oursCpu: () => Promise<number>;
  ref: Child;
  refCpu: () => Promise<number>;
  nginx: Awaited<ReturnType<typeof startNginx>>;
  nginxCpu: () => Promise<number>;
}

async function smallPhase(s: Servers): Promise<string[]> {
  const small = randomBytes(SMALL);
  writeFileSync(join(s.dir, 'www', 'small'), small);
  const smallHash = sha(small);
  const put = await load(s.base, (i) => s3Req(s.base, s.keys, 'PUT', `/bench/small-${i % 1000}`, small, smallHash), s.oursCpu);
  const written = Math.min(1000, put.ops);
  const get = await load(s.base, (i) => s3Req(s.base, s.keys, 'GET', `/bench/small-${i % written}`), s.oursCpu);
  const bare = await load(s.ref.url, () => ({ method: 'GET', path: '/', headers: {} }), s.refCpu);
  const ngx = await load(s.nginx.url, () => ({ method: 'GET', path: '/small', headers: {} }), s.nginxCpu);
  const row = (name: string, l: Load) => `| ${name} | ${fmt(l.opsPerSec, 0)} | ${fmt(l.p50, 2)} | ${fmt(l.p99, 2)} | ${fmt(l.cpuPerOp, 3)} | ${l.errors} |`;
  return [
    '| 4 KiB | ops/s | p50 ms | p99 ms | server CPU ms/op | errors |\n| --- | --- | --- | --- | --- | --- |',
    row('PUT (objectstore)', put),
    row('GET (objectstore)', get),
    row('GET bare node:http from memory', bare),
    row('GET nginx static file', ngx),
    `\n4 KiB GET: ${fmt((100 * get.opsPerSec) / bare.opsPerSec, 0)}% of bare node:http, ${fmt((100 * get.opsPerSec) / ngx.opsPerSec, 0)}% of nginx; PUT: ${fmt((100 * put.opsPerSec) / bare.opsPerSec, 0)}% of bare node:http`,
  ];
}

/** MD5 of a file on one core (the ETag every PUT computes), from the page cache. */
async function md5File(file: string): Promise<void> {
  const h = createHash('md5');
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  h.digest();
}

/** The large object, LARGE_RUNS times, each run interleaving ours and the references. */
async function largePhase(s: Servers): Promise<string[]> {
  const big = join(s.dir, 'www', 'large');
  const fd = openSync(big, 'w');
  const block = randomBytes(1 << 20);
  for (let i = 0; i < LARGE_MIB; i++) {
    block.writeUInt32LE(i, 0);
    writeSync(fd, block);
  }
  closeSync(fd);
  const size = LARGE_MIB << 20;
  const put: number[] = [];
  const copy: number[] = [];
  const md5: number[] = [];
  const fair: number[] = [];
  const get: number[] = [];
  const ngx: number[] = [];
  const putCpu: number[] = [];
  const getCpu: number[] = [];
  for (let run = 0; run < LARGE_RUNS; run++) {
    const putHeaders = sign(s.base, { method: 'PUT', path: '/bench/large', keys: s.keys, payloadHash: 'UNSIGNED-PAYLOAD' });
    let status = 0;
    let cpu0 = await s.oursCpu();
    const putSec = await timed(async () => (status = await streamPut(s.base, putHeaders, '/bench/large', big, size)));
    putCpu.push((await s.oursCpu()) - cpu0);
    if (status !== 200) throw new Error(`large PUT answered ${status}`);
    const copySec = await timed(async () => {
      await pipeline(createReadStream(big, { highWaterMark: 1 << 20 }), createWriteStream(join(s.dir, 'copy')));
      const f = openSync(join(s.dir, 'copy'), 'r');
      fsyncSync(f);
      closeSync(f);
    });
    rmSync(join(s.dir, 'copy'));
    const md5Sec = await timed(() => md5File(big));
    let got = 0;
    cpu0 = await s.oursCpu();
    const getSec = await timed(async () => (got = (await once(s.base, s3Req(s.base, s.keys, 'GET', '/bench/large'))).bytes));
    getCpu.push((await s.oursCpu()) - cpu0);
    if (got !== size) throw new Error(`large GET returned ${got} bytes`);
    const ngxSec = await timed(() => once(s.nginx.url, { method: 'GET', path: '/large', headers: {} }));
    put.push(mbs(size, putSec));
    copy.push(mbs(size, copySec));
    md5.push(mbs(size, md5Sec));
    fair.push((100 * Math.max(copySec, md5Sec)) / putSec);
    get.push(mbs(size, getSec));
    ngx.push(mbs(size, ngxSec));
  }
  const ratio = (a: number[], b: number[]) => a.map((x, i) => (100 * x) / b[i]);
  return [
    `| ${LARGE_MIB} MiB object, ${LARGE_RUNS} runs: median (min-max) | MB/s | reference MB/s | ratio % | server CPU ms |\n| --- | --- | --- | --- | --- |`,
    `| PUT (UNSIGNED-PAYLOAD) | ${spread(put)} | file copy + fsync ${spread(copy)} | ${spread(ratio(put, copy), 0)} | ${spread(putCpu, 0)} |`,
    `| PUT against min(copy, md5) | | md5 one core ${spread(md5)} | ${spread(fair, 0)} | |`,
    `| GET | ${spread(get)} | nginx ${spread(ngx)} | ${spread(ratio(get, ngx), 0)} | ${spread(getCpu, 0)} |`,
  ];
}

async function listPhase(s: Servers): Promise<string[]> {
  await once(s.base, s3Req(s.base, s.keys, 'PUT', '/listing'));
  await s.ours.ask({ cmd: 'seed', bucket: 'listing', count: LIST_KEYS });
  const pageMs: number[] = [];
  let token: string | undefined;
  let listed = 0;
  const u = new URL(s.base);
  do {
    const query: Record<string, string> = { 'list-type': '2', 'max-keys': '1000', ...(token ? { 'continuation-token': token } : {}) };
    const r = s3Req(s.base, s.keys, 'GET', '/listing', undefined, undefined, query);
    const t0 = performance.now();
    const text: string = await new Promise((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, method: 'GET', path: r.path, headers: r.headers, agent }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(Buffer.concat(parts).toString()));
      });
      req.on('error', reject);
      req.end();
    });
    pageMs.push(performance.now() - t0);
    listed += (text.match(/<Key>/g) ?? []).length;
    token = /<NextContinuationToken>([^<]+)</.exec(text)?.[1];
  } while (token);
  const delimT0 = performance.now();
  const delim = await once(s.base, s3Req(s.base, s.keys, 'GET', '/listing', undefined, undefined, { 'list-type': '2', delimiter: '/', 'max-keys': '1000' }));
  const delimMs = performance.now() - delimT0;
  return [
    `ListObjectsV2 over ${LIST_KEYS} keys: ${pageMs.length} pages, ${listed} keys, page p50 ${fmt(pct(pageMs, 50), 1)} ms, p99 ${fmt(pct(pageMs, 99), 1)} ms, total ${fmt(pageMs.reduce((a, b) => a + b, 0) / 1000, 2)} s; delimiter '/' page (100 prefixes): ${fmt(delimMs, 1)} ms (status ${delim.status})`,
  ];
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'scs-bench-s3-'));
  const ours = await startChild([], PROFILE);
  const ref = await startChild(['ref']);
  // nginx started by root serves as `nobody`: the folder must be readable.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'www'), { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'www', 'small'), '');
  const nginx = await startNginx(dir);
  const s: Servers = {
    dir,
    base: ours.url,
    keys: ours.keys!,
    ours,
    oursCpu: async () => (await ours.ask<{ cpu: number }>({ cmd: 'cpu' })).cpu,
    ref,
    refCpu: async () => (await ref.ask<{ cpu: number }>({ cmd: 'cpu' })).cpu,
    nginx,
    nginxCpu: async () => procCpuMs(nginx.pids()),
  };
  const out: string[] = [];
  const load0 = loadavg()[0];
  try {
    await once(s.base, s3Req(s.base, s.keys, 'PUT', '/bench'));
    if (PHASES.has('small')) out.push(...(await smallPhase(s)), '');
    if (PHASES.has('large')) out.push(...(await largePhase(s)), '');
    if (PHASES.has('list')) out.push(...(await listPhase(s)));
    // Ratios on a shared machine depend on its load more than on anything else: say what it was.
    console.log(`\nS3 benchmark (${SECONDS}s per phase, concurrency ${CONCURRENCY}, SigV4 + encryption at rest on; load average ${fmt(load0)} at start, ${fmt(loadavg()[0])} at end)\n`);
    console.log(out.join('\n'));
  } finally {
    agent.destroy();
    await nginx.stop();
    await stopChild(ours);
    await stopChild(ref);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
