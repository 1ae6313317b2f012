import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

/**
 * Keystone's unified limits (flat model): registered limits and project/domain limits, their
 * validation, duplicates, references, and who reads which limit (Keystone's default policy).
 */
describe('identity: unified limits', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  const ids: Record<string, string> = {};

  const as = (token: string, method: string, path: string, body?: unknown) => api(`${base}${path}`, { method, token, body });
  const create = async (kind: string, body: Record<string, unknown>) => {
    const res = await as(admin, 'POST', `/v3/${kind}s`, { [kind]: body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body[kind].id as string;
  };
  const login = async (user: string, domainId: string, scope: unknown) => {
    const res = await api(`${base}/v3/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: domainId }, password: 'pw' } } }, scope } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.headers.get('x-subject-token')!;
  };
  const registered = (extra: Record<string, unknown> = {}) => ({ service_id: ids.service, region_id: 'RegionOne', resource_name: 'cores', default_limit: 10, ...extra });

  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
    ids.service = await create('service', { type: 'compute-limits', name: 'limited' });
    ids.domA = await create('domain', { name: 'lim-a' });
    ids.domB = await create('domain', { name: 'lim-b' });
    ids.projA = await create('project', { name: 'lim-pa', domain_id: ids.domA });
    ids.projB = await create('project', { name: 'lim-pb', domain_id: ids.domB });
    const roles = Object.fromEntries((await as(admin, 'GET', '/v3/roles')).body.roles.map((r: { name: string; id: string }) => [r.name, r.id]));
    ids.user = await create('user', { name: 'lim-user', domain_id: ids.domA, password: 'pw' });
    assert.equal((await as(admin, 'PUT', `/v3/domains/${ids.domA}/users/${ids.user}/roles/${roles.reader}`)).status, 204);
    assert.equal((await as(admin, 'PUT', `/v3/projects/${ids.projA}/users/${ids.user}/roles/${roles.reader}`)).status, 204);
  });
  after(() => cloud.close());

  it('creates registered limits in a batch, shows, filters, updates and deletes them', async () => {
    const res = await as(admin, 'POST', '/v3/registered_limits', {
      registered_limits: [registered({ description: 'vCPUs' }), registered({ resource_name: 'ram', region_id: undefined, default_limit: -1 })],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.links, undefined, 'a created batch has no collection links');
    const [cores, ram] = res.body.registered_limits;
    assert.deepEqual(Object.keys(cores).sort(), ['default_limit', 'description', 'id', 'links', 'region_id', 'resource_name', 'service_id']);
    assert.equal(cores.links.self, `${base}/v3/registered_limits/${cores.id}`);
    assert.equal(ram.region_id, null);

    const shown = await as(admin, 'GET', `/v3/registered_limits/${cores.id}`);
    assert.deepEqual(shown.body.registered_limit, cores);
    const byResource = await as(admin, 'GET', `/v3/registered_limits?resource_name=ram&service_id=${ids.service}`);
    assert.deepEqual(byResource.body.registered_limits.map((r: { id: string }) => r.id), [ram.id]);
    assert.ok(byResource.body.links.self);
    assert.deepEqual((await as(admin, 'GET', '/v3/registered_limits?region_id=RegionOne')).body.registered_limits.map((r: { id: string }) => r.id), [cores.id]);

    const patched = await as(admin, 'PATCH', `/v3/registered_limits/${ram.id}`, { registered_limit: { default_limit: 2048, description: null } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.registered_limit.default_limit, 2048);
    // Anyone with a token reads registered limits; only the admin changes them.
    const demo = await cloud.demoToken();
    assert.equal((await as(demo, 'GET', `/v3/registered_limits/${ram.id}`)).status, 200);
    assert.equal((await as(demo, 'PATCH', `/v3/registered_limits/${ram.id}`, { registered_limit: { default_limit: 1 } })).status, 403);
    assert.equal((await as(admin, 'DELETE', `/v3/registered_limits/${ram.id}`)).status, 204);
    const gone = await as(admin, 'GET', `/v3/registered_limits/${ram.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, `Could not find registered limit for ${ram.id}.`);
  });

  it('refuses duplicates (409), unknown references (400) and bad bodies (400)', async () => {
    const dup = await as(admin, 'POST', '/v3/registered_limits', { registered_limits: [registered()] });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.message, 'Conflict occurred attempting to store registered_limit - Duplicate entry.');
    // A batch with a duplicate inside is all or nothing.
    const twice = registered({ resource_name: 'twice' });
    assert.equal((await as(admin, 'POST', '/v3/registered_limits', { registered_limits: [twice, twice] })).status, 409);
    assert.equal((await as(admin, 'GET', '/v3/registered_limits?resource_name=twice')).body.registered_limits.length, 0);

    const noService = await as(admin, 'POST', '/v3/registered_limits', { registered_limits: [registered({ service_id: 'nope' })] });
    assert.equal(noService.status, 400);
    assert.match(noService.body.error.message, /^Expecting to find service_id in registered_limit/);
    assert.equal((await as(admin, 'POST', '/v3/registered_limits', { registered_limits: [registered({ region_id: 'Nowhere' })] })).status, 400);
    for (const body of [
      { registered_limits: [] },
      { registered_limits: [registered({ default_limit: -2 })] },
      { registered_limits: [registered({ default_limit: '5' })] },
      { registered_limits: [registered({ colour: 'red' })] },
      { registered_limits: [{ service_id: ids.service, resource_name: 'x' }] },
      { registered_limit: registered() },
    ]) {
      const res = await as(admin, 'POST', '/v3/registered_limits', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 400);
    }
  });

  it('creates project and domain limits against a registered limit and keeps the registered limit while in use', async () => {
    const reg = (await as(admin, 'GET', '/v3/registered_limits?resource_name=cores')).body.registered_limits[0];
    const limit = (extra: Record<string, unknown>) => ({ service_id: ids.service, region_id: 'RegionOne', resource_name: 'cores', resource_limit: 20, ...extra });
    const res = await as(admin, 'POST', '/v3/limits', { limits: [limit({ project_id: ids.projA }), limit({ domain_id: ids.domB, description: 'B' })] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const [pa, db] = res.body.limits;
    assert.deepEqual(Object.keys(pa).sort(), ['description', 'domain_id', 'id', 'links', 'project_id', 'region_id', 'resource_limit', 'resource_name', 'service_id']);
    assert.equal(pa.project_id, ids.projA);
    assert.equal(pa.domain_id, null);
    assert.equal(db.domain_id, ids.domB);
    ids.limitA = pa.id;
    ids.limitDomB = db.id;

    assert.equal((await as(admin, 'POST', '/v3/limits', { limits: [limit({ project_id: ids.projA })] })).status, 409);
    const unregistered = await as(admin, 'POST', '/v3/limits', { limits: [limit({ project_id: ids.projA, resource_name: 'gpus' })] });
    assert.equal(unregistered.status, 403);
    assert.equal(unregistered.body.error.message, 'Unable to create a limit that has no corresponding registered limit.');
    assert.equal((await as(admin, 'POST', '/v3/limits', { limits: [limit({})] })).status, 400, 'needs project_id or domain_id');
    assert.equal((await as(admin, 'POST', '/v3/limits', { limits: [limit({ project_id: ids.projA, domain_id: ids.domA })] })).status, 400);
    assert.equal((await as(admin, 'POST', '/v3/limits', { limits: [limit({ project_id: 'nope' })] })).status, 400);

    // The registered limit cannot change or go while a limit refers to it (Keystone refuses any update).
    const locked = await as(admin, 'PATCH', `/v3/registered_limits/${reg.id}`, { registered_limit: { resource_name: 'vcpus' } });
    assert.equal(locked.status, 403);
    assert.equal(locked.body.error.message, `Unable to update or delete registered limit ${reg.id} because there are project limits associated with it.`);
    assert.equal((await as(admin, 'DELETE', `/v3/registered_limits/${reg.id}`)).status, 403);

    const patched = await as(admin, 'PATCH', `/v3/limits/${pa.id}`, { limit: { resource_limit: 0, description: 'none' } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.limit.resource_limit, 0);
    assert.equal(patched.body.limit.resource_name, 'cores');
    assert.equal((await as(admin, 'PATCH', `/v3/limits/${pa.id}`, { limit: { project_id: ids.projB } })).status, 400);
    const filtered = await as(admin, 'GET', `/v3/limits?domain_id=${ids.domB}`);
    assert.deepEqual(filtered.body.limits.map((l: { id: string }) => l.id), [db.id]);
    assert.equal((await as(admin, 'GET', '/v3/limits?resource_name=ram')).body.limits.length, 0);
  });

  it('shows the flat model to anyone', async () => {
    const res = await as(await cloud.demoToken(), 'GET', '/v3/limits/model');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      model: { name: 'flat', description: 'Limit enforcement and validation does not take project hierarchy into consideration.' },
    });
  });

  it("lets domain and project tokens read only their own domain's and project's limits", async () => {
    const domainToken = await login('lim-user', ids.domA, { domain: { id: ids.domA } });
    const projectToken = await login('lim-user', ids.domA, { project: { id: ids.projA } });
    const reg = (await as(admin, 'GET', '/v3/registered_limits?resource_name=cores')).body.registered_limits[0];
    const other = await as(admin, 'POST', '/v3/limits', {
      limits: [{ project_id: ids.projB, service_id: reg.service_id, region_id: reg.region_id, resource_name: 'cores', resource_limit: 3 }],
    });
    assert.equal(other.status, 201);
    const listed = async (token: string) => (await as(token, 'GET', '/v3/limits')).body.limits.map((l: { id: string }) => l.id).sort();
    assert.deepEqual(await listed(domainToken), [ids.limitA]);
    assert.deepEqual(await listed(projectToken), [ids.limitA]);
    assert.equal((await listed(admin)).length, 3);
    // A project token asking for another project still sees only its own.
    assert.deepEqual((await as(projectToken, 'GET', `/v3/limits?project_id=${ids.projB}`)).body.limits, []);

    assert.equal((await as(domainToken, 'GET', `/v3/limits/${ids.limitA}`)).status, 200);
    assert.equal((await as(projectToken, 'GET', `/v3/limits/${ids.limitA}`)).status, 200);
    assert.equal((await as(domainToken, 'GET', `/v3/limits/${other.body.limits[0].id}`)).status, 403);
    assert.equal((await as(projectToken, 'GET', `/v3/limits/${ids.limitDomB}`)).status, 403);
    assert.equal((await as(projectToken, 'GET', '/v3/limits/missing')).status, 403, 'the rule comes first, as in Keystone');
    assert.equal((await as(admin, 'GET', '/v3/limits/missing')).status, 404);
    assert.equal((await as(domainToken, 'PATCH', `/v3/limits/${ids.limitA}`, { limit: { resource_limit: 1 } })).status, 403);
    assert.equal((await as(domainToken, 'DELETE', `/v3/limits/${ids.limitA}`)).status, 403);
  });

  it("deletes a project's limits with the project", async () => {
    const proj = await create('project', { name: 'lim-short', domain_id: ids.domA });
    const reg = (await as(admin, 'GET', '/v3/registered_limits?resource_name=cores')).body.registered_limits[0];
    const made = await as(admin, 'POST', '/v3/limits', {
      limits: [{ project_id: proj, service_id: reg.service_id, region_id: reg.region_id, resource_name: 'cores', resource_limit: 1 }],
    });
    assert.equal(made.status, 201);
    assert.equal((await as(admin, 'DELETE', `/v3/projects/${proj}`)).status, 204);
    assert.equal((await as(admin, 'GET', `/v3/limits/${made.body.limits[0].id}`)).status, 404);
  });
});

describe('identity: unified limits with list_limit', () => {
  it('cuts registered limit and limit lists to listLimit and flags them truncated, as Keystone', async () => {
    const cloud = await startTestCloud({ only: ['identity'], services: { identity: { listLimit: 1 } } });
    try {
      const base = cloud.urls.identity;
      const token = await cloud.adminToken();
      const service = (await api(`${base}/v3/services`, { method: 'POST', token, body: { service: { type: 'truncated' } } })).body.service.id;
      const regs = ['a', 'b'].map((resource_name) => ({ service_id: service, resource_name, default_limit: 1 }));
      assert.equal((await api(`${base}/v3/registered_limits`, { method: 'POST', token, body: { registered_limits: regs } })).status, 201);
      const listed = await api(`${base}/v3/registered_limits`, { token });
      assert.equal(listed.body.registered_limits.length, 1);
      assert.equal(listed.body.truncated, true);
      assert.equal((await api(`${base}/v3/limits`, { token })).body.truncated, undefined);
    } finally {
      await cloud.close();
    }
  });
});
