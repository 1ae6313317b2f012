import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCloud, type Cloud } from '../../src/cloud.js';
import { IpamStore } from '../../src/services/network/store/ipam.js';
import type { NetworkTables } from '../../src/services/network/store/tables.js';
import { api } from '../helpers/cloud.js';
import { startNetCloud, type NetCloud } from './helpers.js';

type Result = { status: number; body: any };
const ipsOf = (rs: Result[]) => rs.filter((r) => r.status === 201).map((r) => r.body.port.fixed_ips[0].ip_address as string);

describe('network IPAM and quotas under concurrency', () => {
  let n: NetCloud;
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  const topology = async (cidr: string) => {
    const net = (await n.call('POST', '/v2.0/networks', n.demo, { network: { name: `ipam-${cidr}` } })).body.network;
    const sub = await n.call('POST', '/v2.0/subnets', n.demo, { subnet: { network_id: net.id, ip_version: 4, cidr } });
    assert.equal(sub.status, 201);
    return net.id as string;
  };

  it('200 concurrent port creates on a /24 never share an address; exhaustion is 409 IpAddressGenerationFailure', async () => {
    const netId = await topology('10.50.0.0/24');
    const create = () => n.call('POST', '/v2.0/ports', n.demo, { port: { network_id: netId } });
    const first = await Promise.all(Array.from({ length: 200 }, create));
    assert.deepEqual([...new Set(first.map((r) => r.status))], [201]);
    const ips = ipsOf(first);
    assert.equal(new Set(ips).size, 200, 'no address handed out twice');
    // The pool holds 253 addresses (.2 - .254): 53 more fit, the rest fail cleanly.
    const rest = await Promise.all(Array.from({ length: 60 }, create));
    const ok = rest.filter((r) => r.status === 201).length;
    assert.equal(ok, 53);
    for (const r of rest.filter((x) => x.status !== 201)) {
      assert.equal(r.status, 409);
      assert.equal(r.body.NeutronError.type, 'IpAddressGenerationFailure');
    }
    const all = [...ips, ...ipsOf(rest)];
    assert.equal(new Set(all).size, 253);
    assert.ok(!all.includes('10.50.0.1'), 'the gateway is never handed out');
    const groups = (await n.call('GET', '/v2.0/security-groups?name=default', n.demo)).body.security_groups;
    assert.equal(groups.length, 1, 'one default security group despite racing first uses');
  });

  it('concurrent requests for the same fixed IP: exactly one wins', async () => {
    const netId = await topology('10.51.0.0/24');
    const rs = await Promise.all(Array.from({ length: 20 }, () => n.call('POST', '/v2.0/ports', n.demo, { port: { network_id: netId, fixed_ips: [{ ip_address: '10.51.0.77' }] } })));
    assert.equal(rs.filter((r) => r.status === 201).length, 1);
    assert.ok(rs.filter((r) => r.status !== 201).every((r) => r.body.NeutronError.type === 'IpAddressAlreadyAllocated'));
  });

  it('claims left by a crash between claim and port create are swept, fresh ones and real ports kept', async () => {
    const netId = await topology('10.53.0.0/24');
    const port = (await n.call('POST', '/v2.0/ports', n.demo, { port: { network_id: netId } })).body.port;
    const db = n.cloud.ctx.db.typed<NetworkTables>();
    const subnetId = port.fixed_ips[0].subnet_id;
    const old = '2000-01-01T00:00:00.000Z';
    await db.insertInto('net_ip_allocations').values({ subnet_id: subnetId, ip_address: '10.53.0.200', port_id: 'crashed', claimed_at: old }).execute();
    await db.insertInto('net_macs').values({ network_id: netId, mac_address: 'fa:16:3e:aa:bb:cc', port_id: 'crashed', claimed_at: old }).execute();
    await db.insertInto('net_ip_allocations').values({ subnet_id: subnetId, ip_address: '10.53.0.201', port_id: 'in-flight', claimed_at: new Date().toISOString() }).execute();
    const ipam = new IpamStore(db);
    assert.equal(await ipam.sweepOrphans(new Date(Date.now() - 60_000).toISOString()), 2);
    assert.deepEqual((await ipam.allocated(subnetId)).sort(), [port.fixed_ips[0].ip_address, '10.53.0.201'].sort());
  });

  it('racing creates never take a project past its quota', async () => {
    await n.call('PUT', `/v2.0/quotas/${n.otherProjectId}`, n.admin, { quota: { network: 3 } });
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => n.call('POST', '/v2.0/networks', n.other, { network: { name: `q${i}` } })));
    const made = rs.filter((r) => r.status === 201).length;
    assert.ok(made >= 1 && made <= 3, `${made} created`);
    for (const r of rs.filter((x) => x.status !== 201)) assert.equal(r.body.NeutronError.type, 'OverQuota');
    const used = (await n.call('GET', `/v2.0/quotas/${n.otherProjectId}/details`, n.other)).body.quota.network.used;
    assert.equal(used, made);
  });

  it('two cloud processes over one PostgreSQL database never share an address', async (t) => {
    if (!process.env.SCS_TEST_DATABASE) return t.skip('needs PostgreSQL: runs in the PostgreSQL pass of .ci/run (SCS_TEST_DATABASE)');
    // A second instance on the same data folder (same token keys) and the same database.
    const second: Cloud = await startCloud({ dataDir: n.cloud.dataDir, databaseUrl: n.cloud.config.databaseUrl, allPorts: 0, logLevel: 'silent', only: ['identity', 'network'] });
    try {
      const netId = await topology('10.52.0.0/24');
      const body = { port: { network_id: netId } };
      const rs = await Promise.all(
        Array.from({ length: 200 }, (_, i) => api(`${i % 2 ? second.urls.network : n.cloud.urls.network}/v2.0/ports`, { method: 'POST', token: n.demo, body })),
      );
      assert.deepEqual([...new Set(rs.map((r) => r.status))], [201]);
      assert.equal(new Set(ipsOf(rs)).size, 200);
    } finally {
      await second.close();
    }
  });
});
