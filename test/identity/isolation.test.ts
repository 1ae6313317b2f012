import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

/**
 * The tenant-isolation matrix of identity: a domain manager (SCS scs-0302) administers its own
 * domain and sees nothing of another; members and readers administer nothing.
 */
describe('identity: tenant isolation', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  const roles: Record<string, string> = {};
  const a: Record<string, string> = {};
  const b: Record<string, string> = {};
  let manager: string;
  let domainReader: string;

  const create = async (kind: string, body: Record<string, unknown>) => {
    const res = await api(`${base}/v3/${kind}s`, { method: 'POST', token: admin, body: { [kind]: body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body[kind].id as string;
  };
  const grant = async (path: string) => assert.equal((await api(`${base}${path}`, { method: 'PUT', token: admin })).status, 204);
  const domainLogin = async (user: string, domainId: string) => {
    const res = await api(`${base}/v3/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: user, domain: { id: domainId }, password: 'pw' } } },
          scope: { domain: { id: domainId } },
        },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.headers.get('x-subject-token')!;
  };

  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
    for (const r of (await api(`${base}/v3/roles`, { token: admin })).body.roles) roles[r.name] = r.id;
    for (const [side, name] of [
      [a, 'dom-a'],
      [b, 'dom-b'],
    ] as const) {
      side.domain = await create('domain', { name });
      side.project = await create('project', { name: `${name}-proj`, domain_id: side.domain });
      side.user = await create('user', { name: `${name}-user`, domain_id: side.domain, password: 'pw' });
      side.group = await create('group', { name: `${name}-group`, domain_id: side.domain });
    }
    const mgr = await create('user', { name: 'mgr', domain_id: a.domain, password: 'pw' });
    await grant(`/v3/domains/${a.domain}/users/${mgr}/roles/${roles.manager}`);
    manager = await domainLogin('mgr', a.domain);
    const rd = await create('user', { name: 'rd', domain_id: a.domain, password: 'pw' });
    await grant(`/v3/domains/${a.domain}/users/${rd}/roles/${roles.reader}`);
    domainReader = await domainLogin('rd', a.domain);
  });
  after(() => cloud.close());

  const as = (token: string, method: string, path: string, body?: unknown) => api(`${base}${path}`, { method, token, body });

  it('lets a domain manager administer users and groups of its own domain', async () => {
    const users = await as(manager, 'GET', '/v3/users');
    assert.equal(users.status, 200);
    assert.ok(users.body.users.every((u: { domain_id: string }) => u.domain_id === a.domain));
    assert.ok(users.body.users.some((u: { id: string }) => u.id === a.user));
    // As Keystone's policy sees the body, a manager names its domain (scs-0302's check expects 403 without).
    assert.equal((await as(manager, 'POST', '/v3/users', { user: { name: 'nameless' } })).status, 403);
    assert.equal((await as(manager, 'POST', '/v3/groups', { group: { name: 'nameless' } })).status, 403);
    assert.equal((await as(manager, 'POST', '/v3/projects', { project: { name: 'nameless' } })).status, 403);
    const created = await as(manager, 'POST', '/v3/users', { user: { name: 'hired', password: 'pw', domain_id: a.domain } });
    assert.equal(created.status, 201);
    assert.equal(created.body.user.domain_id, a.domain);
    assert.equal((await as(manager, 'PATCH', `/v3/users/${a.user}`, { user: { description: 'ok' } })).status, 200);
    assert.equal((await as(manager, 'PUT', `/v3/groups/${a.group}/users/${a.user}`)).status, 204);
    assert.equal((await as(manager, 'GET', `/v3/groups/${a.group}/users`)).body.users.length, 1);
    assert.equal((await as(manager, 'DELETE', `/v3/users/${created.body.user.id}`)).status, 204);
  });

  it('refuses another domain to a domain manager with 403, as Keystone does', async () => {
    assert.deepEqual((await as(manager, 'GET', `/v3/users?domain_id=${b.domain}`)).body.users, []);
    assert.deepEqual((await as(manager, 'GET', `/v3/groups?domain_id=${b.domain}`)).body.groups, []);
    for (const [method, path, body] of [
      ['GET', `/v3/users/${b.user}`],
      ['PATCH', `/v3/users/${b.user}`, { user: { enabled: false } }],
      ['DELETE', `/v3/users/${b.user}`],
      ['GET', `/v3/users/${b.user}/projects`],
      ['GET', `/v3/users/${b.user}/groups`],
      ['GET', `/v3/groups/${b.group}`],
      ['PATCH', `/v3/groups/${b.group}`, { group: { name: 'x' } }],
      ['DELETE', `/v3/groups/${b.group}`],
      ['GET', `/v3/groups/${b.group}/users`],
      ['PUT', `/v3/groups/${b.group}/users/${b.user}`],
      ['PUT', `/v3/groups/${a.group}/users/${b.user}`],
      ['POST', '/v3/users', { user: { name: 'spy', domain_id: b.domain } }],
      ['POST', '/v3/groups', { group: { name: 'spies', domain_id: b.domain } }],
      ['PUT', `/v3/projects/${b.project}/users/${b.user}/roles/${roles.member}`],
      ['PUT', `/v3/projects/${a.project}/users/${b.user}/roles/${roles.member}`],
      ['PUT', `/v3/projects/${b.project}/users/${a.user}/roles/${roles.member}`],
      ['PUT', `/v3/domains/${b.domain}/users/${b.user}/roles/${roles.member}`],
      ['GET', `/v3/projects/${b.project}/users/${b.user}/roles`],
    ] as const) {
      const res = await as(manager, method, path, body);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(res.body.error.message, /^You are not authorized to perform the requested action: identity:/, `${method} ${path}`);
    }
    // Keystone enforces on what it could load: a missing user, group, project or grant part is 403
    // to a domain persona (as another domain's) and 404 to the cloud admin.
    const otherRole = (await api(`${base}/v3/roles`, { method: 'POST', token: admin, body: { role: { name: 'b-only', domain_id: b.domain } } })).body.role.id;
    for (const [method, path] of [
      ['GET', '/v3/users/nobody'],
      ['PATCH', '/v3/groups/nogroup'],
      ['GET', '/v3/projects/noproject'],
      ['GET', '/v3/domains/nodomain'],
      ['PUT', `/v3/groups/${a.group}/users/nobody`],
      ['HEAD', `/v3/projects/${a.project}/users/nobody/roles/${roles.member}`],
      ['PUT', `/v3/domains/${a.domain}/users/${a.user}/roles/${otherRole}`],
    ] as const) {
      assert.equal((await as(manager, method, path, method === 'PATCH' ? { group: {} } : undefined)).status, 403, `manager ${method} ${path}`);
      if (!path.includes(otherRole)) assert.equal((await as(admin, method, path, method === 'PATCH' ? { group: {} } : undefined)).status, 404, `admin ${method} ${path}`);
    }
    assert.equal((await as(admin, 'PUT', `/v3/domains/${a.domain}/users/${a.user}/roles/${otherRole}`)).status, 204, "the cloud admin may grant another domain's role on a domain");
    assert.equal((await as(manager, 'PATCH', '/v3/domains/nodomain', { domain: {} })).status, 404, 'a missing domain is 404 before the policy');
    // Nothing changed on the other side.
    const other = await as(admin, 'GET', `/v3/users/${b.user}`);
    assert.equal(other.body.user.enabled, true);
    assert.equal((await as(admin, 'GET', `/v3/groups/${b.group}`)).status, 200);
  });

  it('lets a domain manager grant only the grantable roles, inside its domain', async () => {
    for (const role of ['member', 'reader', 'load-balancer_member', 'creator']) {
      const path = `/v3/projects/${a.project}/users/${a.user}/roles/${roles[role]}`;
      assert.equal((await as(manager, 'PUT', path)).status, 204, role);
    }
    for (const role of ['admin', 'manager', 'service']) {
      assert.equal((await as(manager, 'PUT', `/v3/projects/${a.project}/users/${a.user}/roles/${roles[role]}`)).status, 403, role);
      assert.equal((await as(manager, 'PUT', `/v3/domains/${a.domain}/users/${a.user}/roles/${roles[role]}`)).status, 403, role);
    }
    assert.equal((await as(manager, 'DELETE', `/v3/projects/${a.project}/users/${a.user}/roles/${roles.creator}`)).status, 204);
    assert.equal((await as(manager, 'PUT', `/v3/system/users/${a.user}/roles/${roles.reader}`)).status, 403);
    const listed = await as(manager, 'GET', '/v3/role_assignments?include_names');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.role_assignments.length > 0);
    for (const x of listed.body.role_assignments) {
      const domain = x.scope.domain?.id ?? x.scope.project?.domain.id;
      assert.equal(domain, a.domain, JSON.stringify(x));
    }
    assert.equal((await as(manager, 'POST', '/v3/roles', { role: { name: 'mine' } })).status, 403);
    assert.equal((await as(manager, 'POST', '/v3/domains', { domain: { name: 'mine' } })).status, 403);
    assert.equal((await as(manager, 'POST', '/v3/services', { service: { type: 'mine' } })).status, 403);
  });

  it('lets a domain reader read but not write', async () => {
    assert.equal((await as(domainReader, 'GET', '/v3/users')).status, 200);
    assert.equal((await as(domainReader, 'GET', `/v3/groups/${a.group}/users`)).status, 200);
    assert.equal((await as(domainReader, 'POST', '/v3/users', { user: { name: 'nope' } })).status, 403);
    assert.equal((await as(domainReader, 'PATCH', `/v3/users/${a.user}`, { user: { enabled: false } })).status, 403);
    assert.equal((await as(domainReader, 'PUT', `/v3/groups/${a.group}/users/${a.user}`)).status, 403);
    assert.equal((await as(domainReader, 'PUT', `/v3/projects/${a.project}/users/${a.user}/roles/${roles.reader}`)).status, 403);
    assert.equal((await as(domainReader, 'GET', `/v3/users/${b.user}`)).status, 403);
  });

  it('keeps project members and readers out of user administration', async () => {
    const demo = await cloud.demoToken();
    for (const [method, path] of [
      ['GET', '/v3/users'],
      ['GET', '/v3/groups'],
      ['GET', '/v3/role_assignments'],
      ['GET', `/v3/users/${a.user}`],
      ['POST', '/v3/groups'],
      ['PUT', `/v3/projects/${a.project}/users/${a.user}/roles/${roles.member}`],
    ] as const) {
      const res = await as(demo, method, path, method === 'POST' ? { group: { name: 'g' } } : undefined);
      assert.equal(res.status, 403, `${method} ${path}`);
    }
    // A project reader (not a domain token) cannot write either.
    const r = await create('user', { name: 'proj-reader', password: 'pw' });
    const demoProject = (await as(admin, 'GET', '/v3/projects?name=demo')).body.projects[0].id;
    await grant(`/v3/projects/${demoProject}/users/${r}/roles/${roles.reader}`);
    const reader = await cloud.login('proj-reader', 'pw', 'demo');
    assert.equal((await as(reader, 'POST', '/v3/users', { user: { name: 'x' } })).status, 403);
    assert.equal((await as(reader, 'GET', '/v3/users')).status, 403);
    assert.equal((await as(reader, 'GET', `/v3/users/${r}`)).status, 200, 'a user may read itself');
  });
});
