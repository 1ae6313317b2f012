import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serverBody, startComputeCloud, type ComputeCloud } from './helpers.js';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEq0PY8U3bXJ2sJ4GDzZ3kAwVNcIRmfd5oK3uF0WrrHV test@example';

let c: ComputeCloud;
before(async () => {
  c = await startComputeCloud();
});
after(async () => {
  await c.cloud.close();
});

async function boot(token: string, extra: Record<string, unknown> = {}, version = '2.95') {
  const r = await c.call('POST', '/servers', token, serverBody(c, extra), version);
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.server.id as string;
}

describe('versions and microversions', () => {
  test('discovery lists v2.1 with 2.1..2.95', async () => {
    const root = await fetch(`${c.cloud.urls.compute}/`).then((r) => r.json());
    const v21 = root.versions.find((v: any) => v.id === 'v2.1');
    assert.equal(v21.version, '2.95');
    assert.equal(v21.min_version, '2.1');
    const one = await fetch(`${c.cloud.urls.compute}/v2.1`).then((r) => r.json());
    assert.equal(one.version.id, 'v2.1');
  });
  test('negotiation echoes both headers with Vary; latest and legacy header; 406 outside the range', async () => {
    const d = await c.call('GET', '/flavors', c.demo);
    assert.equal(d.headers.get('openstack-api-version'), 'compute 2.1');
    assert.match(d.headers.get('vary') ?? '', /OpenStack-API-Version/);
    assert.ok(d.headers.get('x-compute-request-id')?.startsWith('req-'));
    assert.equal(d.headers.get('x-compute-request-id'), d.headers.get('x-openstack-request-id'));
    const latest = await c.call('GET', '/flavors', c.demo, undefined, 'latest');
    assert.equal(latest.headers.get('openstack-api-version'), 'compute 2.95');
    const legacy = await fetch(`${c.cloud.urls.compute}/v2.1/flavors`, { headers: { 'x-auth-token': c.demo, 'x-openstack-nova-api-version': '2.30' } });
    assert.equal(legacy.headers.get('x-openstack-nova-api-version'), '2.30');
    const bad = await c.call('GET', '/flavors', c.demo, undefined, '2.96');
    assert.equal(bad.status, 406);
    assert.equal(bad.body.computeFault.code, 406);
    const junk = await c.call('GET', '/flavors', c.demo, undefined, 'two');
    assert.equal(junk.status, 400);
  });
  test('faults are in Nova format', async () => {
    const r = await c.call('GET', '/servers/00000000-0000-0000-0000-000000000000', c.demo);
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.code, 404);
    assert.match(r.body.itemNotFound.message, /could not be found/);
    const noauth = await c.call('GET', '/servers', '');
    assert.equal(noauth.status, 401);
  });
});

