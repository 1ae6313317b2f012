import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { openstack, requireTool } from '../helpers/clients.js';
import { addTenant, waitStatus } from './helpers.js';

/** The `openstack` CLI on the Cinder APIs added for tempest: transfers, QoS, services, read-only, retype. */
describe('volume: real clients, transfers and admin APIs', () => {
  let cloud: TestCloud;
  let demo: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'image', 'volume'], services: { image: { standardImages: false } } });
    demo = await cloud.demoToken();
    await addTenant(cloud, 'receiver');
  });
  after(() => cloud.close());

  it('openstack CLI: volume transfer request create/list/accept, qos, service set, set --read-only and --type', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const os = (args: string[], cloudName = 'scs-demo') => openstack(cloud.cloudsYaml, cloudName, args);
    const base = cloud.urls.volume;

    const v = await os(['volume', 'create', '--size', '1', '-f', 'json', 'cli-gift']);
    await waitStatus(base, demo, 'volumes', v.id, ['available']);
    const req = await os(['volume', 'transfer', 'request', 'create', '--name', 'gift', '-f', 'json', 'cli-gift']);
    assert.equal(req.auth_key.length, 16);
    assert.ok((await os(['volume', 'transfer', 'request', 'list', '-f', 'json'])).some((r: { ID: string }) => r.ID === req.id));
    const accepted = await os(['volume', 'transfer', 'request', 'accept', '--auth-key', req.auth_key, '-f', 'json', req.id], 'receiver');
    assert.equal(accepted.volume_id, v.id);
    assert.equal((await os(['volume', 'show', '-f', 'json', v.id], 'receiver')).status, 'available');
    assert.equal((await api(`${base}/v3/volumes/${v.id}`, { token: demo })).status, 404, 'the giver no longer sees it');

    const qos = await os(['volume', 'qos', 'create', '--consumer', 'front-end', '--property', 'read_iops_sec=2000', '-f', 'json', 'cli-gold'], 'scs-admin');
    assert.equal(qos.consumer, 'front-end');
    await os(['volume', 'type', 'create', 'cli-qos-type'], 'scs-admin');
    await os(['volume', 'qos', 'associate', 'cli-gold', 'cli-qos-type'], 'scs-admin');
    await os(['volume', 'qos', 'set', '--property', 'write_iops_sec=1000', 'cli-gold'], 'scs-admin');
    const shown = await os(['volume', 'qos', 'show', '-f', 'json', 'cli-gold'], 'scs-admin');
    assert.deepEqual([shown.properties, shown.associations], [{ read_iops_sec: '2000', write_iops_sec: '1000' }, ['cli-qos-type']]);

    const own = await os(['volume', 'create', '--size', '1', '-f', 'json', 'cli-own']);
    await waitStatus(base, demo, 'volumes', own.id, ['available']);
    await os(['volume', 'set', '--read-only', 'cli-own']);
    assert.equal((await os(['volume', 'show', '-f', 'json', 'cli-own'])).properties.readonly, 'True');
    await os(['volume', 'set', '--type', 'cli-qos-type', '--retype-policy', 'never', 'cli-own']);
    assert.equal((await os(['volume', 'show', '-f', 'json', 'cli-own'])).type, 'cli-qos-type');

    const host = (await os(['volume', 'service', 'list', '--service', 'cinder-volume', '-f', 'json'], 'scs-admin'))[0].Host;
    await os(['volume', 'service', 'set', '--disable', '--disable-reason', 'maintenance', host, 'cinder-volume'], 'scs-admin');
    const listed = await os(['volume', 'service', 'list', '--long', '--service', 'cinder-volume', '-f', 'json'], 'scs-admin');
    assert.deepEqual([listed[0].Status, listed[0]['Disabled Reason']], ['disabled', 'maintenance']);
    await os(['volume', 'service', 'set', '--enable', host, 'cinder-volume'], 'scs-admin');
    assert.equal((await os(['volume', 'service', 'list', '--service', 'cinder-volume', '-f', 'json'], 'scs-admin'))[0].Status, 'enabled');
  });
});
