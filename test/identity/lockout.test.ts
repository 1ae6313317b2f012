import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: lockout after failed logins', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'], services: { identity: { lockoutFailureAttempts: 3, lockoutDuration: 1 } } });
    base = `${cloud.urls.identity}/v3`;
    admin = await cloud.adminToken();
  });
  after(() => cloud.close());

  const newUser = async (name: string, options: Record<string, unknown> = {}) => {
    const res = await api(`${base}/users`, { method: 'POST', token: admin, body: { user: { name, password: 'right-pass-1', domain_id: 'default', options } } });
    assert.equal(res.status, 201);
    return res.body.user.id as string;
  };
  const attempt = (name: string, password: string) =>
    api(`${base}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } } } },
    });

  it('locks a user after the configured failures, even with the right password, until the duration passes', async () => {
    const id = await newUser('victim');
    for (let i = 0; i < 3; i++) assert.equal((await attempt('victim', 'wrong')).status, 401);
    const locked = await attempt('victim', 'right-pass-1');
    assert.equal(locked.status, 401);
    assert.equal(locked.body.error.message, `The account is locked for user: ${id}.`);
    assert.match(locked.headers.get('www-authenticate')!, /^Keystone uri=/);
    await sleep(1100);
    assert.equal((await attempt('victim', 'right-pass-1')).status, 201);
  });

  it('resets the counter on a successful login', async () => {
    await newUser('forgetful');
    for (let i = 0; i < 2; i++) assert.equal((await attempt('forgetful', 'wrong')).status, 401);
    assert.equal((await attempt('forgetful', 'right-pass-1')).status, 201);
    for (let i = 0; i < 2; i++) assert.equal((await attempt('forgetful', 'wrong')).status, 401);
    assert.equal((await attempt('forgetful', 'right-pass-1')).status, 201);
  });

  it('never locks a user with ignore_lockout_failure_attempts', async () => {
    await newUser('service-account', { ignore_lockout_failure_attempts: true });
    for (let i = 0; i < 5; i++) assert.equal((await attempt('service-account', 'wrong')).status, 401);
    assert.equal((await attempt('service-account', 'right-pass-1')).status, 201);
  });
});
