import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: EC2 and generic credentials', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let me: { userId: string; projectId: string };
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = `${cloud.urls.identity}/v3`;
    demo = await cloud.demoToken();
    const t = (await api(`${base}/auth/tokens`, { token: demo, headers: { 'x-subject-token': demo } })).body.token;
    me = { userId: t.user.id, projectId: t.project.id };
  });
  after(() => cloud.close());

  const identity = () => cloud.clients.identity;

  it('creates, lists, shows and deletes OS-EC2 credentials', async () => {
    const created = await api(`${base}/users/${me.userId}/credentials/OS-EC2`, { method: 'POST', token: demo, body: { tenant_id: me.projectId } });
    assert.equal(created.status, 201);
    const c = created.body.credential;
    assert.deepEqual(Object.keys(c).sort(), ['access', 'links', 'secret', 'tenant_id', 'trust_id', 'user_id']);
    assert.match(c.access, /^[0-9a-f]{32}$/);
    assert.equal(c.trust_id, null);
    assert.equal(c.tenant_id, me.projectId);
    assert.match(c.links.self, new RegExp(`/v3/users/${me.userId}/credentials/OS-EC2/${c.access}$`));

    const list = await api(`${base}/users/${me.userId}/credentials/OS-EC2`, { token: demo });
    assert.ok(list.body.credentials.some((x: { access: string }) => x.access === c.access));
    const shown = await api(`${base}/users/${me.userId}/credentials/OS-EC2/${c.access}`, { token: demo });
    assert.equal(shown.body.credential.secret, c.secret);

    // The same credential through the generic API, under Keystone's id: sha256(access).
    const id = createHash('sha256').update(c.access).digest('hex');
    const generic = await api(`${base}/credentials/${id}`, { token: demo });
    assert.equal(generic.status, 200);
    assert.equal(generic.body.credential.type, 'ec2');
    assert.equal(JSON.parse(generic.body.credential.blob).secret, c.secret);

    // What the S3 service sees through the identity client.
    assert.deepEqual(await identity().findEc2Credential(c.access), { access: c.access, secret: c.secret, userId: me.userId, projectId: me.projectId });

    assert.equal((await api(`${base}/users/${me.userId}/credentials/OS-EC2/${c.access}`, { method: 'DELETE', token: demo })).status, 204);
    const gone = await api(`${base}/users/${me.userId}/credentials/OS-EC2/${c.access}`, { token: demo });
    assert.equal(gone.status, 404);
    assert.match(gone.body.error.message, /^Could not find credential: [0-9a-f]{64}\.$/);
    assert.equal(await identity().findEc2Credential(c.access), undefined);
  });

  it('refuses bad EC2 requests with Keystone faults', async () => {
    const url = `${base}/users/${me.userId}/credentials/OS-EC2`;
    assert.equal((await api(url, { method: 'POST', token: demo, body: {} })).status, 400);
    assert.equal((await api(url, { method: 'POST', token: demo, raw: '{nope' })).status, 400);
    assert.equal((await api(url, { method: 'POST', token: demo, body: { tenant_id: 'missing' } })).status, 404);
    const admin = await cloud.adminToken();
    const adminId = (await api(`${base}/auth/tokens`, { token: admin, headers: { 'x-subject-token': admin } })).body.token.user.id;
    assert.equal((await api(`${base}/users/${adminId}/credentials/OS-EC2`, { token: demo })).status, 403);
  });

  it('keeps generic credentials of any type with their blob, filtered by user and type', async () => {
    const totp = await api(`${base}/credentials`, {
      method: 'POST',
      token: demo,
      body: { credential: { type: 'totp', user_id: me.userId, blob: 'GEZDGNBVGY3TQOJQ' } },
    });
    assert.equal(totp.status, 201);
    assert.equal(totp.body.credential.blob, 'GEZDGNBVGY3TQOJQ');
    assert.equal(totp.body.credential.project_id, null);
    const access = 'explicit-access';
    const ec2 = await api(`${base}/credentials`, {
      method: 'POST',
      token: demo,
      body: { credential: { type: 'ec2', user_id: me.userId, project_id: me.projectId, blob: JSON.stringify({ access, secret: 's3cr3t' }) } },
    });
    assert.equal(ec2.status, 201);
    assert.equal(ec2.body.credential.id, createHash('sha256').update(access).digest('hex'));
    assert.equal((await identity().findEc2Credential(access))?.secret, 's3cr3t');

    const byType = await api(`${base}/credentials?type=totp&user_id=${me.userId}`, { token: demo });
    assert.deepEqual(byType.body.credentials.map((c: { id: string }) => c.id), [totp.body.credential.id]);

    const patched = await api(`${base}/credentials/${totp.body.credential.id}`, { method: 'PATCH', token: demo, body: { credential: { blob: 'NEWSECRET' } } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.credential.blob, 'NEWSECRET');
    assert.equal(patched.body.credential.type, 'totp');

    // The blob is stored wrapped, never in clear.
    const rows = await cloud.ctx.db.kysely.selectFrom('id_credentials' as never).selectAll().execute();
    assert.ok(rows.every((r) => !JSON.stringify(r).includes('s3cr3t') && !JSON.stringify(r).includes('NEWSECRET')));

    // Another user neither sees nor reaches them; admin does.
    const admin = await cloud.adminToken();
    assert.ok((await api(`${base}/credentials`, { token: admin })).body.credentials.length >= 2);
    await api(`${base}/users`, { method: 'POST', token: admin, body: { user: { name: 'other', password: 'pw-other-1', domain_id: 'default' } } });
    const demoProject = me.projectId;
    const otherId = (await api(`${base}/users?name=other`, { token: admin })).body.users[0].id;
    const member = (await api(`${base}/roles?name=member`, { token: admin })).body.roles[0].id;
    await api(`${base}/projects/${demoProject}/users/${otherId}/roles/${member}`, { method: 'PUT', token: admin });
    const other = await cloud.login('other', 'pw-other-1', 'demo');
    assert.deepEqual((await api(`${base}/credentials`, { token: other })).body.credentials, []);
    assert.equal((await api(`${base}/credentials/${totp.body.credential.id}`, { token: other })).status, 404);
    assert.equal((await api(`${base}/credentials/${totp.body.credential.id}`, { method: 'DELETE', token: other })).status, 404);
    const forOther = await api(`${base}/credentials`, { method: 'POST', token: other, body: { credential: { type: 'totp', user_id: me.userId, blob: 'x' } } });
    assert.equal(forOther.status, 403);

    assert.equal((await api(`${base}/credentials/${totp.body.credential.id}`, { method: 'DELETE', token: demo })).status, 204);
    assert.equal((await api(`${base}/credentials/${totp.body.credential.id}`, { token: demo })).status, 404);
  });

  it('validates credential bodies', async () => {
    const post = (credential: unknown) => api(`${base}/credentials`, { method: 'POST', token: demo, body: { credential } });
    assert.equal((await post({ type: 'ec2', user_id: me.userId, project_id: me.projectId, blob: 'not json' })).status, 400);
    assert.equal((await post({ type: 'ec2', user_id: me.userId, project_id: me.projectId, blob: '{"secret":"x"}' })).status, 400);
    assert.equal((await post({ type: 'ec2', user_id: me.userId, blob: '{"access":"a1"}' })).status, 400);
    assert.equal((await post({ type: 'totp', user_id: me.userId, blob: 42 })).status, 400);
    assert.equal((await post({ type: 'totp', user_id: me.userId, project_id: 'nope', blob: 'x' })).status, 404);
    const dup = { type: 'ec2', user_id: me.userId, project_id: me.projectId, blob: '{"access":"dup"}' };
    assert.equal((await post(dup)).status, 201);
    assert.equal((await post(dup)).status, 409);
  });
  it('answers malformed, mistyped, oversize and unknown-id requests on every route with a Keystone 4xx', async () => {
    const admin = await cloud.adminToken();
    const u = me.userId;
    const bodies: Array<[string, string, string]> = [
      ['POST', `/users/${u}/application_credentials`, 'application_credential'],
      ['POST', `/users/${u}/credentials/OS-EC2`, ''],
      ['POST', '/credentials', 'credential'],
    ];
    const tid = (await api(`${base}/credentials`, { method: 'POST', token: demo, body: { credential: { type: 'totp', user_id: u, blob: 'x' } } })).body.credential.id;
    bodies.push(['PATCH', `/credentials/${tid}`, 'credential']);
    const fault = (res: { status: number; body: any }, status: number, what: string) => {
      assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'title'], what);
    };
    for (const [method, path, key] of bodies) {
      const url = `${base}${path}`;
      fault(await api(url, { method, token: demo, raw: '{"broken' }), 400, `${method} ${path} malformed`);
      fault(await api(url, { method, token: demo, body: [] }), 400, `${method} ${path} array`);
      if (key) fault(await api(url, { method, token: demo, body: { [key]: 'x' } }), 400, `${method} ${path} wrapper`);
      const typed = key ? { [key]: { name: 5, type: 5, user_id: 5, blob: 5, roles: 5, access_rules: {}, unrestricted: 'yes' } } : { tenant_id: 5 };
      fault(await api(url, { method, token: demo, body: typed }), 400, `${method} ${path} types`);
      fault(await api(url, { method, token: demo, raw: JSON.stringify({ [key || 'x']: { blob: 'x'.repeat(2 * 1024 * 1024) } }) }), 413, `${method} ${path} oversize`);
    }
    const unknown = 'f'.repeat(32);
    for (const [path, status] of [
      [`/users/${u}/application_credentials/${unknown}`, 404],
      [`/users/${u}/access_rules/${unknown}`, 404],
      [`/credentials/${unknown}`, 404],
      [`/users/${u}/credentials/OS-EC2/${unknown}`, 404],
    ] as const) {
      for (const method of ['GET', 'DELETE']) fault(await api(`${base}${path}`, { method, token: demo }), status, `${method} ${path}`);
    }
    fault(await api(`${base}/users/${unknown}/credentials/OS-EC2`, { token: admin }), 404, 'EC2 list of an unknown user');
    fault(await api(`${base}/users/${unknown}/credentials/OS-EC2`, { method: 'POST', token: admin, body: { tenant_id: me.projectId } }), 404, 'EC2 create for an unknown user');
  });
});
