/**
 * `npm run bench:network`: 1000 ports created concurrently on one /22 subnet, reporting ports/s,
 * p50/p99 latency and a check that no address was handed out twice. The reference, measured in
 * the same run, is the same burst with every address given by the client (no IPAM search), so
 * the ratio shows what automatic allocation costs. With BENCH_DATABASE=postgres://... the burst
 * repeats against two server processes sharing one fresh PostgreSQL database, requests split
 * between them. Burst size: BENCH_PORTS (default 1000, at most 1021 for a /22).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse as parseYaml, stringify } from 'yaml';
import { DEFAULT_PORTS } from '../src/platform/config.js';
import { fmt, startServer, stopServer, waitFor } from './lib.js';

const COUNT = Math.min(Number(process.env.BENCH_PORTS ?? 1000), 1021);

interface Burst {
  label: string;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  failures: number;
  duplicates: number;
}

async function call(url: string, token: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function login(identity: string, password: string): Promise<string> {
  const res = await fetch(`${identity}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
  });
  if (res.status !== 201) throw new Error(`login failed: ${res.status}`);
  return res.headers.get('x-subject-token')!;
}

/** A fresh network with one /22 subnet (1021 addresses in its pool). */
async function subnet(network: string, token: string, cidr: string): Promise<string> {
  const net = await call(`${network}/v2.0/networks`, token, 'POST', { network: { name: `bench-${cidr}` } });
  const sub = await call(`${network}/v2.0/subnets`, token, 'POST', { subnet: { network_id: net.body.network.id, ip_version: 4, cidr } });
  if (sub.status !== 201) throw new Error(`subnet create failed: ${JSON.stringify(sub.body)}`);
  return net.body.network.id;
}

/** Fires all creates at once (spread over the given endpoints) and checks the addresses. */
async function burst(label: string, endpoints: string[], token: string, netId: string, fixedIp?: (i: number) => string): Promise<Burst> {
  const latencies: number[] = [];
  const start = performance.now();
  const results = await Promise.all(
    Array.from({ length: COUNT }, async (_, i) => {
      const t0 = performance.now();
      const body = { port: { network_id: netId, ...(fixedIp ? { fixed_ips: [{ ip_address: fixedIp(i) }] } : {}) } };
      const r = await call(`${endpoints[i % endpoints.length]}/v2.0/ports`, token, 'POST', body);
      latencies.push(performance.now() - t0);
      return r;
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const ips = results.filter((r) => r.status === 201).map((r) => r.body.port.fixed_ips[0].ip_address as string);
  const out: Burst = {
    label,
    seconds,
    rate: ips.length / seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))],
    failures: results.length - ips.length,
    duplicates: ips.length - new Set(ips).size,
  };
  process.stderr.write(`${label}: ${fmt(out.rate)} ports/s, p99 ${fmt(out.p99, 0)} ms, ${out.failures} failed, ${out.duplicates} duplicate addresses\n`);
  return out;
}

/** The i-th pool address of 10.b.0.0/22 (skipping network and gateway). */
const poolAddress = (b: number) => (i: number) => `10.${b}.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`;

async function cloud(dir: string, offset: number, extraArgs: string[] = []) {
  const ports = Object.fromEntries(Object.entries(DEFAULT_PORTS).map(([k, v]) => [k, v + offset]));
  const config = join(dir, `scs-${offset}.yaml`);
  writeFileSync(config, stringify({ ports, services: { image: { standardImages: false } } }));
  const proc = startServer(dir, {}, ['--config', config, ...extraArgs]);
  const identity = `http://127.0.0.1:${ports.identity}`;
  const network = `http://127.0.0.1:${ports.network}`;
  await waitFor(async () => existsSync(join(dir, 'clouds.yaml')) && (await fetch(`${network}/`)).ok);
  return { proc, identity, network };
}

async function adminToken(dir: string, identity: string): Promise<string> {
  const clouds = parseYaml(readFileSync(join(dir, 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: { password: string } }> };
  return login(identity, clouds.clouds['scs-admin'].auth.password);
}

async function projectOf(identity: string, token: string): Promise<string> {
  const res = await fetch(`${identity}/v3/auth/tokens`, { headers: { 'x-auth-token': token, 'x-subject-token': token } });
  return ((await res.json()) as { token: { project: { id: string } } }).token.project.id;
}

async function main(): Promise<void> {
  const results: Burst[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'scs-bench-network-'));
  try {
    const a = await cloud(dir, 11000);
    try {
      const token = await adminToken(dir, a.identity);
      await call(`${a.network}/v2.0/quotas/${await projectOf(a.identity, token)}`, token, 'PUT', { quota: { port: -1 } });
      results.push(await burst('sqlite, 1 process, addresses given (reference)', [a.network], token, await subnet(a.network, token, '10.1.0.0/22'), poolAddress(1)));
      results.push(await burst('sqlite, 1 process, IPAM allocates', [a.network], token, await subnet(a.network, token, '10.2.0.0/22')));
    } finally {
      await stopServer(a.proc);
    }
    const admin = process.env.BENCH_DATABASE;
    if (admin) {
      const name = `scs_bench_${process.pid}`;
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      const u = new URL(admin);
      u.pathname = `/${name}`;
      const pgDir = mkdtempSync(join(tmpdir(), 'scs-bench-network-pg-'));
      try {
        const first = await cloud(pgDir, 12000, ['--database', u.toString()]);
        const second = await cloud(pgDir, 13000, ['--database', u.toString()]);
        try {
          const token = await adminToken(pgDir, first.identity);
          await call(`${first.network}/v2.0/quotas/${await projectOf(first.identity, token)}`, token, 'PUT', { quota: { port: -1 } });
          results.push(await burst('postgres, 2 processes, addresses given', [first.network, second.network], token, await subnet(first.network, token, '10.3.0.0/22'), poolAddress(3)));
          results.push(await burst('postgres, 2 processes, IPAM allocates', [first.network, second.network], token, await subnet(first.network, token, '10.4.0.0/22')));
        } finally {
          await stopServer(second.proc);
          await stopServer(first.proc);
        }
      } finally {
        rmSync(pgDir, { recursive: true, force: true });
        const d = new pg.Client({ connectionString: admin });
        await d.connect();
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await d.end();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\n${COUNT} concurrent port creates on one /22 subnet\n`);
  console.log('| setup | ports/s | p50 ms | p99 ms | failed | duplicate IPs |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.label} | ${fmt(r.rate)} | ${fmt(r.p50, 0)} | ${fmt(r.p99, 0)} | ${r.failures} | ${r.duplicates} |`);
  const ratio = (x: Burst, ref: Burst) => fmt(x.rate / ref.rate, 2);
  console.log(`\nIPAM allocation vs given addresses: ${ratio(results[1], results[0])}x (sqlite)${results[3] ? `, ${ratio(results[3], results[2])}x (postgres)` : ''}`);
  if (results.some((r) => r.duplicates > 0)) {
    console.error('FAIL: an address was handed out twice');
    process.exitCode = 1;
  }
}

await main();
