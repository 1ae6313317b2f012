import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';

/** python-keystoneclient's endpoint_policy manager (the client that has one) through every call it offers. */
const KEYSTONECLIENT_SCRIPT = `
import json, openstack
from keystoneclient.v3 import client
conn = openstack.connect(cloud='scs-admin')
ks = client.Client(session=conn.session, interface='public')
ep = ks.endpoint_policy
out = {}
policy = ks.policies.create(blob='{"a": 1}', type='application/json')
svc = ks.services.create(name='ksc-policy', type='ksc-policy')
region = ks.regions.create(id='ksc-region')
endpoint = ks.endpoints.create(service=svc, url='http://ksc.example/', interface='public', region=region)
ep.create_policy_association_for_endpoint(policy, endpoint)
ep.create_policy_association_for_service(policy, svc)
ep.create_policy_association_for_region_and_service(policy, region, svc)
# A check is a HEAD: True for 204.
out['checks'] = [ep.check_policy_association_for_endpoint(policy, endpoint),
                 ep.check_policy_association_for_service(policy, svc),
                 ep.check_policy_association_for_region_and_service(policy, region, svc)]
out['policy_for_endpoint'] = ep.get_policy_for_endpoint(endpoint).id == policy.id
out['endpoints'] = [e.id == endpoint.id for e in ep.list_endpoints_for_policy(policy)]
ep.delete_policy_association_for_endpoint(policy, endpoint)
ep.delete_policy_association_for_service(policy, svc)
ep.delete_policy_association_for_region_and_service(policy, region, svc)
try:
    ep.check_policy_association_for_service(policy, svc)
    out['after_delete'] = 'found'
except Exception as e:
    out['after_delete'] = type(e).__name__
ks.endpoints.delete(endpoint); ks.services.delete(svc); ks.regions.delete(region); ks.policies.delete(policy)
print(json.dumps(out))
`;

/**
 * OS-ENDPOINT-POLICY: policies associated with endpoints, services and service regions, and
 * Keystone's resolution of an endpoint's policy (endpoint, then service in the region and up the
 * region tree, then service).
 */
