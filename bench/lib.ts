/**
 * Shared benchmark plumbing: start our server as a child process, drive load with `hey`
 * (Debian package, the same tool the upstream baseline uses), and account server CPU from /proc.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { SERVER_NODE_FLAGS } from '../src/cli/node-flags.js';

const run = promisify(execFile);
const CLK_TCK = 100;

/** utime+stime in milliseconds of the given processes (0 for vanished ones). */
export function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // process gone
    }
  }
  return (ticks * 1000) / CLK_TCK;
}

export function rssMiB(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
    } catch {
      // process gone
    }
  }
  return kb / 1024;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  cpuMsPerReq: number;
}

export function haveHey(): boolean {
  return existsSync('/usr/bin/hey');
}

/** Closed-loop load with hey for `seconds` at concurrency `c`; CPU of `serverPids` per completed request. */
export async function hey(args: string[], c: number, seconds: number, serverPids: () => number[]): Promise<LoadResult> {
  const before = cpuMs(serverPids());
  const { stdout } = await run('hey', ['-z', `${seconds}s`, '-c', String(c), '-t', '60', ...args], { maxBuffer: 64 << 20 });
  const after = cpuMs(serverPids());
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
  let ok = 0;
  let errors = 0;
  for (const m of stdout.matchAll(/\[(\d{3})\]\s+(\d+) responses/g)) {
    if (Number(m[1]) < 400) ok += Number(m[2]);
    else errors += Number(m[2]);
  }
  const errDist = /Error distribution:([\s\S]*)$/.exec(stdout)?.[1] ?? '';
  for (const m of errDist.matchAll(/\[(\d+)\]/g)) errors += Number(m[1]);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50: num(/50%+ in ([\d.]+) secs/) * 1000,
    p99: num(/99%+ in ([\d.]+) secs/) * 1000,
    ok,
    errors,
    cpuMsPerReq: ok ? (after - before) / ok : NaN,
  };
}

/** Polls until `probe` succeeds; returns elapsed milliseconds. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await probe().catch(() => false)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out waiting for the server');
}

/** Starts `node dist/cli/main.js up` on a data folder; resolves once the process is spawned. */
export function startServer(dataDir: string, env: Record<string, string> = {}, args: string[] = []): ChildProcess {
  return spawn(process.execPath, [...SERVER_NODE_FLAGS, 'dist/cli/main.js', 'up', '--data', dataDir, ...args], {
    env: { ...process.env, SCS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

export async function stopServer(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await done;
}

export const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
