/**
 * `npm run bench:compute`: 1000 servers created concurrently on the simulated driver with zero
 * delay until all are ACTIVE (servers/s, p50/p99 create latency), then `server list --long` over
 * 10,000 servers (GET /servers/detail, pages of 1000). Reference in the same run: the same number
 * of concurrent trivial authenticated reads (GET /flavors/{id}), so the ratios say what a create
 * costs over the bare API path. Counts: BENCH_SERVERS (default 1000), BENCH_LIST (default 10000).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { cpuMs, fmt, startServer, stopServer } from './lib.js';

const SERVERS = Number(process.env.BENCH_SERVERS ?? 1000);
const LIST = Number(process.env.BENCH_LIST ?? 10000);
const V = { 'openstack-api-version': 'compute 2.95' };

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

async function timed(n: number, one: (i: number) => Promise<void>): Promise<{ seconds: number; lat: number[] }> {
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = performance.now();
      await one(i);
      lat.push(performance.now() - s);
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, lat };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'scs-bench-compute-'));
  const hosts = Array.from({ length: 4 }, (_, i) => ({ name: `bench-${i + 1}`, vcpus: 4096, memoryMb: 4 * 1024 * 1024, diskGb: 100000 }));
  writeFileSync(
    join(dataDir, 'scs.yaml'),
    stringify({
      ports: Object.fromEntries(['identity', 'compute', 'placement', 'image', 'network', 'volume', 'objectstore', 'loadbalancer', 'keymanager'].map((k) => [k, 0])),
      services: { compute: { hosts, buildDelayMs: 0, actionDelayMs: 0, restartDelayMs: 0, quotas: { instances: -1, cores: -1, ram: -1 } }, image: { standardImages: '' } },
    }),
  );
  const server = startServer(dataDir);
  const urls: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      for (const m of out.matchAll(/^(\w+)\s+(http:\/\/\S+)$/gm)) urls[m[1]] = m[2];
      if (out.includes('Cloud ready')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  try {
    const clouds = parseYaml(readFileSync(join(dataDir, 'clouds.yaml'), 'utf8')).clouds;
    const login = await fetch(`${urls.identity}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: clouds['scs-admin'].auth.password } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
    });
    const token = login.headers.get('x-subject-token')!;
    const h = { 'x-auth-token': token, 'content-type': 'application/json', ...V };
    const img = await (await fetch(`${urls.image}/v2/images`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'bench', disk_format: 'raw', container_format: 'bare', visibility: 'public' }) })).json();
    await fetch(`${urls.image}/v2/images/${img.id}/file`, { method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' }, body: 'bench image' });
    await fetch(`${urls.compute}/v2.1/flavors`, { method: 'POST', headers: h, body: JSON.stringify({ flavor: { name: 'bench', id: 'bench', vcpus: 1, ram: 64, disk: 1 } }) });
    const pids = () => [server.pid!];

    const refCpu = cpuMs(pids());
    const ref = await timed(SERVERS, async () => {
      const r = await fetch(`${urls.compute}/v2.1/flavors/bench`, { headers: h });
      await r.arrayBuffer();
    });
    const refCpuPer = (cpuMs(pids()) - refCpu) / SERVERS;

    const cpu0 = cpuMs(pids());
    const t0 = performance.now();
    const create = await timed(SERVERS, async (i) => {
      const r = await fetch(`${urls.compute}/v2.1/servers`, { method: 'POST', headers: h, body: JSON.stringify({ server: { name: `b-${i}`, imageRef: img.id, flavorRef: 'bench', networks: 'none' } }) });
      if (r.status !== 202) throw new Error(`create ${i}: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    });
    let active = 0;
    while (active < SERVERS) {
      const r = await (await fetch(`${urls.compute}/v2.1/servers?status=ACTIVE&limit=1000&all_tenants=1`, { headers: h })).json();
      active = r.servers.length;
      const errors = (await (await fetch(`${urls.compute}/v2.1/servers?status=ERROR&all_tenants=1`, { headers: h })).json()).servers.length;
      if (errors) throw new Error(`${errors} servers went to ERROR`);
      if (active < SERVERS) await new Promise((r2) => setTimeout(r2, 50));
    }
    const allActive = (performance.now() - t0) / 1000;
    const createCpuPer = (cpuMs(pids()) - cpu0) / SERVERS;

    // Fill up to LIST servers with copies of one row (the list path is what is measured).
    const db = new Database(join(dataDir, 'scs.db'));
    db.pragma('busy_timeout = 10000');
    const row = db.prepare('select * from compute_servers limit 1').get() as Record<string, unknown>;
    const cols = Object.keys(row);
    const insert = db.prepare(`insert into compute_servers (${cols.join(',')}) values (${cols.map(() => '?').join(',')})`);
    db.transaction(() => {
      for (let i = SERVERS; i < LIST; i++) insert.run(...cols.map((k) => (k === 'id' ? crypto.randomUUID() : k === 'name' ? `b-${i}` : k === 'created_at' || k === 'updated_at' ? new Date(Date.now() - i).toISOString() : row[k])));
    })();
    db.close();
    const pages: number[] = [];
    let listed = 0;
    let next: string | undefined = `${urls.compute}/v2.1/servers/detail?limit=1000&all_tenants=1`;
    const l0 = performance.now();
    while (next) {
      const s = performance.now();
      const body = (await (await fetch(next, { headers: h })).json()) as { servers: unknown[]; servers_links?: Array<{ href: string }> };
      pages.push(performance.now() - s);
      listed += body.servers.length;
      next = body.servers_links?.[0]?.href;
    }
    const listSeconds = (performance.now() - l0) / 1000;

    console.log(`compute benchmark (simulated driver, zero delay, ${SERVERS} servers, server in its own process)`);
    console.log(`reference: ${SERVERS} concurrent GET /flavors/{id}: ${fmt(SERVERS / ref.seconds, 0)} req/s, p99 ${fmt(pct(ref.lat, 99), 0)} ms, ${fmt(refCpuPer, 2)} CPU ms/req`);
    console.log(`create: ${SERVERS} concurrent POST /servers: p50 ${fmt(pct(create.lat, 50), 0)} ms, p99 ${fmt(pct(create.lat, 99), 0)} ms (${fmt(pct(create.lat, 99) / pct(ref.lat, 99), 1)}x the reference p99)`);
    console.log(`all ACTIVE after ${fmt(allActive, 2)} s: ${fmt(SERVERS / allActive, 0)} servers/s, ${fmt(createCpuPer, 2)} CPU ms per server (${fmt(createCpuPer / refCpuPer, 1)}x a trivial read); goal: ${SERVERS} in under 10 s -> ${allActive < 10 ? 'met' : 'NOT met'}`);
    console.log(`list: ${listed} servers via GET /servers/detail?limit=1000 in ${pages.length} pages: ${fmt(listSeconds, 2)} s total, page p50 ${fmt(pct(pages, 50), 0)} ms, max ${fmt(Math.max(...pages), 0)} ms`);
  } finally {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
