import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse as parseYaml, stringify } from 'yaml';
import { startCloud, type Cloud, type StartOptions } from '../../src/cloud.js';

/**
 * A whole cloud for one test file: a fresh data folder, ephemeral ports on 127.0.0.1, and either
 * SQLite (default) or a fresh PostgreSQL database when SCS_TEST_DATABASE names a server
 * (`postgres://user@127.0.0.1/postgres`): the same tests run on both dialects.
 */
export interface TestCloud extends Cloud {
  dataDir: string;
  cloudsYaml: string;
  passwords: { admin: string; demo: string };
  /** Issues a project-scoped token by password. */
  login(user: string, password: string, project?: string, domain?: string): Promise<string>;
  adminToken(): Promise<string>;
  demoToken(): Promise<string>;
}

async function freshPostgres(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `scs_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function startTestCloud(opts: StartOptions = {}): Promise<TestCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scs-test-'));
  const pgAdmin = process.env.SCS_TEST_DATABASE;
  const database = pgAdmin && !opts.databaseUrl ? await freshPostgres(pgAdmin) : undefined;
  const cloud = await startCloud({
    dataDir,
    allPorts: 0,
    logLevel: process.env.SCS_TEST_LOG ?? 'silent',
    databaseUrl: database?.url,
    ...opts,
    services: { ...opts.services, identity: { passwordHashRounds: 4, ...(opts.services?.identity ?? {}) } },
  });
  const cloudsYaml = join(dataDir, 'clouds.yaml');
  const clouds = parseYaml(readFileSync(cloudsYaml, 'utf8')) as { clouds: Record<string, { auth: { password: string } }> };
  const passwords = { admin: clouds.clouds['scs-admin'].auth.password, demo: clouds.clouds['scs-demo'].auth.password };
  const tokens = new Map<string, string>();
  const login = async (user: string, password: string, project?: string, domain = 'default') => {
    const body = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: domain }, password } } },
        ...(project ? { scope: { project: { name: project, domain: { id: domain } } } } : {}),
      },
    };
    const res = await fetch(`${cloud.urls.identity}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`login ${user} failed: ${res.status} ${await res.text()}`);
    return res.headers.get('x-subject-token')!;
  };
  const cached = async (key: string, make: () => Promise<string>) => {
    if (!tokens.has(key)) tokens.set(key, await make());
    return tokens.get(key)!;
  };
  return {
    ...cloud,
    dataDir,
    cloudsYaml,
    passwords,
    login,
    adminToken: () => cached('admin', () => login('admin', passwords.admin, 'admin')),
    demoToken: () => cached('demo', () => login('demo', passwords.demo, 'demo')),
    async close() {
      await cloud.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A JSON request: returns status, headers and the parsed body (or text when not JSON). */
export async function api(
  url: string,
  opts: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers['x-auth-token'] = opts.token;
  let payload: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = JSON.stringify(opts.body);
  } else if (opts.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(url, { method: opts.method ?? 'GET', headers, body: payload });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

/** A user through Keystone's API with `role` on a new project (or `existingProject`), also added to clouds.yaml as `name`. */
export async function addTenant(cloud: TestCloud, name: string, role = 'member', existingProject?: string): Promise<{ projectId: string; token: () => Promise<string> }> {
  const admin = await cloud.adminToken();
  const id = cloud.urls.identity;
  const project = existingProject
    ? { body: { project: { id: existingProject, name: (await api(`${id}/v3/projects/${existingProject}`, { token: admin })).body.project.name } } }
    : await api(`${id}/v3/projects`, { method: 'POST', token: admin, body: { project: { name, domain_id: 'default' } } });
  const password = randomBytes(12).toString('hex');
  const user = await api(`${id}/v3/users`, { method: 'POST', token: admin, body: { user: { name, password, domain_id: 'default', default_project_id: project.body.project.id } } });
  const roles = await api(`${id}/v3/roles?name=${role}`, { token: admin });
  const put = await api(`${id}/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roles.body.roles[0].id}`, { method: 'PUT', token: admin });
  if (put.status !== 204) throw new Error(`role assignment failed: ${put.status}`);
  const doc = parseYaml(readFileSync(cloud.cloudsYaml, 'utf8')) as { clouds: Record<string, { auth: Record<string, string> }> };
  doc.clouds[name] = { ...doc.clouds['scs-demo'], auth: { ...doc.clouds['scs-demo'].auth, username: name, password, project_name: project.body.project.name } };
  writeFileSync(cloud.cloudsYaml, stringify(doc));
  let token: string | undefined;
  return { projectId: project.body.project.id, token: async () => (token ??= await cloud.login(name, password, project.body.project.name)) };
}
