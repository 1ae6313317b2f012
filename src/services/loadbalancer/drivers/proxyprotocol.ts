import { isIPv6, type Socket } from 'node:net';

/** The version 2 header's fixed signature. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

const plain = (a: string | undefined) => (a ?? '').replace(/^::ffff:/, '');

/** IPv6 text to its 16 bytes (expanding `::`). */
function ipv6Bytes(addr: string): Buffer {
  const [head, tail = ''] = addr.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = addr.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** An address as the header's bytes: 4 for IPv4, 16 for IPv6 (IPv4 then as ::ffff:a.b.c.d). */
function addrBytes(a: string, v6: boolean): Buffer {
  const v4 = () => Buffer.from(a.split('.').map(Number));
  if (!v6) return v4();
  return isIPv6(a) ? ipv6Bytes(a) : Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), v4()]);
}

/**
 * The PROXY protocol header (HAProxy's, version 1 text or version 2 binary) a PROXY/PROXYV2 pool's
 * member receives first on a connection: the client's address and port and the address and port
 * it connected to.
 */
export function proxyHeader(version: 1 | 2, client: Socket): Buffer {
  const src = plain(client.remoteAddress);
  const dst = plain(client.localAddress);
  const sport = client.remotePort ?? 0;
  const dport = client.localPort ?? 0;
  // Both ends in one family: with one IPv6 end, an IPv4 one is written as ::ffff:a.b.c.d.
  const v6 = isIPv6(src) || isIPv6(dst);
  if (version === 1) {
    const text = (a: string) => (v6 && !isIPv6(a) ? `::ffff:${a}` : a);
    return Buffer.from(`PROXY ${v6 ? 'TCP6' : 'TCP4'} ${text(src)} ${text(dst)} ${sport} ${dport}\r\n`, 'latin1');
  }
  const addrs = Buffer.concat([addrBytes(src, v6), addrBytes(dst, v6)]);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(sport, 0);
  tail.writeUInt16BE(dport, 2);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(addrs.length + 4);
  // 0x21: version 2, PROXY command; 0x11/0x21: TCP over IPv4/IPv6.
  return Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, v6 ? 0x21 : 0x11]), len, addrs, tail]);
}
