import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: roles, grants and role assignments', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  const roles: Record<string, string> = {};
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
    for (const r of (await api(`${base}/v3/roles`, { token: admin })).body.roles) roles[r.name] = r.id;
  });
  after(() => cloud.close());

  const post = async (path: string, body: unknown) => {
    const res = await api(`${base}${path}`, { method: 'POST', token: admin, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const put = async (path: string) => assert.equal((await api(`${base}${path}`, { method: 'PUT', token: admin })).status, 204, path);
  const assignments = async (q: string) => {
    const res = await api(`${base}/v3/role_assignments?${q}`, { token: admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.role_assignments as any[];
  };
  const tokenWorks = async (token: string) => (await api(`${base}/v3/auth/catalog`, { token })).status;

  it('creates, shows, updates and deletes roles; duplicates are 409', async () => {
    const { role } = await post('/v3/roles', { role: { name: 'auditor', description: 'reads logs' } });
    assert.deepEqual(Object.keys(role).sort(), ['description', 'domain_id', 'id', 'links', 'name', 'options']);
    assert.equal(role.domain_id, null);
    const dup = await api(`${base}/v3/roles`, { method: 'POST', token: admin, body: { role: { name: 'auditor' } } });
    assert.equal(dup.status, 409);
    assert.equal((await api(`${base}/v3/roles/${role.id}`, { token: admin })).body.role.name, 'auditor');
    const upd = await api(`${base}/v3/roles/${role.id}`, { method: 'PATCH', token: admin, body: { role: { name: 'auditor2' } } });
    assert.equal(upd.body.role.name, 'auditor2');
    const { role: dr } = await post('/v3/roles', { role: { name: 'auditor2', domain_id: 'default' } });
    assert.equal(dr.domain_id, 'default');
    assert.deepEqual((await api(`${base}/v3/roles?domain_id=default`, { token: admin })).body.roles.map((r: { id: string }) => r.id), [dr.id]);
    assert.equal((await api(`${base}/v3/roles/${role.id}`, { method: 'DELETE', token: admin })).status, 204);
    const gone = await api(`${base}/v3/roles/${role.id}`, { token: admin });
    assert.equal(gone.body.error.message, `Could not find role: ${role.id}.`);
    assert.equal((await api(`${base}/v3/roles`, { token: await cloud.demoToken() })).status, 200);
    assert.equal((await api(`${base}/v3/roles`, { method: 'POST', token: await cloud.demoToken(), body: { role: { name: 'x' } } })).status, 403);
  });

  it('manages implied roles and lists the inference rules', async () => {
    const { role: a } = await post('/v3/roles', { role: { name: 'imp-a' } });
    const { role: b } = await post('/v3/roles', { role: { name: 'imp-b' } });
    const created = await api(`${base}/v3/roles/${a.id}/implies/${b.id}`, { method: 'PUT', token: admin });
    assert.equal(created.status, 201);
    assert.equal(created.body.role_inference.prior_role.id, a.id);
    assert.equal(created.body.role_inference.implies.id, b.id);
    assert.equal((await api(`${base}/v3/roles/${a.id}/implies/${b.id}`, { token: admin })).status, 200);
    assert.equal((await api(`${base}/v3/roles/${a.id}/implies/${b.id}`, { method: 'HEAD', token: admin })).status, 204);
    const list = await api(`${base}/v3/roles/${a.id}/implies`, { token: admin });
    assert.deepEqual(list.body.role_inference.implies.map((r: { id: string }) => r.id), [b.id]);
    const all = await api(`${base}/v3/role_inferences`, { token: admin });
    const adminRule = all.body.role_inferences.find((r: any) => r.prior_role.name === 'admin');
    assert.deepEqual(adminRule.implies.map((r: { name: string }) => r.name), ['manager']);
    assert.equal((await api(`${base}/v3/roles/${b.id}/implies/${a.id}`, { method: 'PUT', token: admin })).status, 400);
    assert.equal((await api(`${base}/v3/roles/${a.id}/implies/${roles.admin}`, { method: 'PUT', token: admin })).status, 403);
    assert.equal((await api(`${base}/v3/roles/${a.id}/implies/${b.id}`, { method: 'DELETE', token: admin })).status, 204);
    const missing = await api(`${base}/v3/roles/${a.id}/implies/${b.id}`, { token: admin });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, `${a.id} does not imply ${b.id}.`);
  });

  it('grants, checks, lists and revokes roles on projects, domains and the system', async () => {
    const { user } = await post('/v3/users', { user: { name: 'grantee' } });
    const { group } = await post('/v3/groups', { group: { name: 'grantees' } });
    const { project } = await post('/v3/projects', { project: { name: 'grants' } });
    for (const path of [
      `/v3/projects/${project.id}/users/${user.id}/roles/${roles.reader}`,
      `/v3/projects/${project.id}/groups/${group.id}/roles/${roles.member}`,
      `/v3/domains/default/users/${user.id}/roles/${roles.reader}`,
      `/v3/domains/default/groups/${group.id}/roles/${roles.reader}`,
      `/v3/system/users/${user.id}/roles/${roles.reader}`,
      `/v3/system/groups/${group.id}/roles/${roles.reader}`,
      `/v3/OS-INHERIT/domains/default/users/${user.id}/roles/${roles.member}/inherited_to_projects`,
      `/v3/OS-INHERIT/projects/${project.id}/groups/${group.id}/roles/${roles.reader}/inherited_to_projects`,
    ]) {
      await put(path);
      assert.equal((await api(`${base}${path}`, { method: 'HEAD', token: admin })).status, 204, path);
      assert.equal((await api(`${base}${path}`, { token: admin })).status, 204, path);
      const listed = await api(`${base}${path.replace(/\/[0-9a-f]{32}(\/inherited_to_projects)?$/, '$1')}`, { token: admin });
      assert.equal(listed.status, 200, path);
      assert.ok(listed.body.roles.length >= 1, path);
    }
    const onProject = await api(`${base}/v3/projects/${project.id}/users/${user.id}/roles`, { token: admin });
    assert.deepEqual(onProject.body.roles.map((r: { name: string }) => r.name), ['reader']);
    const inherited = await api(`${base}/v3/OS-INHERIT/domains/default/users/${user.id}/roles/inherited_to_projects`, { token: admin });
    assert.deepEqual(inherited.body.roles.map((r: { name: string }) => r.name), ['member']);

    const direct = await assignments(`user.id=${user.id}`);
    assert.equal(direct.length, 3 + 1);
    const inh = direct.find((a) => a.scope['OS-INHERIT:inherited_to']);
    assert.equal(inh.scope.domain.id, 'default');
    assert.equal(inh.links.assignment, `${base}/v3/OS-INHERIT/domains/default/users/${user.id}/roles/${roles.member}/inherited_to_projects`);
    assert.deepEqual((await assignments(`user.id=${user.id}&scope.system=all`)).map((a) => a.scope), [{ system: { all: true } }]);
    assert.equal((await assignments(`group.id=${group.id}&scope.OS-INHERIT:inherited_to=projects`)).length, 1);
    assert.equal((await assignments(`scope.project.id=${project.id}&role.id=${roles.member}`)).length, 1);

    const path = `/v3/projects/${project.id}/users/${user.id}/roles/${roles.reader}`;
    assert.equal((await api(`${base}${path}`, { method: 'DELETE', token: admin })).status, 204);
    const again = await api(`${base}${path}`, { method: 'DELETE', token: admin });
    assert.equal(again.status, 404);
    assert.match(again.body.error.message, /^Could not find role assignment with role: /);
    assert.equal((await api(`${base}${path}`, { method: 'HEAD', token: admin })).status, 404);
  });

  it('lists effective assignments: groups become members, inheritance reaches projects, roles bring implied ones', async () => {
    const { domain } = await post('/v3/domains', { domain: { name: 'effdom' } });
    const { project: parent } = await post('/v3/projects', { project: { name: 'eff-parent', domain_id: domain.id } });
    const { project: child } = await post('/v3/projects', { project: { name: 'eff-child', domain_id: domain.id, parent_id: parent.id } });
    const { user } = await post('/v3/users', { user: { name: 'effuser', domain_id: domain.id } });
    const { group } = await post('/v3/groups', { group: { name: 'effgroup', domain_id: domain.id } });
    await put(`/v3/groups/${group.id}/users/${user.id}`);
    await put(`/v3/projects/${parent.id}/groups/${group.id}/roles/${roles.manager}`);
    await put(`/v3/OS-INHERIT/domains/${domain.id}/users/${user.id}/roles/${roles.reader}/inherited_to_projects`);

    const eff = await assignments(`user.id=${user.id}&effective&include_names`);
    const summary = eff.map((a) => `${a.scope.project?.name}:${a.role.name}`).sort();
    // manager on parent via the group (plus implied member and reader); reader inherited to both projects.
    assert.deepEqual(summary, ['eff-child:reader', 'eff-parent:manager', 'eff-parent:member', 'eff-parent:reader', 'eff-parent:reader']);
    const viaGroup = eff.find((a) => a.role.name === 'manager');
    assert.equal(viaGroup.links.membership, `${base}/v3/groups/${group.id}/users/${user.id}`);
    assert.equal(viaGroup.user.name, 'effuser');
    assert.deepEqual(viaGroup.user.domain, { id: domain.id, name: 'effdom' });
    assert.deepEqual(viaGroup.scope.project.domain, { id: domain.id, name: 'effdom' });
    const implied = eff.find((a) => a.role.name === 'member');
    assert.equal(implied.links.assignment, `${base}/v3/projects/${parent.id}/groups/${group.id}/roles/${roles.manager}`);
    assert.ok(implied.links.prior_role);
    const inheritedChild = eff.find((a) => a.scope.project.id === child.id);
    assert.equal(inheritedChild.scope['OS-INHERIT:inherited_to'], 'projects');
    assert.equal(eff.some((a) => a.group), false);

    assert.equal((await assignments(`scope.project.id=${child.id}&effective`)).length, 1);
    assert.equal((await assignments(`scope.project.id=${parent.id}&effective&role.id=${roles.member}`)).length, 1);
    assert.equal((await assignments(`scope.project.id=${parent.id}&include_subtree=true`)).length, 1);
    assert.equal((await assignments(`scope.project.id=${parent.id}&include_subtree=true&effective`)).length, 5);

    for (const bad of [`effective&group.id=${group.id}`, `user.id=${user.id}&group.id=${group.id}`, `scope.project.id=${parent.id}&scope.domain.id=${domain.id}`, 'include_subtree=true']) {
      const res = await api(`${base}/v3/role_assignments?${bad}`, { token: admin });
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error.code, 400);
    }
  });

  it('inherits a project grant to the sub-projects only, and a token on a sub-project carries it', async () => {
    const { project: top } = await post('/v3/projects', { project: { name: 'inh-top' } });
    const { project: sub } = await post('/v3/projects', { project: { name: 'inh-sub', parent_id: top.id } });
    const { user } = await post('/v3/users', { user: { name: 'inheritor', password: 'pw-inh' } });
    await put(`/v3/OS-INHERIT/projects/${top.id}/users/${user.id}/roles/${roles.reader}/inherited_to_projects`);
    const eff = await assignments(`user.id=${user.id}&effective`);
    assert.deepEqual(eff.map((a) => a.scope.project.id), [sub.id]);
    assert.equal(eff[0].links.assignment, `${base}/v3/OS-INHERIT/projects/${top.id}/users/${user.id}/roles/${roles.reader}/inherited_to_projects`);
    const token = await cloud.login('inheritor', 'pw-inh', 'inh-sub');
    assert.equal(await tokenWorks(token), 200);
    await assert.rejects(cloud.login('inheritor', 'pw-inh', 'inh-top'));
    const path = `/v3/OS-INHERIT/projects/${top.id}/users/${user.id}/roles/${roles.reader}/inherited_to_projects`;
    assert.equal((await api(`${base}${path}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal(await tokenWorks(token), 401, 'the inherited role was unassigned');
  });

  it('makes an unassigned role take effect at once: the token carrying it gets 401', async () => {
    const { user } = await post('/v3/users', { user: { name: 'revokee', password: 'pw-revokee' } });
    const { project } = await post('/v3/projects', { project: { name: 'revoke-proj' } });
    const { project: other } = await post('/v3/projects', { project: { name: 'revoke-other' } });
    await put(`/v3/projects/${project.id}/users/${user.id}/roles/${roles.member}`);
    await put(`/v3/projects/${other.id}/users/${user.id}/roles/${roles.member}`);
    const token = await cloud.login('revokee', 'pw-revokee', 'revoke-proj');
    const otherToken = await cloud.login('revokee', 'pw-revokee', 'revoke-other');
    assert.equal(await tokenWorks(token), 200);
    assert.equal((await api(`${base}/v3/projects/${project.id}/users/${user.id}/roles/${roles.member}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal(await tokenWorks(token), 401);
    assert.equal(await tokenWorks(otherToken), 200, 'a token on another project keeps working');
    await assert.rejects(cloud.login('revokee', 'pw-revokee', 'revoke-proj'));

    // Through a group: removing the group's grant ends the member's token.
    const { group } = await post('/v3/groups', { group: { name: 'revokers' } });
    await put(`/v3/groups/${group.id}/users/${user.id}`);
    await put(`/v3/projects/${project.id}/groups/${group.id}/roles/${roles.reader}`);
    const viaGroup = await cloud.login('revokee', 'pw-revokee', 'revoke-proj');
    assert.equal((await api(`${base}/v3/projects/${project.id}/groups/${group.id}/roles/${roles.reader}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal(await tokenWorks(viaGroup), 401);

    // Deleting a role ends every token carrying it.
    const { role } = await post('/v3/roles', { role: { name: 'doomed' } });
    await put(`/v3/projects/${other.id}/users/${user.id}/roles/${role.id}`);
    const withDoomed = await cloud.login('revokee', 'pw-revokee', 'revoke-other');
    assert.equal((await api(`${base}/v3/roles/${role.id}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal(await tokenWorks(withDoomed), 401);
    assert.equal(await tokenWorks(await cloud.login('revokee', 'pw-revokee', 'revoke-other')), 200);
  });
});