describe('flavors', () => {
  test('the 15 mandatory SCS flavors exist with exact sizes and extra specs', async () => {
    const r = await c.call('GET', '/flavors/detail', c.demo, undefined, '2.61');
    const scs = r.body.flavors.filter((f: any) => f.name.startsWith('SCS-'));
    assert.equal(scs.length, 15);
    const f = scs.find((x: any) => x.name === 'SCS-2V-4-20s');
    assert.deepEqual([f.vcpus, f.ram, f.disk, f['os-flavor-access:is_public']], [2, 4096, 20, true]);
    assert.deepEqual(f.extra_specs, { 'scs:cpu-type': 'shared-core', 'scs:disk0-type': 'ssd', 'scs:name-v1': 'SCS-2V:4:20s', 'scs:name-v2': 'SCS-2V-4-20s' });
    const l = scs.find((x: any) => x.name === 'SCS-1L-1');
    assert.equal(l.extra_specs['scs:cpu-type'], 'crowded-core');
    assert.equal(l.ram, 1024);
  });
  test('admin CRUD, description (2.55), extra specs, private access; members cannot manage', async () => {
    const body = { flavor: { name: 'priv.x', ram: 256, vcpus: 1, disk: 1, 'os-flavor-access:is_public': false, description: 'd' } };
    assert.equal((await c.call('POST', '/flavors', c.demo, body, '2.55')).status, 403);
    assert.equal((await c.call('POST', '/flavors', c.admin, body, '2.54')).status, 400);
    const made = await c.call('POST', '/flavors', c.admin, body, '2.55');
    assert.equal(made.status, 200);
    const id = made.body.flavor.id;
    assert.equal(made.body.flavor.description, 'd');
    assert.equal((await c.call('POST', '/flavors', c.admin, body, '2.55')).status, 409);
    assert.equal((await c.call('GET', `/flavors/${id}`, c.demo)).status, 404);
    const acc = await c.call('POST', `/flavors/${id}/action`, c.admin, { addTenantAccess: { tenant: c.demoProjectId } });
    assert.deepEqual(acc.body.flavor_access, [{ flavor_id: id, tenant_id: c.demoProjectId }]);
    assert.equal((await c.call('GET', `/flavors/${id}`, c.demo)).status, 200);
    assert.equal((await c.call('GET', `/flavors/${id}`, c.other)).status, 404);
    const spec = await c.call('POST', `/flavors/${id}/os-extra_specs`, c.admin, { extra_specs: { 'hw:cpu_policy': 'shared' } });
    assert.deepEqual(spec.body.extra_specs, { 'hw:cpu_policy': 'shared' });
    assert.equal((await c.call('GET', `/flavors/${id}/os-extra_specs/hw:cpu_policy`, c.demo)).body['hw:cpu_policy'], 'shared');
    assert.equal((await c.call('PUT', `/flavors/${id}`, c.admin, { flavor: { description: 'new' } }, '2.55')).body.flavor.description, 'new');
    assert.equal((await c.call('DELETE', `/flavors/${id}/os-extra_specs/hw:cpu_policy`, c.admin)).status, 200);
    assert.equal((await c.call('DELETE', `/flavors/${id}`, c.admin)).status, 202);
    assert.equal((await c.call('GET', `/flavors/${id}`, c.admin)).status, 404);
  });
  test('filters, sorting and pagination with flavors_links', async () => {
    const big = await c.call('GET', '/flavors/detail?minRam=16384&sort_key=memory_mb&sort_dir=desc', c.demo);
    assert.ok(big.body.flavors.every((f: any) => f.ram >= 16384));
    assert.equal(big.body.flavors[0].ram, 32768);
    const page = await c.call('GET', '/flavors?limit=5', c.demo);
    assert.equal(page.body.flavors.length, 5);
    const next = page.body.flavors_links[0].href as string;
    assert.match(next, /marker=/);
    const p2 = await c.call('GET', `/flavors?${next.split('?')[1]}`, c.demo);
    assert.notEqual(p2.body.flavors[0].id, page.body.flavors[0].id);
    assert.equal((await c.call('GET', '/flavors?marker=nope', c.demo)).status, 400);
    assert.equal((await c.call('GET', '/flavors?sort_key=bogus', c.demo)).status, 400);
  });
});

describe('keypairs', () => {
  test('import with computed fingerprint, per user, type (2.2), no generation (2.92)', async () => {
    const r = await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'k1', public_key: SSH_KEY } }, '2.2');
    assert.equal(r.status, 201);
    assert.equal(r.body.keypair.type, 'ssh');
    assert.match(r.body.keypair.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    assert.equal((await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'k1', public_key: SSH_KEY } }, '2.2')).status, 409);
    assert.equal((await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'k2' } }, '2.92')).status, 400);
    assert.equal((await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'k3', public_key: 'ssh-rsa garbage' } })).status, 400);
    const list = await c.call('GET', '/os-keypairs', c.demo);
    assert.deepEqual(list.body.keypairs.map((k: any) => k.keypair.name), ['k1']);
    assert.equal((await c.call('GET', '/os-keypairs', c.other)).body.keypairs.length, 0);
    assert.equal((await c.call('GET', '/os-keypairs/k1', c.other)).status, 404);
    const show = await c.call('GET', '/os-keypairs/k1', c.demo, undefined, '2.10');
    assert.ok(show.body.keypair.user_id);
    assert.equal((await c.call('GET', `/os-keypairs?user_id=${show.body.keypair.user_id}`, c.other, undefined, '2.10')).status, 403);
    assert.equal((await c.call('GET', `/os-keypairs?user_id=${show.body.keypair.user_id}`, c.admin, undefined, '2.10')).body.keypairs.length, 1);
  });
});

