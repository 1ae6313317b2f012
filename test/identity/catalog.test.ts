import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: regions, services and endpoints', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  const call = (method: string, path: string, body?: unknown, token = admin) => api(`${base}${path}`, { method, token, body });
  const catalogOf = async (token: string) => (await api(`${base}/v3/auth/catalog`, { token })).body.catalog as any[];

  it('creates, lists, updates and deletes regions with a hierarchy', async () => {
    const top = await call('POST', '/v3/regions', { region: { id: 'Europe', description: 'EU' } });
    assert.equal(top.status, 201);
    assert.deepEqual(top.body.region, { id: 'Europe', description: 'EU', parent_region_id: null, links: { self: `${base}/v3/regions/Europe` } });
    const put = await call('PUT', '/v3/regions/Berlin', { region: { parent_region_id: 'Europe' } });
    assert.equal(put.status, 201);
    assert.equal((await call('POST', '/v3/regions', { region: { id: 'Europe' } })).status, 409);
    assert.equal((await call('POST', '/v3/regions', { region: { parent_region_id: 'Atlantis' } })).status, 404);
    assert.equal((await call('PATCH', '/v3/regions/Europe', { region: { parent_region_id: 'Berlin' } })).status, 400);
    const children = await call('GET', '/v3/regions?parent_region_id=Europe');
    assert.deepEqual(children.body.regions.map((r: { id: string }) => r.id), ['Berlin']);
    const upd = await call('PATCH', '/v3/regions/Berlin', { region: { description: 'BER' } });
    assert.equal(upd.body.region.description, 'BER');
    const generated = await call('POST', '/v3/regions', { region: {} });
    assert.match(generated.body.region.id, /^[0-9a-f]{32}$/);
    assert.equal((await call('DELETE', '/v3/regions/Europe')).status, 204);
    assert.equal((await call('GET', '/v3/regions/Berlin')).status, 404, 'child regions go with their parent');
    const missing = await call('GET', '/v3/regions/Europe');
    assert.equal(missing.body.error.message, 'Could not find region: Europe.');
  });

  it('creates services and endpoints, filters them, and the token catalog follows at once', async () => {
    const demo = await cloud.demoToken();
    const svc = await call('POST', '/v3/services', { service: { type: 'compute', name: 'nova', description: 'Compute' } });
    assert.equal(svc.status, 201);
    const s = svc.body.service;
    assert.deepEqual(Object.keys(s).sort(), ['description', 'enabled', 'id', 'links', 'name', 'type']);
    const urls: string[] = [];
    for (const iface of ['public', 'internal', 'admin']) {
      const url = `http://compute.example:8774/v2.1/${iface}`;
      const ep = await call('POST', '/v3/endpoints', { endpoint: { service_id: s.id, interface: iface, url, region_id: 'RegionOne' } });
      assert.equal(ep.status, 201, JSON.stringify(ep.body));
      assert.equal(ep.body.endpoint.region, 'RegionOne');
      urls.push(ep.body.endpoint.id);
    }
    const compute = (await catalogOf(demo)).find((x) => x.type === 'compute');
    assert.equal(compute.name, 'nova');
    assert.equal(compute.endpoints.length, 3);

    assert.equal((await call('GET', `/v3/endpoints?service_id=${s.id}`)).body.endpoints.length, 3);
    assert.equal((await call('GET', `/v3/endpoints?service_id=${s.id}&interface=public`)).body.endpoints.length, 1);
    assert.equal((await call('GET', '/v3/endpoints?region_id=Nowhere')).body.endpoints.length, 0);
    assert.deepEqual((await call('GET', '/v3/services?type=compute')).body.services.map((x: { id: string }) => x.id), [s.id]);
    assert.deepEqual((await call('GET', '/v3/services?name=nova')).body.services.map((x: { id: string }) => x.id), [s.id]);
    // As Keystone: the catalog API is the system's (the token carries each user's catalog).
    assert.equal((await call('GET', '/v3/services', undefined, demo)).status, 403, 'members do not list services');
    assert.equal((await call('GET', `/v3/endpoints/${urls[0]}`, undefined, demo)).status, 403, 'nor read endpoints');
    assert.equal((await call('GET', '/v3/endpoints/nope', undefined, demo)).status, 404, 'a missing endpoint is 404 for everyone');

    const moved = await call('PATCH', `/v3/endpoints/${urls[0]}`, { endpoint: { url: 'http://compute.example:9999/v2.1' } });
    assert.equal(moved.body.endpoint.url, 'http://compute.example:9999/v2.1');
    assert.ok((await catalogOf(demo)).find((x) => x.type === 'compute').endpoints.some((e: { url: string }) => e.url.includes(':9999')));
    await call('PATCH', `/v3/services/${s.id}`, { service: { enabled: false } });
    assert.equal((await catalogOf(demo)).some((x) => x.type === 'compute'), false);

    assert.equal((await call('POST', '/v3/regions', { region: { id: 'Busy' } })).status, 201);
    await call('PATCH', `/v3/endpoints/${urls[1]}`, { endpoint: { region_id: 'Busy' } });
    const busy = await call('DELETE', '/v3/regions/Busy');
    assert.equal(busy.status, 403);

    assert.equal((await call('DELETE', `/v3/endpoints/${urls[2]}`)).status, 204);
    assert.equal((await call('GET', `/v3/endpoints/${urls[2]}`)).status, 404);
    assert.equal((await call('DELETE', `/v3/services/${s.id}`)).status, 204);
    assert.equal((await call('GET', `/v3/endpoints?service_id=${s.id}`)).body.endpoints.length, 0, 'endpoints go with their service');
  });

  it('rejects endpoints with a bad interface, URL, service or region', async () => {
    const s = (await call('POST', '/v3/services', { service: { type: 'image' } })).body.service;
    const cases = [
      { service_id: s.id, interface: 'private', url: 'http://x' },
      { service_id: s.id, interface: 'public', url: 'not a url' },
      { service_id: 'nope', interface: 'public', url: 'http://x' },
      { service_id: s.id, interface: 'public', url: 'http://x', region_id: 'Nowhere' },
      { service_id: s.id, interface: 'public' },
    ];
    for (const endpoint of cases) {
      const res = await call('POST', '/v3/endpoints', { endpoint });
      assert.equal(res.status, 400, JSON.stringify(endpoint));
      assert.equal(res.body.error.title, 'Bad Request');
    }
  });

  it('lets only admins change the catalog', async () => {
    const demo = await cloud.demoToken();
    assert.equal((await call('POST', '/v3/services', { service: { type: 'x' } }, demo)).status, 403);
    assert.equal((await call('POST', '/v3/regions', { region: { id: 'Mine' } }, demo)).status, 403);
    assert.equal((await call('GET', '/v3/regions', undefined, demo)).status, 200);
  });
});
