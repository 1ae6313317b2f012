import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openstack, requireTool } from '../helpers/clients.js';
import { isAlive } from '../../src/services/network/model/scheduler.js';
import type { AgentRow } from '../../src/services/network/store/tables.js';
import { faultType, startNetCloud, type NetCloud } from './helpers.js';

/** agent, l3_agent_scheduler, dhcp_agent_scheduler and the availability zones the agents give. */
describe('network: agents and their schedulers', () => {
  let n: NetCloud;
  let dhcp: any;
  let l3: any;
  const admin = (method: string, path: string, body?: unknown) => n.call(method, path, n.admin, body);
  before(async () => {
    n = await startNetCloud();
    const agents = (await admin('GET', '/v2.0/agents')).body.agents;
    dhcp = agents.find((a: any) => a.agent_type === 'DHCP agent');
    l3 = agents.find((a: any) => a.agent_type === 'L3 agent');
  });
  after(async () => n?.cloud.close());

  it('lists a live DHCP and L3 agent of this host for admins, with Neutron fields', async () => {
    assert.ok(dhcp && l3);
    assert.deepEqual(Object.keys(l3).sort(), [
      'admin_state_up', 'agent_type', 'alive', 'availability_zone', 'binary', 'configurations', 'created_at', 'description', 'heartbeat_timestamp', 'host', 'id', 'started_at', 'topic',
    ]);
    assert.equal(l3.binary, 'neutron-l3-agent');
    assert.equal(l3.topic, 'l3_agent');
    assert.equal(dhcp.binary, 'neutron-dhcp-agent');
    assert.equal(dhcp.host, l3.host);
    assert.equal(l3.alive, true);
    assert.equal(l3.admin_state_up, true);
    assert.equal(l3.availability_zone, 'nova');
    assert.equal(l3.configurations.agent_mode, 'legacy');
    assert.match(l3.heartbeat_timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(l3.description, null);
    const filtered = await admin('GET', '/v2.0/agents?agent_type=L3+agent&fields=id&fields=alive');
    assert.deepEqual(filtered.body.agents, [{ id: l3.id, alive: true }]);
    assert.equal((await admin('GET', `/v2.0/agents/${dhcp.id}`)).body.agent.id, dhcp.id);
  });

  it('an agent is alive until its last heartbeat is older than agent_down_time (75 s)', () => {
    const now = Date.parse('2024-01-02T03:04:05.000Z');
    const beat = (secondsAgo: number) => ({ heartbeat_timestamp: new Date(now - secondsAgo * 1000).toISOString() }) as AgentRow;
    assert.equal(isAlive(beat(30), now), true);
    assert.equal(isAlive(beat(75), now), true);
    assert.equal(isAlive(beat(76), now), false);
  });

  it('hides agents from members: an empty list, 404 for one, also on update and delete', async () => {
    assert.deepEqual((await n.call('GET', '/v2.0/agents', n.demo)).body, { agents: [] });
    for (const [method, body] of [['GET'], ['PUT', { agent: { description: 'x' } }], ['DELETE']] as const) {
      const r = await n.call(method, `/v2.0/agents/${l3.id}`, n.demo, body);
      assert.equal(r.status, 404, method);
      assert.equal(faultType(r), 'HTTPNotFound');
    }
    const routers = await n.call('GET', `/v2.0/agents/${l3.id}/l3-routers`, n.demo);
    assert.equal(routers.status, 403);
    assert.equal(faultType(routers), 'PolicyNotAuthorized');
  });

  it('updates only description and admin_state_up', async () => {
    const r = await admin('PUT', `/v2.0/agents/${dhcp.id}`, { agent: { description: 'serves DHCP' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.agent.description, 'serves DHCP');
    const host = await admin('PUT', `/v2.0/agents/${dhcp.id}`, { agent: { host: 'elsewhere' } });
    assert.equal(host.status, 400);
    const bad = await admin('PUT', `/v2.0/agents/${dhcp.id}`, { agent: { admin_state_up: 'maybe' } });
    assert.equal(bad.status, 400);
    const missing = await admin('PUT', '/v2.0/agents/00000000-0000-0000-0000-000000000000', { agent: { description: 'x' } });
    assert.equal(faultType(missing), 'AgentNotFound');
  });

  it('hosts a new router on the L3 agent; remove and add it again; refuses a DHCP agent', async () => {
    const router = await n.create('routers', 'router', { name: 'hosted' });
    const hosting = await admin('GET', `/v2.0/routers/${router.id}/l3-agents`);
    assert.deepEqual(hosting.body.agents.map((a: any) => a.id), [l3.id]);
    assert.ok((await admin('GET', `/v2.0/agents/${l3.id}/l3-routers`)).body.routers.some((r: any) => r.id === router.id));
    assert.deepEqual(router.availability_zones, ['nova'], 'the zone of its L3 agent');
    assert.equal((await admin('DELETE', `/v2.0/agents/${l3.id}/l3-routers/${router.id}`)).status, 204);
    assert.deepEqual((await admin('GET', `/v2.0/routers/${router.id}/l3-agents`)).body.agents, []);
    assert.deepEqual((await n.call('GET', `/v2.0/routers/${router.id}`, n.demo)).body.router.availability_zones, []);
    const added = await n.call('POST', `/v2.0/agents/${l3.id}/l3-routers`, n.admin, { router_id: router.id });
    assert.equal(added.status, 201);
    assert.equal(added.body, null);
    assert.equal((await admin('POST', `/v2.0/agents/${l3.id}/l3-routers`, { router_id: router.id })).status, 201, 'adding to the hosting agent again is a no-op');
    assert.equal((await admin('GET', `/v2.0/agents/${l3.id}`)).body.agent.configurations.routers, 1);
    const wrong = await admin('POST', `/v2.0/agents/${dhcp.id}/l3-routers`, { router_id: router.id });
    assert.equal(wrong.status, 404);
    assert.equal(faultType(wrong), 'InvalidL3Agent');
    const unknown = await admin('POST', `/v2.0/agents/${l3.id}/l3-routers`, { router_id: '00000000-0000-0000-0000-000000000000' });
    assert.equal(faultType(unknown), 'RouterNotFound');
    assert.equal((await admin('POST', `/v2.0/agents/${l3.id}/l3-routers`, { router_id: 'nope' })).status, 400);
  });

  it('hosts a network with a DHCP subnet on the DHCP agent; add and remove by hand', async () => {
    const served = await n.create('networks', 'network', { name: 'served' });
    assert.deepEqual(served.availability_zones, [], 'no DHCP agent hosts it yet');
    await n.create('subnets', 'subnet', { network_id: served.id, ip_version: 4, cidr: '10.40.0.0/24' });
    assert.deepEqual((await n.call('GET', `/v2.0/networks/${served.id}`, n.demo)).body.network.availability_zones, ['nova']);
    assert.deepEqual((await admin('GET', `/v2.0/networks/${served.id}/dhcp-agents`)).body.agents.map((a: any) => a.id), [dhcp.id]);
    const bare = await n.create('networks', 'network', { name: 'bare' });
    await n.create('subnets', 'subnet', { network_id: bare.id, ip_version: 4, cidr: '10.41.0.0/24', enable_dhcp: false });
    assert.deepEqual((await admin('GET', `/v2.0/networks/${bare.id}/dhcp-agents`)).body.agents, [], 'no DHCP, no DHCP agent');
    const added = await admin('POST', `/v2.0/agents/${dhcp.id}/dhcp-networks`, { network_id: bare.id });
    assert.equal(added.status, 201);
    const again = await admin('POST', `/v2.0/agents/${dhcp.id}/dhcp-networks`, { network_id: bare.id });
    assert.equal(again.status, 409);
    assert.equal(faultType(again), 'NetworkHostedByDHCPAgent');
    const listed = (await admin('GET', `/v2.0/agents/${dhcp.id}/dhcp-networks`)).body.networks.map((x: any) => x.id);
    assert.ok(listed.includes(bare.id) && listed.includes(served.id));
    assert.equal((await admin('DELETE', `/v2.0/agents/${dhcp.id}/dhcp-networks/${bare.id}`)).status, 204);
    const twice = await admin('DELETE', `/v2.0/agents/${dhcp.id}/dhcp-networks/${bare.id}`);
    assert.equal(twice.status, 409);
    assert.equal(faultType(twice), 'NetworkNotHostedByDhcpAgent');
    assert.equal(faultType(await admin('POST', `/v2.0/agents/${l3.id}/dhcp-networks`, { network_id: bare.id })), 'InvalidDHCPAgent');
    assert.equal(faultType(await admin('POST', `/v2.0/agents/${dhcp.id}/dhcp-networks`, { network_id: '00000000-0000-0000-0000-000000000000' })), 'NetworkNotFound');
  });

  it('switching DHCP on schedules the network; a deleted router or network has no agents', async () => {
    const later = await n.create('networks', 'network', { name: 'later' });
    const sub = await n.create('subnets', 'subnet', { network_id: later.id, ip_version: 4, cidr: '10.42.0.0/24', enable_dhcp: false });
    assert.deepEqual((await admin('GET', `/v2.0/networks/${later.id}/dhcp-agents`)).body.agents, []);
    await n.call('PUT', `/v2.0/subnets/${sub.id}`, n.demo, { subnet: { enable_dhcp: true } });
    assert.deepEqual((await admin('GET', `/v2.0/networks/${later.id}/dhcp-agents`)).body.agents.map((a: any) => a.id), [dhcp.id]);
    assert.equal((await n.call('DELETE', `/v2.0/networks/${later.id}`, n.demo)).status, 204);
    assert.deepEqual((await admin('GET', `/v2.0/networks/${later.id}/dhcp-agents`)).body.agents, []);
    const router = await n.create('routers', 'router', { name: 'short-lived' });
    assert.equal((await n.call('DELETE', `/v2.0/routers/${router.id}`, n.demo)).status, 204);
    assert.deepEqual((await admin('GET', `/v2.0/routers/${router.id}/l3-agents`)).body.agents, []);
  });

  it('a disabled agent gets no new routers and makes its zone unavailable', async () => {
    assert.deepEqual((await n.call('GET', '/v2.0/availability_zones', n.demo)).body.availability_zones, [
      { name: 'nova', resource: 'network', state: 'available' },
      { name: 'nova', resource: 'router', state: 'available' },
    ]);
    await admin('PUT', `/v2.0/agents/${l3.id}`, { agent: { admin_state_up: false } });
    try {
      const router = await n.create('routers', 'router', { name: 'unhosted' });
      assert.deepEqual((await admin('GET', `/v2.0/routers/${router.id}/l3-agents`)).body.agents, []);
      assert.equal(faultType(await admin('POST', `/v2.0/agents/${l3.id}/l3-routers`, { router_id: router.id })), 'InvalidL3Agent');
      const zones = (await n.call('GET', '/v2.0/availability_zones?resource=router', n.demo)).body.availability_zones;
      assert.deepEqual(zones, [{ name: 'nova', resource: 'router', state: 'unavailable' }]);
    } finally {
      await admin('PUT', `/v2.0/agents/${l3.id}`, { agent: { admin_state_up: true } });
    }
  });

  it('bad input to every agent route is a 4xx in Neutron format', async () => {
    const id = '11111111-2222-3333-4444-555555555555';
    const cases: Array<[string, string, unknown]> = [
      ['PUT', `/v2.0/agents/${dhcp.id}`, []],
      ['PUT', `/v2.0/agents/${dhcp.id}`, { agent: 'x' }],
      ['PUT', `/v2.0/agents/${dhcp.id}`, { agent: { description: 5 } }],
      ['GET', `/v2.0/agents?colour=red`, undefined],
      ['GET', `/v2.0/agents/${id}/l3-routers`, undefined],
      ['GET', `/v2.0/agents/${id}/dhcp-networks`, undefined],
      ['POST', `/v2.0/agents/${l3.id}/l3-routers`, 'text'],
      ['POST', `/v2.0/agents/${l3.id}/l3-routers`, {}],
      ['POST', `/v2.0/agents/${id}/l3-routers`, { router_id: id }],
      ['POST', `/v2.0/agents/${dhcp.id}/dhcp-networks`, { network_id: 7 }],
      ['DELETE', `/v2.0/agents/${l3.id}/l3-routers/${id}`, undefined],
      ['DELETE', `/v2.0/agents/${id}/dhcp-networks/${id}`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const r = await admin(method, path, body);
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${path}: ${r.status}`);
      assert.equal(typeof faultType(r), 'string', `${method} ${path}: ${JSON.stringify(r.body)}`);
    }
    const raw = await n.call('PUT', `/v2.0/agents/${dhcp.id}`, n.admin, undefined, { 'content-type': 'application/json' });
    assert.ok(raw.status >= 400 && raw.status < 500);
  });

  it('the openstack CLI lists agents and moves a router between hosting and not', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const os = (args: string[]) => openstack(n.cloud.cloudsYaml, 'scs-admin', args);
    const listed = await os(['network', 'agent', 'list', '--agent-type', 'l3', '-f', 'json']);
    assert.deepEqual(listed.map((a: any) => [a['Agent Type'], a.Alive, a.State]), [['L3 agent', true, true]]);
    const router = await n.create('routers', 'router', { name: 'cli-hosted' }, n.admin);
    await os(['network', 'agent', 'remove', 'router', '--l3', l3.id, router.id]);
    assert.deepEqual(await os(['network', 'agent', 'list', '--router', router.id, '-f', 'json']), []);
    await os(['network', 'agent', 'add', 'router', '--l3', l3.id, router.id]);
    assert.deepEqual((await os(['network', 'agent', 'list', '--router', router.id, '-f', 'json'])).map((a: any) => a.ID), [l3.id]);
  });

  it('deleting an agent drops what it hosted', async () => {
    const router = await n.create('routers', 'router', { name: 'orphaned' });
    assert.equal((await admin('DELETE', `/v2.0/agents/${l3.id}`)).status, 204);
    assert.equal(faultType(await admin('GET', `/v2.0/agents/${l3.id}`)), 'AgentNotFound');
    assert.deepEqual((await admin('GET', `/v2.0/routers/${router.id}/l3-agents`)).body.agents, []);
    assert.equal(faultType(await admin('DELETE', `/v2.0/agents/${l3.id}`)), 'AgentNotFound');
  });
});
