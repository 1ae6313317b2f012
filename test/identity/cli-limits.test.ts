import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';

/**
 * Bulk checks of unified limits through openstacksdk (its registered_limit and limit resources).
 * Keystone answers a create with the list of created items, which this SDK does not read back
 * (no id): the script finds what it created by listing, as it must against Keystone too.
 */
const SDK_SCRIPT = `
import json, openstack
conn = openstack.connect(cloud='scs-admin')
out = {}
svc = conn.identity.create_service(type='sdk-limits', name='sdk-limits')
conn.identity.create_registered_limit(service_id=svc.id, region_id='RegionOne', resource_name='volumes', default_limit=4, description='d')
[reg] = list(conn.identity.registered_limits(service_id=svc.id))
out['registered'] = [reg.resource_name, reg.default_limit, reg.region_id, reg.description]
out['registered_listed'] = [r.id for r in conn.identity.registered_limits(resource_name='volumes', region_id='RegionOne')] == [reg.id]
reg = conn.identity.update_registered_limit(reg, default_limit=6)
out['registered_updated'] = conn.identity.get_registered_limit(reg.id).default_limit
proj = conn.identity.find_project('demo')
conn.identity.create_limit(service_id=svc.id, project_id=proj.id, region_id='RegionOne', resource_name='volumes', resource_limit=9)
[lim] = list(conn.identity.limits(project_id=proj.id))
out['limit'] = [lim.project_id == proj.id, lim.resource_limit, lim.resource_name]
out['limits_listed'] = [l.id for l in conn.identity.limits(service_id=svc.id, resource_name='volumes')] == [lim.id]
lim = conn.identity.update_limit(lim, resource_limit=11)
out['limit_updated'] = conn.identity.get_limit(lim.id).resource_limit
# This SDK's delete_limit shadows its own limit module (AttributeError): delete through the resource.
lim.delete(conn.identity)
conn.identity.delete_registered_limit(reg)
out['gone'] = [len(list(conn.identity.limits(project_id=proj.id))), len(list(conn.identity.registered_limits(service_id=svc.id)))]
conn.identity.delete_service(svc)
print(json.dumps(out))
`;

describe('identity: unified limits through real clients', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
  });
  after(() => cloud.close());

  it('openstack CLI: registered limit and limit create, list, show, set, delete', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const os = (args: string[]) => openstack(cloud.cloudsYaml, 'scs-admin', args);
    await os(['service', 'create', '--name', 'cli-limits', 'cli-limits', '-f', 'json']);

    const reg = await os(['registered', 'limit', 'create', '--service', 'cli-limits', '--region', 'RegionOne', '--default-limit', '10', 'cores', '-f', 'json']);
    assert.equal(reg.resource_name, 'cores');
    assert.equal(reg.default_limit, 10);
    const regs = await os(['registered', 'limit', 'list', '--resource-name', 'cores', '-f', 'json']);
    assert.deepEqual(regs.map((r: { ID: string }) => r.ID), [reg.id]);
    const regSet = await os(['registered', 'limit', 'set', '--default-limit', '12', '--description', 'vCPUs', reg.id, '-f', 'json']);
    assert.equal(regSet.default_limit, 12);

    const lim = await os(['limit', 'create', '--service', 'cli-limits', '--region', 'RegionOne', '--project', 'demo', '--resource-limit', '20', 'cores', '-f', 'json']);
    assert.equal(lim.resource_limit, 20);
    const shown = await os(['limit', 'show', lim.id, '-f', 'json']);
    assert.equal(shown.resource_name, 'cores');
    const listed = await os(['limit', 'list', '--project', 'demo', '-f', 'json']);
    assert.deepEqual(listed.map((l: { ID: string }) => l.ID), [lim.id]);
    const limSet = await os(['limit', 'set', '--resource-limit', '30', lim.id, '-f', 'json']);
    assert.equal(limSet.resource_limit, 30);

    // In use: Keystone keeps the registered limit.
    await assert.rejects(os(['registered', 'limit', 'delete', reg.id]));
    await os(['limit', 'delete', lim.id]);
    await os(['registered', 'limit', 'delete', reg.id]);
    assert.deepEqual(await os(['registered', 'limit', 'list', '--resource-name', 'cores', '-f', 'json']), []);
  });

  it('openstacksdk: registered limits and limits', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const out = await python(SDK_SCRIPT, { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml });
    assert.deepEqual(out, {
      registered: ['volumes', 4, 'RegionOne', 'd'],
      registered_listed: true,
      registered_updated: 6,
      limit: [true, 9, 'volumes'],
      limits_listed: true,
      limit_updated: 11,
      gone: [0, 0],
    });
  });
});