describe('keypairs: x509 and older microversions', () => {
  test('x509 certificates get a SHA-1 fingerprint (2.2); delete is 202 before 2.2, 204 after', async (t) => {
    let cert: string;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'scs-x509-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=test'], { stdio: 'ignore' });
      cert = readFileSync(join(dir, 'c.pem'), 'utf8');
      rmSync(dir, { recursive: true, force: true });
    } catch {
      t.skip('openssl is not installed');
      return;
    }
    const r = await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'cert', type: 'x509', public_key: cert } }, '2.2');
    assert.equal(r.status, 201);
    assert.equal(r.body.keypair.type, 'x509');
    assert.equal(r.body.keypair.fingerprint, new X509Certificate(cert).fingerprint.toLowerCase());
    assert.equal((await c.call('DELETE', '/os-keypairs/cert', c.demo, undefined, '2.2')).status, 204);
    await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'old', public_key: SSH_KEY } });
    assert.equal((await c.call('DELETE', '/os-keypairs/old', c.demo)).status, 202);
    assert.equal((await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'bad', type: 'pgp', public_key: SSH_KEY } }, '2.2')).status, 400);
  });
});

describe('servers', () => {
  test('create validates image, flavor, keypair, networks, user data; 202 with adminPass', async () => {
    const bad = async (extra: Record<string, unknown>, status = 400, version = '2.95') => {
      const r = await c.call('POST', '/servers', c.demo, serverBody(c, extra), version);
      assert.equal(r.status, status, `${JSON.stringify(extra)} -> ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await bad({ flavorRef: 'nope' });
    await bad({ imageRef: '00000000-0000-0000-0000-000000000000' });
    await bad({ key_name: 'missing' });
    await bad({ networks: [{ uuid: 'not-a-uuid' }] });
    await bad({ user_data: '!!!not base64' });
    await bad({ bogus: 1 });
    await bad({ availability_zone: 'nowhere' });
    await bad({ name: ' padded ' });
    await bad({ block_device_mapping_v2: [{ boot_index: 0, uuid: c.imageId, source_type: 'image', destination_type: 'volume', volume_size: 1 }] });
    const zero = await bad({ flavorRef: (await c.call('GET', '/flavors?minDisk=0', c.demo)).body.flavors.find((f: any) => f.name === 'SCS-1V-2').id }, 403);
    assert.match(zero.forbidden.message, /volume-backed/);
    const noNet = await c.call('POST', '/servers', c.demo, { server: { name: 'x', imageRef: c.imageId, flavorRef: c.flavorId } }, '2.37');
    assert.equal(noNet.status, 400);
    const raw = await fetch(`${c.cloud.urls.compute}/v2.1/servers`, { method: 'POST', headers: { 'x-auth-token': c.demo, 'content-type': 'application/json' }, body: '{"server": ' });
    assert.equal(raw.status, 400);
    assert.ok((await raw.json()).badRequest);
  });

  test('lifecycle: list/detail, show by microversion, update, metadata, tags, delete', async () => {
    const id = await boot(c.demo, { name: 'web-1', metadata: { role: 'web' }, tags: ['blue'], user_data: Buffer.from('#!/bin/sh\n').toString('base64') });
    const s = await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal(s['OS-EXT-STS:vm_state'], 'active');
    assert.deepEqual(s.tags, ['blue']);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], undefined);
    const old = await c.call('GET', `/servers/${id}`, c.demo, undefined, '2.1');
    assert.equal(old.body.server.flavor.id, c.flavorId);
    assert.equal(old.body.server.locked, undefined);
    const asAdmin = await c.call('GET', `/servers/${id}`, c.admin, undefined, '2.95');
    assert.ok(asAdmin.body.server['OS-EXT-SRV-ATTR:host']);
    const list = await c.call('GET', '/servers', c.demo);
    assert.ok(list.body.servers.some((x: any) => x.id === id && x.name === 'web-1'));
    const upd = await c.call('PUT', `/servers/${id}`, c.demo, { server: { name: 'web-renamed', description: 'hi' } }, '2.19');
    assert.equal(upd.body.server.name, 'web-renamed');
    assert.equal(upd.body.server.description, 'hi');
    assert.deepEqual((await c.call('POST', `/servers/${id}/metadata`, c.demo, { metadata: { a: '1' } })).body.metadata, { role: 'web', a: '1' });
    assert.deepEqual((await c.call('GET', `/servers/${id}/metadata/a`, c.demo)).body, { meta: { a: '1' } });
    assert.equal((await c.call('DELETE', `/servers/${id}/metadata/a`, c.demo)).status, 204);
    assert.equal((await c.call('PUT', `/servers/${id}/tags/green`, c.demo, undefined, '2.26')).status, 201);
    assert.deepEqual((await c.call('GET', `/servers/${id}/tags`, c.demo, undefined, '2.26')).body.tags, ['blue', 'green']);
    assert.equal((await c.call('GET', `/servers/${id}/tags`, c.demo, undefined, '2.25')).status, 404);
    const actions = await c.call('GET', `/servers/${id}/os-instance-actions`, c.demo);
    assert.equal(actions.body.instanceActions[0].action, 'create');
    const detail = await c.call('GET', `/servers/${id}/os-instance-actions/${actions.body.instanceActions[0].request_id}`, c.demo);
    assert.equal(detail.body.instanceAction.events[0].event, 'compute__do_build_and_run_instance');
    assert.equal(detail.body.instanceAction.events[0].result, 'Success');
    assert.equal((await c.call('DELETE', `/servers/${id}`, c.demo)).status, 204);
    assert.equal((await c.call('GET', `/servers/${id}`, c.demo)).status, 404);
    const since = await c.call('GET', `/servers/detail?changes-since=2000-01-01T00:00:00Z`, c.demo);
    assert.equal(since.body.servers.find((x: any) => x.id === id)?.status, 'DELETED');
    // An admin's deleted=true lists deleted servers only, and a deleted one can be the marker (`server list --deleted --marker`).
    const deleted = await c.call('GET', `/servers?deleted=true&all_tenants=1`, c.admin);
    assert.ok(deleted.body.servers.some((x: any) => x.id === id));
    assert.equal((await c.call('GET', `/servers?deleted=true&all_tenants=1&marker=${id}`, c.admin)).status, 200);
    assert.ok(!(await c.call('GET', `/servers?deleted=true`, c.demo)).body.servers.some((x: any) => x.id === id), "a member's deleted filter is dropped");
  });

  test('list filters, sorting, pagination with servers_links; all_tenants for admins only', async () => {
    const ids: string[] = [];
    for (const name of ['alpha', 'beta', 'gamma']) ids.push(await boot(c.demo, { name, tags: name === 'beta' ? ['x', 'y'] : ['x'] }));
    for (const id of ids) await c.waitFor(id, c.demo, 'ACTIVE');
    const byName = await c.call('GET', '/servers?name=^al', c.demo);
    assert.deepEqual(byName.body.servers.map((s: any) => s.name), ['alpha']);
    assert.deepEqual((await c.call('GET', '/servers?tags=x,y', c.demo, undefined, '2.26')).body.servers.map((s: any) => s.name), ['beta']);
    assert.ok(!(await c.call('GET', '/servers?not-tags=y', c.demo, undefined, '2.26')).body.servers.some((s: any) => s.name === 'beta'));
    const sorted = await c.call('GET', '/servers/detail?sort_key=display_name&sort_dir=asc&status=ACTIVE', c.demo);
    const names = sorted.body.servers.map((s: any) => s.name);
    assert.deepEqual(names, [...names].sort());
    const p1 = await c.call('GET', '/servers?limit=2&sort_key=display_name&sort_dir=asc', c.demo);
    assert.equal(p1.body.servers.length, 2);
    const href = p1.body.servers_links[0].href as string;
    const p2 = await c.call('GET', `/servers?${href.split('?')[1]}`, c.demo);
    assert.ok(!p2.body.servers.some((s: any) => p1.body.servers.some((t: any) => t.id === s.id)));
    assert.equal((await c.call('GET', '/servers?status=SHUTOFF', c.demo)).body.servers.length, 0);
    assert.equal((await c.call('GET', '/servers?all_tenants=1', c.demo)).status, 403);
    assert.equal((await c.call('GET', '/servers?sort_key=nope', c.demo)).status, 400);
    assert.equal((await c.call('GET', '/servers?limit=-1', c.demo)).status, 400);
    assert.equal((await c.call('GET', '/servers?changes-since=yesterday', c.demo)).status, 400);
    // changes-before names a whole second, as Nova's second-resolution times do: the `updated` a server shows matches it.
    const gamma = (await c.call('GET', `/servers/${ids[2]}`, c.demo, undefined, '2.66')).body.server;
    assert.match(gamma.updated, /:\d\dZ$/);
    const before = await c.call('GET', `/servers?changes-before=${gamma.updated}`, c.demo, undefined, '2.66');
    assert.ok(before.body.servers.some((x: any) => x.id === ids[2]));
    const all = await c.call('GET', `/servers?all_tenants=1&project_id=${c.demoProjectId}`, c.admin);
    assert.ok(all.body.servers.length >= 3);
    for (const id of ids) await c.call('DELETE', `/servers/${id}`, c.demo);
  });

  test('tenant isolation: another project cannot see, change or delete a server', async () => {
    const id = await boot(c.demo);
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.ok(!(await c.call('GET', '/servers', c.other)).body.servers.some((s: any) => s.id === id));
    for (const [m, p, b] of [
      ['GET', `/servers/${id}`, undefined],
      ['PUT', `/servers/${id}`, { server: { name: 'x' } }],
      ['POST', `/servers/${id}/action`, { 'os-stop': null }],
      ['DELETE', `/servers/${id}`, undefined],
      ['GET', `/servers/${id}/os-instance-actions`, undefined],
    ] as const) {
      assert.equal((await c.call(m, p, c.other, b)).status, 404, `${m} ${p}`);
    }
    await c.call('DELETE', `/servers/${id}`, c.demo);
  });
});

describe('actions and the state machine', () => {
  test('stop/start/reboot/pause/suspend/lock with 409 on the wrong state', async () => {
    const id = await boot(c.demo);
    await c.waitFor(id, c.demo, 'ACTIVE');
    const act = (body: unknown, token = c.demo, v = '2.95') => c.call('POST', `/servers/${id}/action`, token, body, v);
    assert.equal((await act({ 'os-start': null })).status, 409);
    assert.equal((await act({ 'os-stop': null })).status, 202);
    assert.equal((await c.waitFor(id, c.demo, 'SHUTOFF'))['OS-EXT-STS:power_state'], 4);
    const again = await act({ 'os-stop': null });
    assert.equal(again.status, 409);
    assert.equal(again.body.conflictingRequest.message, `Cannot 'stop' instance ${id} while it is in vm_state stopped`);
    assert.equal((await act({ reboot: { type: 'SOFT' } })).status, 409);
    assert.equal((await act({ 'os-start': null })).status, 202);
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await act({ reboot: { type: 'HARD' } })).status, 202);
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await act({ reboot: { type: 'SIDEWAYS' } })).status, 400);
    assert.equal((await act({ pause: null })).status, 202);
    await c.waitFor(id, c.demo, 'PAUSED');
    assert.equal((await act({ suspend: null })).status, 409);
    assert.equal((await act({ unpause: null })).status, 202);
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await act({ suspend: null })).status, 202);
    await c.waitFor(id, c.demo, 'SUSPENDED');
    assert.equal((await act({ resume: null })).status, 202);
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await act({ lock: { locked_reason: 'maintenance' } })).status, 202);
    const locked = await c.call('GET', `/servers/${id}`, c.demo, undefined, '2.73');
    assert.equal(locked.body.server.locked_reason, 'maintenance');
    assert.equal((await act({ 'os-stop': null }, c.other)).status, 404);
    assert.match((await act({ 'os-stop': null })).body.conflictingRequest.message, /is locked/);
    assert.equal((await c.call('DELETE', `/servers/${id}`, c.demo)).status, 409);
    assert.equal((await act({ unlock: null })).status, 202);
    const rescued = await act({ rescue: null });
    assert.equal(rescued.status, 200);
    assert.ok(rescued.body.adminPass);
    await c.waitFor(id, c.demo, 'RESCUE');
    assert.equal((await act({ 'os-stop': null })).status, 409);
    assert.equal((await act({ unrescue: null })).status, 202);
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await act({ forceDelete: null })).status, 409);
    assert.equal((await act({ frobnicate: null })).status, 400);
    const out = await act({ 'os-getConsoleOutput': { length: 50 } });
    assert.match(out.body.output, /simulated guest/);
    await c.call('DELETE', `/servers/${id}`, c.demo);
  });

  test('resize with confirm and revert (VERIFY_RESIZE), rebuild, shelve/unshelve, snapshot', async () => {
    await c.call('POST', '/flavors', c.admin, { flavor: { name: 'test.medium', ram: 1024, vcpus: 2, disk: 2, id: 'test-medium' } });
    const id = await boot(c.demo);
    await c.waitFor(id, c.demo, 'ACTIVE');
    const act = (body: unknown, v = '2.95') => c.call('POST', `/servers/${id}/action`, c.demo, body, v);
    assert.equal((await act({ resize: { flavorRef: c.flavorId } })).status, 400);
    assert.equal((await act({ resize: { flavorRef: 'test-medium' } })).status, 202);
    let s = await c.waitFor(id, c.demo, 'VERIFY_RESIZE');
    assert.equal(s.flavor.original_name, 'test.medium');
    assert.equal((await act({ revertResize: null })).status, 202);
    s = await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal(s.flavor.original_name, 'test.small');
    assert.equal((await act({ confirmResize: null })).status, 409);
    await act({ resize: { flavorRef: 'test-medium' } });
    await c.waitFor(id, c.demo, 'VERIFY_RESIZE');
    assert.equal((await act({ confirmResize: null })).status, 204);
    s = await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal(s.flavor.vcpus, 2);
    const rebuilt = await act({ rebuild: { imageRef: c.imageId, name: 'rebuilt' } });
    assert.equal(rebuilt.status, 202);
    assert.equal(rebuilt.body.server.name, 'rebuilt');
    assert.ok(rebuilt.body.server.adminPass);
    await c.waitFor(id, c.demo, 'ACTIVE');
    const snap = await act({ createImage: { name: 'snap-1', metadata: { purpose: 'test' } } });
    assert.equal(snap.status, 202);
    const imageId = snap.body.image_id;
    for (let i = 0; i < 200; i++) {
      const img = await fetch(`${c.cloud.urls.image}/v2/images/${imageId}`, { headers: { 'x-auth-token': c.demo } }).then((r) => r.json());
      if (img.status === 'active') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const bytes = await fetch(`${c.cloud.urls.image}/v2/images/${imageId}/file`, { headers: { 'x-auth-token': c.demo } }).then((r) => r.text());
    assert.match(bytes, /simulated snapshot/);
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await act({ shelve: null })).status, 202);
    s = await c.waitFor(id, c.demo, 'SHELVED_OFFLOADED');
    const admin = await c.call('GET', `/servers/${id}`, c.admin, undefined, '2.95');
    assert.equal(admin.body.server['OS-EXT-SRV-ATTR:host'], null);
    const shelvedImages = () => fetch(`${c.cloud.urls.image}/v2/images?name=rebuilt-shelved`, { headers: { 'x-auth-token': c.demo } }).then((r) => r.json());
    assert.equal((await shelvedImages()).images.length, 1, 'shelve keeps the guest as a snapshot image');
    assert.equal((await act({ unshelve: null })).status, 202);
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await shelvedImages()).images.length, 0, 'unshelve deletes the shelved image');
    assert.equal((await act({ migrate: null })).status, 403);
    const mig = await c.call('POST', `/servers/${id}/action`, c.admin, { migrate: null });
    assert.equal(mig.status, 202);
    await c.waitFor(id, c.admin, 'VERIFY_RESIZE');
    const moved = await c.call('GET', `/servers/${id}`, c.admin, undefined, '2.95');
    assert.notEqual(moved.body.server['OS-EXT-SRV-ATTR:host'], admin.body.server['OS-EXT-SRV-ATTR:host'] ?? 'x');
    await c.call('POST', `/servers/${id}/action`, c.admin, { confirmResize: null });
    await c.call('DELETE', `/servers/${id}`, c.demo);
  });
});
