import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serverBody, startComputeCloud, type ComputeCloud } from './helpers.js';

// Regressions found by gophercloud's compute acceptance tests and tempest's compute API tests.
let c: ComputeCloud;
before(async () => {
  c = await startComputeCloud();
});
after(async () => {
  await c.cloud.close();
});

describe('instance actions paging and filters (2.58, 2.66)', () => {
  test('limit, marker and links page newest first; changes-since/changes-before filter', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    const made = await c.call('POST', '/servers', c.demo, serverBody(c), '2.37');
    const id = made.body.server.id;
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { reboot: { type: 'HARD' } })).status, 202);
    await c.waitFor(id, c.demo, 'ACTIVE');
    const path = `/servers/${id}/os-instance-actions`;

    const first = await c.call('GET', `${path}?limit=1`, c.demo, undefined, '2.58');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.instanceActions.map((a: any) => a.action), ['reboot']);
    const next = new URL(first.body.links[0].href);
    assert.equal(first.body.links[0].rel, 'next');
    assert.equal(next.searchParams.get('marker'), first.body.instanceActions[0].request_id);
    const second = await c.call('GET', `${path}?limit=1&marker=${next.searchParams.get('marker')}`, c.demo, undefined, '2.58');
    assert.deepEqual(second.body.instanceActions.map((a: any) => a.action), ['create']);
    const all = await c.call('GET', path, c.demo, undefined, '2.58');
    assert.equal(all.body.instanceActions.length, 2);
    assert.equal(all.body.links, undefined, 'no next link when the page is not full');

    const bad = await c.call('GET', `${path}?marker=req-unknown`, c.demo, undefined, '2.58');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest.message, 'Marker req-unknown could not be found.');
    assert.equal((await c.call('GET', `${path}?limit=x`, c.demo, undefined, '2.58')).status, 400);
    assert.equal((await c.call('GET', `${path}?changes-since=yesterday`, c.demo, undefined, '2.58')).status, 400);

    const since = await c.call('GET', `${path}?changes-since=${before}`, c.demo, undefined, '2.58');
    assert.equal(since.body.instanceActions.length, 2);
    const gone = await c.call('GET', `${path}?changes-before=${before}`, c.demo, undefined, '2.66');
    assert.deepEqual(gone.body.instanceActions, []);
    // Actions show microseconds, so their changes-before is the instant given, not its whole second:
    // the second a client's clock read just before the server was made excludes the server's actions.
    const createdAt = Date.parse(all.body.instanceActions.at(-1).start_time + 'Z');
    const aMsBefore = new Date(createdAt - 1).toISOString();
    const justBefore = await c.call('GET', `${path}?changes-before=${aMsBefore}`, c.demo, undefined, '2.66');
    assert.deepEqual(justBefore.body.instanceActions, []);
    const inverted = await c.call('GET', `${path}?changes-since=${new Date().toISOString()}&changes-before=${before}`, c.demo, undefined, '2.66');
    assert.equal(inverted.status, 400);
    // Before 2.58 the list is whole and has no links.
    const old = await c.call('GET', `${path}?limit=1`, c.demo, undefined, '2.57');
    assert.equal(old.body.instanceActions.length, 2);
    await c.call('DELETE', `/servers/${id}`, c.demo);
  });
});

test('extensions name what gophercloud looks for (SchedulerHints) with Nova names', async () => {
  const names = (await c.call('GET', '/extensions', c.demo)).body.extensions.map((e: any) => e.name);
  for (const n of ['SchedulerHints', 'MultipleCreate', 'UserData', 'BlockDeviceMappingV2Boot', 'LockServer']) assert.ok(names.includes(n), n);
  assert.equal((await c.call('GET', '/extensions/OS-SCH-HNT', c.demo)).body.extension.name, 'SchedulerHints');
});

