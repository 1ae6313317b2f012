import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startComputeCloud, type ComputeCloud } from './helpers.js';

// Regressions found by upstream tempest's compute API tests.
let c: ComputeCloud;
before(async () => {
  c = await startComputeCloud();
});
after(async () => {
  await c.cloud.close();
});

describe('request parsing as Nova', () => {
  test('flavor create takes the string booleans of parameter_types.boolean', async () => {
    const r = await c.call('POST', '/flavors', c.admin, { flavor: { name: 'strbool', ram: 64, vcpus: 1, disk: 1, 'os-flavor-access:is_public': 'False' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.flavor['os-flavor-access:is_public'], false);
    const bad = await c.call('POST', '/flavors', c.admin, { flavor: { name: 'badbool', ram: 64, vcpus: 1, disk: 1, 'os-flavor-access:is_public': 'maybe' } });
    assert.equal(bad.status, 400);
    await c.call('DELETE', `/flavors/${r.body.flavor.id}`, c.admin);
  });

  test('omitted networks (before 2.37) boot without ports when the project has no network', async () => {
    const r = await c.call('POST', '/servers', c.other, { server: { name: 'no-net', imageRef: c.imageId, flavorRef: c.flavorId } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const s = await c.waitFor(r.body.server.id, c.other, 'ACTIVE');
    assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
    assert.deepEqual(s.addresses, {});
    assert.equal((await c.call('DELETE', `/servers/${s.id}`, c.other)).status, 204);
  });
});

describe('routes tempest found missing', () => {
  test('aggregates: CRUD, hosts, metadata, zones move hosts; admins only', async () => {
    const made = await c.call('POST', '/os-aggregates', c.admin, { aggregate: { name: 'agg1', availability_zone: 'zone-x' } }, '2.41');
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const id = made.body.aggregate.id;
    assert.equal(typeof id, 'number');
    assert.equal(made.body.aggregate.availability_zone, 'zone-x');
    assert.ok(made.body.aggregate.uuid);
    assert.equal((await c.call('POST', '/os-aggregates', c.admin, { aggregate: { name: 'agg1' } })).status, 409);
    assert.equal((await c.call('POST', '/os-aggregates', c.admin, { aggregate: { name: '' } })).status, 400);
    assert.equal((await c.call('GET', '/os-aggregates', c.demo)).status, 403);
    const added = await c.call('POST', `/os-aggregates/${id}/action`, c.admin, { add_host: { host: 'compute-1' } });
    assert.deepEqual(added.body.aggregate.hosts, ['compute-1']);
    assert.equal((await c.call('POST', `/os-aggregates/${id}/action`, c.admin, { add_host: { host: 'compute-1' } })).status, 409);
    assert.equal((await c.call('POST', `/os-aggregates/${id}/action`, c.admin, { add_host: { host: 'nowhere' } })).status, 404);
    const zones = await c.call('GET', '/os-availability-zone', c.demo);
    assert.ok(zones.body.availabilityZoneInfo.some((z: any) => z.zoneName === 'zone-x'));
    const meta = await c.call('POST', `/os-aggregates/${id}/action`, c.admin, { set_metadata: { metadata: { ssd: 'true' } } });
    assert.deepEqual(meta.body.aggregate.metadata, { availability_zone: 'zone-x', ssd: 'true' });
    assert.equal((await c.call('DELETE', `/os-aggregates/${id}`, c.admin)).status, 400);
    assert.equal((await c.call('POST', `/os-aggregates/${id}/action`, c.admin, { remove_host: { host: 'compute-1' } })).status, 200);
    assert.equal((await c.call('DELETE', `/os-aggregates/${id}`, c.admin)).status, 200);
    assert.equal((await c.call('GET', `/os-aggregates/${id}`, c.admin)).status, 404);
    // Ids are never reused, so concurrent clients cannot mistake a new aggregate for a deleted one.
    const next = await c.call('POST', '/os-aggregates', c.admin, { aggregate: { name: 'agg2' } });
    assert.equal(next.body.aggregate.id, id + 1);
    await c.call('DELETE', `/os-aggregates/${next.body.aggregate.id}`, c.admin);
  });

  test('os-hosts (before 2.43), hypervisor uptime and search, audit log, extensions, v2 version document', async () => {
    const hosts = await c.call('GET', '/os-hosts', c.admin);
    assert.ok(hosts.body.hosts.some((h: any) => h.host_name === 'compute-1' && h.service === 'compute'));
    assert.equal((await c.call('GET', '/os-hosts?zone=xxx', c.admin)).body.hosts.length, 0);
    const detail = await c.call('GET', '/os-hosts/compute-1', c.admin);
    assert.equal(detail.body.host[0].resource.project, '(total)');
    assert.equal((await c.call('GET', '/os-hosts/nowhere', c.admin)).status, 404);
    assert.equal((await c.call('GET', '/os-hosts', c.admin, undefined, '2.43')).status, 404);
    assert.equal((await c.call('PUT', '/os-hosts/compute-1', c.admin, { status: 'bogus' })).status, 400);
    const up = await c.call('GET', '/os-hypervisors/1/uptime', c.admin);
    assert.match(up.body.hypervisor.uptime, / up /);
    assert.equal((await c.call('GET', '/os-hypervisors/compute/search', c.admin)).body.hypervisors.length, 2);
    assert.equal((await c.call('GET', '/os-hypervisors/nothing/search', c.admin)).status, 404);
    const audit = await c.call('GET', '/os-instance_usage_audit_log', c.admin);
    assert.equal(audit.body.instance_usage_audit_logs.num_hosts_done, 0);
    assert.equal((await c.call('GET', '/os-instance_usage_audit_log/bad-time', c.admin)).status, 400);
    assert.equal((await c.call('GET', '/os-instance_usage_audit_log', c.demo)).status, 403);
    assert.ok((await c.call('GET', '/extensions', c.demo)).body.extensions.some((e: any) => e.name === 'Hosts'));
    const v2 = await fetch(`${c.cloud.urls.compute}/v2/`);
    assert.equal(((await v2.json()) as any).version.id, 'v2.0');
    assert.equal((await c.call('GET', '/os-simple-tenant-usage/', c.admin)).status, 404);
  });

  test('image proxy: list, detail, show, metadata, delete', async () => {
    const list = await c.call('GET', '/images/detail', c.demo);
    const img = list.body.images.find((i: any) => i.id === c.imageId);
    assert.equal(img.status, 'ACTIVE');
    assert.equal(img.minRam, 64);
    assert.equal((await c.call('GET', `/images?name=cirros-test`, c.demo)).body.images.length, 1);
    assert.equal((await c.call('GET', `/images/${c.imageId}`, c.demo)).body.image.id, c.imageId);
    assert.equal((await c.call('GET', '/images/00000000-0000-0000-0000-000000000000', c.demo)).status, 404);
    const set = await c.call('POST', `/images/${c.imageId}/metadata`, c.admin, { metadata: { os_distro: 'cirros' } });
    assert.equal(set.body.metadata.os_distro, 'cirros');
    assert.deepEqual((await c.call('GET', `/images/${c.imageId}/metadata/os_distro`, c.admin)).body, { meta: { os_distro: 'cirros' } });
    assert.equal((await c.call('DELETE', `/images/${c.imageId}/metadata/os_distro`, c.admin)).status, 204);
    assert.equal((await c.call('GET', `/images/${c.imageId}/metadata/os_distro`, c.admin)).status, 404);
  });

  test('keypairs: generated before 2.92 with a private key, integer id; required at 2.92', async () => {
    const gen = await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'gen' } }, '2.2');
    assert.equal(gen.status, 201, JSON.stringify(gen.body));
    assert.match(gen.body.keypair.public_key, /^ssh-rsa /);
    assert.match(gen.body.keypair.private_key, /BEGIN RSA PRIVATE KEY/);
    assert.match(gen.body.keypair.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    assert.equal(typeof (await c.call('GET', '/os-keypairs/gen', c.demo)).body.keypair.id, 'number');
    assert.equal((await c.call('POST', '/os-keypairs', c.demo, { keypair: { name: 'gen2' } }, '2.92')).status, 400);
  });

  test('servers: ips, password, diagnostics, backups with rotation, migrations, update body per microversion', async () => {
    const r = await c.call('POST', '/servers', c.demo, { server: { name: 'extras', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none', accessIPv6: '0000:0000:0000:0000:0000:babe:220.12.22.2' } }, '2.37');
    const s = await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
    assert.equal(s.accessIPv6, '::babe:dc0c:1602');
    assert.equal((await c.call('POST', '/servers', c.demo, { server: { name: 'bad', imageRef: c.imageId, flavorRef: c.flavorId, accessIPv4: '1.1.1.1.1' } })).status, 400);
    assert.deepEqual((await c.call('GET', `/servers/${s.id}/ips`, c.demo)).body, { addresses: {} });
    assert.deepEqual((await c.call('GET', `/servers/${s.id}/os-server-password`, c.demo)).body, { password: '' });
    assert.equal((await c.call('GET', `/servers/${s.id}/diagnostics`, c.demo)).status, 403);
    const diag = await c.call('GET', `/servers/${s.id}/diagnostics`, c.admin, undefined, '2.48');
    assert.equal(diag.body.num_cpus, 1);
    assert.equal(diag.body.state, 'running');
    // One of the virt drivers the 2.48 schema enumerates.
    assert.equal(diag.body.driver, 'libvirt');
    const upd = await c.call('PUT', `/servers/${s.id}`, c.demo, { server: { name: 'renamed' } });
    assert.equal(upd.body.server.name, 'renamed');
    assert.equal(upd.body.server['OS-EXT-STS:vm_state'], undefined);
    assert.ok((await c.call('PUT', `/servers/${s.id}`, c.demo, { server: { name: 'renamed' } }, '2.75')).body.server['OS-EXT-STS:vm_state']);

    const backup = (n: string) => c.call('POST', `/servers/${s.id}/action`, c.demo, { createBackup: { name: n, backup_type: 'daily', rotation: 2 } }, '2.45');
    const ids: string[] = [];
    for (const n of ['b1', 'b2', 'b3']) {
      const b = await backup(n);
      assert.equal(b.status, 202, JSON.stringify(b.body));
      ids.push(b.body.image_id);
      await c.waitFor(s.id, c.demo, 'ACTIVE');
      for (let i = 0; i < 200 && (await c.call('GET', `/images/${b.body.image_id}`, c.demo)).body.image?.status !== 'ACTIVE'; i++) await new Promise((res) => setTimeout(res, 25));
    }
    const left = await c.call('GET', `/images?server=${s.id}&type=backup`, c.demo);
    assert.deepEqual(left.body.images.map((i: any) => i.id).sort(), ids.slice(1).sort());

    const other = await c.call('POST', '/flavors', c.admin, { flavor: { name: 'test.bigger', ram: 1024, vcpus: 2, disk: 2, id: 'test-bigger' } });
    assert.equal(other.status, 200);
    assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.demo, { resize: { flavorRef: 'test-bigger' } })).status, 202);
    await c.waitFor(s.id, c.demo, 'VERIFY_RESIZE');
    const migs = await c.call('GET', `/os-migrations?instance_uuid=${s.id}`, c.admin, undefined, '2.80');
    assert.equal(migs.body.migrations[0].status, 'finished');
    assert.equal(migs.body.migrations[0].migration_type, 'resize');
    assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.demo, { confirmResize: null })).status, 204);
    assert.equal((await c.call('GET', `/os-migrations`, c.admin)).body.migrations[0].status, 'confirmed');
    assert.equal((await c.call('GET', `/os-migrations`, c.demo)).status, 403);
    assert.equal((await c.call('DELETE', `/servers/${s.id}`, c.demo)).status, 204);
    assert.ok((await c.call('GET', `/servers/${s.id}/os-instance-actions`, c.demo, undefined, '2.21')).body.instanceActions.length >= 1);
    assert.equal((await c.call('GET', `/servers/${s.id}/os-instance-actions`, c.demo)).status, 404);
  });

  test('list filters reject dates that are not ISO 8601', async () => {
    assert.equal((await c.call('GET', '/servers?changes-since=2011/01/01', c.demo)).status, 400);
    assert.equal((await c.call('GET', '/servers?changes-since=2011-01-01T12:34:00Z', c.demo)).status, 200);
  });
});

