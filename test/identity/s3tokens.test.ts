import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

let cloud: TestCloud;
let admin: string;
let demo: string;
let cred: { access: string; secret: string; user_id: string; tenant_id: string };

const hmac = (key: Buffer | string, msg: string, algo = 'sha256') => createHmac(algo, key).update(msg).digest();
/** What an S3 gateway sends for a SigV4 request: the string to sign (base64) and its signature. */
function signedV4(secret: string, service = 's3') {
  const scope = ['20261124', 'RegionOne', service, 'aws4_request'];
  const stringToSign = ['AWS4-HMAC-SHA256', '20261124T120000Z', scope.join('/'), 'ab'.repeat(32)].join('\n');
  const key = scope.reduce<Buffer>((k, part) => hmac(k, part), Buffer.from(`AWS4${secret}`));
  return { token: Buffer.from(stringToSign).toString('base64'), signature: hmac(key, stringToSign).toString('hex') };
}
const post = (token: string | undefined, credentials: Record<string, unknown>) =>
  api(`${cloud.urls.identity}/v3/s3tokens`, { method: 'POST', token, body: { credentials } });

before(async () => {
  cloud = await startTestCloud({ only: ['identity'] });
  admin = await cloud.adminToken();
  demo = await cloud.demoToken();
  const self = (await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: demo, headers: { 'x-subject-token': demo } })).body.token;
  const made = await api(`${cloud.urls.identity}/v3/users/${self.user.id}/credentials/OS-EC2`, { method: 'POST', token: demo, body: { tenant_id: self.project.id } });
  cred = made.body.credential;
});
after(() => cloud.close());

test('s3tokens: a SigV4 or SigV2 signature made with the EC2 secret yields the credential owner token', async () => {
  const ok = await post(admin, { access: cred.access, ...signedV4(cred.secret) });
  assert.equal(ok.status, 200);
  assert.deepEqual([ok.body.token.user.id, ok.body.token.project.id, ok.body.token.methods], [cred.user_id, cred.tenant_id, ['ec2credential']]);
  assert.ok(ok.body.token.roles.some((r: { name: string }) => r.name === 'member'));
  const v2 = 'GET\n\n\nTue, 24 Nov 2026 12:00:00 GMT\n/bucket/key';
  const sig2 = hmac(cred.secret, v2, 'sha1').toString('base64');
  assert.equal((await post(admin, { access: cred.access, token: Buffer.from(v2).toString('base64'), signature: sig2 })).status, 200);
});

test('s3tokens refuses bad signatures, unknown keys, other services and callers without the right role', async () => {
  assert.equal((await post(admin, { access: cred.access, ...signedV4('wrong-secret') })).status, 401);
  assert.equal((await post(admin, { access: cred.access, ...signedV4(cred.secret, 'ec2') })).status, 401);
  assert.equal((await post(admin, { access: 'nope', ...signedV4(cred.secret) })).status, 404);
  assert.equal((await post(admin, { token: 'x', signature: 'y' })).status, 401);
  assert.equal((await api(`${cloud.urls.identity}/v3/s3tokens`, { method: 'POST', token: admin, raw: '' })).status, 400);
  assert.equal((await post(demo, { access: cred.access, ...signedV4(cred.secret) })).status, 403);
  assert.equal((await post(undefined, { access: cred.access, ...signedV4(cred.secret) })).status, 401);
});
