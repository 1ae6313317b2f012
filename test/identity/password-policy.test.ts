import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

/** Keystone's `unique_last_password_count` and `minimum_password_age`, as tempest checks them. */
describe('identity: password history and minimum age', () => {
  let history: TestCloud;
  let aged: TestCloud;
  before(async () => {
    history = await startTestCloud({ only: ['identity'], services: { identity: { uniqueLastPasswordCount: 2 } } });
    aged = await startTestCloud({ only: ['identity'], services: { identity: { minimumPasswordAgeDays: 1 } } });
  });
  after(async () => {
    await history.close();
    await aged.close();
  });

  const newUser = async (cloud: TestCloud, password: string) => {
    const admin = await cloud.adminToken();
    const res = await api(`${cloud.urls.identity}/v3/users`, { method: 'POST', token: admin, body: { user: { name: 'pw-user', password, domain_id: 'default' } } });
    return res.body.user.id as string;
  };
  const change = (cloud: TestCloud, id: string, original: string, password: string) =>
    api(`${cloud.urls.identity}/v3/users/${id}/password`, { method: 'POST', body: { user: { original_password: original, password } } });

  it('refuses the current and the previous password in a self-service change, not in an admin reset', async () => {
    const id = await newUser(history, 'pw-0');
    assert.equal((await change(history, id, 'pw-0', 'pw-1')).status, 204);
    const same = await change(history, id, 'pw-1', 'pw-1');
    assert.equal(same.status, 400);
    assert.match(same.body.error.message, /cannot be identical to a previous password.*is 2\./);
    assert.equal((await change(history, id, 'pw-1', 'pw-0')).status, 400);
    assert.equal((await change(history, id, 'pw-1', 'pw-2')).status, 204);
    // pw-0 has left the history of two.
    assert.equal((await change(history, id, 'pw-2', 'pw-0')).status, 204);
    const reset = await api(`${history.urls.identity}/v3/users/${id}`, { method: 'PATCH', token: await history.adminToken(), body: { user: { password: 'pw-0' } } });
    assert.equal(reset.status, 200);
    assert.equal(reset.body.user.password_history, undefined);
  });

  it('refuses a self-service change before the minimum age; an admin may still reset', async () => {
    const id = await newUser(aged, 'age-0');
    const early = await change(aged, id, 'age-0', 'age-1');
    assert.equal(early.status, 400);
    assert.match(early.body.error.message, /minimum password age.*1 day\(s\)/);
    const reset = await api(`${aged.urls.identity}/v3/users/${id}`, { method: 'PATCH', token: await aged.adminToken(), body: { user: { password: 'age-2' } } });
    assert.equal(reset.status, 200);
  });
});
