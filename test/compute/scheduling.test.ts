import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serverBody, startComputeCloud, type ComputeCloud } from './helpers.js';

let c: ComputeCloud;
before(async () => {
  // Two small hosts in two zones, so that capacity, zones and group policies decide.
  c = await startComputeCloud({
    compute: {
      hosts: [
        { name: 'host-a', zone: 'az1', vcpus: 4, memoryMb: 4096, diskGb: 100 },
        { name: 'host-b', zone: 'az2', vcpus: 4, memoryMb: 4096, diskGb: 100 },
      ],
      allocationRatios: { VCPU: 1, MEMORY_MB: 1, DISK_GB: 1 },
    },
  });
});
after(async () => {
  await c.cloud.close();
});

const boot = async (token: string, extra: Record<string, unknown> = {}, hints?: Record<string, unknown>) => {
  const body: Record<string, unknown> = serverBody(c, extra);
  if (hints) body['os:scheduler_hints'] = hints;
  return c.call('POST', '/servers', token, body, '2.95');
};
const hostOf = async (id: string) => (await c.call('GET', `/servers/${id}`, c.admin, undefined, '2.95')).body.server['OS-EXT-SRV-ATTR:host'];

describe('server groups and the scheduler', () => {
  test('anti-affinity spreads members; a third member finds no valid host and goes to ERROR with a fault', async () => {
    const g = await c.call('POST', '/os-server-groups', c.demo, { server_group: { name: 'spread', policy: 'anti-affinity' } }, '2.64');
    assert.equal(g.status, 200);
    assert.equal(g.body.server_group.policy, 'anti-affinity');
    const gid = g.body.server_group.id;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await boot(c.demo, { name: `spread-${i}` }, { group: gid });
      ids.push(r.body.server.id);
      await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
    }
    assert.notEqual(await hostOf(ids[0]), await hostOf(ids[1]));
    const third = await boot(c.demo, { name: 'spread-2' }, { group: gid });
    const s = await c.waitFor(third.body.server.id, c.demo, 'ERROR');
    assert.equal(s.status, 'ERROR');
    assert.equal(s.fault.code, 500);
    assert.match(s.fault.message, /^No valid host was found/);
    const shown = await c.call('GET', `/os-server-groups/${gid}`, c.demo, undefined, '2.64');
    assert.equal(shown.body.server_group.members.length, 3);
    const legacy = await c.call('GET', `/os-server-groups/${gid}`, c.demo, undefined, '2.1');
    assert.deepEqual(legacy.body.server_group.policies, ['anti-affinity']);
    assert.equal((await c.call('GET', `/os-server-groups/${gid}`, c.other)).status, 404);
    assert.ok(!(await c.call('GET', '/os-server-groups', c.other)).body.server_groups.some((x: any) => x.id === gid));
    for (const id of [...ids, third.body.server.id]) assert.equal((await c.call('DELETE', `/servers/${id}`, c.demo)).status, 204);
    assert.equal((await c.call('DELETE', `/os-server-groups/${gid}`, c.demo)).status, 204);
  });

  test('the members of one multi-create in an anti-affinity group, built concurrently, land on different hosts', async () => {
    for (let round = 0; round < 3; round++) {
      const gid = (await c.call('POST', '/os-server-groups', c.demo, { server_group: { name: `race-${round}`, policy: 'anti-affinity' } }, '2.64')).body.server_group.id;
      const r = await boot(c.demo, { name: `race-${round}`, min_count: 2, max_count: 2, return_reservation_id: true }, { group: gid });
      assert.equal(r.status, 202);
      const list = await c.call('GET', `/servers?reservation_id=${r.body.reservation_id}`, c.demo, undefined, '2.95');
      const ids: string[] = list.body.servers.map((s: { id: string }) => s.id);
      assert.equal(ids.length, 2);
      for (const id of ids) await c.waitFor(id, c.demo, 'ACTIVE');
      assert.notEqual(await hostOf(ids[0]), await hostOf(ids[1]));
      for (const id of ids) assert.equal((await c.call('DELETE', `/servers/${id}`, c.demo)).status, 204);
      assert.equal((await c.call('DELETE', `/os-server-groups/${gid}`, c.demo)).status, 204);
    }
  });

  test('affinity keeps members together; bad policies and rules are 400', async () => {
    const g = await c.call('POST', '/os-server-groups', c.demo, { server_group: { name: 'together', policies: ['affinity'] } });
    const gid = g.body.server_group.id;
    const a = (await boot(c.demo, { name: 'aff-0' }, { group: gid })).body.server.id;
    await c.waitFor(a, c.demo, 'ACTIVE');
    const b = (await boot(c.demo, { name: 'aff-1' }, { group: gid })).body.server.id;
    await c.waitFor(b, c.demo, 'ACTIVE');
    assert.equal(await hostOf(a), await hostOf(b));
    assert.equal((await c.call('POST', '/os-server-groups', c.demo, { server_group: { name: 'x', policy: 'sideways' } }, '2.64')).status, 400);
    assert.equal((await c.call('POST', '/os-server-groups', c.demo, { server_group: { name: 'x', policy: 'affinity', rules: { max_server_per_host: 2 } } }, '2.64')).status, 400);
    assert.equal((await boot(c.demo, {}, { group: 'not-a-uuid' })).status, 400);
    for (const id of [a, b]) await c.call('DELETE', `/servers/${id}`, c.demo);
  });

  test('scheduler hints same_host and different_host (one id or a list); bad ids are 400', async () => {
    const first = (await boot(c.demo, { name: 'hint-0' })).body.server.id;
    await c.waitFor(first, c.demo, 'ACTIVE');
    const near = (await boot(c.demo, { name: 'hint-1' }, { same_host: first })).body.server.id;
    const far = (await boot(c.demo, { name: 'hint-2' }, { different_host: [first] })).body.server.id;
    for (const id of [near, far]) assert.equal((await c.waitFor(id, c.demo, 'ACTIVE')).status, 'ACTIVE');
    assert.equal(await hostOf(near), await hostOf(first));
    assert.notEqual(await hostOf(far), await hostOf(first));
    // Both hosts are taken by the listed servers: nowhere to go.
    const none = (await boot(c.demo, { name: 'hint-3' }, { different_host: [first, far] })).body.server.id;
    const failed = await c.waitFor(none, c.demo, 'ERROR');
    assert.match(failed.fault.message, /No valid host/);
    assert.equal((await boot(c.demo, {}, { same_host: 'not-a-uuid' })).status, 400);
    assert.equal((await boot(c.demo, {}, { different_host: [first, 7] })).status, 400);
    for (const id of [first, near, far, none]) await c.call('DELETE', `/servers/${id}`, c.demo);
  });

  test('availability zones: the server lands in the requested zone; unknown zone is 400', async () => {
    const r = await boot(c.demo, { availability_zone: 'az2' });
    const s = await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
    assert.equal(s['OS-EXT-AZ:availability_zone'], 'az2');
    assert.equal(await hostOf(s.id), 'host-b');
    const zones = await c.call('GET', '/os-availability-zone', c.demo);
    assert.deepEqual(zones.body.availabilityZoneInfo.map((z: any) => z.zoneName).sort(), ['az1', 'az2']);
    assert.equal((await c.call('GET', '/os-availability-zone/detail', c.demo)).status, 403);
    assert.ok((await c.call('GET', '/os-availability-zone/detail', c.admin)).body.availabilityZoneInfo.length >= 2);
    await c.call('DELETE', `/servers/${s.id}`, c.demo);
  });

  test('capacity: placement refuses what does not fit (allocation ratio 1)', async () => {
    await c.call('POST', '/flavors', c.admin, { flavor: { name: 'huge', ram: 8192, vcpus: 1, disk: 1, id: 'huge' } });
    const r = await c.call('POST', '/servers', c.admin, serverBody(c, { flavorRef: 'huge' }), '2.95');
    const s = await c.waitFor(r.body.server.id, c.admin, 'ERROR');
    assert.match(s.fault.message, /No valid host/);
    assert.ok(s.fault.details, 'admins see the fault details');
    await c.call('DELETE', `/servers/${s.id}`, c.admin);
  });
});

