import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCloud } from '../../src/cloud.js';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { backend, lbUrl, vipSubnet, waitActive } from './helpers.js';

describe('load balancer: a restarted server rebuilds the data plane', () => {
  let cloud: TestCloud;
  let a: Awaited<ReturnType<typeof backend>>;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'network', 'loadbalancer'], services: { loadbalancer: { ephemeralPorts: true } } });
    a = await backend('a');
  });
  after(async () => {
    await a.close();
    await cloud.close();
  });

  it('re-creates the listening sockets of ACTIVE load balancers on start', async () => {
    const demo = await cloud.demoToken();
    const subnet = await vipSubnet(cloud, demo);
    const lb = (await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { name: 'durable', vip_subnet_id: subnet } } })).body.loadbalancer;
    await waitActive(cloud, demo, lb.id);
    const l = (await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 80 } } })).body.listener;
    await waitActive(cloud, demo, lb.id);
    const p = (await api(lbUrl(cloud, '/pools'), { method: 'POST', token: demo, body: { pool: { listener_id: l.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } } })).body.pool;
    await waitActive(cloud, demo, lb.id);
    await api(lbUrl(cloud, `/pools/${p.id}/members`), { method: 'POST', token: demo, body: { member: { address: '127.0.0.1', protocol_port: a.port } } });
    await waitActive(cloud, demo, lb.id);

    // A second server process on the same data folder and database, as after a restart.
    const second = await startCloud({ dataDir: cloud.dataDir, allPorts: 0, logLevel: 'silent', databaseUrl: cloud.config.databaseUrl, only: ['identity', 'network', 'loadbalancer'], services: { identity: { passwordHashRounds: 4 }, loadbalancer: { ephemeralPorts: true } } });
    try {
      const listener = (await api(`${second.urls.loadbalancer}/v2/lbaas/listeners/${l.id}`, { token: demo })).body.listener;
      assert.match(listener.bound_address, /^127\.0\.0\.1:\d+$/);
      const r = (await (await fetch(`http://${listener.bound_address}/`)).json()) as { name: string };
      assert.equal(r.name, 'a');
    } finally {
      await second.close();
    }
  });
});
