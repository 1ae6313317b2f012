import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrsOverlap, eui64, formatCidr, formatIp, normalizeIp, parseCidr, parseIp } from '../../src/services/network/model/addresses.js';
import { defaultPools, validatePools } from '../../src/services/network/model/ipam.js';

describe('network address arithmetic', () => {
  it('prints IPv6 as RFC 5952 and round-trips both families', () => {
    for (const [input, out] of [
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:1:0:f816:3eff:fe11:2233', '2001:db8:1:0:f816:3eff:fe11:2233'],
      ['::', '::'],
      ['::1', '::1'],
      ['fe80::', 'fe80::'],
      ['10.0.0.1', '10.0.0.1'],
    ]) {
      assert.equal(normalizeIp(input), out, input);
    }
    assert.equal(parseIp('10.0.0.256'), undefined);
    assert.equal(parseIp('nope'), undefined);
  });

  it('parses CIDRs, refuses host bits when strict, detects overlaps', () => {
    assert.equal(formatCidr(parseCidr('10.1.2.3/16')!), '10.1.0.0/16');
    assert.equal(parseCidr('10.1.2.3/16', true), undefined);
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.ok(cidrsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('10.20.0.0/16')!));
    assert.ok(!cidrsOverlap(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!));
    assert.ok(!cidrsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('::/0')!));
  });

  it('derives SLAAC addresses by modified EUI-64', () => {
    const c = parseCidr('2001:db8::/64')!;
    assert.equal(formatIp(6, eui64(c, 'fa:16:3e:11:22:33')), '2001:db8::f816:3eff:fe11:2233');
    assert.equal(formatIp(6, eui64(c, '00:00:5e:00:53:01')), '2001:db8::200:5eff:fe00:5301');
  });

  it('splits default pools around the gateway', () => {
    const c = parseCidr('192.168.0.0/24')!;
    assert.deepEqual(defaultPools(c, '192.168.0.1'), [{ start: '192.168.0.2', end: '192.168.0.254' }]);
    assert.deepEqual(defaultPools(c, '192.168.0.100'), [
      { start: '192.168.0.1', end: '192.168.0.99' },
      { start: '192.168.0.101', end: '192.168.0.254' },
    ]);
    assert.deepEqual(defaultPools(c, null), [{ start: '192.168.0.1', end: '192.168.0.254' }]);
    assert.deepEqual(defaultPools(parseCidr('2001:db8::/126')!, '2001:db8::1'), [{ start: '2001:db8::2', end: '2001:db8::3' }]);
    assert.throws(() => validatePools(c, [{ start: '192.168.0.9', end: '192.168.0.3' }], null), { code: 'InvalidAllocationPool' });
  });
});
