/**
 * `npm run bench:s3`: the object store in its own process (SigV4 on every request, encryption at
 * rest on) against references measured in the same run on the same machine:
 *  - 4 KiB PUT and GET at concurrency 32 (ops/s, p50, p99, server CPU ms per op) beside a bare
 *    node:http server answering 4 KiB from memory and nginx serving a 4 KiB static file;
 *  - one 256 MiB object PUT and GET (MB/s) beside a plain file copy (with fsync, as we fsync)
 *    and nginx serving the same file;
 *  - ListObjectsV2 pages of 1000 keys over a bucket of 100,000 keys.
 * BENCH_SECONDS (default 5) sets each small-object phase; BENCH_LARGE_MIB (256) the large object.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, fsyncSync, closeSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sign, type S3Keys } from '../test/objectstore/helpers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LARGE_MIB = Number(process.env.BENCH_LARGE_MIB ?? 256);
const CONCURRENCY = 32;
const SMALL = 4096;
const LIST_KEYS = 100_000;
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

interface Child {
  proc: ChildProcess;
  url: string;
  keys?: S3Keys;
  ask<T>(msg: unknown): Promise<T>;
}

function startChild(args: string[]): Promise<Child> {
  const proc = fork(join(import.meta.dirname, 's3-server.ts'), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'scs-bench-s3-'));
  const ours = await startChild([]);
  const ref = await startChild(['ref']);
  const keys = ours.keys!;
  const base = ours.url;
  const oursCpu = async () => (await ours.ask<{ cpu: number }>({ cmd: 'cpu' })).cpu;
  const refCpu = async () => (await ref.ask<{ cpu: number }>({ cmd: 'cpu' })).cpu;
  // nginx started by root serves as `nobody`: the folder must be readable.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'www'), { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const small = randomBytes(SMALL);
  writeFileSync(join(dir, 'www', 'small'), small);
  const nginx = await startNginx(dir);
  const nginxCpu = async () => procCpuMs(nginx.pids());
  try {
    await once(base, s3Req(base, keys, 'PUT', '/bench'));
    const smallHash = sha(small);
    const put = await load(base, (i) => s3Req(base, keys, 'PUT', `/bench/small-${i % 1000}`, small, smallHash), oursCpu);
    const written = Math.min(1000, put.ops);
    const get = await load(base, (i) => s3Req(base, keys, 'GET', `/bench/small-${i % written}`), oursCpu);
    const bare = await load(ref.url, () => ({ method: 'GET', path: '/', headers: {} }), refCpu);
    const ngx = await load(nginx.url, () => ({ method: 'GET', path: '/small', headers: {} }), nginxCpu);

    // One large object, streamed from a file.
    const big = join(dir, 'www', 'large');
    const fd = openSync(big, 'w');
    const block = randomBytes(1 << 20);
    for (let i = 0; i < LARGE_MIB; i++) {
      block.writeUInt32LE(i, 0);
      writeSync(fd, block);
    }
    closeSync(fd);
    const size = LARGE_MIB << 20;
    const putHeaders = sign(base, { method: 'PUT', path: '/bench/large', keys, payloadHash: 'UNSIGNED-PAYLOAD' });
    let status = 0;
    const putSec = await timed(async () => (status = await streamPut(base, putHeaders, '/bench/large', big, size)));
    if (status !== 200) throw new Error(`large PUT answered ${status}`);
    const copySec = await timed(async () => {
      await pipeline(createReadStream(big, { highWaterMark: 1 << 20 }), createWriteStream(join(dir, 'copy')));
      const f = openSync(join(dir, 'copy'), 'r');
      fsyncSync(f);
      closeSync(f);
    });
    let got = 0;
    const getSec = await timed(async () => (got = (await once(base, s3Req(base, keys, 'GET', '/bench/large'))).bytes));
    if (got !== size) throw new Error(`large GET returned ${got} bytes`);
    const ngxSec = await timed(() => once(nginx.url, { method: 'GET', path: '/large', headers: {} }));
    const mbs = (s: number) => size / 1e6 / s;

    // Listing: 100 pages of 1000 keys.
    await once(base, s3Req(base, keys, 'PUT', '/listing'));
    await ours.ask({ cmd: 'seed', bucket: 'listing', count: LIST_KEYS });
    const pageMs: number[] = [];
    let token: string | undefined;
    let listed = 0;
    do {
      const query: Record<string, string> = { 'list-type': '2', 'max-keys': '1000', ...(token ? { 'continuation-token': token } : {}) };
      const r = s3Req(base, keys, 'GET', '/listing', undefined, undefined, query);
      const u = new URL(base);
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
    const delim = await once(base, s3Req(base, keys, 'GET', '/listing', undefined, undefined, { 'list-type': '2', delimiter: '/', 'max-keys': '1000' }));
    const delimMs = performance.now() - delimT0;

    const row = (name: string, l: Load) =>
      `| ${name} | ${fmt(l.opsPerSec, 0)} | ${fmt(l.p50, 2)} | ${fmt(l.p99, 2)} | ${fmt(l.cpuPerOp, 3)} | ${l.errors} |`;
    console.log(`\nS3 benchmark (${SECONDS}s per phase, concurrency ${CONCURRENCY}, SigV4 + encryption at rest on)\n`);
    console.log('| 4 KiB | ops/s | p50 ms | p99 ms | server CPU ms/op | errors |\n| --- | --- | --- | --- | --- | --- |');
    console.log(row('PUT (objectstore)', put));
    console.log(row('GET (objectstore)', get));
    console.log(row('GET bare node:http from memory', bare));
    console.log(row('GET nginx static file', ngx));
    console.log(`\n4 KiB GET: ${fmt((100 * get.opsPerSec) / bare.opsPerSec, 0)}% of bare node:http, ${fmt((100 * get.opsPerSec) / ngx.opsPerSec, 0)}% of nginx; PUT: ${fmt((100 * put.opsPerSec) / bare.opsPerSec, 0)}% of bare node:http`);
    console.log(`\n| ${LARGE_MIB} MiB object | MB/s | reference | ratio |\n| --- | --- | --- | --- |`);
    console.log(`| PUT (objectstore, UNSIGNED-PAYLOAD) | ${fmt(mbs(putSec))} | file copy + fsync ${fmt(mbs(copySec))} | ${fmt((100 * copySec) / putSec, 0)}% |`);
    console.log(`| GET (objectstore) | ${fmt(mbs(getSec))} | nginx ${fmt(mbs(ngxSec))} | ${fmt((100 * ngxSec) / getSec, 0)}% |`);
    console.log(`\nListObjectsV2 over ${LIST_KEYS} keys: ${pageMs.length} pages, ${listed} keys, page p50 ${fmt(pct(pageMs, 50), 1)} ms, p99 ${fmt(pct(pageMs, 99), 1)} ms, total ${fmt(pageMs.reduce((a, b) => a + b, 0) / 1000, 2)} s; delimiter '/' page (100 prefixes): ${fmt(delimMs, 1)} ms (status ${delim.status})`);
  } finally {
    agent.destroy();
    await nginx.stop();
    await stopChild(ours);
    await stopChild(ref);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
