import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Address arithmetic for IPAM on both families, on bigints: parse, print (RFC 5952 for IPv6),
 * CIDR containment and overlap, EUI-64 interface ids for SLAAC.
 */
export type IpVersion = 4 | 6;
export interface Ip {
  version: IpVersion;
  value: bigint;
}
export interface Cidr {
  version: IpVersion;
  network: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

export function parseIp(s: string): Ip | undefined {
  const v = isIP(s);
  if (v === 4) {
    return { version: 4, value: s.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  }
  if (v === 6) {
    let text = s;
    // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
      const n = parseIp(v4[1])!.value;
      text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.split('::');
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    return { version: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
  }
  return undefined;
}

export function formatIp(version: IpVersion, value: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
  // The longest run (length > 1) of zero groups becomes `::`.
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.len < 2) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

export const normalizeIp = (s: string): string | undefined => {
  const ip = parseIp(s);
  return ip && formatIp(ip.version, ip.value);
};

const mask = (version: IpVersion, prefix: number): bigint => {
  const bits = BigInt(BITS[version]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
};

/** Parses `a.b.c.d/n`; `strict` refuses host bits (Neutron's subnet CIDR rule). */
export function parseCidr(s: string, strict = false): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  const ip = parseIp(m ? m[1] : s);
  if (!ip) return undefined;
  const prefix = m ? Number(m[2]) : BITS[ip.version];
  if (prefix > BITS[ip.version]) return undefined;
  const network = ip.value & mask(ip.version, prefix);
  if (strict && network !== ip.value) return undefined;
  return { version: ip.version, network, prefix };
}

export const formatCidr = (c: Cidr): string => `${formatIp(c.version, c.network)}/${c.prefix}`;
export const cidrSize = (c: Cidr): bigint => 1n << BigInt(BITS[c.version] - c.prefix);
export const lastAddress = (c: Cidr): bigint => c.network + cidrSize(c) - 1n;

export function inCidr(ip: Ip, c: Cidr): boolean {
  return ip.version === c.version && (ip.value & mask(c.version, c.prefix)) === c.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.version !== b.version) return false;
  const p = Math.min(a.prefix, b.prefix);
  return (a.network & mask(a.version, p)) === (b.network & mask(b.version, p));
}

/** A MAC in OpenStack's base `fa:16:3e` with three random bytes. */
export function randomMac(): string {
  return ['fa', '16', '3e', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export const isMac = (s: string): boolean => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(s);

/** The SLAAC address of a MAC in a /64 (modified EUI-64: flip the U/L bit, insert ff:fe). */
export function eui64(c: Cidr, mac: string): bigint {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const id = [b[0] ^ 2, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]].reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
  return c.network | id;
}

/**
 * The smallest list of CIDRs covering `base` plus `add` minus `remove` (one IP version), as
 * netaddr's compacted IPSet: overlapping or adjacent blocks merge. Sorted by address.
 */
export function cidrSet(version: IpVersion, base: Cidr[], add: Cidr[] = [], remove: Cidr[] = []): Cidr[] {
  const ranges = (cs: Cidr[]) => cs.map((c) => [c.network, lastAddress(c)] as [bigint, bigint]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Array<[bigint, bigint]> = [];
  for (const [s, e] of ranges([...base, ...add])) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1] + 1n) last[1] = e > last[1] ? e : last[1];
    else merged.push([s, e]);
  }
  let kept = merged;
  for (const [rs, re] of ranges(remove)) {
    kept = kept.flatMap(([s, e]): Array<[bigint, bigint]> => {
      if (re < s || rs > e) return [[s, e]];
      const out: Array<[bigint, bigint]> = [];
      if (rs > s) out.push([s, rs - 1n]);
      if (re < e) out.push([re + 1n, e]);
      return out;
    });
  }
  const out: Cidr[] = [];
  for (let [s, e] of kept) {
    // Largest aligned block starting at s that fits in [s, e], repeatedly.
    while (s <= e) {
      let prefix = BITS[version];
      while (prefix > 0) {
        const size = 1n << BigInt(BITS[version] - prefix + 1);
        if (s % size !== 0n || s + size - 1n > e) break;
        prefix--;
      }
      out.push({ version, network: s, prefix });
      s += 1n << BigInt(BITS[version] - prefix);
    }
  }
  return out;
}
