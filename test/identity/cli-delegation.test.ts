import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';

/** keystoneauth (what every OpenStack client uses) gets a trust-scoped token as the trustee. */
const TRUST_TOKEN_SCRIPT = `
import json, os
from keystoneauth1 import session
from keystoneauth1.identity import v3
auth = v3.Password(auth_url=os.environ['AUTH_URL'], user_id=os.environ['TRUSTEE'], password=os.environ['PASSWORD'], trust_id=os.environ['TRUST'])
access = auth.get_access(session.Session(auth=auth))
print(json.dumps({'token': auth.get_token(session.Session(auth=auth)), 'user': access.user_id, 'project': access.project_id,
                  'trust': access.trust_id, 'trust_scoped': access.trust_scoped, 'roles': sorted(access.role_names)}))
`;

describe('identity: real clients with trusts and endpoint groups', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
  });
  after(() => cloud.close());
  const os = (args: string[], cloudName = 'scs-admin') => openstack(cloud.cloudsYaml, cloudName, args);

  it('openstack CLI and keystoneauth: a trust, its token, and its deletion revoking the token', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    if (!requirePythonModule(t, await pythonModuleAvailable('keystoneauth1'), 'keystoneauth1', 'python3-keystoneauth1')) return;
    const demo = await os(['token', 'issue', '-f', 'json'], 'scs-demo');
    const adminId = (await os(['token', 'issue', '-f', 'json'])).user_id;
    const trust = await os(['trust', 'create', '--project', demo.project_id, '--role', 'member', '--impersonate', '-f', 'json', demo.user_id, adminId], 'scs-demo');
    assert.equal(trust.trustor_user_id, demo.user_id);
    assert.equal(trust.impersonation, true);
    assert.equal(trust.roles, 'member');
    assert.equal((await os(['trust', 'show', '-f', 'json', trust.id], 'scs-demo')).project_id, demo.project_id);

    const got = await python(TRUST_TOKEN_SCRIPT, { AUTH_URL: `${cloud.urls.identity}/v3`, TRUSTEE: adminId, PASSWORD: cloud.passwords.admin, TRUST: trust.id });
    assert.deepEqual({ ...got, token: undefined }, { token: undefined, user: demo.user_id, project: demo.project_id, trust: trust.id, trust_scoped: true, roles: ['member', 'reader'] });
    const catalog = () => api(`${cloud.urls.identity}/v3/auth/catalog`, { token: got.token });
    assert.equal((await catalog()).status, 200);

    await os(['trust', 'delete', trust.id], 'scs-demo');
    assert.equal((await catalog()).status, 401);
  });

  it('openstack CLI: an endpoint group limits the endpoints of a project', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const services = await os(['service', 'list', '-f', 'json']);
    const identity = services.find((s: { Type: string }) => s.Type === 'identity').ID;
    const filters = join(cloud.dataDir, 'filters.json');
    writeFileSync(filters, JSON.stringify({ service_id: identity, interface: 'public' }));
    const group = await os(['endpoint', 'group', 'create', '-f', 'json', 'public-identity', filters]);
    assert.deepEqual(group.filters, { service_id: identity, interface: 'public' });
    await os(['endpoint', 'group', 'add', 'project', 'public-identity', 'demo']);
    const endpoints = await os(['endpoint', 'list', '--project', 'demo', '-f', 'json']);
    assert.deepEqual(endpoints.map((e: { Interface: string; 'Service Type': string }) => [e['Service Type'], e.Interface]), [['identity', 'public']]);
    const demoCatalog = await os(['catalog', 'list', '-f', 'json'], 'scs-demo');
    assert.deepEqual(demoCatalog.map((s: { Type: string }) => s.Type), ['identity']);
    assert.deepEqual(demoCatalog[0].Endpoints.map((e: { interface: string }) => e.interface), ['public']);
    await os(['endpoint', 'group', 'remove', 'project', 'public-identity', 'demo']);
    await os(['endpoint', 'group', 'delete', 'public-identity']);
    assert.deepEqual(await os(['endpoint', 'group', 'list', '-f', 'json']), []);
  });
});
