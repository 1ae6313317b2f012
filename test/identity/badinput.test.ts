import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

/** Every route of users, groups, roles, grants, assignments and catalog answers bad input with a Keystone 4xx. */
describe('identity: bad input', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  const ids: Record<string, string> = {};
  const unknown = 'f'.repeat(32);

  const assertFault = (res: { status: number; body: any }, status: number, what: string) => {
    assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
    assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'title'], what);
    assert.equal(res.body.error.code, status, what);
  };

  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
    const create = async (kind: string, body: Record<string, unknown>) =>
      (await api(`${base}/v3/${kind}s`, { method: 'POST', token: admin, body: { [kind]: body } })).body[kind].id as string;
    ids.user = await create('user', { name: 'target', password: 'pw' });
    ids.group = await create('group', { name: 'target' });
    ids.role = await create('role', { name: 'target' });
    ids.region = await create('region', { id: 'TargetRegion' });
    ids.service = await create('service', { type: 'target' });
    ids.endpoint = await create('endpoint', { service_id: ids.service, interface: 'public', url: 'http://target' });
    ids.project = (await api(`${base}/v3/projects?name=demo`, { token: admin })).body.projects[0].id;
  });
  after(() => cloud.close());

  /** Routes that take a body: method, path, wrapper key. */
  const bodyRoutes = () =>
    [
      ['POST', '/v3/users', 'user'],
      ['PATCH', `/v3/users/${ids.user}`, 'user'],
      ['POST', `/v3/users/${ids.user}/password`, 'user'],
      ['POST', '/v3/groups', 'group'],
      ['PATCH', `/v3/groups/${ids.group}`, 'group'],
      ['POST', '/v3/roles', 'role'],
      ['PATCH', `/v3/roles/${ids.role}`, 'role'],
      ['POST', '/v3/regions', 'region'],
      ['PUT', '/v3/regions/NewRegion', 'region'],
      ['PATCH', `/v3/regions/${ids.region}`, 'region'],
      ['POST', '/v3/services', 'service'],
      ['PATCH', `/v3/services/${ids.service}`, 'service'],
      ['POST', '/v3/endpoints', 'endpoint'],
      ['PATCH', `/v3/endpoints/${ids.endpoint}`, 'endpoint'],
    ] as const;

  it('answers malformed JSON with 400', async () => {
    for (const [method, path] of bodyRoutes()) {
      for (const raw of ['{', '{"a": }', 'null x']) assertFault(await api(`${base}${path}`, { method, token: admin, raw }), 400, `${method} ${path} ${raw}`);
    }
  });

  it('answers wrong types with 400', async () => {
    const wrong = {
      name: 5,
      type: [],
      description: 7,
      enabled: 'yes',
      url: 5,
      interface: 5,
      service_id: 5,
      parent_region_id: 5,
      password: 5,
      original_password: 5,
      options: 'x',
      domain_id: 5,
      email: false,
    };
    for (const [method, path, key] of bodyRoutes()) {
      for (const body of [[], 'text', { [key]: 5 }, { [key]: [] }, { other: {} }, { [key]: wrong }]) {
        assertFault(await api(`${base}${path}`, { method, token: admin, body }), 400, `${method} ${path} ${JSON.stringify(body)}`);
      }
    }
    for (const [field, value] of [
      ['name', ''],
      ['name', 'x'.repeat(256)],
      ['options', { ignore_password_expiry: 'yes' }],
      ['options', { multi_factor_auth_rules: [['password', 5]] }],
      ['password', 'x'.repeat(5000)],
    ] as const) {
      const res = await api(`${base}/v3/users`, { method: 'POST', token: admin, body: { user: { name: 'typed', [field]: value } } });
      assertFault(res, 400, `user ${field}`);
    }
    for (const q of ['enabled=maybe', 'password_expires_at=lt:never']) assertFault(await api(`${base}/v3/users?${q}`, { token: admin }), 400, q);
    assertFault(await api(`${base}/v3/endpoints?enabled=perhaps`, { token: admin }), 400, 'endpoint enabled');
  });

  it('answers an oversize body with 413', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    for (const [method, path, key] of bodyRoutes()) {
      assertFault(await api(`${base}${path}`, { method, token: admin, body: { [key]: { name: big } } }), 413, `${method} ${path}`);
    }
    const grant = `/v3/projects/${ids.project}/users/${ids.user}/roles/${ids.role}`;
    assertFault(await api(`${base}${grant}`, { method: 'PUT', token: admin, raw: JSON.stringify({ x: big }) }), 413, 'grant');
  });

  it('answers unknown ids with 404 naming the missing entity', async () => {
    const u = unknown;
    const cases: Array<[string, string, unknown?]> = [
      ['GET', `/v3/users/${u}`],
      ['PATCH', `/v3/users/${u}`, { user: { description: 'x' } }],
      ['DELETE', `/v3/users/${u}`],
      ['GET', `/v3/users/${u}/projects`],
      ['GET', `/v3/users/${u}/groups`],
      ['GET', `/v3/groups/${u}`],
      ['PATCH', `/v3/groups/${u}`, { group: { name: 'x' } }],
      ['DELETE', `/v3/groups/${u}`],
      ['GET', `/v3/groups/${u}/users`],
      ['PUT', `/v3/groups/${u}/users/${ids.user}`],
      ['PUT', `/v3/groups/${ids.group}/users/${u}`],
      ['GET', `/v3/groups/${ids.group}/users/${u}`],
      ['DELETE', `/v3/groups/${ids.group}/users/${ids.user}`],
      ['GET', `/v3/roles/${u}`],
      ['PATCH', `/v3/roles/${u}`, { role: { name: 'x' } }],
      ['DELETE', `/v3/roles/${u}`],
      ['GET', `/v3/roles/${u}/implies`],
      ['PUT', `/v3/roles/${u}/implies/${ids.role}`],
      ['PUT', `/v3/roles/${ids.role}/implies/${u}`],
      ['GET', `/v3/roles/${ids.role}/implies/${u}`],
      ['DELETE', `/v3/roles/${ids.role}/implies/${ids.role}`],
      ['GET', `/v3/regions/${u}`],
      ['PATCH', `/v3/regions/${u}`, { region: { description: 'x' } }],
      ['DELETE', `/v3/regions/${u}`],
      ['GET', `/v3/services/${u}`],
      ['PATCH', `/v3/services/${u}`, { service: { name: 'x' } }],
      ['DELETE', `/v3/services/${u}`],
      ['GET', `/v3/endpoints/${u}`],
      ['PATCH', `/v3/endpoints/${u}`, { endpoint: { url: 'http://x' } }],
      ['DELETE', `/v3/endpoints/${u}`],
      ['GET', `/v3/no-such-thing/${u}`],
    ];
    for (const actor of ['users', 'groups']) {
      const actorId = actor === 'users' ? ids.user : ids.group;
      for (const prefix of [`/v3/projects/${ids.project}`, '/v3/domains/default', '/v3/system']) {
        cases.push(['GET', `${prefix}/${actor}/${u}/roles`], ['PUT', `${prefix}/${actor}/${actorId}/roles/${u}`], ['DELETE', `${prefix}/${actor}/${actorId}/roles/${ids.role}`]);
      }
      for (const prefix of [`/v3/OS-INHERIT/projects/${ids.project}`, '/v3/OS-INHERIT/domains/default']) {
        cases.push(
          ['GET', `${prefix}/${actor}/${u}/roles/inherited_to_projects`],
          ['PUT', `${prefix}/${actor}/${actorId}/roles/${u}/inherited_to_projects`],
          ['GET', `${prefix}/${actor}/${actorId}/roles/${ids.role}/inherited_to_projects`],
        );
      }
      cases.push(['PUT', `/v3/projects/${u}/${actor}/${actorId}/roles/${ids.role}`], ['PUT', `/v3/domains/${u}/${actor}/${actorId}/roles/${ids.role}`]);
    }
    for (const [method, path, body] of cases) assertFault(await api(`${base}${path}`, { method, token: admin, body }), 404, `${method} ${path}`);
    const missing = await api(`${base}/v3/projects/${ids.project}/users/${unknown}/roles/${ids.role}`, { method: 'PUT', token: admin });
    assert.equal(missing.body.error.message, `Could not find user: ${unknown}.`);
  });

  it('answers a wrong original password and a missing token with 401', async () => {
    const res = await api(`${base}/v3/users/${unknown}/password`, { method: 'POST', body: { user: { original_password: 'a', password: 'b' } } });
    assertFault(res, 401, 'password of an unknown user');
    assertFault(await api(`${base}/v3/users`), 401, 'no token');
    assertFault(await api(`${base}/v3/role_assignments`, { token: 'garbage' }), 401, 'bad token');
    assertFault(await api(`${base}/v3/users/${ids.user}/password`), 405, 'GET of the password');
  });
});
