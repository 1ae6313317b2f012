import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openstack, requireTool } from '../helpers/clients.js';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';

const OPENSTACK = '/usr/bin/openstack';

/** Debian's `openstack secret ...` (python3-barbicanclient) against the key manager, unmodified. */
describe('openstack secret CLI', () => {
  let cloud: TestCloud;
  const os = (args: string[]) => openstack(cloud.cloudsYaml, 'scs-demo', args);
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'keymanager'] });
  });
  after(() => cloud.close());

  test('store, list, get --payload, two-step update, container, order, delete', async (t) => {
    if (!requireTool(t, OPENSTACK, 'python3-openstackclient python3-barbicanclient')) return;
    const stored = await os(['secret', 'store', '--name', 'db-password', '--payload', 's3cr3t value', '-f', 'json']);
    const ref: string = stored['Secret href'];
    assert.match(ref, new RegExp(`^${cloud.urls.keymanager}/v1/secrets/[0-9a-f-]{36}$`));
    assert.equal(stored.Name, 'db-password');

    const list = await os(['secret', 'list', '-f', 'json']);
    assert.deepEqual(list.map((s: any) => s.Name), ['db-password']);
    // barbicanclient sends a text payload base64-encoded as application/octet-stream.
    assert.deepEqual(list[0]['Content types'], { default: 'application/octet-stream' });

    const payload = await os(['secret', 'get', ref, '--payload', '-f', 'json']);
    assert.equal(payload.Payload, 's3cr3t value');

    // Two-step: metadata first, then `secret update` PUTs the payload.
    const empty = await os(['secret', 'store', '--name', 'later', '--secret-type', 'passphrase', '-f', 'json']);
    await os(['secret', 'update', empty['Secret href'], 'filled in later']);
    assert.equal((await os(['secret', 'get', empty['Secret href'], '--payload', '-f', 'json'])).Payload, 'filled in later');

    const container = await os(['secret', 'container', 'create', '--name', 'bundle', '--type', 'generic', '--secret', `password=${ref}`, '-f', 'json']);
    const containerRef: string = container['Container href'];
    const shown = await os(['secret', 'container', 'get', containerRef, '-f', 'json']);
    assert.equal(shown.Name, 'bundle');
    assert.match(shown.Secrets, /password/);

    const order = await os(['secret', 'order', 'create', 'key', '--name', 'generated', '--algorithm', 'aes', '--bit-length', '256', '--payload-content-type', 'application/octet-stream', '-f', 'json']);
    const orderShown = await os(['secret', 'order', 'get', order['Order href'], '-f', 'json']);
    assert.equal(orderShown.Status, 'ACTIVE');
    const generated = await os(['secret', 'get', orderShown['Secret href'], '-f', 'json']);
    assert.deepEqual([generated.Name, generated['Secret type'], generated['Bit length']], ['generated', 'symmetric', 256]);

    await os(['secret', 'container', 'delete', containerRef]);
    await os(['secret', 'delete', ref]);
    const names = (await os(['secret', 'list', '-f', 'json'])).map((s: any) => s.Name).sort();
    assert.deepEqual(names, ['generated', 'later']);
    await assert.rejects(os(['secret', 'get', ref, '-f', 'json']), /Not Found|404/);
  });
});
