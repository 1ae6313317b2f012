import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNetCloud, type NetCloud } from './helpers.js';

type Rule = { direction: string; ethertype: string; protocol: string | null; remote_group_id: string | null; remote_ip_prefix: string | null; port_range_min: number | null };
const shape = (rules: Rule[]) =>
  rules.map((r) => `${r.direction} ${r.ethertype} ${r.protocol ?? 'any'} ${r.remote_group_id ? 'group' : (r.remote_ip_prefix ?? 'anywhere')}`).sort();

describe('security groups', () => {
  let n: NetCloud;
  const demo = (method: string, path: string, body?: unknown) => n.call(method, path, n.demo, body);
  before(async () => {
    n = await startNetCloud();
  });
  after(async () => n?.cloud.close());

  it('the default group follows scs-0115: ingress only from itself, egress everywhere on both families', async () => {
    const groups = (await demo('GET', '/v2.0/security-groups')).body.security_groups;
    assert.equal(groups.length, 1, 'created on first use');
    const def = groups[0];
    assert.equal(def.name, 'default');
    assert.deepEqual(shape(def.security_group_rules), ['egress IPv4 any anywhere', 'egress IPv6 any anywhere', 'ingress IPv4 any group', 'ingress IPv6 any group']);
    for (const r of def.security_group_rules.filter((x: Rule) => x.direction === 'ingress')) assert.equal(r.remote_group_id, def.id);
    const custom = (await demo('POST', '/v2.0/security-groups', { security_group: { name: 'app' } })).body.security_group;
    assert.deepEqual(shape(custom.security_group_rules), ['egress IPv4 any anywhere', 'egress IPv6 any anywhere']);
    assert.equal(custom.stateful, true);
  });

  it('the default group cannot be renamed, deleted or duplicated', async () => {
    const def = (await demo('GET', '/v2.0/security-groups?name=default')).body.security_groups[0];
    const rename = await demo('PUT', `/v2.0/security-groups/${def.id}`, { security_group: { name: 'other' } });
    assert.equal(rename.status, 409);
    assert.equal(rename.body.NeutronError.type, 'SecurityGroupCannotUpdateDefault');
    const del = await demo('DELETE', `/v2.0/security-groups/${def.id}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.NeutronError.type, 'SecurityGroupCannotRemoveDefault');
    const dup = await demo('POST', '/v2.0/security-groups', { security_group: { name: 'default' } });
    assert.equal(dup.body.NeutronError.type, 'SecurityGroupDefaultAlreadyExists');
    assert.equal((await demo('PUT', `/v2.0/security-groups/${def.id}`, { security_group: { description: 'mine' } })).status, 200);
  });

  it('rules: protocols by name or number, port ranges, remote prefix or group, duplicates 409', async () => {
    const sg = (await demo('POST', '/v2.0/security-groups', { security_group: { name: 'rules' } })).body.security_group;
    const rule = (body: Record<string, unknown>) => demo('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ...body } });
    const ok = [
      { protocol: 'tcp', port_range_min: 80, port_range_max: 443, remote_ip_prefix: '10.0.0.0/8' },
      { protocol: '17', port_range_min: 53, port_range_max: 53 },
      { protocol: 'icmp', port_range_min: 8, port_range_max: 0 },
      { protocol: 'ipv6-icmp', ethertype: 'IPv6' },
      { protocol: 'tcp', remote_group_id: sg.id, port_range_min: 22, port_range_max: 22 },
      { ethertype: 'IPv6', remote_ip_prefix: '2001:db8::/32' },
    ];
    for (const b of ok) assert.equal((await rule(b)).status, 201, JSON.stringify(b));
    const normalized = await rule({ protocol: 'udp', remote_ip_prefix: '192.168.1.7/24' });
    // Neutron keeps the prefix as given (mask added when absent); normalized_cidr drops the host bits.
    assert.equal(normalized.body.security_group_rule.remote_ip_prefix, '192.168.1.7/24');
    assert.equal(normalized.body.security_group_rule.normalized_cidr, '192.168.1.0/24');
    assert.equal((await rule({ protocol: 'udp', remote_ip_prefix: '192.168.1.0/24' })).status, 409, 'the same network is a duplicate rule');
    const bad: Array<[Record<string, unknown>, number, string]> = [
      [{ protocol: 'tcp', port_range_min: 80, port_range_max: 79 }, 400, 'SecurityGroupInvalidPortRange'],
      [{ protocol: 'tcp', port_range_max: 6 }, 400, 'SecurityGroupInvalidPortRange'],
      [{ protocol: 'tcp', port_range_min: 0, port_range_max: 10 }, 400, 'SecurityGroupInvalidPortValue'],
      [{ protocol: 'icmp', port_range_max: 0 }, 400, 'SecurityGroupMissingIcmpType'],
      [{ protocol: 'gre', port_range_min: 1, port_range_max: 2 }, 400, 'SecurityGroupInvalidProtocolForPortRange'],
      [{ port_range_min: 1, port_range_max: 2 }, 400, 'SecurityGroupProtocolRequiredWithPorts'],
      [{ protocol: 'bogus' }, 400, 'SecurityGroupRuleInvalidProtocol'],
      [{ remote_ip_prefix: '::/0' }, 400, 'SecurityGroupRuleParameterConflict'],
      [{ remote_ip_prefix: '10.0.0.0/8', remote_group_id: sg.id }, 400, 'SecurityGroupRemoteGroupAndRemoteIpPrefix'],
      [{ direction: 'sideways' }, 400, 'HTTPBadRequest'],
      [{ protocol: '6', port_range_min: 80, port_range_max: 443, remote_ip_prefix: '10.0.0.0/8' }, 409, 'SecurityGroupRuleExists'],
      [{ remote_group_id: '00000000-0000-0000-0000-000000000000' }, 404, 'SecurityGroupNotFound'],
    ];
    for (const [b, status, type] of bad) {
      const r = await rule(b);
      assert.equal(r.status, status, JSON.stringify(b));
      assert.equal(r.body.NeutronError.type, type, JSON.stringify(r.body));
    }
    const rules = (await demo('GET', `/v2.0/security-group-rules?security_group_id=${sg.id}`)).body.security_group_rules;
    assert.equal(rules.length, 2 + ok.length + 1);
    assert.equal((await demo('DELETE', `/v2.0/security-group-rules/${rules[0].id}`)).status, 204);
  });

  it('a group in use by a port cannot be deleted', async () => {
    const sg = (await demo('POST', '/v2.0/security-groups', { security_group: { name: 'used' } })).body.security_group;
    const net = (await demo('POST', '/v2.0/networks', { network: { name: 'sgnet' } })).body.network;
    const port = (await demo('POST', '/v2.0/ports', { port: { network_id: net.id, security_groups: [sg.id] } })).body.port;
    assert.deepEqual(port.security_groups, [sg.id]);
    const busy = await demo('DELETE', `/v2.0/security-groups/${sg.id}`);
    assert.equal(busy.body.NeutronError.type, 'SecurityGroupInUse');
    await demo('DELETE', `/v2.0/ports/${port.id}`);
    assert.equal((await demo('DELETE', `/v2.0/security-groups/${sg.id}`)).status, 204);
  });

  it('default security group rules: readable by all, managed by admins, used by new groups', async () => {
    const list = (await demo('GET', '/v2.0/default-security-group-rules')).body.default_security_group_rules;
    assert.equal(list.length, 4);
    const ingress = list.filter((r: { direction: string }) => r.direction === 'ingress');
    assert.ok(ingress.every((r: { remote_group_id: string; used_in_default_sg: boolean; used_in_non_default_sg: boolean }) => r.remote_group_id === 'PARENT' && r.used_in_default_sg && !r.used_in_non_default_sg));
    const body = { default_security_group_rule: { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0', used_in_default_sg: false, used_in_non_default_sg: true } };
    assert.equal((await demo('POST', '/v2.0/default-security-group-rules', body)).status, 403);
    const created = await n.call('POST', '/v2.0/default-security-group-rules', n.admin, body);
    assert.equal(created.status, 201);
    assert.equal((await n.call('POST', '/v2.0/default-security-group-rules', n.admin, body)).body.NeutronError.type, 'DuplicateDefaultSgRule');
    const sg = (await demo('POST', '/v2.0/security-groups', { security_group: { name: 'with-ssh' } })).body.security_group;
    assert.ok(sg.security_group_rules.some((r: Rule) => r.protocol === 'tcp' && r.port_range_min === 22));
    const otherDefault = (await n.call('GET', '/v2.0/security-groups', n.other)).body.security_groups[0];
    assert.ok(!otherDefault.security_group_rules.some((r: Rule) => r.protocol === 'tcp'), 'not used in default groups');
    const id = created.body.default_security_group_rule.id;
    assert.equal((await demo('DELETE', `/v2.0/default-security-group-rules/${id}`)).status, 403);
    assert.equal((await n.call('DELETE', `/v2.0/default-security-group-rules/${id}`, n.admin)).status, 204);
    assert.equal((await demo('GET', `/v2.0/default-security-group-rules/${id}`)).body.NeutronError.type, 'DefaultSecurityGroupRuleNotFound');
  });
});