describe('identity: endpoint policy associations (OS-ENDPOINT-POLICY)', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  const ids: Record<string, string> = {};

  const as = (token: string, method: string, path: string, body?: unknown) => api(`${base}${path}`, { method, token, body });
  const create = async (kind: string, body: Record<string, unknown>) => {
    const res = await as(admin, 'POST', `/v3/${kind === 'policy' ? 'policies' : `${kind}s`}`, { [kind]: body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body[kind].id as string;
  };
  const assoc = (policy: string, rest: string) => `/v3/policies/${policy}/OS-ENDPOINT-POLICY/${rest}`;
  const policyOf = async (endpoint: string) => as(admin, 'GET', `/v3/endpoints/${endpoint}/OS-ENDPOINT-POLICY/policy`);

  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = cloud.urls.identity;
    admin = await cloud.adminToken();
    for (const name of ['forEndpoint', 'forRegion', 'forService']) ids[name] = await create('policy', { blob: `{"${name}": true}`, type: 'application/json' });
    ids.service = await create('service', { type: 'ep-policy-test' });
    assert.equal((await as(admin, 'POST', '/v3/regions', { region: { id: 'ep-parent' } })).status, 201);
    assert.equal((await as(admin, 'POST', '/v3/regions', { region: { id: 'ep-child', parent_region_id: 'ep-parent' } })).status, 201);
    ids.endpoint = await create('endpoint', { service_id: ids.service, interface: 'public', url: 'http://a.example/', region_id: 'ep-child' });
    ids.other = await create('endpoint', { service_id: ids.service, interface: 'internal', url: 'http://b.example/', region_id: 'ep-child' });
  });
  after(() => cloud.close());

  it('creates, checks and deletes associations with 204s and 404s as Keystone', async () => {
    const path = assoc(ids.forEndpoint, `endpoints/${ids.endpoint}`);
    assert.equal((await as(admin, 'GET', path)).status, 404);
    const put = await as(admin, 'PUT', path);
    assert.equal(put.status, 204);
    assert.equal((await as(admin, 'GET', path)).status, 204);
    assert.equal((await as(admin, 'HEAD', path)).status, 204);
    // Another policy for the same endpoint replaces the first.
    assert.equal((await as(admin, 'PUT', assoc(ids.forService, `endpoints/${ids.endpoint}`))).status, 204);
    assert.equal((await as(admin, 'GET', path)).status, 404);
    const missing = await as(admin, 'GET', path);
    assert.equal(missing.body.error.message, 'Could not find policy association.');
    assert.equal((await as(admin, 'PUT', path)).status, 204);

    assert.equal((await as(admin, 'PUT', assoc('nope', `endpoints/${ids.endpoint}`))).status, 404);
    const noEndpoint = await as(admin, 'PUT', assoc(ids.forEndpoint, 'endpoints/nope'));
    assert.equal(noEndpoint.status, 404);
    assert.equal(noEndpoint.body.error.message, 'Could not find endpoint: nope.');
    assert.equal((await as(admin, 'PUT', assoc(ids.forRegion, `services/${ids.service}/regions/nowhere`))).status, 404);
    assert.equal((await as(admin, 'PUT', assoc(ids.forRegion, 'services/nope'))).status, 404);

    // Only the admin changes associations; a project member reads none of them.
    const demo = await cloud.demoToken();
    assert.equal((await as(demo, 'PUT', assoc(ids.forRegion, `services/${ids.service}`))).status, 403);
    assert.equal((await as(demo, 'GET', path)).status, 403);
    assert.equal((await policyOf(ids.endpoint)).status, 200);
    assert.equal((await as(demo, 'GET', `/v3/endpoints/${ids.endpoint}/OS-ENDPOINT-POLICY/policy`)).status, 403);
  });

  it("resolves an endpoint's policy: its own, then its service in its region or a parent region, then its service", async () => {
    assert.equal((await policyOf(ids.other)).status, 404);
    assert.equal((await policyOf(ids.other)).body.error.message, `No policy is associated with endpoint ${ids.other}.`);
    assert.equal((await as(admin, 'PUT', assoc(ids.forService, `services/${ids.service}`))).status, 204);
    assert.equal((await policyOf(ids.other)).body.policy.id, ids.forService);
    assert.equal((await as(admin, 'PUT', assoc(ids.forRegion, `services/${ids.service}/regions/ep-parent`))).status, 204);
    assert.equal((await as(admin, 'GET', assoc(ids.forRegion, `services/${ids.service}/regions/ep-parent`))).status, 204);
    const viaParent = await policyOf(ids.other);
    assert.equal(viaParent.body.policy.id, ids.forRegion, 'the parent region of the endpoint region counts');
    assert.equal(viaParent.body.policy.blob, '{"forRegion": true}');
    assert.equal((await policyOf(ids.endpoint)).body.policy.id, ids.forEndpoint, 'the endpoint association comes first');
    assert.equal((await policyOf('nope')).status, 404);
  });

  it('is listed in the JSON home document, where Keystone lists its extensions', async () => {
    for (const [path, prefix] of [['/v3', ''], ['/', '/v3']] as const) {
      const res = await api(`${base}${path}`, { headers: { accept: 'application/json-home' } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json-home/);
      const r = res.body.resources;
      const ext = 'https://docs.openstack.org/api/openstack-identity/3/ext/OS-ENDPOINT-POLICY/1.0/rel';
      assert.deepEqual(r[`${ext}/endpoint_policy`], {
        'href-template': `${prefix}/endpoints/{endpoint_id}/OS-ENDPOINT-POLICY/policy`,
        'href-vars': { endpoint_id: 'https://docs.openstack.org/api/openstack-identity/3/param/endpoint_id' },
      });
      assert.equal(r[`${ext}/policy_endpoints`]['href-template'], `${prefix}/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints`);
      assert.equal(
        r[`${ext}/region_and_service_policy_association`]['href-template'],
        `${prefix}/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}`,
      );
      const core = 'https://docs.openstack.org/api/openstack-identity/3/rel';
      assert.deepEqual(r[`${core}/registered_limits`], { href: `${prefix}/registered_limits` });
      assert.equal(r[`${core}/registered_limit`]['href-template'], `${prefix}/registered_limits/{registered_limit_id}`);
      assert.deepEqual(r[`${core}/limit_model`], { href: `${prefix}/limits/model` });
      assert.deepEqual(r[`${core}/users`], { href: `${prefix}/users` });
    }
    // Without the media type, version discovery is unchanged.
    assert.equal((await api(`${base}/`)).status, 300);
    assert.equal((await api(`${base}/v3`)).body.version.id, 'v3.14');
  });

  it('python-keystoneclient: creates, checks, resolves, lists and deletes associations', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('keystoneclient'), 'keystoneclient', 'python3-keystoneclient')) return;
    const out = await python(KEYSTONECLIENT_SCRIPT, { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml });
    assert.deepEqual(out, { checks: [true, true, true], policy_for_endpoint: true, endpoints: [true], after_delete: 'NotFound' });
  });

  it('lists the endpoints of a policy through all its associations, and forgets deleted targets', async () => {
    const listed = async (policy: string) => {
      const res = await as(admin, 'GET', assoc(policy, 'endpoints'));
      assert.equal(res.status, 200);
      assert.ok(res.body.links.self);
      return res.body.endpoints.map((e: { id: string }) => e.id).sort();
    };
    assert.deepEqual(await listed(ids.forEndpoint), [ids.endpoint]);
    assert.deepEqual(await listed(ids.forRegion), [ids.endpoint, ids.other].sort(), 'a region association reaches the child regions');
    assert.equal((await as(admin, 'GET', assoc('nope', 'endpoints'))).status, 404);

    assert.equal((await as(admin, 'DELETE', assoc(ids.forRegion, `services/${ids.service}/regions/ep-parent`))).status, 204);
    assert.deepEqual(await listed(ids.forRegion), []);
    assert.equal((await as(admin, 'DELETE', `/v3/endpoints/${ids.endpoint}`)).status, 204);
    assert.deepEqual(await listed(ids.forEndpoint), []);
    assert.equal((await as(admin, 'DELETE', `/v3/policies/${ids.forService}`)).status, 204);
    assert.equal((await policyOf(ids.other)).status, 404, "a deleted policy's associations go with it");
  });
});
