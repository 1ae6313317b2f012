import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's Python, which has the Debian client libraries (the `python3` on PATH may not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * Real-client tests skip with a clear message when the tool is missing locally, and fail instead
 * under CI=true, where .ci/run installs every tool.
 */
export function requireTool(t: TestContext, path: string, pkg: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI === 'true') throw new Error(`${path} is missing in CI: .ci/run must install the Debian package ${pkg}`);
  t.skip(`${path} not installed (apt-get install ${pkg}); skipping the real-client test`);
  return false;
}

export async function pythonModuleAvailable(module: string): Promise<boolean> {
  if (!existsSync(DEBIAN_PYTHON)) return false;
  try {
    await run(DEBIAN_PYTHON, ['-c', `import ${module}`]);
    return true;
  } catch {
    return false;
  }
}

export function requirePythonModule(t: TestContext, ok: boolean, module: string, pkg: string): boolean {
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`python module ${module} is missing in CI: .ci/run must install ${pkg}`);
  t.skip(`python module ${module} not installed (apt-get install ${pkg}); skipping the real-client test`);
  return false;
}

/** Runs the `openstack` CLI against a cloud of a clouds.yaml; returns parsed JSON with `-f json`. */
export async function openstack(cloudsYaml: string, cloud: string, args: string[], env: Record<string, string> = {}): Promise<any> {
  const { stdout } = await run('openstack', args, {
    env: { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml, OS_CLOUD: cloud, PYTHONWARNINGS: 'ignore', ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  const text = stdout.trim();
  if (args.includes('json')) return text ? JSON.parse(text) : undefined;
  return text;
}

/** Runs a Python script with Debian's interpreter; the script prints JSON on its last line. */
export async function python(script: string, env: Record<string, string> = {}): Promise<any> {
  const { stdout } = await run(DEBIAN_PYTHON, ['-c', script], {
    env: { ...process.env, PYTHONWARNINGS: 'ignore', ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}
