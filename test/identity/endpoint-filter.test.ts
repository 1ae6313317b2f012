import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addTenant, api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: endpoint groups and project endpoint filtering (OS-EP-FILTER)', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  let tenant: { projectId: string; token: () => Promise<string> };
  let serviceId: string;
  let publicEp: string;
  let internalEp: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = `${cloud.urls.identity}/v3`;
    admin = await cloud.adminToken();
    tenant = await addTenant(cloud, 'filtered', 'member');
    serviceId = (await post('services', { service: { type: 'filtered-type', name: 'filtered' } })).body.service.id;
    const ep = async (iface: string) =>
      (await post('endpoints', { endpoint: { service_id: serviceId, interface: iface, url: `http://${iface}.example`, region_id: 'RegionOne' } })).body.endpoint.id;
    publicEp = await ep('public');
    internalEp = await ep('internal');
  });
  after(() => cloud.close());
  const post = (path: string, body: unknown) => api(`${base}/${path}`, { method: 'POST', token: admin, body });
  const req = (method: string, path: string) => api(`${base}/OS-EP-FILTER/${path}`, { method, token: admin });
  /** The endpoint ids of the catalog in a fresh token of the tenant's project. */
  const catalogIds = async () => {
    const token = await tenant.token();
    const res = await api(`${base}/auth/catalog`, { token });
    return res.body.catalog.flatMap((s: { endpoints: Array<{ id: string }> }) => s.endpoints.map((e) => e.id)) as string[];
  };

  it('creates, shows, updates, lists and deletes endpoint groups', async () => {
    const res = await post('OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'g1', description: 'd', filters: { service_id: serviceId } } });
    assert.equal(res.status, 201);
    const g = res.body.endpoint_group;
    assert.deepEqual(g.filters, { service_id: serviceId });
    assert.match(g.links.self, new RegExp(`/v3/OS-EP-FILTER/endpoint_groups/${g.id}$`));
    assert.equal((await req('HEAD', `endpoint_groups/${g.id}`)).status, 200);
    const eps = await req('GET', `endpoint_groups/${g.id}/endpoints`);
    assert.deepEqual(eps.body.endpoints.map((e: { id: string }) => e.id).sort(), [publicEp, internalEp].sort());
    const upd = await api(`${base}/OS-EP-FILTER/endpoint_groups/${g.id}`, { method: 'PATCH', token: admin, body: { endpoint_group: { name: 'g2', filters: { interface: 'public' } } } });
    assert.equal(upd.body.endpoint_group.name, 'g2');
    assert.deepEqual(upd.body.endpoint_group.filters, { interface: 'public' });
    const listed = await req('GET', 'endpoint_groups?name=g2');
    assert.deepEqual(listed.body.endpoint_groups.map((x: { id: string }) => x.id), [g.id]);
    assert.equal((await req('DELETE', `endpoint_groups/${g.id}`)).status, 204);
    assert.equal((await req('GET', `endpoint_groups/${g.id}`)).status, 404);
    assert.equal((await post('OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'bad', filters: { url: 'x' } } })).status, 400);
    assert.equal((await post('OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'bad', filters: {} } })).status, 400);
  });

  it('limits the catalog of a project to its associated endpoints and groups', async () => {
    const full = await catalogIds();
    assert.ok(full.includes(publicEp) && full.includes(internalEp) && full.length > 2);

    assert.equal((await req('PUT', `projects/${tenant.projectId}/endpoints/${internalEp}`)).status, 204);
    assert.deepEqual(await catalogIds(), [internalEp]);
    assert.equal((await req('HEAD', `projects/${tenant.projectId}/endpoints/${internalEp}`)).status, 204);
    assert.equal((await req('HEAD', `projects/${tenant.projectId}/endpoints/${publicEp}`)).status, 404);
    const projects = await req('GET', `endpoints/${internalEp}/projects`);
    assert.deepEqual(projects.body.projects.map((p: { id: string }) => p.id), [tenant.projectId]);

    const g = (await post('OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'pub', filters: { service_id: serviceId, interface: 'public' } } })).body.endpoint_group;
    assert.equal((await req('PUT', `endpoint_groups/${g.id}/projects/${tenant.projectId}`)).status, 204);
    assert.deepEqual((await catalogIds()).sort(), [publicEp, internalEp].sort());
    const assoc = await req('GET', `endpoint_groups/${g.id}/projects/${tenant.projectId}`);
    assert.equal(assoc.body.project_endpoint_group.project_id, tenant.projectId);
    const ofProject = await req('GET', `projects/${tenant.projectId}/endpoints`);
    assert.deepEqual(ofProject.body.endpoints.map((e: { id: string }) => e.id).sort(), [publicEp, internalEp].sort());
    assert.deepEqual((await req('GET', `projects/${tenant.projectId}/endpoint_groups`)).body.endpoint_groups.map((x: { id: string }) => x.id), [g.id]);

    // Other projects keep the full catalog; only the admin manages the filter.
    assert.ok((await api(`${base}/auth/catalog`, { token: await cloud.demoToken() })).body.catalog.length > 1);
    assert.equal((await api(`${base}/OS-EP-FILTER/endpoint_groups`, { token: await tenant.token() })).status, 403);

    assert.equal((await req('DELETE', `endpoint_groups/${g.id}/projects/${tenant.projectId}`)).status, 204);
    assert.equal((await req('DELETE', `projects/${tenant.projectId}/endpoints/${internalEp}`)).status, 204);
    assert.equal((await req('DELETE', `projects/${tenant.projectId}/endpoints/${internalEp}`)).status, 404);
    assert.deepEqual((await catalogIds()).sort(), full.sort());
  });
});
