import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNetCloud, type NetCloud } from './helpers.js';

describe('network listing: filters, fields, sorting, pagination, tags, revisions', () => {
  let n: NetCloud;
  const ids: string[] = [];
  const get = (path: string) => n.call('GET', path, n.demo);
  const names = (r: { body: { networks: Array<{ name: string }> } }) => r.body.networks.map((x) => x.name);
  before(async () => {
    n = await startNetCloud();
    for (const [name, up] of [['n-c', true], ['n-a', false], ['n-d', true], ['n-b', true]] as const) {
      ids.push((await n.call('POST', '/v2.0/networks', n.demo, { network: { name, admin_state_up: up } })).body.network.id);
    }
  });
  after(async () => n?.cloud.close());

  it('filters by any attribute; repeated keys are OR; unknown attributes are refused', async () => {
    assert.deepEqual(names(await get('/v2.0/networks?name=n-a')), ['n-a']);
    assert.deepEqual(names(await get('/v2.0/networks?name=n-a&name=n-b&sort_key=name')), ['n-a', 'n-b']);
    assert.deepEqual(names(await get('/v2.0/networks?admin_state_up=false')), ['n-a']);
    assert.deepEqual(names(await get('/v2.0/networks?router:external=true')), ['public']);
    const bad = await get('/v2.0/networks?colour=red');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.NeutronError.type, 'HTTPBadRequest');
  });

  it('fields= selects attributes on list and show', async () => {
    const r = await get('/v2.0/networks?fields=id&fields=name&name=n-c');
    assert.deepEqual(Object.keys(r.body.networks[0]).sort(), ['id', 'name']);
    const one = await get(`/v2.0/networks/${ids[0]}?fields=status`);
    assert.deepEqual(one.body, { network: { status: 'ACTIVE' } });
  });

  it('sorts by repeated sort_key/sort_dir', async () => {
    assert.deepEqual(names(await get('/v2.0/networks?sort_key=name&sort_dir=desc&router:external=false')), ['n-d', 'n-c', 'n-b', 'n-a']);
    assert.deepEqual(names(await get('/v2.0/networks?sort_key=admin_state_up&sort_dir=asc&sort_key=name&sort_dir=desc&router:external=false')), ['n-a', 'n-d', 'n-c', 'n-b']);
    assert.equal((await get('/v2.0/networks?sort_key=name&sort_dir=up')).status, 400);
    assert.equal((await get('/v2.0/networks?sort_key=nope')).status, 400);
  });

  it('paginates with limit/marker and next/previous links', async () => {
    const first = await get('/v2.0/networks?limit=2&sort_key=name&sort_dir=asc&router:external=false');
    assert.deepEqual(names(first), ['n-a', 'n-b']);
    // Neutron's rules: `next` unless a forward page came short, `previous` unless a backward one did.
    const follow = async (page: { body: any }, rel: string) => {
      const href = page.body.networks_links.find((l: { rel: string }) => l.rel === rel)?.href as string | undefined;
      assert.ok(href, `a ${rel} link`);
      return n.call('GET', new URL(href).pathname + new URL(href).search, n.demo);
    };
    const second = await follow(first, 'next');
    assert.deepEqual(names(second), ['n-c', 'n-d']);
    const empty = await follow(second, 'next');
    assert.deepEqual(names(empty), [], 'a full page still links to the next, which may be empty');
    assert.deepEqual(empty.body.networks_links.map((l: { rel: string }) => l.rel), ['previous']);
    assert.deepEqual(names(await follow(empty, 'previous')), ['n-c', 'n-d']);
    const back = await follow(second, 'previous');
    assert.match(second.body.networks_links.find((l: { rel: string }) => l.rel === 'previous').href, /page_reverse=True/);
    assert.deepEqual(names(back), ['n-a', 'n-b']);
    assert.equal((await get('/v2.0/networks?limit=x')).status, 400);
    const all = await get('/v2.0/networks?limit=100');
    assert.deepEqual(all.body.networks_links.map((l: { rel: string }) => l.rel), ['previous'], 'a short forward page has no next link');
    const unknown = await get('/v2.0/networks?limit=1&marker=00000000-0000-0000-0000-000000000000');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.NeutronError.type, 'NetworkNotFound');
  });

  it('tags: set, add, check, remove, and the four tag filters', async () => {
    const [c, a, d] = ids;
    const put = await n.call('PUT', `/v2.0/networks/${c}/tags`, n.demo, { tags: ['red', 'blue'] });
    assert.deepEqual(put.body.tags, ['blue', 'red']);
    assert.equal((await n.call('PUT', `/v2.0/networks/${a}/tags/red`, n.demo)).status, 201);
    assert.equal((await n.call('PUT', `/v2.0/networks/${d}/tags/green`, n.demo)).status, 201);
    assert.equal((await get(`/v2.0/networks/${a}/tags/red`)).status, 204);
    const missing = await get(`/v2.0/networks/${a}/tags/blue`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'TagNotFound');
    const sorted = '&sort_key=name';
    assert.deepEqual(names(await get(`/v2.0/networks?tags=red,blue${sorted}`)), ['n-c']);
    assert.deepEqual(names(await get(`/v2.0/networks?tags-any=blue,green${sorted}`)), ['n-c', 'n-d']);
    assert.deepEqual(names(await get(`/v2.0/networks?not-tags=red,blue&router:external=false${sorted}`)), ['n-a', 'n-b', 'n-d']);
    assert.deepEqual(names(await get(`/v2.0/networks?not-tags-any=red,green&router:external=false${sorted}`)), ['n-b']);
    assert.equal((await n.call('DELETE', `/v2.0/networks/${c}/tags/red`, n.demo)).status, 204);
    assert.equal((await n.call('DELETE', `/v2.0/networks/${c}/tags`, n.demo)).status, 204);
    assert.deepEqual((await get(`/v2.0/networks/${c}/tags`)).body.tags, []);
    const bad = await n.call('PUT', `/v2.0/networks/${c}/tags`, n.demo, { tags: 'red' });
    assert.equal(bad.status, 400);
  });

  it('revision numbers grow on change and If-Match guards updates (412 on mismatch)', async () => {
    const id = ids[3];
    const before = (await get(`/v2.0/networks/${id}`)).body.network;
    const stale = await n.call('PUT', `/v2.0/networks/${id}`, n.demo, { network: { name: 'x' } }, { 'if-match': `revision_number=${before.revision_number + 5}` });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.NeutronError.type, 'RevisionNumberConstraintFailed');
    const ok = await n.call('PUT', `/v2.0/networks/${id}`, n.demo, { network: { description: 'd' } }, { 'if-match': `revision_number=${before.revision_number}` });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.network.revision_number, before.revision_number + 1);
    assert.ok(ok.body.network.updated_at >= before.created_at);
    assert.match(ok.body.network.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const staleDelete = await n.call('DELETE', `/v2.0/networks/${id}`, n.demo, undefined, { 'if-match': `revision_number=${before.revision_number}` });
    assert.equal(staleDelete.status, 412);
    assert.equal((await n.call('PUT', `/v2.0/networks/${id}`, n.demo, { network: {} }, { 'if-match': 'abc' })).status, 400);
  });
});
