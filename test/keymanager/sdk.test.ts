import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';

/** openstacksdk's key manager proxy (Debian's python3-openstacksdk), unmodified. */
describe('openstacksdk key_manager', () => {
  let cloud: TestCloud;
  let hasSdk = false;
  before(async () => {
    hasSdk = await pythonModuleAvailable('openstack');
    cloud = await startTestCloud({ only: ['identity', 'keymanager'] });
  });
  after(() => cloud.close());

  test('create_secret, secrets(), get_secret with payload, containers, delete_secret', async (t) => {
    if (!requirePythonModule(t, hasSdk, 'openstack', 'python3-openstacksdk')) return;
    const script = `
import json, openstack
conn = openstack.connect(cloud='scs-demo')
km = conn.key_manager
out = {}
s = km.create_secret(name='sdk-secret', payload='sdk payload', payload_content_type='text/plain', secret_type='passphrase')
# This sdk's resource id after create is the secret_ref URL (as with Barbican): use the uuid in it.
sid = s.secret_ref.rsplit('/', 1)[-1]
b = km.create_secret(name='sdk-bin', payload='AAECAwQ=', payload_content_type='application/octet-stream', payload_content_encoding='base64', secret_type='symmetric', algorithm='aes', bit_length=40)
out['names'] = sorted(x.name for x in km.secrets())
out['filtered'] = [x.name for x in km.secrets(name='sdk-bin')]
got = km.get_secret(sid)
out['payload'] = got.payload
out['type'] = got.secret_type
out['content_types'] = got.content_types
c = km.create_container(name='sdk-c', type='generic', secret_refs=[{'name': 'p', 'secret_ref': s.secret_ref}])
cid = c.container_ref.rsplit('/', 1)[-1]
out['container'] = [x['name'] for x in km.get_container(cid).secret_refs]
km.delete_container(cid)
km.delete_secret(sid)
km.delete_secret(b.secret_ref.rsplit('/', 1)[-1])
out['after'] = [x.name for x in km.secrets()]
# Secret.fetch of this sdk does not raise on 404 (it reads the fault as the secret): ask the API.
out['missing'] = km.get('/secrets/' + sid, raise_exc=False).json()
print(json.dumps(out))
`;
    const out = await python(script, { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml });
    assert.deepEqual(out.names, ['sdk-bin', 'sdk-secret']);
    assert.deepEqual(out.filtered, ['sdk-bin']);
    assert.equal(out.payload, 'sdk payload');
    assert.equal(out.type, 'passphrase');
    assert.deepEqual(out.content_types, { default: 'text/plain' });
    assert.deepEqual(out.container, ['p']);
    assert.deepEqual(out.after, []);
    assert.deepEqual(out.missing, { code: 404, title: 'Not Found', description: 'Secret not found.' });
  });
});
