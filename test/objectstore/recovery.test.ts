import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startCloud, type Cloud } from '../../src/cloud.js';
import type { TestCloud } from '../helpers/cloud.js';
import { ec2Keys, send } from './helpers.js';

/** The same data folder across restarts, as after a crash. */
const start = (dataDir: string) =>
  startCloud({ dataDir, allPorts: 0, logLevel: 'silent', only: ['identity', 'objectstore'], services: { identity: { passwordHashRounds: 4 }, objectstore: { sweepGraceSeconds: 0 } } });

describe('objectstore: recovery after a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scs-s3-recovery-'));
  let cloud: Cloud | undefined;
  after(async () => {
    await cloud?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sweeps temp files and unnamed blobs at start and keeps committed objects', async () => {
    cloud = await start(dir);
    const clouds = parseYaml(readFileSync(join(dir, 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: { password: string } }> };
    const keys = await ec2Keys(cloud as TestCloud, 'demo', clouds.clouds['scs-demo'].auth.password, 'demo');
    const base = () => cloud!.urls.objectstore;
    await send(base(), { method: 'PUT', path: '/survivor', keys });
    assert.equal((await send(base(), { method: 'PUT', path: '/survivor/kept', body: 'committed bytes', keys })).status, 200);
    await cloud.close();
    cloud = undefined;
    // What a process killed mid-upload leaves: a temp file, and a blob renamed into place whose row was never committed.
    const tmp = join(dir, 'objectstore', 'tmp', 'deadbeefdeadbeefdeadbeefdeadbeef');
    const orphan = join(dir, 'objectstore', 'blobs', 'ff', 'ff00000000000000000000000000orphan');
    writeFileSync(tmp, 'half an upload');
    mkdirSync(join(orphan, '..'), { recursive: true });
    writeFileSync(orphan, 'bytes without metadata');
    cloud = await start(dir);
    assert.ok(!existsSync(tmp));
    assert.ok(!existsSync(orphan));
    assert.equal((await send(base(), { path: '/survivor/kept', keys })).text, 'committed bytes');
  });
});
