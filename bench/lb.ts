/**
 * `npm run bench:lb`: HTTP requests/s through a `proxy` load balancer (one HTTP listener, a
 * ROUND_ROBIN pool of two nginx backends on 127.0.0.1) at concurrency 64 with wrk, against the
 * same two backends hit directly in the same run (two wrk processes, 32 connections each). Prints
 * the throughput ratio, the p99 latency overhead and the CPU time the load balancer (service
 * process and its worker processes) spends per proxied request. Duration per measurement:
 * BENCH_SECONDS (default 10); worker processes: BENCH_LB_WORKERS (default 1).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { startCloud } from '../src/cloud.js';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Worker processes serving the listener besides the service process (the `workers` setting). */
const WORKERS = Number(process.env.BENCH_LB_WORKERS ?? 1);
const NGINX = '/usr/sbin/nginx';
const WRK = '/usr/bin/wrk';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One nginx worker answering a small fixed body, in its own temporary prefix. */
async function startNginx(dir: string, port: number): Promise<ChildProcess> {
  const prefix = join(dir, `nginx-${port}`);
  const conf = join(dir, `nginx-${port}.conf`);
  writeFileSync(
    conf,
    `daemon off; worker_processes 1; pid ${prefix}.pid; error_log ${prefix}.err warn;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 100000;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; location / { default_type text/plain; return 200 "hello from ${port}\\n"; } } }
`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok).catch(() => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx on ${port} did not start`);
}

interface WrkResult {
  rps: number;
  requests: number;
  p99ms: number;
  errors: number;
}

const toMs = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit];

async function wrk(url: string, connections: number, threads: number): Promise<WrkResult> {
  const { stdout } = await run(WRK, ['-t', String(threads), '-c', String(connections), '-d', `${SECONDS}s`, '--latency', url], { maxBuffer: 1 << 20 });
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN),
    requests: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN),
    p99ms: p99 ? toMs(p99[1], p99[2]) : NaN,
    errors: Number(errs?.[1] ?? 0) + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

/** CPU time (us) of the load balancer's worker processes (children of this process running the worker entry). */
async function workerCpuMicros(): Promise<number> {
  const { stdout } = await run('ps', ['--ppid', String(process.pid), '-o', 'pid=,args=']).catch(() => ({ stdout: '' }));
  let ticks = 0;
  for (const line of stdout.split('\n')) {
    const [pid, ...args] = line.trim().split(/\s+/);
    if (!args.join(' ').includes('loadbalancer/drivers/worker')) continue;
    // utime and stime: fields 14 and 15 of /proc/<pid>/stat, counted after the command's closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1e6) / 100;
}

async function call(url: string, token: string, method = 'GET', body?: unknown): Promise<any> {
  const res = await fetch(url, { method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function main(): Promise<void> {
  for (const tool of [NGINX, WRK]) if (!existsSync(tool)) throw new Error(`${tool} is missing (Debian packages nginx-light and wrk)`);
  const dir = mkdtempSync(join(tmpdir(), 'scs-bench-lb-'));
  const ports = [await freePort(), await freePort()];
  const nginx: ChildProcess[] = [];
  const cloud = await startCloud({ dataDir: join(dir, 'data'), allPorts: 0, logLevel: 'warn', only: ['identity', 'network', 'loadbalancer'], services: { loadbalancer: { ephemeralPorts: true, workers: WORKERS } } });
  try {
    for (const p of ports) nginx.push(await startNginx(dir, p));
    const clouds = parseYaml(readFileSync(join(dir, 'data', 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: { password: string } }> };
    const login = await fetch(`${cloud.urls.identity}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { id: 'default' }, password: clouds.clouds['scs-demo'].auth.password } } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } } }),
    });
    const token = login.headers.get('x-subject-token')!;
    const lbApi = `${cloud.urls.loadbalancer}/v2/lbaas`;
    const net = await call(`${cloud.urls.network}/v2.0/networks`, token, 'POST', { network: { name: 'bench' } });
    const sub = await call(`${cloud.urls.network}/v2.0/subnets`, token, 'POST', { subnet: { network_id: net.network.id, cidr: '10.99.0.0/24', ip_version: 4 } });
    const lb = (await call(`${lbApi}/loadbalancers`, token, 'POST', { loadbalancer: { name: 'bench', vip_subnet_id: sub.subnet.id } })).loadbalancer;
    const active = async () => {
      for (;;) {
        const s = (await call(`${lbApi}/loadbalancers/${lb.id}`, token)).loadbalancer.provisioning_status;
        if (s === 'ACTIVE') return;
        if (s === 'ERROR') throw new Error('load balancer went to ERROR');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await active();
    const listener = (await call(`${lbApi}/listeners`, token, 'POST', { listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 80 } })).listener;
    await active();
    const pool = (await call(`${lbApi}/pools`, token, 'POST', { pool: { listener_id: listener.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } })).pool;
    await active();
    for (const p of ports) {
      await call(`${lbApi}/pools/${pool.id}/members`, token, 'POST', { member: { address: '127.0.0.1', protocol_port: p } });
      await active();
    }
    const bound = (await call(`${lbApi}/listeners/${listener.id}`, token)).listener.bound_address as string;

    // Warm-up of both paths, then the measurements.
    await run(WRK, ['-t', '1', '-c', '8', '-d', '1s', `http://${bound}/`]);
    const [d1, d2] = await Promise.all(ports.map((p) => wrk(`http://127.0.0.1:${p}/`, 32, 1)));
    const direct = { rps: d1.rps + d2.rps, p99ms: Math.max(d1.p99ms, d2.p99ms), errors: d1.errors + d2.errors };
    // CPU of this process (the data plane) per proxied request: steadier than req/s on a busy machine.
    const cpu0 = process.cpuUsage();
    const workers0 = await workerCpuMicros();
    const viaLb = await wrk(`http://${bound}/`, 64, 2);
    const cpu = process.cpuUsage(cpu0);
    const lbCpu = cpu.user + cpu.system + (await workerCpuMicros()) - workers0;
    const stats = (await call(`${lbApi}/loadbalancers/${lb.id}/stats`, token)).stats;

    const f = (n: number, d = 0) => n.toFixed(d);
    console.log(`bench:lb  ${SECONDS}s per run, concurrency 64, wrk, two nginx backends on 127.0.0.1, load balancer: service process + ${WORKERS} worker(s)`);
    console.log(`  direct to backends   ${f(direct.rps).padStart(8)} req/s   p99 ${f(direct.p99ms, 2)} ms   errors ${direct.errors}`);
    console.log(`  through proxy LB     ${f(viaLb.rps).padStart(8)} req/s   p99 ${f(viaLb.p99ms, 2)} ms   errors ${viaLb.errors}`);
    console.log(`  ratio LB/direct      ${f((viaLb.rps / direct.rps) * 100, 1)}%   (goal >= 50%)`);
    console.log(`  p99 overhead         ${f(viaLb.p99ms - direct.p99ms, 2)} ms   (goal < 2 ms)`);
    console.log(`  LB CPU per request   ${f(lbCpu / viaLb.requests, 1)} us   (${f(lbCpu / (SECONDS * 1e6), 2)} cores busy; service process alone: user ${f(cpu.user / viaLb.requests, 1)}, system ${f(cpu.system / viaLb.requests, 1)})`);
    console.log(`  LB stats             total_connections ${stats.total_connections}, request_errors ${stats.request_errors}`);
  } finally {
    for (const n of nginx) n.kill('SIGTERM');
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
