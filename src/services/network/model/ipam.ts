import { randomInt } from 'node:crypto';
import type { IpamStore } from '../store/ipam.js';
import type { Res } from '../store/resources.js';
import { eui64, formatIp, inCidr, lastAddress, parseCidr, parseIp, type Cidr } from './addresses.js';
import { nBadRequest, nConflict } from './errors.js';
import type { Pool, SubnetDoc } from './types.js';

const ENUMERATE_LIMIT = 65536n;
const ATTEMPTS = 64;

export const isSlaac = (s: SubnetDoc): boolean => s.ip_version === 6 && (s.ipv6_address_mode === 'slaac' || s.ipv6_address_mode === 'dhcpv6-stateless');

/** Neutron's default pools: the whole range minus network, broadcast (IPv4) and gateway. */
export function defaultPools(c: Cidr, gateway: string | null): Pool[] {
  const first = c.network + 1n;
  const last = c.version === 4 ? lastAddress(c) - 1n : lastAddress(c);
  if (c.version === 4 && c.prefix >= 31) return [{ start: formatIp(4, c.network), end: formatIp(4, lastAddress(c)) }];
  const gw = gateway ? parseIp(gateway)!.value : undefined;
  const ranges: Array<[bigint, bigint]> = [];
  if (gw === undefined || gw < first || gw > last) ranges.push([first, last]);
  else {
    if (gw > first) ranges.push([first, gw - 1n]);
    if (gw < last) ranges.push([gw + 1n, last]);
  }
  return ranges.map(([a, b]) => ({ start: formatIp(c.version, a), end: formatIp(c.version, b) }));
}

/** Checks pools as Neutron does: inside the subnet, ordered, disjoint, clear of the gateway. */
export function validatePools(c: Cidr, pools: Pool[], gateway: string | null): void {
  const ranges = pools.map((p) => {
    const a = parseIp(p.start);
    const b = parseIp(p.end);
    if (!a || !b || a.version !== c.version || b.version !== c.version || a.value > b.value) {
      throw nBadRequest('InvalidAllocationPool', `The allocation pool ${p.start}-${p.end} is not valid.`);
    }
    if (!inCidr(a, c) || !inCidr(b, c)) throw nBadRequest('OutOfBoundsAllocationPool', `The allocation pool ${p.start}-${p.end} spans beyond the subnet cidr ${formatIp(c.version, c.network)}/${c.prefix}.`);
    return [a.value, b.value, p] as const;
  });
  ranges.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] <= ranges[i - 1][1]) {
      throw nConflict('OverlappingAllocationPools', `Found overlapping allocation pools: ${ranges[i - 1][2].start}-${ranges[i - 1][2].end} and ${ranges[i][2].start}-${ranges[i][2].end} for subnet ${formatIp(c.version, c.network)}/${c.prefix}.`);
    }
  }
  const gw = gateway ? parseIp(gateway)?.value : undefined;
  const hit = gw === undefined ? undefined : ranges.find(([a, b]) => gw >= a && gw <= b);
  if (hit) throw nConflict('GatewayConflictWithAllocationPools', `Gateway ip ${gateway} conflicts with allocation pool ${hit[2].start}-${hit[2].end}.`);
}

export const poolSize = (s: SubnetDoc): bigint =>
  s.allocation_pools.reduce((n, p) => n + (parseIp(p.end)!.value - parseIp(p.start)!.value + 1n), 0n);

/** Hands out addresses: every claim is an insert against the (subnet, address) primary key. */
export class Ipam {
  constructor(private readonly store: IpamStore) {}

  /** Claims the address a client asked for: 409 IpAddressAlreadyAllocated when taken. */
  async claim(subnet: Res<SubnetDoc>, ip: string, portId: string): Promise<string> {
    const c = parseCidr(subnet.doc.cidr)!;
    const a = parseIp(ip);
    if (!a || !inCidr(a, c)) throw nBadRequest('InvalidIpForSubnet', `IP address ${ip} is not a valid IP for the specified subnet.`);
    if (c.version === 4 && c.prefix < 31 && (a.value === c.network || a.value === lastAddress(c))) {
      throw nBadRequest('InvalidIpForSubnet', `IP address ${ip} is not a valid IP for the specified subnet.`);
    }
    const text = formatIp(a.version, a.value);
    if (!(await this.store.claimIp(subnet.id, text, portId))) {
      throw nConflict('IpAddressAlreadyAllocated', `IP address ${text} already allocated in subnet ${subnet.id}`);
    }
    return text;
  }

  /** The SLAAC address of a MAC (fixed by the MAC, so a clash means the MAC is taken). */
  async claimSlaac(subnet: Res<SubnetDoc>, mac: string, portId: string): Promise<string> {
    const c = parseCidr(subnet.doc.cidr)!;
    return this.claim(subnet, formatIp(6, eui64(c, mac)), portId);
  }

  /**
   * Any free address of the pools. Candidates are drawn at random so that concurrent requests
   * rarely collide; a lost race only costs another draw. Undefined when the subnet is full.
   */
  async allocate(subnet: Res<SubnetDoc>, portId: string): Promise<string | undefined> {
    const version = subnet.doc.ip_version;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const taken = new Set(await this.store.allocated(subnet.id));
      const candidate = this.pick(subnet.doc, taken);
      if (candidate === undefined) return undefined;
      const text = formatIp(version, candidate);
      if (await this.store.claimIp(subnet.id, text, portId)) return text;
    }
    return undefined;
  }

  private pick(s: SubnetDoc, taken: Set<string>): bigint | undefined {
    const pools = s.allocation_pools.map((p) => [parseIp(p.start)!.value, parseIp(p.end)!.value] as const);
    const total = pools.reduce((n, [a, b]) => n + (b - a + 1n), 0n);
    if (total === 0n) return undefined;
    if (total <= ENUMERATE_LIMIT) {
      const free: bigint[] = [];
      for (const [a, b] of pools) for (let v = a; v <= b; v++) if (!taken.has(formatIp(s.ip_version, v))) free.push(v);
      return free.length ? free[randomInt(free.length)] : undefined;
    }
    // Large (IPv6) pools: random draws are almost never taken.
    for (let i = 0; i < 32; i++) {
      let off = BigInt(randomInt(2 ** 47)) * BigInt(randomInt(2 ** 47)) % total;
      for (const [a, b] of pools) {
        const size = b - a + 1n;
        if (off < size) {
          const v = a + off;
          if (!taken.has(formatIp(s.ip_version, v))) return v;
          break;
        }
        off -= size;
      }
    }
    return undefined;
  }
}

