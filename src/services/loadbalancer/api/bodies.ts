import { isIP } from 'node:net';
import { badRequest } from '../../../platform/errors.js';
import { optBool, optInt, optObj, optString, optStringArray, wrapped, type Obj } from '../../../platform/http/validate.js';
import type { Kind } from '../store/objects.js';

/** A field's parser: returns the value to store, or undefined when the body does not set it. */
type Field = (o: Obj, name: string) => unknown;

const str: Field = (o, f) => optString(o, f, { max: 255 });
const nullableStr: Field = (o, f) => optString(o, f, { max: 255, nullable: true });
const bool: Field = (o, f) => optBool(o, f);
const port: Field = (o, f) => optInt(o, f, { min: 1, max: 65535 });
const nullablePort: Field = (o, f) => optInt(o, f, { min: 1, max: 65535, nullable: true });
const timeout: Field = (o, f) => optInt(o, f, { min: 0, max: 31_536_000 });
const tags: Field = (o, f) => optStringArray(o, f, { maxItem: 255 });
const oneOf =
  (...values: string[]): Field =>
  (o, f) => {
    const v = optString(o, f);
    if (v !== undefined && !values.includes(v as string)) throw badRequest(`Invalid input for field/attribute ${f}. Value: '${v}'. Value should be one of: ${values.join(', ')}`);
    return v;
  };
const ip =
  (nullable: boolean): Field =>
  (o, f) => {
    const v = optString(o, f, { nullable });
    if (v && !isIP(v)) throw badRequest(`Invalid input for field/attribute ${f}. Value: '${v}'. Value should be IPv4 or IPv6 format`);
    return v;
  };
const cidrs: Field = (o, f) => {
  if (o[f] === null) return null;
  const v = optStringArray(o, f);
  for (const c of v ?? []) {
    const [addr, prefix, extra] = c.split('/');
    const max = isIP(addr) === 6 ? 128 : 32;
    if (!isIP(addr) || extra !== undefined || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= max))) {
      throw badRequest(`Invalid input for field/attribute allowed_cidrs. Value: '${c}'. Value should be a CIDR`);
    }
  }
  return v;
};
const insertHeaders: Field = (o, f) => {
  const v = optObj(o, f);
  if (!v) return v;
  for (const [k, x] of Object.entries(v)) {
    if (!['X-Forwarded-For', 'X-Forwarded-Port', 'X-Forwarded-Proto'].includes(k)) throw badRequest(`Invalid input for field/attribute insert_headers. The header ${k} is not supported by this provider.`);
    if (x !== 'true' && x !== 'false') throw badRequest(`Invalid input for field/attribute insert_headers. Value of ${k} should be "true" or "false".`);
  }
  return v;
};
const persistence: Field = (o, f) => {
  if (o[f] === null) return null;
  const v = optObj(o, f);
  if (!v) return v;
  const type = oneOf('SOURCE_IP', 'HTTP_COOKIE', 'APP_COOKIE')(v, 'type');
  if (!type) throw badRequest('Invalid input for field/attribute session_persistence. Mandatory field missing: type');
  return { type, cookie_name: optString(v, 'cookie_name', { max: 255, nullable: true }) ?? null, persistence_timeout: optInt(v, 'persistence_timeout', { min: 0, nullable: true }) ?? null, persistence_granularity: optString(v, 'persistence_granularity', { nullable: true }) ?? null };
};
const expectedCodes: Field = (o, f) => {
  const v = optString(o, f);
  if (v !== undefined && !/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(v as string)) throw badRequest(`Invalid input for field/attribute expected_codes. Value: '${v}'. Value should match the pattern ^(\\d{3}(\\s*,\\s*\\d{3})*)$|^(\\d{3}-\\d{3})$`);
  return v;
};
const urlPath: Field = (o, f) => {
  const v = optString(o, f, { max: 255 });
  if (v !== undefined && !(v as string).startsWith('/')) throw badRequest(`Invalid input for field/attribute url_path. Value: '${v}'. Value should be a URL path`);
  return v;
};
const int = (min: number, max: number, nullable = false): Field => (o, f) => optInt(o, f, { min, max, nullable });

const COMMON = { name: str, description: str, admin_state_up: bool, tags };

const l7Action = oneOf('REDIRECT_TO_POOL', 'REDIRECT_TO_URL', 'REDIRECT_PREFIX', 'REJECT');
const redirectCode: Field = (o, f) => {
  const v = optInt(o, f, { nullable: true });
  if (v !== undefined && v !== null && ![301, 302, 303, 307, 308].includes(v)) throw badRequest(`Invalid input for field/attribute ${f}. Value: '${v}'. Value should be one of: 301, 302, 303, 307, 308`);
  return v;
};
const l7Policy = { ...COMMON, action: l7Action, position: int(1, 2147483647), redirect_pool_id: nullableStr, redirect_url: nullableStr, redirect_prefix: nullableStr, redirect_http_code: redirectCode };
const l7Rule = {
  admin_state_up: bool, tags, type: oneOf('HOST_NAME', 'PATH', 'FILE_TYPE', 'HEADER', 'COOKIE', 'SSL_CONN_HAS_CERT', 'SSL_VERIFY_RESULT', 'SSL_DN_FIELD'),
  compare_type: oneOf('REGEX', 'STARTS_WITH', 'ENDS_WITH', 'CONTAINS', 'EQUAL_TO'), key: nullableStr, value: str, invert: bool,
};

