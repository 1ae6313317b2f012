import { optInt, optString, type Obj } from '../../../platform/http/validate.js';
import { formatCidr, normalizeIp, parseCidr } from './addresses.js';
import { invalid } from './context.js';
import { nBadRequest } from './errors.js';
import type { RuleFields } from './types.js';

/** Neutron's named protocols and their numbers (neutron_lib.constants.IP_PROTOCOL_MAP). */
const PROTOCOLS: Record<string, number> = {
  ah: 51, dccp: 33, egp: 8, esp: 50, gre: 47, hopopt: 0, icmp: 1, igmp: 2, ipip: 4, 'ipv6-encap': 41, 'ipv6-frag': 44, 'ipv6-icmp': 58,
  icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, 'ipv6-route': 43, ospf: 89, pgm: 113, rsvp: 46, sctp: 132, tcp: 6, udp: 17, udplite: 136, vrrp: 112,
};
const PORT_PROTOCOLS = [6, 17, 132, 33, 136];
/** IPv6 extension headers and ICMPv6 (ipv6-encap, -route, -frag, -icmp, -nonxt, -opts): no IPv4 rule carries them. */
const IPV6_ONLY = [41, 43, 44, 58, 59, 60];
const ICMP = [1, 58];

/** The protocol number a rule's protocol stands for (undefined for "any"). */
export function protocolNumber(p: string | null): number | undefined {
  if (p === null) return undefined;
  return /^\d+$/.test(p) ? Number(p) : PROTOCOLS[p];
}

/**
 * The fields of a security group rule (or default rule) as Neutron validates them: direction,
 * ethertype, protocol by name or number, port ranges per protocol, remote prefix or group.
 */
export function parseRuleFields(body: Obj): RuleFields {
  const direction = optString(body, 'direction');
  if (direction !== 'ingress' && direction !== 'egress') throw invalid('direction', direction ?? null, "is not in ['ingress', 'egress']");
  const ethertype = optString(body, 'ethertype') ?? 'IPv4';
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') throw invalid('ethertype', ethertype, "is not in ['IPv4', 'IPv6']");
  let protocol: string | null = null;
  const rawProto = body.protocol;
  if (rawProto !== undefined && rawProto !== null && rawProto !== 'any') {
    const text = String(rawProto).toLowerCase();
    const known = /^\d+$/.test(text) ? Number(text) <= 255 : text in PROTOCOLS;
    if (!known || (typeof rawProto !== 'string' && typeof rawProto !== 'number')) {
      throw nBadRequest('SecurityGroupRuleInvalidProtocol', `Security group rule protocol ${String(rawProto)} not supported. Only protocol values [${Object.keys(PROTOCOLS).join(', ')}] and integer representations [0 to 255] are supported.`);
    }
    protocol = text;
  }
  if (ethertype === 'IPv4' && IPV6_ONLY.includes(protocolNumber(protocol) ?? -1)) {
    throw nBadRequest('SecurityGroupEthertypeConflictWithProtocol', `Invalid ethertype ${ethertype} for protocol ${String(protocol)}.`);
  }
  const min = optInt(body, 'port_range_min', { nullable: true }) ?? null;
  const max = optInt(body, 'port_range_max', { nullable: true }) ?? null;
  const num = protocolNumber(protocol);
  if (min !== null || max !== null) {
    if (num === undefined) throw nBadRequest('SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
    if (PORT_PROTOCOLS.includes(num)) {
      for (const v of [min, max]) if (v !== null && (v < 1 || v > 65535)) throw nBadRequest('SecurityGroupInvalidPortValue', `Invalid value for port ${v}.`);
      // As Neutron: one bound alone is not a range.
      if (min === null || max === null || min > max) throw nBadRequest('SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
    } else if (ICMP.includes(num)) {
      if (min === null) throw nBadRequest('SecurityGroupMissingIcmpType', `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`);
      for (const [f, v] of [['type', min], ['code', max]] as const) {
        if (v !== null && (v < 0 || v > 255)) throw nBadRequest('SecurityGroupInvalidIcmpValue', `Invalid value for ICMP ${f} (port-range-${f === 'type' ? 'min' : 'max'}): ${v}. It must be 0 to 255.`);
      }
    } else {
      throw nBadRequest('SecurityGroupInvalidProtocolForPortRange', `Invalid protocol ${protocol} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.`);
    }
  }
  const prefixText = optString(body, 'remote_ip_prefix', { nullable: true }) ?? null;
  const remoteGroup = optString(body, 'remote_group_id', { nullable: true }) ?? null;
  let prefix: string | null = null;
  if (prefixText !== null) {
    const c = parseCidr(prefixText);
    if (!c) throw invalid('remote_ip_prefix', prefixText, 'is not a valid CIDR');
    if ((c.version === 4) !== (ethertype === 'IPv4')) throw nBadRequest('SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${ethertype} for CIDR ${prefixText}`);
    // Neutron keeps the host bits the client gave (with the mask it implies); `normalized_cidr` drops them.
    prefix = `${normalizeIp(prefixText.split('/')[0])}/${c.prefix}`;
  }
  if (prefix !== null && remoteGroup !== null) throw nBadRequest('SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Only remote_ip_prefix or remote_group_id may be provided.');
  return {
    direction,
    ethertype,
    protocol,
    port_range_min: min,
    port_range_max: max,
    remote_ip_prefix: prefix,
    remote_group_id: remoteGroup,
    description: optString(body, 'description', { max: 255 }) ?? '',
  };
}

/** A rule's remote prefix without host bits (Neutron's `normalized_cidr`). */
export function normalizedCidr(prefix: string | null): string | null {
  const c = prefix === null ? undefined : parseCidr(prefix);
  return c ? formatCidr(c) : prefix;
}

/** Two rules that match the same traffic (protocol names and numbers compare equal). */
export function sameRule(a: RuleFields, b: RuleFields): boolean {
  const cidr = (p: string | null) => {
    const n = normalizedCidr(p);
    return n === '0.0.0.0/0' || n === '::/0' ? null : n;
  };
  return (
    a.direction === b.direction &&
    a.ethertype === b.ethertype &&
    protocolNumber(a.protocol) === protocolNumber(b.protocol) &&
    a.port_range_min === b.port_range_min &&
    a.port_range_max === b.port_range_max &&
    cidr(a.remote_ip_prefix) === cidr(b.remote_ip_prefix) &&
    a.remote_group_id === b.remote_group_id
  );
}
