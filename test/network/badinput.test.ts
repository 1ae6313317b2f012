import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../helpers/cloud.js';
import { startNetCloud, type NetCloud } from './helpers.js';

const COLLECTIONS: Array<[string, string]> = [
  ['networks', 'network'],
  ['subnets', 'subnet'],
  ['subnetpools', 'subnetpool'],
  ['ports', 'port'],
  ['routers', 'router'],
  ['floatingips', 'floatingip'],
  ['security-groups', 'security_group'],
  ['security-group-rules', 'security_group_rule'],
  ['default-security-group-rules', 'default_security_group_rule'],
  ['rbac-policies', 'rbac_policy'],
];

/** Every route answers bad input with a 4xx in Neutron's fault format, never a 500. */
describe('network bad input', () => {
  let n: NetCloud;
  let netId: string;
  before(async () => {
    n = await startNetCloud();
    netId = (await n.call('POST', '/v2.0/networks', n.admin, { network: { name: 'b' } })).body.network.id;
  });
  after(async () => n?.cloud.close());

  const neutronError = (r: { status: number; body: any }, what: string) => {
    assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body?.NeutronError?.type, 'string', `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body.NeutronError.message, 'string');
    assert.equal(r.body.NeutronError.detail, '');
  };

  it('malformed JSON, missing wrappers, wrong types and unknown attributes on every create', async () => {
    for (const [path, key] of COLLECTIONS) {
      const url = n.url(`/v2.0/${path}`);
      neutronError(await api(url, { method: 'POST', token: n.admin, raw: '{"x": ' }), `${path} bad json`);
      neutronError(await api(url, { method: 'POST', token: n.admin, body: [] }), `${path} array body`);
      neutronError(await api(url, { method: 'POST', token: n.admin, body: { [key]: 'text' } }), `${path} string body`);
      neutronError(await api(url, { method: 'POST', token: n.admin, body: { [key]: { bogus_attribute: 1 } } }), `${path} unknown attribute`);
      neutronError(await api(url, { method: 'POST', token: n.admin, body: { [key]: { name: 12, description: false } } }), `${path} wrong types`);
    }
  });

  it('unknown ids on show, update, delete and tags', async () => {
    const id = '11111111-2222-3333-4444-555555555555';
    for (const [path, key] of COLLECTIONS) {
      for (const [method, suffix] of [['GET', ''], ['PUT', ''], ['DELETE', ''], ['GET', '/tags']] as const) {
        const r = await n.call(method, `/v2.0/${path}/${id}${suffix}`, n.admin, method === 'PUT' ? { [key]: {} } : undefined);
        assert.equal(r.status, 404, `${method} ${path}${suffix}`);
        neutronError(r, `${method} ${path}${suffix}`);
      }
    }
  });

  it('wrong values are refused with typed errors', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/v2.0/networks', { network: { mtu: 'big' } }],
      ['POST', '/v2.0/networks', { network: { admin_state_up: 'yes' } }],
      ['POST', '/v2.0/networks', { network: { availability_zone_hints: ['mars'] } }],
      ['POST', '/v2.0/subnets', { subnet: { network_id: netId, ip_version: 5, cidr: '10.0.0.0/24' } }],
      ['POST', '/v2.0/subnets', { subnet: { network_id: netId, ip_version: 4, cidr: 'banana' } }],
      ['POST', '/v2.0/subnets', { subnet: { network_id: netId, ip_version: 4 } }],
      ['POST', '/v2.0/subnets', { subnet: { network_id: netId, ip_version: 4, cidr: '10.0.0.0/24', dns_nameservers: ['x'] } }],
      ['POST', '/v2.0/subnets', { subnet: { network_id: netId, ip_version: 6, cidr: '2001:db8::/64', ipv6_address_mode: 'magic' } }],
      ['POST', '/v2.0/ports', { port: { network_id: netId, mac_address: 'zz' } }],
      ['POST', '/v2.0/ports', { port: { network_id: netId, fixed_ips: 'x' } }],
      ['POST', '/v2.0/ports', { port: { network_id: netId, 'binding:vnic_type': 'warp' } }],
      ['POST', '/v2.0/ports', { port: { network_id: netId, allowed_address_pairs: [{ ip_address: 'nope' }] } }],
      ['POST', '/v2.0/ports', { port: {} }],
      ['POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: netId } } }],
      ['POST', '/v2.0/routers', { router: { external_gateway_info: 'public' } }],
      ['POST', '/v2.0/floatingips', { floatingip: {} }],
      ['POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'qos', object_id: netId, action: 'access_as_shared', target_tenant: '*' } }],
      ['POST', '/v2.0/subnetpools', { subnetpool: { prefixes: ['10.0.0.0/8', '2001:db8::/32'] } }],
      ['PUT', `/v2.0/networks/${netId}`, { network: { id: 'new' } }],
      ['PUT', '/v2.0/quotas/xyz', { quota: { network: 'many' } }],
      ['PUT', `/v2.0/networks/${netId}/tags`, { tags: ['a,b'] }],
      ['GET', '/v2.0/networks?limit=-1', undefined],
      ['GET', '/v2.0/networks?marker=nope', undefined],
      ['GET', '/v2.0/networks?sort_dir=asc', undefined],
      ['GET', '/v2.0/availability_zones?colour=red', undefined],
      ['GET', '/v2.0/network-ip-availabilities?colour=red', undefined],
      ['GET', '/v2.0/network-ip-availabilities/nope', undefined],
      ['GET', '/v2.0/extensions/nope', undefined],
      ['PUT', '/v2.0/quotas/xyz', 'text'],
      ['DELETE', `/v2.0/networks/${netId}/tags/missing`, undefined],
    ];
    for (const [method, path, body] of cases) neutronError(await n.call(method, path, n.admin, body), `${method} ${path} ${JSON.stringify(body)}`);
    const router = (await n.call('POST', '/v2.0/routers', n.admin, { router: { name: 'r' } })).body.router;
    for (const body of [{}, { subnet_id: 'a', port_id: 'b' }, 'x']) {
      neutronError(await n.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, n.admin, body), `add_router_interface ${JSON.stringify(body)}`);
    }
    neutronError(await n.call('PUT', `/v2.0/routers/${router.id}/add_extraroutes`, n.admin, { router: { routes: 'x' } }), 'extraroutes');
  });

  it('no token is 401 in Keystone format', async () => {
    const r = await api(n.url('/v2.0/networks'));
    assert.equal(r.status, 401);
    assert.ok(r.body.error);
  });
});
