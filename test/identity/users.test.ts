import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: users and groups', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  let memberRole: string;
  let demoProject: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
    memberRole = (await api(`${base}/v3/roles?name=member`, { token: admin })).body.roles[0].id;
    demoProject = (await api(`${base}/v3/projects?name=demo`, { token: admin })).body.projects[0].id;
  });
  after(() => cloud.close());

  const createUser = async (user: Record<string, unknown>) => {
    const res = await api(`${base}/v3/users`, { method: 'POST', token: admin, body: { user } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.user;
  };
  /** A user with the member role on the demo project, and a project token of it. */
  const memberWithToken = async (name: string, password = 'secret-1') => {
    const user = await createUser({ name, password });
    await api(`${base}/v3/projects/${demoProject}/users/${user.id}/roles/${memberRole}`, { method: 'PUT', token: admin });
    return { user, token: await cloud.login(name, password, 'demo') };
  };
  const tokenWorks = async (token: string) => (await api(`${base}/v3/auth/catalog`, { token })).status;

  it('creates, shows, lists, updates and deletes a user as Keystone renders it', async () => {
    const u = await createUser({ name: 'alice', password: 'pw-alice', email: 'alice@example.org', description: 'first', favourite: 'blue' });
    assert.equal(u.domain_id, 'default');
    assert.equal(u.enabled, true);
    assert.equal(u.password_expires_at, null);
    assert.deepEqual(u.options, {});
    assert.equal(u.email, 'alice@example.org');
    assert.equal(u.favourite, 'blue');
    assert.equal(u.links.self, `${base}/v3/users/${u.id}`);
    assert.equal(u.password, undefined);
    assert.ok(!Object.keys(u).some((k) => k.includes('password') && k !== 'password_expires_at'));
    assert.equal('default_project_id' in u, false);

    const shown = await api(`${base}/v3/users/${u.id}`, { token: admin });
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.user, u);

    const list = await api(`${base}/v3/users?domain_id=default`, { token: admin });
    assert.ok(list.body.users.some((x: { id: string }) => x.id === u.id));
    assert.deepEqual(list.body.links, { self: `${base}/v3/users`, previous: null, next: null });
    assert.deepEqual((await api(`${base}/v3/users?name=alice`, { token: admin })).body.users.map((x: { id: string }) => x.id), [u.id]);
    assert.deepEqual((await api(`${base}/v3/users?name__icontains=LIC`, { token: admin })).body.users.map((x: { id: string }) => x.id), [u.id]);
    assert.equal((await api(`${base}/v3/users?name__startswith=zz`, { token: admin })).body.users.length, 0);
    assert.equal((await api(`${base}/v3/users?password_expires_at=lt:2000-01-01T00:00:00Z`, { token: admin })).body.users.length, 0);
    assert.equal((await api(`${base}/v3/users?password_expires_at=soon`, { token: admin })).status, 400);

    const patched = await api(`${base}/v3/users/${u.id}`, {
      method: 'PATCH',
      token: admin,
      body: { user: { description: 'second', options: { ignore_password_expiry: true, lock_password: false, multi_factor_auth_enabled: false } } },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.user.description, 'second');
    assert.deepEqual(patched.body.user.options, { ignore_password_expiry: true, lock_password: false, multi_factor_auth_enabled: false });
    const cleared = await api(`${base}/v3/users/${u.id}`, { method: 'PATCH', token: admin, body: { user: { options: { lock_password: null } } } });
    assert.deepEqual(cleared.body.user.options, { ignore_password_expiry: true, multi_factor_auth_enabled: false });
    const badOption = await api(`${base}/v3/users/${u.id}`, { method: 'PATCH', token: admin, body: { user: { options: { fly: true } } } });
    assert.equal(badOption.status, 400);

    const dup = await api(`${base}/v3/users`, { method: 'POST', token: admin, body: { user: { name: 'alice' } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.message, 'Conflict occurred attempting to store user - Duplicate entry found with name alice at domain ID default.');

    assert.equal((await api(`${base}/v3/users/${u.id}`, { method: 'DELETE', token: admin })).status, 204);
    const gone = await api(`${base}/v3/users/${u.id}`, { token: admin });
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { error: { code: 404, title: 'Not Found', message: `Could not find user: ${u.id}.` } });
  });

  it('lets a user change their own password, revoking their tokens', async () => {
    const { user, token } = await memberWithToken('bob', 'old-password');
    const wrong = await api(`${base}/v3/users/${user.id}/password`, {
      method: 'POST',
      body: { user: { original_password: 'nope', password: 'new-password' } },
    });
    assert.equal(wrong.status, 401);
    assert.equal(await tokenWorks(token), 200);
    const ok = await api(`${base}/v3/users/${user.id}/password`, {
      method: 'POST',
      token,
      body: { user: { original_password: 'old-password', password: 'new-password' } },
    });
    assert.equal(ok.status, 204);
    assert.equal(await tokenWorks(token), 401);
    await assert.rejects(cloud.login('bob', 'old-password', 'demo'));
    assert.ok(await cloud.login('bob', 'new-password', 'demo'));

    await api(`${base}/v3/users/${user.id}`, { method: 'PATCH', token: admin, body: { user: { options: { lock_password: true } } } });
    const locked = await api(`${base}/v3/users/${user.id}/password`, {
      method: 'POST',
      body: { user: { original_password: 'new-password', password: 'third-password' } },
    });
    assert.equal(locked.status, 400);
  });

  it('revokes tokens when an admin disables a user or resets its password', async () => {
    const { user, token } = await memberWithToken('carol');
    await api(`${base}/v3/users/${user.id}`, { method: 'PATCH', token: admin, body: { user: { password: 'reset-by-admin' } } });
    assert.equal(await tokenWorks(token), 401);
    const again = await cloud.login('carol', 'reset-by-admin', 'demo');
    assert.equal(await tokenWorks(again), 200);
    const disabled = await api(`${base}/v3/users/${user.id}`, { method: 'PATCH', token: admin, body: { user: { enabled: false } } });
    assert.equal(disabled.body.user.enabled, false);
    assert.equal(await tokenWorks(again), 401);
    await assert.rejects(cloud.login('carol', 'reset-by-admin', 'demo'));
  });

  it('lists the projects of a user, and a user may list their own', async () => {
    const { user, token } = await memberWithToken('dave');
    const own = await api(`${base}/v3/users/${user.id}/projects`, { token });
    assert.equal(own.status, 200);
    assert.deepEqual(own.body.projects.map((p: { name: string }) => p.name), ['demo']);
    const other = await api(`${base}/v3/users/${user.id}/projects`, { token: await cloud.demoToken() });
    assert.equal(other.status, 403);
  });

  it('manages groups and membership; removing a member revokes its tokens', async () => {
    const created = await api(`${base}/v3/groups`, { method: 'POST', token: admin, body: { group: { name: 'ops', description: 'operators' } } });
    assert.equal(created.status, 201);
    const g = created.body.group;
    assert.deepEqual(Object.keys(g).sort(), ['description', 'domain_id', 'id', 'links', 'name']);
    const dup = await api(`${base}/v3/groups`, { method: 'POST', token: admin, body: { group: { name: 'ops' } } });
    assert.equal(dup.status, 409);

    const ed = await createUser({ name: 'ed', password: 'pw-ed' });
    await api(`${base}/v3/projects/${demoProject}/groups/${g.id}/roles/${memberRole}`, { method: 'PUT', token: admin });
    assert.equal((await api(`${base}/v3/groups/${g.id}/users/${ed.id}`, { method: 'HEAD', token: admin })).status, 404);
    assert.equal((await api(`${base}/v3/groups/${g.id}/users/${ed.id}`, { method: 'PUT', token: admin })).status, 204);
    assert.equal((await api(`${base}/v3/groups/${g.id}/users/${ed.id}`, { method: 'HEAD', token: admin })).status, 204);
    const members = await api(`${base}/v3/groups/${g.id}/users`, { token: admin });
    assert.deepEqual(members.body.users.map((u: { name: string }) => u.name), ['ed']);
    const groups = await api(`${base}/v3/users/${ed.id}/groups`, { token: admin });
    assert.deepEqual(groups.body.groups.map((x: { name: string }) => x.name), ['ops']);

    // The group's role makes the login work; leaving the group ends the session.
    const token = await cloud.login('ed', 'pw-ed', 'demo');
    assert.equal(await tokenWorks(token), 200);
    assert.equal((await api(`${base}/v3/groups/${g.id}/users/${ed.id}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal(await tokenWorks(token), 401);
    await assert.rejects(cloud.login('ed', 'pw-ed', 'demo'));
    assert.equal((await api(`${base}/v3/groups/${g.id}/users/${ed.id}`, { method: 'DELETE', token: admin })).status, 404);

    const renamed = await api(`${base}/v3/groups/${g.id}`, { method: 'PATCH', token: admin, body: { group: { name: 'ops2' } } });
    assert.equal(renamed.body.group.name, 'ops2');
    assert.deepEqual((await api(`${base}/v3/groups?name__contains=ps2`, { token: admin })).body.groups.map((x: { id: string }) => x.id), [g.id]);
    assert.equal((await api(`${base}/v3/groups/${g.id}`, { method: 'DELETE', token: admin })).status, 204);
    const gone = await api(`${base}/v3/groups/${g.id}`, { token: admin });
    assert.equal(gone.body.error.message, `Could not find group: ${g.id}.`);
  });

  it('keeps plain members away from user administration', async () => {
    const demo = await cloud.demoToken();
    assert.equal((await api(`${base}/v3/users`, { token: demo })).status, 403);
    assert.equal((await api(`${base}/v3/groups`, { token: demo })).status, 403);
    assert.equal((await api(`${base}/v3/users`, { method: 'POST', token: demo, body: { user: { name: 'mallory' } } })).status, 403);
  });
});

describe('identity: list_limit and password expiry', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'], services: { identity: { listLimit: 2, passwordExpiresDays: 10 } } });
  });
  after(() => cloud.close());

  it('cuts longer lists to the limit and flags them truncated, as Keystone does', async () => {
    const admin = await cloud.adminToken();
    const roles = await api(`${cloud.urls.identity}/v3/roles`, { token: admin });
    assert.equal(roles.body.roles.length, 2);
    assert.equal(roles.body.truncated, true);
    const users = await api(`${cloud.urls.identity}/v3/users`, { token: admin });
    assert.equal(users.body.users.length, 2);
    assert.equal(users.body.truncated, undefined, 'exactly the limit is not truncated');
  });

  it('sets password_expires_at from passwordExpiresDays unless the user ignores expiry', async () => {
    const base = cloud.urls.identity;
    const admin = await cloud.adminToken();
    const before = Date.now();
    const u = (await api(`${base}/v3/users`, { method: 'POST', token: admin, body: { user: { name: 'expiring', password: 'pw' } } })).body.user;
    assert.match(u.password_expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const days = (Date.parse(`${u.password_expires_at}Z`) - before) / 86_400_000;
    assert.ok(days > 9.99 && days < 10.01, String(days));
    const soon = new Date(before + 20 * 86_400_000).toISOString();
    const expiring = await api(`${base}/v3/users?password_expires_at=lt:${soon}`, { token: admin });
    assert.deepEqual(expiring.body.users.map((x: { name: string }) => x.name), ['expiring']);
    const ignored = await api(`${base}/v3/users/${u.id}`, { method: 'PATCH', token: admin, body: { user: { options: { ignore_password_expiry: true } } } });
    assert.equal(ignored.body.user.password_expires_at, null);
    const exempt = (await api(`${base}/v3/users`, { method: 'POST', token: admin, body: { user: { name: 'exempt', password: 'pw', options: { ignore_password_expiry: true } } } })).body.user;
    assert.equal(exempt.password_expires_at, null);
  });
});
