import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isIPv6 } from 'node:net';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { isObj, optString, query, wrapped, type Obj } from '../../../platform/http/validate.js';
import { computePolicy } from '../policy.js';
import { allowed } from '../../../platform/policy.js';
import { isUuid, type ComputeApi } from './common.js';

// Nova's security group proxy to the network service (`os-security-groups`, `os-security-group-rules`),
// deprecated and gone at 2.36: Neutron's groups in Nova's shape, ingress rules only.

type Neutron = Record<string, unknown>;

function renderRule(r: Neutron, groups: Map<string, Neutron>) {
  const protocol = (r.protocol as string | null) ?? null;
  const tcpUdp = protocol !== null && ['tcp', 'udp'].includes(protocol.toLowerCase());
  const port = (v: unknown, fallback: number) => (protocol === null ? null : v === null || v === undefined ? fallback : v);
  const remote = r.remote_group_id ? groups.get(r.remote_group_id as string) : undefined;
  return {
    id: r.id,
    parent_group_id: r.security_group_id,
    ip_protocol: protocol,
    from_port: port(r.port_range_min, tcpUdp ? 1 : -1),
    to_port: port(r.port_range_max, tcpUdp ? 65535 : -1),
    ip_range: r.remote_group_id ? {} : { cidr: (r.remote_ip_prefix as string | null) ?? (r.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0') },
    group: remote ? { name: remote.name, tenant_id: remote.project_id } : {},
  };
}

function renderGroup(g: Neutron, groups: Map<string, Neutron>) {
  const rules = ((g.security_group_rules as Neutron[] | undefined) ?? []).filter((r) => r.direction === 'ingress');
  return { id: g.id, name: g.name, description: g.description, tenant_id: g.project_id, rules: rules.map((r) => renderRule(r, groups)) };
}

/** Neutron's 404 in Nova's words, its 409 (in use, default group, duplicate rule) as Nova's 400. */
async function neutron<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw notFound(`${what} not found.`);
    if (e instanceof ApiError && e.status === 409) throw badRequest(e.message);
    throw e;
  }
}

function groupBody(b: Obj): { name: string; description: string } {
  const name = optString(b, 'name', { max: 255 });
  const description = optString(b, 'description', { max: 255 });
  if (typeof name !== 'string' || typeof description !== 'string') throw badRequest("Invalid input for field/attribute security_group. 'name' and 'description' are required properties");
  if (!name.trim()) throw badRequest('Security group name must not be empty.');
  return { name, description };
}

/** Nova's rule (`ip_protocol`, `from_port`, `to_port`, `cidr` or `group_id`) as a Neutron ingress rule. */
function ruleBody(b: Obj): Neutron {
  const parent = optString(b, 'parent_group_id');
  if (!parent) throw badRequest("Invalid input for field/attribute security_group_rule. 'parent_group_id' is a required property");
  if (!isUuid(parent)) throw badRequest(`Security group id should be uuid: ${parent}`);
  const protocol = (optString(b, 'ip_protocol', { nullable: true }) ?? null)?.toLowerCase() ?? null;
  if (protocol !== null && !['tcp', 'udp', 'icmp'].includes(protocol)) throw badRequest(`Invalid IP protocol ${protocol}.`);
  const port = (field: string) => {
    const v = b[field];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest(`Invalid port range: ${field} must be an integer.`);
    return n;
  };
  let from = port('from_port');
  let to = port('to_port');
  if (protocol === 'icmp') {
    if ((from !== undefined && (from < -1 || from > 255)) || (to !== undefined && (to < -1 || to > 255))) throw badRequest('Invalid ICMP type or code: they must be -1..255.');
    from = from === -1 ? undefined : from;
    to = to === -1 ? undefined : to;
  } else if (protocol !== null) {
    if (from === undefined || to === undefined || from < 1 || to > 65535 || from > to) throw badRequest(`Invalid port range ${from ?? ''}:${to ?? ''}. Valid TCP ports should be between 1-65535`);
  }
  const cidr = optString(b, 'cidr', { nullable: true }) ?? undefined;
  const group = optString(b, 'group_id', { nullable: true }) ?? undefined;
  if (group && !isUuid(group)) throw badRequest(`Security group id should be uuid: ${group}`);
  return {
    security_group_id: parent,
    direction: 'ingress',
    ethertype: cidr && isIPv6(cidr.split('/')[0]) ? 'IPv6' : 'IPv4',
    ...(protocol ? { protocol } : {}),
    ...(from !== undefined ? { port_range_min: from } : {}),
    ...(to !== undefined ? { port_range_max: to } : {}),
    ...(group ? { remote_group_id: group } : { remote_ip_prefix: cidr ?? '0.0.0.0/0' }),
  };
}

export function registerSecurityGroupProxyRoutes(app: FastifyInstance, api: ComputeApi): void {
  const groups = (req: FastifyRequest) => {
    if (req.mv >= 36) throw notFound('The resource could not be found.');
    const n = api.model.peers().network;
    if (!n) throw notFound('The resource could not be found.');
    return n.securityGroups(req.auth);
  };
  const index = async (req: FastifyRequest) => new Map((await groups(req).list()).map((g) => [g.id as string, g]));

  app.get('/v2.1/os-security-groups', async (req) => {
    const q = query(req.query);
    const all = q.all_tenants !== undefined && allowed(computePolicy, 'server:list:all_tenants', req.auth);
    const byId = await index(req);
    const list = [...byId.values()].filter((g) => all || g.project_id === req.auth.projectId);
    const offset = Number(q.offset ?? 0) || 0;
    const limit = q.limit !== undefined ? Number(q.limit) || 0 : list.length;
    return { security_groups: list.slice(offset, offset + limit).map((g) => renderGroup(g, byId)) };
  });
  app.get<{ Params: { id: string } }>('/v2.1/os-security-groups/:id', async (req) => {
    const g = await neutron(`Security group ${req.params.id}`, () => groups(req).show(req.params.id));
    return { security_group: renderGroup(g, await index(req)) };
  });
  app.post('/v2.1/os-security-groups', async (req) => {
    const sg = groups(req);
    const g = await neutron('Security group', () => sg.create(groupBody(wrapped(req.body, 'security_group'))));
    return { security_group: renderGroup(g, await index(req)) };
  });
  app.put<{ Params: { id: string } }>('/v2.1/os-security-groups/:id', async (req) => {
    const sg = groups(req);
    const g = await neutron(`Security group ${req.params.id}`, () => sg.update(req.params.id, groupBody(wrapped(req.body, 'security_group'))));
    return { security_group: renderGroup(g, await index(req)) };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/os-security-groups/:id', async (req, reply) => {
    const sg = groups(req);
    await neutron(`Security group ${req.params.id}`, () => sg.remove(req.params.id));
    reply.code(202);
    return '';
  });

  app.post('/v2.1/os-security-group-rules', async (req) => {
    const sg = groups(req);
    const b = wrapped(req.body, 'security_group_rule');
    if (!isObj(b)) throw badRequest('Malformed request body');
    const rule = await neutron(`Security group ${String(b.parent_group_id)}`, () => sg.createRule(ruleBody(b)));
    return { security_group_rule: renderRule(rule, await index(req)) };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/os-security-group-rules/:id', async (req, reply) => {
    const sg = groups(req);
    await neutron(`Security group rule ${req.params.id}`, () => sg.removeRule(req.params.id));
    reply.code(202);
    return '';
  });
}
