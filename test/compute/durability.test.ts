import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { startCloud } from '../../src/cloud.js';
import { api } from '../helpers/cloud.js';
import { createImage, upload } from '../image/helpers.js';
import { startComputeCloud } from './helpers.js';

const SERVICES = ['identity', 'image', 'placement', 'compute'];

/** Runs a cloud in a child process (so that it can be killed without a clean shutdown); resolves with its URLs. */
function startChild(dataDir: string, databaseUrl: string | undefined, buildDelayMs: number) {
  const script = `
    import { startCloud } from ${JSON.stringify(new URL('../../src/cloud.ts', import.meta.url).href)};
    const cloud = await startCloud({ dataDir: ${JSON.stringify(dataDir)}, databaseUrl: ${JSON.stringify(databaseUrl)}, allPorts: 0, logLevel: 'silent', only: ${JSON.stringify(SERVICES)},
      services: { identity: { passwordHashRounds: 4 }, image: { standardImages: '' }, compute: { buildDelayMs: ${buildDelayMs} } } });
    console.log(JSON.stringify(cloud.urls));
    setInterval(() => {}, 1000);`;
  const file = join(dataDir, 'child.mts');
  writeFileSync(file, script);
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls = new Promise<Record<string, string>>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
  return { child, urls };
}

/** A fresh PostgreSQL database when SCS_TEST_DATABASE names a server (both processes share it); SQLite otherwise. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = process.env.SCS_TEST_DATABASE;
  if (!admin) return undefined;
  const name = `scs_test_durable_${process.pid}`;
  const run = async (q: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(q);
    await client.end();
  };
  await run(`CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function token(identity: string, dataDir: string, user: 'admin' | 'demo') {
  const clouds = parseYaml(readFileSync(join(dataDir, 'clouds.yaml'), 'utf8')).clouds;
  const password = clouds[`scs-${user}`].auth.password;
  const res = await api(`${identity}/v3/auth/tokens`, {
    method: 'POST',
    body: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { project: { name: user, domain: { id: 'default' } } } } },
  });
  return res.headers.get('x-subject-token')!;
}

test('a process killed mid-build: the next process resumes the build (nothing stays BUILD)', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scs-compute-durable-'));
  const database = await freshDatabase();
  try {
    const first = startChild(dataDir, database?.url, 600_000);
    const urls = await first.urls;
    const admin = await token(urls.identity, dataDir, 'admin');
    const imageId = await createImage(urls.image, admin, { name: 'img', visibility: 'public' });
    assert.equal((await upload(urls.image, admin, imageId, Buffer.from('bytes'))).status, 204);
    await api(`${urls.compute}/v2.1/flavors`, { method: 'POST', token: admin, body: { flavor: { name: 'd', ram: 64, vcpus: 1, disk: 1, id: 'd' } } });
    const created = await api(`${urls.compute}/v2.1/servers`, { method: 'POST', token: admin, body: { server: { name: 'durable', imageRef: imageId, flavorRef: 'd', networks: 'none' } }, headers: { 'openstack-api-version': 'compute 2.95' } });
    assert.equal(created.status, 202);
    const id = created.body.server.id;
    for (let i = 0; i < 400; i++) {
      const s = await api(`${urls.compute}/v2.1/servers/${id}`, { token: admin });
      if (s.body.server['OS-EXT-STS:task_state'] === 'spawning') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    // A new process on the same data folder picks the job up once the dead process's lease expires.
    const second = await startCloud({ dataDir, databaseUrl: database?.url, allPorts: 0, logLevel: 'silent', only: SERVICES, services: { image: { standardImages: '' }, compute: { buildDelayMs: 0 } } });
    try {
      const t = await token(second.urls.identity, dataDir, 'admin');
      let status = '';
      for (let i = 0; i < 1200 && status !== 'ACTIVE' && status !== 'ERROR'; i++) {
        status = (await api(`${second.urls.compute}/v2.1/servers/${id}`, { token: t })).body.server.status;
        if (status === 'BUILD') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 'ACTIVE');
    } finally {
      await second.close();
    }
  } finally {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a build that outlives the build timeout goes to ERROR and keeps nothing', async () => {
  const c = await startComputeCloud({ services: ['identity', 'image', 'placement', 'compute'], compute: { buildDelayMs: 3000, buildTimeoutMs: 300 } });
  try {
    const r = await c.call('POST', '/servers', c.demo, { server: { name: 'slow', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none' } }, '2.95');
    const s = await c.waitFor(r.body.server.id, c.demo, 'ERROR');
    assert.equal(s.status, 'ERROR');
    assert.match(s.fault.message, /timed out/);
    await c.cloud.ctx.jobs.drain();
    assert.equal((await c.call('GET', `/servers/${s.id}`, c.demo)).body.server.status, 'ERROR', 'the late build does not revive it');
    const placement = await api(`${c.cloud.urls.placement}/allocations/${s.id}`, { token: c.admin });
    assert.deepEqual(placement.body.allocations, {});
  } finally {
    await c.cloud.close();
  }
});
