import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { createImage, upload } from './helpers.js';

/** Behaviour upstream tempest's Glance tests check: list filters, empty ids, metadata definitions. */
describe('image: Glance behaviour checked by tempest', () => {
  let cloud: TestCloud;
  let base: string;
  let demo: string;
  let admin: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'image'], services: { image: { standardImages: false } } });
    base = cloud.urls.image;
    demo = await cloud.demoToken();
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  it('filters on the numeric core columns exactly; /v2/images/ is no list', async () => {
    const id = await createImage(base, demo, { name: 'sized', min_ram: 64 });
    assert.equal((await upload(base, demo, id, Buffer.alloc(1234, 1))).status, 204);
    const bySize = (await api(`${base}/v2/images?size=1234`, { token: demo })).body.images;
    assert.deepEqual(bySize.map((i: any) => i.id), [id]);
    assert.deepEqual((await api(`${base}/v2/images?min_ram=64`, { token: demo })).body.images.map((i: any) => i.id), [id]);
    assert.equal((await api(`${base}/v2/images?size=1`, { token: demo })).body.images.length, 0);
    assert.equal((await api(`${base}/v2/images?size=big`, { token: demo })).status, 400);
    assert.equal((await api(`${base}/v2/images/`, { token: demo })).status, 404);
  });

  it('metadata definitions: namespaces with objects, properties, tags and resource types', async () => {
    const types = (await api(`${base}/v2/metadefs/resource_types`, { token: demo })).body.resource_types;
    assert.ok(types.some((t: any) => t.name === 'OS::Glance::Image'));
    const ns = { namespace: 'scs-test', display_name: 'SCS', visibility: 'public', protected: true, resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'hw_' }] };
    assert.equal((await api(`${base}/v2/metadefs/namespaces`, { method: 'POST', token: demo, body: ns })).status, 403, 'writing is for admins');
    const created = await api(`${base}/v2/metadefs/namespaces`, { method: 'POST', token: admin, body: ns });
    assert.equal(created.status, 201);
    assert.deepEqual([created.body.namespace, created.body.visibility, created.body.protected, created.body.self], ['scs-test', 'public', true, '/v2/metadefs/namespaces/scs-test']);
    assert.equal((await api(`${base}/v2/metadefs/namespaces`, { method: 'POST', token: admin, body: ns })).status, 409);
    assert.ok((await api(`${base}/v2/metadefs/namespaces`, { token: demo })).body.namespaces.some((n: any) => n.namespace === 'scs-test'));
    assert.equal((await api(`${base}/v2/metadefs/namespaces/scs-test`, { method: 'DELETE', token: admin })).status, 403, 'protected');

    const ns1 = `${base}/v2/metadefs/namespaces/scs-test`;
    const obj = await api(`${ns1}/objects`, { method: 'POST', token: admin, body: { name: 'cpu', properties: { cores: { title: 'Cores', type: 'integer' } } } });
    assert.equal(obj.status, 201);
    assert.equal((await api(`${ns1}/objects/cpu`, { method: 'PUT', token: admin, body: { name: 'cpu2' } })).body.name, 'cpu2');
    assert.deepEqual((await api(`${ns1}/objects`, { token: demo })).body.objects.map((o: any) => o.name), ['cpu2']);
    const prop = await api(`${ns1}/properties`, { method: 'POST', token: admin, body: { name: 'hw_mode', title: 'Mode', type: 'string', enum: ['a', 'b'] } });
    assert.deepEqual([prop.status, prop.body.title], [201, 'Mode']);
    assert.equal((await api(`${ns1}/properties`, { method: 'POST', token: admin, body: { name: 'bad', title: 'x', type: 'text' } })).status, 400);
    assert.equal((await api(`${ns1}/properties/hw_mode`, { token: demo })).body.name, 'hw_mode');
    assert.deepEqual(Object.keys((await api(`${ns1}/properties`, { token: demo })).body.properties), ['hw_mode']);
    const tags = await api(`${ns1}/tags`, { method: 'POST', token: admin, body: { tags: [{ name: 't1' }, { name: 't2' }] } });
    assert.deepEqual([tags.status, tags.body.tags.length], [201, 2]);
    assert.equal((await api(`${ns1}/tags/t3`, { method: 'POST', token: admin })).status, 201);
    assert.equal((await api(`${ns1}/tags/t3`, { method: 'PUT', token: admin, body: { name: 't4' } })).body.name, 't4');
    const shown = (await api(ns1, { token: demo })).body;
    assert.deepEqual([shown.objects.length, Object.keys(shown.properties), shown.tags.map((t: any) => t.name).sort(), shown.resource_type_associations[0].prefix], [1, ['hw_mode'], ['t1', 't2', 't4'], 'hw_']);
    assert.equal((await api(`${ns1}/tags`, { method: 'DELETE', token: admin })).status, 204);
    assert.deepEqual((await api(`${ns1}/tags`, { token: demo })).body.tags, []);
    assert.equal((await api(`${ns1}/resource_types/OS::Glance::Image`, { method: 'DELETE', token: admin })).status, 204);
    // As in Glance, associating an unknown resource type creates it (glance_tempest_plugin's RBAC tests rely on it).
    assert.equal((await api(`${ns1}/resource_types`, { method: 'POST', token: admin, body: { name: 'Custom::Type' } })).status, 201);
    const known = (await api(`${base}/v2/metadefs/resource_types`, { token: demo })).body.resource_types.map((t: any) => t.name);
    assert.ok(known.includes('Custom::Type') && known.includes('OS::Glance::Image'));
    assert.equal((await api(`${ns1}/resource_types`, { method: 'POST', token: admin, body: { name: 'x'.repeat(81) } })).status, 400);

    const upd = await api(ns1, { method: 'PUT', token: admin, body: { namespace: 'scs-test', visibility: 'private', protected: false } });
    assert.deepEqual([upd.body.visibility, upd.body.protected], ['private', false]);
    assert.equal((await api(ns1, { token: demo })).status, 404, 'a private namespace of another project is not found');
    assert.equal((await api(ns1, { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(ns1, { token: admin })).status, 404);
  });

  it('metadata definition schemas', async () => {
    const names: Record<string, string> = { namespace: 'namespace', namespaces: 'namespaces', resource_type: 'resource_type_association', resource_types: 'resource_type_associations', object: 'object', objects: 'objects', property: 'property', properties: 'properties', tag: 'tag', tags: 'tags' };
    for (const [path, name] of Object.entries(names)) assert.equal((await api(`${base}/v2/schemas/metadefs/${path}`, { token: demo })).body.name, name);
    assert.equal((await api(`${base}/v2/schemas/metadefs/nope`, { token: demo })).status, 404);
  });
});