test('x509 key pairs are generated as Nova: a self-signed certificate for the user and a PKCS#12 private key', async () => {
  const { X509Certificate } = await import('node:crypto');
  const made = await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'winrm', type: 'x509' } }, '2.2');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body.keypair.type, 'x509');
  const cert = new X509Certificate(made.body.keypair.public_key);
  const userId = made.body.keypair.user_id;
  assert.equal(cert.subject, `CN=${userId}`);
  assert.equal(cert.issuer, `CN=${userId}`);
  assert.ok(cert.verify(cert.publicKey), 'self-signed');
  assert.match(cert.subjectAltName ?? '', new RegExp(`${userId}@localhost`));
  assert.equal(made.body.keypair.fingerprint, cert.fingerprint.toLowerCase());
  // PKCS#12 is a DER SEQUENCE whose first element is the version 3.
  const p12 = Buffer.from(made.body.keypair.private_key, 'base64');
  assert.equal(p12[0], 0x30);
  assert.ok(p12.subarray(0, 8).includes(Buffer.from([0x02, 0x01, 0x03])));
  const shown = await c.call('GET', '/os-keypairs/winrm', c.demo, undefined, '2.2');
  assert.equal(shown.body.keypair.type, 'x509');
  assert.equal(shown.body.keypair.private_key, undefined);
  assert.equal((await c.call('DELETE', '/os-keypairs/winrm', c.demo, undefined, '2.2')).status, 204);
  // 2.92 made public_key required for every type.
  assert.equal((await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'winrm2', type: 'x509' } }, '2.92')).status, 400);
});

describe('personality (injected files, before 2.57)', () => {
  const file = (path: string, text = 'hello') => ({ path, contents: Buffer.from(text).toString('base64') });

  test('create and rebuild pass the files to the guest; limits are 403; bad input 400; gone in 2.57', async () => {
    const made = await c.call('POST', '/servers', c.demo, serverBody(c, { personality: [file('/etc/motd'), file('/root/a.txt')] }), '2.37');
    assert.equal(made.status, 202, JSON.stringify(made.body));
    const id = made.body.server.id;
    await c.waitFor(id, c.demo, 'ACTIVE');
    const log = async () => (await c.call('POST', `/servers/${id}/action`, c.demo, { 'os-getConsoleOutput': {} })).body.output as string;
    assert.match(await log(), /injected files: \/etc\/motd, \/root\/a\.txt/);

    const rebuilt = await c.call('POST', `/servers/${id}/action`, c.demo, { rebuild: { imageRef: c.imageId, personality: [file('rebuild.txt')] } }, '2.56');
    assert.equal(rebuilt.status, 202, JSON.stringify(rebuilt.body));
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.match(await log(), /injected files: rebuild\.txt /);
    const tooMany = await c.call('POST', `/servers/${id}/action`, c.demo, { rebuild: { imageRef: c.imageId, personality: Array.from({ length: 6 }, (_, i) => file(`f${i}`)) } }, '2.56');
    assert.equal(tooMany.status, 403);
    assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { rebuild: { imageRef: c.imageId, personality: [file('x')] } }, '2.57')).status, 400);
    await c.call('DELETE', `/servers/${id}`, c.demo);
  });

  test('limits and validation at create', async () => {
    const create = (personality: unknown, version = '2.37') => c.call('POST', '/servers', c.demo, serverBody(c, { personality }), version);
    const six = await create(Array.from({ length: 6 }, (_, i) => file(`/f${i}`)));
    assert.equal(six.status, 403);
    assert.equal(six.body.forbidden.message, 'Personality file limit exceeded');
    assert.equal((await create([file('/big', 'x'.repeat(10241))])).body.forbidden.message, 'Personality file content exceeds maximum 10240');
    assert.equal((await create([file(`/${'p'.repeat(255)}`)])).body.forbidden.message, 'Personality file path exceeds maximum 255');
    assert.equal((await create([{ path: '/a', contents: 'not base64!' }])).status, 400);
    assert.equal((await create([{ path: '/a', contents: 'aGk=', mode: '0600' }])).status, 400);
    assert.equal((await create('/a')).status, 400);
    assert.equal((await create([file('/a')], '2.57')).status, 400);
    // The limit is the project's injected_files quota.
    const limits = await c.call('GET', '/limits', c.demo, undefined, '2.56');
    assert.equal(limits.body.limits.absolute.maxPersonality, 5);
  });
});

