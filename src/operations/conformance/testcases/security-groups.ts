import { isNotFound } from '../cloud-data.js';
import { fail, pass, type Check, type CheckContext } from '../testcase.js';

interface Rule {
  id?: string;
  direction: string;
  ethertype: string;
  remote_group_id?: string | null;
  remote_ip_prefix?: string | null;
  used_in_default_sg?: boolean;
  used_in_non_default_sg?: boolean;
}

const describe = (r: Rule) => `${r.direction} ${r.ethertype} from ${r.remote_ip_prefix ?? (r.remote_group_id ? `group ${r.remote_group_id}` : 'anywhere')}`;

/**
 * The rule of scs-0115 on a set of rules: no ingress (except, with the default-rules API, the
 * default group's rule for its own members), and unrestricted egress for IPv4 and IPv6 in both
 * default and custom groups (`fresh`: the rules of one new custom group, the fallback).
 */
export function judgeRules(rules: Rule[], fresh: boolean): string[] {
  const problems: string[] = [];
  for (const r of rules) {
    if (r.direction !== 'ingress') continue;
    if (!fresh && r.remote_group_id === 'PARENT' && !r.used_in_non_default_sg) continue;
    problems.push(`ingress rule allowed: ${describe(r)}${fresh ? '' : ` (${[r.used_in_default_sg ? 'default' : '', r.used_in_non_default_sg ? 'custom' : ''].filter(Boolean).join(' and ')} groups)`}`);
  }
  for (const ethertype of ['IPv4', 'IPv6']) {
    const egress = rules.filter((r) => r.direction === 'egress' && r.ethertype === ethertype && (fresh || !r.remote_ip_prefix));
    const scopes = fresh ? { 'new groups': egress.length > 0 } : { 'default groups': egress.some((r) => r.used_in_default_sg), 'custom groups': egress.some((r) => r.used_in_non_default_sg) };
    for (const [scope, ok] of Object.entries(scopes)) if (!ok) problems.push(`no unrestricted ${ethertype} egress rule for ${scope}`);
  }
  return problems;
}

async function freshGroupRules(ctx: CheckContext): Promise<Rule[]> {
  const name = `${ctx.prefix}default-sg`;
  const existing = (await ctx.session.request('network', 'GET', '/v2.0/security-groups', { query: { name } })).body?.security_groups ?? [];
  for (const g of existing) await ctx.session.request('network', 'DELETE', `/v2.0/security-groups/${g.id}`);
  const group = (await ctx.session.request('network', 'POST', '/v2.0/security-groups', { body: { security_group: { name, description: name } } })).body.security_group;
  try {
    return group.security_group_rules ?? [];
  } finally {
    await ctx.session.request('network', 'DELETE', `/v2.0/security-groups/${group.id}`);
  }
}

/** scs-0115-default-rules: through the default security group rules API, else on a fresh group. */
export const defaultSecurityGroupRules: Check = async (ctx) => {
  let rules: Rule[];
  let fresh = false;
  try {
    rules = (await ctx.session.request('network', 'GET', '/v2.0/default-security-group-rules')).body?.default_security_group_rules ?? [];
  } catch (e) {
    if (!isNotFound(e)) throw e;
    rules = await freshGroupRules(ctx);
    fresh = true;
  }
  const problems = judgeRules(rules, fresh);
  const how = fresh ? 'rules of a new security group (no default security group rules API)' : 'default security group rules API';
  return problems.length ? fail(`default security group rules break scs-0115 (${how})`, problems) : pass(`checked ${rules.length} rules via the ${how}`);
};