/** Fields each kind accepts on create (`post`) and update (`put`); anything else is a 400. */
const FIELDS: Record<Kind, { post: Record<string, Field>; put: Record<string, Field>; required: string[] }> = {
  loadbalancer: {
    post: { ...COMMON, vip_subnet_id: str, vip_network_id: str, vip_port_id: str, vip_address: ip(false), provider: str, flavor_id: nullableStr, availability_zone: nullableStr, vip_qos_policy_id: nullableStr, project_id: str },
    put: { ...COMMON, vip_qos_policy_id: nullableStr },
    required: [],
  },
  listener: {
    post: {
      ...COMMON, protocol: oneOf('HTTP', 'HTTPS', 'TCP', 'TERMINATED_HTTPS', 'UDP', 'SCTP', 'PROMETHEUS'), protocol_port: port, loadbalancer_id: str, connection_limit: int(-1, 2 ** 31 - 1),
      default_pool_id: nullableStr, default_tls_container_ref: nullableStr, sni_container_refs: tags, insert_headers: insertHeaders, timeout_client_data: timeout,
      timeout_member_connect: timeout, timeout_member_data: timeout, timeout_tcp_inspect: timeout, allowed_cidrs: cidrs, project_id: str,
    },
    put: {
      ...COMMON, connection_limit: int(-1, 2 ** 31 - 1), default_pool_id: nullableStr, default_tls_container_ref: nullableStr, sni_container_refs: tags, insert_headers: insertHeaders,
      timeout_client_data: timeout, timeout_member_connect: timeout, timeout_member_data: timeout, timeout_tcp_inspect: timeout, allowed_cidrs: cidrs,
    },
    required: ['protocol', 'protocol_port', 'loadbalancer_id'],
  },
  pool: {
    post: { ...COMMON, protocol: oneOf('HTTP', 'HTTPS', 'TCP', 'PROXY', 'PROXYV2', 'UDP', 'SCTP'), lb_algorithm: oneOf('ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP', 'SOURCE_IP_PORT'), listener_id: str, loadbalancer_id: str, session_persistence: persistence, tls_enabled: bool, project_id: str },
    put: { ...COMMON, lb_algorithm: oneOf('ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP', 'SOURCE_IP_PORT'), session_persistence: persistence, tls_enabled: bool },
    required: ['protocol', 'lb_algorithm'],
  },
  member: {
    post: { ...COMMON, address: ip(false), protocol_port: port, weight: int(0, 256), backup: bool, subnet_id: str, monitor_address: ip(true), monitor_port: nullablePort, project_id: str },
    put: { ...COMMON, weight: int(0, 256), backup: bool, monitor_address: ip(true), monitor_port: nullablePort },
    required: ['address', 'protocol_port'],
  },
  healthmonitor: {
    post: {
      ...COMMON, pool_id: str, type: oneOf('HTTP', 'HTTPS', 'PING', 'TCP', 'TLS-HELLO', 'UDP-CONNECT', 'SCTP'), delay: int(0, 2 ** 31 - 1), timeout: int(0, 2 ** 31 - 1),
      max_retries: int(1, 10), max_retries_down: int(1, 10), http_method: oneOf('CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'),
      url_path: urlPath, expected_codes: expectedCodes, http_version: nullableStr, domain_name: nullableStr, project_id: str,
    },
    put: {
      ...COMMON, delay: int(0, 2 ** 31 - 1), timeout: int(0, 2 ** 31 - 1), max_retries: int(1, 10), max_retries_down: int(1, 10),
      http_method: oneOf('CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'), url_path: urlPath, expected_codes: expectedCodes, http_version: nullableStr, domain_name: nullableStr,
    },
    required: ['type', 'delay', 'timeout', 'max_retries'],
  },
  l7policy: { post: { ...l7Policy, listener_id: str, project_id: str }, put: l7Policy, required: ['listener_id', 'action'] },
  l7rule: { post: { ...l7Rule, project_id: str }, put: l7Rule, required: ['type', 'compare_type', 'value'] },
};

/** The wrapper key of each kind's request and response bodies. */
export const WRAPPER: Record<Kind, string> = { loadbalancer: 'loadbalancer', listener: 'listener', pool: 'pool', member: 'member', healthmonitor: 'healthmonitor', l7policy: 'l7policy', l7rule: 'rule' };

/** The collection name of each kind in URLs and list bodies. */
export const PLURAL: Record<Kind, string> = { loadbalancer: 'loadbalancers', listener: 'listeners', pool: 'pools', member: 'members', healthmonitor: 'healthmonitors', l7policy: 'l7policies', l7rule: 'rules' };

/** Parses a create or update body into the attributes it sets (unknown attributes are a 400). */
export function parseBody(kind: Kind, body: unknown, mode: 'post' | 'put'): Obj {
  const o = wrapped(body, WRAPPER[kind]);
  if (mode === 'post' && o.tenant_id !== undefined && o.project_id === undefined) o.project_id = o.tenant_id;
  delete o.tenant_id;
  const fields = FIELDS[kind][mode];
  const unknown = Object.keys(o).find((k) => !(k in fields));
  if (unknown) throw badRequest(`Invalid input for field/attribute ${WRAPPER[kind]}. Unknown attribute for argument ${WRAPPER[kind]}: ${unknown}`);
  if (mode === 'post') {
    const missing = FIELDS[kind].required.find((f) => o[f] === undefined || o[f] === null);
    if (missing) throw badRequest(`Invalid input for field/attribute ${missing}. Value: 'None'. Mandatory field missing.`);
  }
  const out: Obj = {};
  for (const [name, parse] of Object.entries(fields)) {
    const v = parse(o, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
