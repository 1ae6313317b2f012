import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';

/** Bulk checks through openstacksdk: listings, a user's life cycle, groups and role assignments. */
const SDK_SCRIPT = `
import json, openstack
conn = openstack.connect(cloud='scs-admin')
out = {}
out['projects'] = sorted(p.name for p in conn.identity.projects())
out['users'] = sorted(u.name for u in conn.identity.users())
u = conn.identity.create_user(name='sdk-user', password='pw', domain_id='default', email='s@example.org')
out['created'] = [u.name, u.is_enabled, u.email]
g = conn.identity.create_group(name='sdk-group', domain_id='default')
conn.identity.add_user_to_group(u, g)
out['in_group'] = conn.identity.check_user_in_group(u, g)
proj = conn.identity.find_project('demo')
member = conn.identity.find_role('member')
conn.identity.assign_project_role_to_user(proj, u, member)
out['has_role'] = conn.identity.validate_user_has_project_role(proj, u, member)
out['assignments'] = [[a.role['id'] == member.id, a.scope['project']['id'] == proj.id] for a in conn.identity.role_assignments(user_id=u.id)]
out['effective'] = sorted(conn.identity.get_role(a.role['id']).name for a in conn.identity.role_assignments(user_id=u.id, effective=True))
out['user_projects'] = [p.name for p in conn.identity.user_projects(u)]
out['services'] = sorted(s.type for s in conn.identity.services())
out['public_endpoints'] = len(list(conn.identity.endpoints(interface='public')))
conn.identity.unassign_project_role_from_user(proj, u, member)
out['has_role_after'] = conn.identity.validate_user_has_project_role(proj, u, member)
conn.identity.update_user(u, description='changed')
out['updated'] = conn.identity.get_user(u.id).description
conn.identity.delete_group(g)
conn.identity.delete_user(u)
out['gone'] = conn.identity.find_user('sdk-user') is None
print(json.dumps(out))
`;

describe('identity: real clients', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
  });
  after(() => cloud.close());

  const tokenWorks = async (token: string) => (await api(`${cloud.urls.identity}/v3/auth/catalog`, { token })).status;

  it('openstack CLI: tokens, catalog, the life cycle of domains, projects, users, groups, roles and assignments, password set', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const os = (args: string[], cloudName = 'scs-admin') => openstack(cloud.cloudsYaml, cloudName, args);

    const token = await os(['token', 'issue', '-f', 'json'], 'scs-demo');
    assert.equal(await tokenWorks(token.id), 200);
    await os(['token', 'revoke', token.id], 'scs-demo');
    assert.equal(await tokenWorks(token.id), 401);

    const catalog = await os(['catalog', 'list', '-f', 'json']);
    assert.ok(catalog.some((s: { Type: string }) => s.Type === 'identity'));

    const domain = await os(['domain', 'create', '--description', 'CLI domain', '-f', 'json', 'clidom']);
    const project = await os(['project', 'create', '--domain', 'clidom', '-f', 'json', 'cliproj']);
    assert.equal(project.domain_id, domain.id);
    const user = await os(['user', 'create', '--domain', 'clidom', '--password', 'cli-pw', '--email', 'cli@example.org', '-f', 'json', 'cliuser']);
    assert.equal(user.domain_id, domain.id);
    assert.equal(user.password, undefined);
    const group = await os(['group', 'create', '--domain', 'clidom', '-f', 'json', 'cligroup']);
    const role = await os(['role', 'create', '-f', 'json', 'clirole']);

    await os(['user', 'set', '--domain', 'clidom', '--email', 'new@example.org', '--enable-lock-password', 'cliuser']);
    const shown = await os(['user', 'show', '--domain', 'clidom', '-f', 'json', 'cliuser']);
    assert.equal(shown.email, 'new@example.org');
    assert.deepEqual(shown.options, { lock_password: true });
    const users = await os(['user', 'list', '--domain', 'clidom', '-f', 'json']);
    assert.deepEqual(users.map((u: { Name: string }) => u.Name), ['cliuser']);

    await os(['group', 'add', 'user', '--group-domain', 'clidom', '--user-domain', 'clidom', 'cligroup', 'cliuser']);
    await os(['role', 'add', '--user', 'cliuser', '--user-domain', 'clidom', '--project', 'cliproj', '--project-domain', 'clidom', 'member']);
    await os(['role', 'add', '--group', 'cligroup', '--group-domain', 'clidom', '--domain', 'clidom', '--inherited', 'clirole']);

    const listed = await os(['role', 'assignment', 'list', '--names', '-f', 'json']);
    const mine = listed.filter((a: { User: string; Group: string }) => a.User === 'cliuser@clidom' || a.Group === 'cligroup@clidom');
    assert.deepEqual(
      mine.map((a: Record<string, unknown>) => [a.Role, a.User, a.Group, a.Project, a.Domain, a.Inherited]).sort(),
      [
        ['clirole', '', 'cligroup@clidom', '', 'clidom', true],
        ['member', 'cliuser@clidom', '', 'cliproj@clidom', '', false],
      ],
    );
    const effective = await os(['role', 'assignment', 'list', '--user', 'cliuser', '--user-domain', 'clidom', '--effective', '--names', '-f', 'json']);
    assert.deepEqual(effective.map((a: { Role: string }) => a.Role).sort(), ['clirole', 'member', 'reader']);

    // The user's token carries member; `role remove` ends it at once.
    const userToken = await cloud.login('cliuser', 'cli-pw', 'cliproj', domain.id);
    assert.equal(await tokenWorks(userToken), 200);
    await os(['role', 'remove', '--user', 'cliuser', '--user-domain', 'clidom', '--project', 'cliproj', '--project-domain', 'clidom', 'member']);
    assert.equal(await tokenWorks(userToken), 401);

    await os(['role', 'set', '--name', 'clirole2', 'clirole']);
    const renamed = await os(['role', 'show', '-f', 'json', 'clirole2']);
    assert.equal(renamed.id, role.id);

    await os(['user', 'delete', '--domain', 'clidom', 'cliuser']);
    await os(['group', 'delete', '--domain', 'clidom', group.id]);
    await os(['role', 'delete', 'clirole2']);
    await os(['project', 'delete', '--domain', 'clidom', 'cliproj']);
    await os(['domain', 'set', '--disable', 'clidom']);
    await os(['domain', 'delete', 'clidom']);
    const left = await os(['role', 'assignment', 'list', '--names', '-f', 'json']);
    assert.equal(left.some((a: { User: string; Group: string }) => a.User.endsWith('@clidom') || a.Group.endsWith('@clidom')), false);

    // The demo user changes its own password: its older tokens stop working.
    const demoToken = await cloud.login('demo', cloud.passwords.demo, 'demo');
    await os(['user', 'password', 'set', '--original-password', cloud.passwords.demo, '--password', 'demo-new-password'], 'scs-demo');
    assert.equal(await tokenWorks(demoToken), 401);
    assert.equal(await tokenWorks(await cloud.login('demo', 'demo-new-password', 'demo')), 200);
  });

  it('openstacksdk: listings, a user with a group and role assignments', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const out = await python(SDK_SCRIPT, { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml });
    assert.deepEqual(out, {
      projects: ['admin', 'demo', 'service'],
      users: ['admin', 'demo'],
      created: ['sdk-user', true, 's@example.org'],
      in_group: true,
      has_role: true,
      assignments: [[true, true]],
      effective: ['member', 'reader'],
      user_projects: ['demo'],
      services: ['identity'],
      public_endpoints: 1,
      has_role_after: false,
      updated: 'changed',
      gone: true,
    });
  });
});