describe('live migration', () => {
  test('os-migrateLive moves an ACTIVE guest to the other host (admin only); a down target fails into ERROR', async () => {
    const r = await c.call('POST', '/servers', c.demo, serverBody(c, { availability_zone: 'az1' }), '2.95');
    const id = r.body.server.id;
    await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal(await hostOf(id), 'host-a');
    assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.30')).status, 403);
    assert.equal((await c.call('POST', `/servers/${id}/action`, c.admin, { 'os-migrateLive': { host: 'nowhere', block_migration: 'auto' } }, '2.30')).status, 400);
    // Zones bind the guest to az1, where host-a is the only host: an unforced migration finds no other.
    const stuck = await c.call('POST', `/servers/${id}/action`, c.admin, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.30');
    assert.equal(stuck.status, 202);
    await new Promise((res) => setTimeout(res, 200));
    const still = await c.waitFor(id, c.demo, 'ACTIVE');
    assert.equal(still.status, 'ACTIVE');
    assert.equal(await hostOf(id), 'host-a');
    const events = await c.call('GET', `/servers/${id}/os-instance-actions`, c.admin);
    assert.equal(events.body.instanceActions[0].action, 'live-migration');

    const free = await c.call('POST', '/servers', c.demo, serverBody(c), '2.95');
    await c.waitFor(free.body.server.id, c.demo, 'ACTIVE');
    const from = await hostOf(free.body.server.id);
    assert.equal((await c.call('POST', `/servers/${free.body.server.id}/action`, c.admin, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.30')).status, 202);
    for (let i = 0; i < 200 && (await hostOf(free.body.server.id)) === from; i++) await new Promise((res) => setTimeout(res, 25));
    assert.notEqual(await hostOf(free.body.server.id), from);
    assert.equal((await c.waitFor(free.body.server.id, c.demo, 'ACTIVE')).status, 'ACTIVE');
    for (const s of [id, free.body.server.id]) await c.call('DELETE', `/servers/${s}`, c.demo);
  });
});

describe('quotas and limits', () => {
  test('limits show used counts; exceeding instances is 403 with Nova’s message; admin sets quotas', async () => {
    assert.equal((await c.call('PUT', `/os-quota-sets/${c.demoProjectId}`, c.demo, { quota_set: { instances: 1 } })).status, 403);
    const set = await c.call('PUT', `/os-quota-sets/${c.demoProjectId}`, c.admin, { quota_set: { instances: 1 } });
    assert.equal(set.status, 200);
    assert.equal(set.body.quota_set.instances, 1);
    const first = await boot(c.demo);
    assert.equal(first.status, 202);
    const second = await boot(c.demo);
    assert.equal(second.status, 403);
    assert.match(second.body.forbidden.message, /^Quota exceeded for instances: Requested 1, but already used 1 of 1 instances/);
    const limits = await c.call('GET', '/limits', c.demo);
    assert.equal(limits.body.limits.absolute.maxTotalInstances, 1);
    assert.equal(limits.body.limits.absolute.totalInstancesUsed, 1);
    const detail = await c.call('GET', `/os-quota-sets/${c.demoProjectId}/detail`, c.demo);
    assert.deepEqual(detail.body.quota_set.instances, { limit: 1, in_use: 1, reserved: 0 });
    assert.equal((await c.call('GET', `/os-quota-sets/${c.demoProjectId}`, c.other)).status, 403);
    assert.equal((await c.call('PUT', `/os-quota-sets/${c.demoProjectId}`, c.admin, { quota_set: { instances: 'many' } })).status, 400);
    assert.equal((await c.call('PUT', `/os-quota-sets/${c.demoProjectId}`, c.admin, { quota_set: { widgets: 1 } })).status, 400);
    assert.equal((await c.call('GET', `/os-quota-sets/${c.demoProjectId}/defaults`, c.demo)).body.quota_set.instances, 10);
    assert.equal((await c.call('PUT', '/os-quota-class-sets/default', c.demo, { quota_class_set: { instances: 15 } })).status, 403);
    assert.equal((await c.call('PUT', '/os-quota-class-sets/default', c.admin, { quota_class_set: { instances: 15 } })).body.quota_class_set.instances, 15);
    assert.equal((await c.call('GET', `/os-quota-sets/${c.otherProjectId}`, c.admin)).body.quota_set.instances, 15);
    assert.equal((await c.call('GET', '/os-quota-class-sets/default', c.admin)).body.quota_class_set.id, 'default');
    await c.call('PUT', '/os-quota-class-sets/default', c.admin, { quota_class_set: { instances: 10 } });
    await c.call('DELETE', `/servers/${first.body.server.id}`, c.demo);
    assert.equal((await c.call('DELETE', `/os-quota-sets/${c.demoProjectId}`, c.admin)).status, 202);
  });

  test('min_count/max_count boots as many as fit, return_reservation_id', async () => {
    const r = await c.call('POST', '/servers', c.demo, serverBody(c, { name: 'multi', min_count: 2, max_count: 3, return_reservation_id: true }), '2.95');
    assert.equal(r.status, 202);
    assert.match(r.body.reservation_id, /^r-/);
    const list = await c.call('GET', `/servers?reservation_id=${r.body.reservation_id}`, c.demo);
    assert.deepEqual(list.body.servers.map((s: any) => s.name).sort(), ['multi-1', 'multi-2', 'multi-3']);
    for (const s of list.body.servers) {
      await c.waitFor(s.id, c.demo, 'ACTIVE');
      await c.call('DELETE', `/servers/${s.id}`, c.demo);
    }
  });
});

describe('operators: hypervisors, services, fault injection', () => {
  test('hypervisors and services for admins only; disabling a host keeps builds off it', async () => {
    assert.equal((await c.call('GET', '/os-hypervisors', c.demo)).status, 403);
    const hv = await c.call('GET', '/os-hypervisors/detail', c.admin, undefined, '2.53');
    assert.deepEqual(hv.body.hypervisors.map((h: any) => h.hypervisor_hostname), ['host-a', 'host-b']);
    assert.equal(hv.body.hypervisors[0].hypervisor_type, 'simulated');
    const stats = await c.call('GET', '/os-hypervisors/statistics', c.admin);
    assert.equal(stats.body.hypervisor_statistics.count, 2);
    const services = await c.call('GET', '/os-services', c.admin, undefined, '2.53');
    const a = services.body.services.find((s: any) => s.host === 'host-a');
    const off = await c.call('PUT', `/os-services/${a.id}`, c.admin, { status: 'disabled', disabled_reason: 'maintenance' }, '2.53');
    assert.equal(off.body.service.status, 'disabled');
    const r = await c.call('POST', '/servers', c.demo, serverBody(c), '2.95');
    await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
    assert.equal(await hostOf(r.body.server.id), 'host-b');
    await c.call('PUT', `/os-services/${a.id}`, c.admin, { status: 'enabled' }, '2.53');
    await c.call('DELETE', `/servers/${r.body.server.id}`, c.demo);
  });

  test('fault injection: fail the next build, take a host down (admin only)', async () => {
    const path = '/os-simulator/hosts/host-b/faults';
    assert.equal((await c.call('POST', path, c.demo, { faults: { fail_builds: 1 } })).status, 403);
    assert.equal((await c.call('POST', '/os-simulator/hosts/nope/faults', c.admin, { faults: { fail_builds: 1 } })).status, 404);
    assert.equal((await c.call('POST', path, c.admin, { faults: { fail_builds: 'x' } })).status, 400);
    assert.equal((await c.call('POST', path, c.admin, { faults: { fail_builds: 1 } })).body.faults.fail_builds, 1);
    const r = await c.call('POST', '/servers', c.demo, serverBody(c, { availability_zone: 'az2' }), '2.95');
    const s = await c.waitFor(r.body.server.id, c.demo, 'ERROR');
    assert.match(s.fault.message, /simulated build failure/);
    const ok = await c.call('POST', '/servers', c.demo, serverBody(c, { availability_zone: 'az2' }), '2.95');
    await c.waitFor(ok.body.server.id, c.demo, 'ACTIVE');
    await c.call('POST', path, c.admin, { faults: { down: true } });
    const hv = await c.call('GET', '/os-hypervisors', c.admin);
    assert.equal(hv.body.hypervisors.find((h: any) => h.hypervisor_hostname === 'host-b').state, 'down');
    const seen = await c.call('GET', `/servers/${ok.body.server.id}`, c.admin, undefined, '2.16');
    assert.equal(seen.body.server.host_status, 'DOWN');
    assert.equal((await c.call('GET', `/servers/${ok.body.server.id}`, c.demo, undefined, '2.16')).body.server.host_status, undefined);
    const stop = await c.call('POST', `/servers/${ok.body.server.id}/action`, c.demo, { 'os-stop': null });
    assert.equal(stop.status, 202);
    const failed = await c.waitFor(ok.body.server.id, c.demo, 'SHUTOFF');
    assert.equal(failed.status, 'ERROR');
    assert.equal((await c.call('DELETE', path, c.admin)).status, 204);
    for (const id of [s.id, ok.body.server.id]) assert.equal((await c.call('DELETE', `/servers/${id}`, c.demo)).status, 204);
  });
});

describe('usage', () => {
  test('os-simple-tenant-usage: own project for members, every project for admins', async () => {
    const r = await c.call('POST', '/servers', c.demo, serverBody(c, { name: 'metered' }), '2.95');
    await c.waitFor(r.body.server.id, c.demo, 'ACTIVE');
    const own = await c.call('GET', `/os-simple-tenant-usage/${c.demoProjectId}?start=2000-01-01T00:00:00`, c.demo);
    assert.equal(own.status, 200);
    assert.ok(own.body.tenant_usage.server_usages.some((s: any) => s.instance_id === r.body.server.id && s.state === 'active'));
    assert.ok(own.body.tenant_usage.total_hours > 0);
    assert.equal((await c.call('GET', `/os-simple-tenant-usage/${c.otherProjectId}`, c.demo)).status, 403);
    assert.equal((await c.call('GET', '/os-simple-tenant-usage', c.demo)).status, 403);
    const all = await c.call('GET', '/os-simple-tenant-usage?detailed=1&start=2000-01-01T00:00:00', c.admin);
    assert.ok(all.body.tenant_usages.some((t: any) => t.tenant_id === c.demoProjectId));
    assert.equal((await c.call('GET', '/os-simple-tenant-usage?start=never', c.admin)).status, 400);
    // start and stop echo the request's microseconds, as Python's isoformat (openstacksdk compares them).
    const micro = await c.call('GET', `/os-simple-tenant-usage/${c.demoProjectId}?start=2000-01-01T00:00:00.749082&end=2100-01-01T00:00:00.000000`, c.demo);
    assert.equal(micro.body.tenant_usage.start, '2000-01-01T00:00:00.749082');
    assert.equal(micro.body.tenant_usage.stop, '2100-01-01T00:00:00');
    await c.call('DELETE', `/servers/${r.body.server.id}`, c.demo);
  });
});