test('remote consoles answer as a Nova whose console services are disabled', async () => {
  const made = await c.call('POST', '/servers', c.demo, serverBody(c), '2.37');
  const id = made.body.server.id;
  await c.waitFor(id, c.demo, 'ACTIVE');
  const rc = (body: unknown, version = '2.6') => c.call('POST', `/servers/${id}/remote-consoles`, c.demo, body, version);
  const vnc = await rc({ remote_console: { protocol: 'vnc', type: 'novnc' } });
  assert.equal(vnc.status, 400);
  assert.equal(vnc.body.badRequest.message, 'Unavailable console type novnc.');
  assert.equal((await rc({ remote_console: { protocol: 'serial', type: 'serial' } })).body.badRequest.message, 'Unavailable console type serial.');
  assert.equal((await rc({ remote_console: { protocol: 'rdp', type: 'rdp-html5' } })).body.badRequest.message, 'Unavailable console type rdp.');
  assert.equal((await rc({ remote_console: { protocol: 'mks', type: 'webmks' } })).status, 400);
  assert.match((await rc({ remote_console: { protocol: 'mks', type: 'webmks' } }, '2.7')).body.badRequest.message, /is not one of/);
  assert.equal((await rc({ remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.5')).status, 404);
  assert.equal((await c.call('POST', `/servers/00000000-0000-0000-0000-000000000000/remote-consoles`, c.demo, { remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.6')).status, 404);
  assert.equal((await rc({ remote_console: { protocol: 'vnc', type: 'novnc' } })).status, 400);
  const other = await c.call('POST', `/servers/${id}/remote-consoles`, c.other, { remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.6');
  assert.equal(other.status, 404);
  // The legacy actions before 2.6.
  const legacy = await c.call('POST', `/servers/${id}/action`, c.demo, { 'os-getVNCConsole': { type: 'novnc' } }, '2.5');
  assert.equal(legacy.body.badRequest.message, 'Unavailable console type novnc.');
  assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { 'os-getVNCConsole': { type: 'bogus' } }, '2.5')).status, 400);
  assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { 'os-getSPICEConsole': { type: 'spice-html5' } }, '2.1')).status, 400);
  assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { 'os-getVNCConsole': { type: 'novnc' } }, '2.6')).status, 404);
  await c.call('DELETE', `/servers/${id}`, c.demo);
});

test('os-services lists the scheduler and conductor of each host (internal zone) besides nova-compute', async () => {
  const all = await c.call('GET', '/os-services', c.admin);
  const binaries = all.body.services.map((s: any) => s.binary);
  assert.ok(binaries.includes('nova-scheduler') && binaries.includes('nova-conductor'), JSON.stringify(binaries));
  const sched = all.body.services.find((s: any) => s.binary === 'nova-scheduler');
  assert.equal(sched.zone, 'internal');
  assert.equal(sched.state, 'up');
  assert.equal(sched.status, 'enabled');
  assert.equal(typeof sched.id, 'number');
  assert.equal(new Set(all.body.services.map((s: any) => s.id)).size, all.body.services.length, 'ids are unique');
  const only = await c.call('GET', '/os-services?binary=nova-scheduler', c.admin);
  assert.deepEqual(only.body.services.map((s: any) => s.binary), ['nova-scheduler']);
  const v253 = await c.call('GET', '/os-services?binary=nova-conductor', c.admin, undefined, '2.53');
  const conductor = v253.body.services[0];
  assert.match(conductor.id, /^[0-9a-f-]{36}$/);
  const put = await c.call('PUT', `/os-services/${conductor.id}`, c.admin, { status: 'disabled' }, '2.53');
  assert.equal(put.status, 400);
  assert.equal(put.body.badRequest.message, 'Updating a nova-conductor service is not supported. Only nova-compute services can be updated.');
  // The availability zone detail shows the same hosts in the internal zone.
  const zones = (await c.call('GET', '/os-availability-zone/detail', c.admin)).body.availabilityZoneInfo;
  const internal = zones.find((z: any) => z.zoneName === 'internal');
  assert.equal(internal.hosts[sched.host]['nova-scheduler'].available, true);
  assert.ok(internal.hosts[sched.host]['nova-conductor'].updated_at);
});
