import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Balancer } from '../../src/services/loadbalancer/drivers/balancer.js';
import type { MemberSpec, PoolSpec } from '../../src/services/loadbalancer/drivers/driver.js';
import { expectedCodes } from '../../src/services/loadbalancer/drivers/monitor.js';

const member = (id: string, extra: Partial<MemberSpec> = {}): MemberSpec => ({ id, address: '127.0.0.1', port: 1, weight: 1, backup: false, adminUp: true, monitorAddress: null, monitorPort: null, ...extra });
const pool = (members: MemberSpec[], algorithm: PoolSpec['algorithm'] = 'ROUND_ROBIN'): PoolSpec => ({ id: 'p', algorithm, persistence: null, proxyProtocol: null, members, monitor: null });

function picks(b: Balancer, p: PoolSpec, n: number, client = { ip: '10.0.0.1', port: 40000 }): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const m = b.pick(p, client);
    if (m) out[m.id] = (out[m.id] ?? 0) + 1;
  }
  return out;
}

describe('load balancer member selection', () => {
  it('round robin follows the weights, skips weight 0, disabled and down members', () => {
    const down = new Set(['d']);
    const b = new Balancer((id) => !down.has(id));
    const p = pool([member('a', { weight: 3 }), member('b'), member('z', { weight: 0 }), member('off', { adminUp: false }), member('d')]);
    assert.deepEqual(picks(b, p, 8), { a: 6, b: 2 });
  });

  it('uses backup members only when no primary is up', () => {
    const down = new Set<string>();
    const b = new Balancer((id) => !down.has(id));
    const p = pool([member('a'), member('spare', { backup: true })]);
    assert.deepEqual(picks(b, p, 3), { a: 3 });
    down.add('a');
    assert.deepEqual(picks(b, p, 3), { spare: 3 });
    down.add('spare');
    assert.equal(b.pick(p, { ip: '10.0.0.1', port: 40000 }), undefined);
  });

  it('SOURCE_IP pins a client to one member; LEAST_CONNECTIONS picks the least busy', () => {
    const b = new Balancer(() => true);
    const p = pool([member('a'), member('b'), member('c')], 'SOURCE_IP');
    assert.equal(Object.keys(picks(b, p, 10, { ip: '192.0.2.7', port: 40000 })).length, 1);
    // SOURCE_IP_PORT pins a client's connection (address and port); other ports of it spread.
    const sip = pool([member('a'), member('b'), member('c')], 'SOURCE_IP_PORT');
    assert.equal(Object.keys(picks(b, sip, 10, { ip: '192.0.2.7', port: 40000 })).length, 1);
    const spread = new Set(Array.from({ length: 30 }, (_, i) => b.pick(sip, { ip: '192.0.2.7', port: 40000 + i })!.id));
    assert.equal(spread.size, 3);
    const lc = pool([member('a'), member('b')], 'LEAST_CONNECTIONS');
    b.opened('a');
    b.opened('a');
    b.opened('b');
    assert.equal(b.pick(lc, { ip: 'x', port: 1 })!.id, 'b');
    b.closed('a');
    b.closed('a');
    assert.equal(b.pick(lc, { ip: 'x', port: 1 })!.id, 'a');
  });

  it('reads expected_codes lists and ranges', () => {
    const ok = expectedCodes('200-204,301');
    assert.deepEqual([200, 204, 205, 301, 302].map(ok), [true, true, false, true, false]);
  });
});
