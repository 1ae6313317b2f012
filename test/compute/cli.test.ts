import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEBIAN_PYTHON, openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';
import { startComputeCloud, type ComputeCloud } from './helpers.js';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEq0PY8U3bXJ2sJ4GDzZ3kAwVNcIRmfd5oK3uF0WrrHV cli@example';

describe('compute: real clients', () => {
  let c: ComputeCloud;
  before(async () => {
    // One host, so that a second anti-affinity member has nowhere to go.
    c = await startComputeCloud({
      services: ['identity', 'image', 'network', 'volume', 'placement', 'compute'],
      compute: { hosts: [{ name: 'compute-1', zone: 'nova' }], buildDelayMs: 50, actionDelayMs: 20, restartDelayMs: 20 },
    });
  });
  after(async () => c?.cloud.close());

  it('openstack CLI: flavors, keypair, server lifecycle, snapshot, console, groups, quotas, zones, hypervisors', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const admin = (args: string[]) => openstack(c.cloud.cloudsYaml, 'scs-admin', args);
    const demo = (args: string[]) => openstack(c.cloud.cloudsYaml, 'scs-demo', ['--os-compute-api-version', '2.92', ...args]);

    const flavor = await admin(['flavor', 'create', '--ram', '512', '--disk', '1', '--vcpus', '1', '--property', 'hw:cpu_policy=shared', '-f', 'json', 'cli.small']);
    assert.equal(flavor.ram, 512);
    await admin(['flavor', 'create', '--ram', '1024', '--disk', '2', '--vcpus', '2', 'cli.medium']);
    await admin(['flavor', 'set', '--property', 'scs:note=cli', 'cli.small']);
    const shown = await admin(['flavor', 'show', '-f', 'json', 'cli.small']);
    assert.deepEqual(shown.properties, { 'hw:cpu_policy': 'shared', 'scs:note': 'cli' });
    const flavors = await demo(['flavor', 'list', '-f', 'json']);
    assert.ok(flavors.some((f: { Name: string }) => f.Name === 'SCS-2V-4-20s'));

    const keyFile = join(c.cloud.dataDir, 'key.pub');
    writeFileSync(keyFile, SSH_KEY);
    const key = await demo(['keypair', 'create', '--public-key', keyFile, '-f', 'json', 'clikey']);
    assert.match(key.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);

    const server = await demo(['server', 'create', '--flavor', 'cli.small', '--image', c.imageId, '--key-name', 'clikey', '--nic', 'none', '--wait', '-f', 'json', 'cli-vm']);
    assert.equal(server.status, 'ACTIVE');
    const list = await demo(['server', 'list', '--long', '-f', 'json']);
    assert.equal(list.find((s: { ID: string }) => s.ID === server.id).Status, 'ACTIVE');
    await demo(['server', 'reboot', '--wait', 'cli-vm']);
    await demo(['server', 'stop', 'cli-vm']);
    await c.waitFor(server.id, c.demo, 'SHUTOFF');
    await demo(['server', 'start', 'cli-vm']);
    await c.waitFor(server.id, c.demo, 'ACTIVE');
    await demo(['server', 'resize', '--flavor', 'cli.medium', '--wait', 'cli-vm']);
    await demo(['server', 'resize', 'confirm', 'cli-vm']);
    const resized = await demo(['server', 'show', '-f', 'json', 'cli-vm']);
    assert.equal(resized.status, 'ACTIVE');
    assert.equal(resized.flavor.name ?? resized.flavor.original_name, 'cli.medium');
    const image = await demo(['server', 'image', 'create', '--name', 'cli-snap', '--wait', '-f', 'json', 'cli-vm']);
    assert.equal(image.status, 'active');
    const log = await demo(['console', 'log', 'show', 'cli-vm']);
    assert.match(log, /simulated guest/);
    // changePassword: the simulated guest agent sets root's password.
    await demo(['server', 'set', '--password', 'Cli-pass-1', 'cli-vm']);
    assert.match(await demo(['console', 'log', 'show', 'cli-vm']), /guest agent: password of user root set/);

    const group = await demo(['server', 'group', 'create', '--policy', 'anti-affinity', '-f', 'json', 'spread']);
    await demo(['server', 'create', '--flavor', 'cli.small', '--image', c.imageId, '--nic', 'none', '--hint', `group=${group.id}`, '--wait', 'g1']);
    const refused = await demo(['server', 'create', '--flavor', 'cli.small', '--image', c.imageId, '--nic', 'none', '--hint', `group=${group.id}`, '--wait', 'g2']).then(
      (out) => `exit 0: ${out}`,
      (e: { stderr: string }) => e.stderr,
    );
    assert.match(refused, /Error creating server/);
    const g2 = await demo(['server', 'show', '-f', 'json', 'g2']);
    assert.equal(g2.status, 'ERROR');
    assert.match(JSON.stringify(g2.fault), /No valid host was found/);

    await admin(['quota', 'set', '--instances', '20', 'demo']);
    const quota = await admin(['quota', 'show', '-f', 'json', 'demo']);
    const instances = Array.isArray(quota) ? quota.find((q: { Resource: string }) => q.Resource === 'instances').Limit : quota.instances;
    assert.equal(instances, 20);
    const zones = await demo(['availability', 'zone', 'list', '--compute', '-f', 'json']);
    assert.deepEqual(zones.map((z: { 'Zone Name': string }) => z['Zone Name']), ['nova']);
    const hypervisors = await admin(['hypervisor', 'list', '-f', 'json']);
    assert.equal(hypervisors[0]['Hypervisor Hostname'], 'compute-1');
    // Aggregates: a zone on the aggregate moves its host into that zone.
    await admin(['aggregate', 'create', '--zone', 'cli-zone', 'cli-agg']);
    const agg = await admin(['aggregate', 'add', 'host', '-f', 'json', 'cli-agg', 'compute-1']);
    assert.deepEqual(agg.hosts, ['compute-1']);
    const moved = await demo(['availability', 'zone', 'list', '--compute', '-f', 'json']);
    assert.deepEqual(moved.map((z: { 'Zone Name': string }) => z['Zone Name']), ['cli-zone']);
    await admin(['aggregate', 'remove', 'host', 'cli-agg', 'compute-1']);
    await admin(['aggregate', 'delete', 'cli-agg']);

    await demo(['server', 'delete', '--wait', 'cli-vm', 'g1', 'g2']);
    assert.equal((await c.call('GET', `/servers/${server.id}`, c.demo)).status, 404);
  });

  it('openstacksdk: bulk create, list with filters and delete', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    void DEBIAN_PYTHON;
    const out = await python(
      `
import json, openstack
conn = openstack.connect(cloud='scs-demo')
conn.compute.default_microversion = '2.95'
flavor = conn.compute.find_flavor('${c.flavorId}')
made = [conn.compute.create_server(name='sdk-%d' % i, image_id='${c.imageId}', flavor_id=flavor.id, networks='none', metadata={'n': str(i)}, tags=['sdk']) for i in range(5)]
for s in made:
    conn.compute.wait_for_server(s, status='ACTIVE', wait=60, interval=0.2)
names = sorted(s.name for s in conn.compute.servers(name='^sdk-', tags='sdk'))
detail = [s for s in conn.compute.servers(details=True, name='sdk-3')]
limits = conn.compute.get_limits().absolute
pages = [s.id for s in conn.compute.servers(limit=2, name='^sdk-')]
for s in made:
    conn.compute.delete_server(s)
for s in made:
    conn.compute.wait_for_delete(s, wait=60, interval=0.2)
left = [s.name for s in conn.compute.servers(name='^sdk-')]
print(json.dumps({'names': names, 'meta': detail[0].metadata, 'status': detail[0].status, 'used': limits.instances_used, 'pages': len(pages), 'left': left}))
`,
      { OS_CLIENT_CONFIG_FILE: c.cloud.cloudsYaml },
    );
    assert.deepEqual(out.names, ['sdk-0', 'sdk-1', 'sdk-2', 'sdk-3', 'sdk-4']);
    assert.deepEqual(out.meta, { n: '3' });
    assert.equal(out.status, 'ACTIVE');
    assert.ok(out.used >= 5);
    assert.equal(out.pages, 5, 'the SDK follows servers_links across pages');
    assert.deepEqual(out.left, []);
  });
});
