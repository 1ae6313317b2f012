import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

const run = promisify(execFile);

describe('identity: token key rotation is picked up by the running service', () => {
  let cloud: TestCloud;
  let base: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'], services: { identity: { keyReloadInterval: 0.2, maxActiveKeys: 3 } } });
    base = `${cloud.urls.identity}/v3`;
  });
  after(() => cloud.close());

  /** `scs keys rotate` as an operator runs it, in its own process. */
  const rotate = async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'keys', 'rotate', '--data', cloud.dataDir]);
    return Number(/primary is now key (\d+)/.exec(stdout)![1]);
  };
  /** The key id a token names (its second byte). */
  const keyOf = (token: string) => Buffer.from(token, 'base64url')[1];
  const fresh = () => cloud.login('demo', cloud.passwords.demo, 'demo');
  /** Waits until the service seals new tokens with the given primary key. */
  const pickedUp = async (primary: number) => {
    for (let i = 0; i < 100 && keyOf(await fresh()) !== primary; i++) await sleep(100);
    assert.equal(keyOf(await fresh()), primary);
  };
  const valid = async (subject: string) => (await api(`${base}/auth/tokens`, { token: subject, headers: { 'x-subject-token': subject } })).status;

  it('keeps older tokens valid after a rotation, drops them once their key leaves the repository', async () => {
    const first = await fresh();
    assert.equal(keyOf(first), 1);

    assert.equal(await rotate(), 2);
    await pickedUp(2);
    const second = await fresh();
    assert.equal(await valid(first), 200);
    assert.equal(await valid(second), 200);

    // staged + primary + one secondary = 3 keys: the next rotation removes key 1.
    assert.equal(await rotate(), 3);
    await pickedUp(3);
    assert.equal(await valid(first), 401);
    assert.equal(await valid(second), 200);
    assert.equal(await valid(await fresh()), 200);
  });
});