describe('server actions as Nova', () => {
  test('OS-DCF:diskConfig follows update, rebuild and resize; snapshot metadata wins over image_type', async () => {
    const r = await c.call('POST', '/servers', c.demo, { server: { name: 'dcf', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none', 'OS-DCF:diskConfig': 'AUTO' } }, '2.37');
    const id = r.body.server.id;
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await c.call('PUT', `/servers/${id}`, c.demo, { server: { 'OS-DCF:diskConfig': 'MANUAL' } })).body.server['OS-DCF:diskConfig'], 'MANUAL');
    const rb = await c.call('POST', `/servers/${id}/action`, c.demo, { rebuild: { imageRef: c.imageId, 'OS-DCF:diskConfig': 'AUTO' } });
    assert.equal(rb.body.server['OS-DCF:diskConfig'], 'AUTO');
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { resize: { flavorRef: 'test-bigger', 'OS-DCF:diskConfig': 'MANUAL' } })).status, 202);
    const resized = await c.waitFor(id, c.demo, 'VERIFY_RESIZE');
    assert.equal(resized['OS-DCF:diskConfig'], 'MANUAL');
    await c.call('POST', `/servers/${id}/action`, c.demo, { confirmResize: null });
    const snap = await c.call('POST', `/servers/${id}/action`, c.demo, { createImage: { name: 'mine', metadata: { image_type: 'test' } } }, '2.45');
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal((await c.call('GET', `/images/${snap.body.image_id}`, c.demo)).body.image.metadata.image_type, 'test');
    await c.call('DELETE', `/servers/${id}`, c.demo);
  });

  test('os-server-external-events: acknowledged per server, 404 when none exists, admins only', async () => {
    const r = await c.call('POST', '/servers', c.demo, { server: { name: 'ev', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none' } }, '2.37');
    const s = await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
    const body = { events: [{ name: 'network-changed', server_uuid: s.id }] };
    assert.equal((await c.call('POST', '/os-server-external-events', c.demo, body)).status, 403);
    const ok = await c.call('POST', '/os-server-external-events', c.admin, body);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.events[0], { name: 'network-changed', server_uuid: s.id, status: 'completed', code: 200 });
    const gone = await c.call('POST', '/os-server-external-events', c.admin, { events: [{ name: 'network-changed', server_uuid: '00000000-0000-0000-0000-000000000000' }] });
    assert.equal(gone.status, 404);
    assert.equal((await c.call('POST', '/os-server-external-events', c.admin, { events: [{ name: 'power-update', server_uuid: s.id }] })).status, 400);
    await c.call('DELETE', `/servers/${s.id}`, c.demo);
  });
});

