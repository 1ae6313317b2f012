import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startComputeCloud, serverBody, type ComputeCloud } from './helpers.js';

// Nova's changePassword: the simulated guest's agent sets the account's password.
let c: ComputeCloud;
before(async () => {
  c = await startComputeCloud();
});
after(async () => {
  await c.cloud.close();
});

const consoleLog = async (id: string) => (await c.call('POST', `/servers/${id}/action`, c.demo, { 'os-getConsoleOutput': {} })).body.output as string;

test('changePassword sets the password of root in a running guest, recorded as an instance action', async () => {
  const made = await c.call('POST', '/servers', c.demo, serverBody(c), '2.95');
  const id = made.body.server.id;
  await c.waitFor(id, c.demo, 'ACTIVE');
  assert.doesNotMatch(await consoleLog(id), /guest agent/);
  const r = await c.call('POST', `/servers/${id}/action`, c.demo, { changePassword: { adminPass: 'Newpass1234' } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal((await c.call('GET', `/servers/${id}`, c.demo)).body.server.status, 'ACTIVE');
  assert.match(await consoleLog(id), /guest agent: password of user root set at \d{4}-/);
  const actions = (await c.call('GET', `/servers/${id}/os-instance-actions`, c.demo)).body.instanceActions;
  const change = actions.find((a: any) => a.action === 'changePassword');
  assert.ok(change);
  const detail = await c.call('GET', `/servers/${id}/os-instance-actions/${change.request_id}`, c.admin);
  assert.deepEqual(detail.body.instanceAction.events.map((e: any) => [e.event, e.result]), [['compute_set_admin_password', 'Success']]);
  // A rebuild gives the guest a fresh root disk, without the password set in the old one.
  assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { rebuild: { imageRef: c.imageId } })).status, 202);
  await c.waitFor(id, c.demo, 'ACTIVE');
  assert.doesNotMatch(await consoleLog(id), /guest agent/);
  await c.call('DELETE', `/servers/${id}`, c.demo);
});

test('changePassword: the image names the account (os_admin_user); stopped or locked guests are 409; bad bodies 400', async () => {
  const image = await c.cloud.urls.image;
  const patched = await fetch(`${image}/v2/images/${c.imageId}`, {
    method: 'PATCH',
    headers: { 'x-auth-token': c.admin, 'content-type': 'application/openstack-images-v2.1-json-patch' },
    body: JSON.stringify([{ op: 'add', path: '/os_admin_user', value: 'debian' }]),
  });
  assert.equal(patched.status, 200);
  const id = (await c.call('POST', '/servers', c.demo, serverBody(c), '2.95')).body.server.id;
  await c.waitFor(id, c.demo, 'ACTIVE');
  for (const body of [{ changePassword: {} }, { changePassword: { adminPass: 5 } }, { changePassword: { adminPass: 'x', user: 'root' } }]) {
    const bad = await c.call('POST', `/servers/${id}/action`, c.demo, body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.ok(bad.body.badRequest.message.includes('Invalid input'));
  }
  assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { changePassword: { adminPass: 's3cret' } })).status, 202);
  assert.match(await consoleLog(id), /password of user debian set/);
  assert.equal((await c.call('POST', `/servers/${id}/action`, c.admin, { lock: {} })).status, 202);
  const locked = await c.call('POST', `/servers/${id}/action`, c.demo, { changePassword: { adminPass: 's3cret' } });
  assert.equal(locked.status, 409);
  assert.equal((await c.call('POST', `/servers/${id}/action`, c.admin, { unlock: {} })).status, 202);
  assert.equal((await c.call('POST', `/servers/${id}/action`, c.demo, { 'os-stop': {} })).status, 202);
  await c.waitFor(id, c.demo, 'SHUTOFF');
  const stopped = await c.call('POST', `/servers/${id}/action`, c.demo, { changePassword: { adminPass: 's3cret' } });
  assert.equal(stopped.status, 409);
  assert.equal(stopped.body.conflictingRequest.message, `Cannot 'changePassword' instance ${id} while it is in vm_state stopped`);
  // Another project's server is not found.
  assert.equal((await c.call('POST', `/servers/${id}/action`, c.other, { changePassword: { adminPass: 'x' } })).status, 404);
  await c.call('DELETE', `/servers/${id}`, c.demo);
});