describe('microversioned action bodies', () => {
  test('unshelve to a host (2.91, admins); rebuild shows key_name since 2.54', async () => {
    const r = await c.call('POST', '/servers', c.demo, { server: { name: 'shelf', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none' } }, '2.37');
    const s = await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
    const rb = await c.call('POST', `/servers/${s.id}/action`, c.demo, { rebuild: { imageRef: c.imageId } }, '2.54');
    assert.ok('key_name' in rb.body.server);
    await c.waitFor(s.id, c.demo, 'ACTIVE');
    assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.demo, { shelve: null })).status, 202);
    await c.waitFor(s.id, c.demo, 'SHELVED_OFFLOADED');
    assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.demo, { unshelve: { host: 'compute-2' } }, '2.91')).status, 403);
    assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.admin, { unshelve: { host: 'nowhere' } }, '2.91')).status, 400);
    assert.equal((await c.call('POST', `/servers/${s.id}/action`, c.admin, { unshelve: { host: 'compute-2' } }, '2.91')).status, 202);
    const back = await c.waitFor(s.id, c.admin, 'ACTIVE');
    assert.equal(back['OS-EXT-SRV-ATTR:host'], 'compute-2');
    await c.call('DELETE', `/servers/${s.id}`, c.demo);
  });
});
