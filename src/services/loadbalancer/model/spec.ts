import type { L7PolicySpec, ListenerSpec, LoadBalancerSpec, PoolSpec } from '../drivers/driver.js';
import type { Obj } from '../store/objects.js';

function poolSpec(pool: Obj, tree: Obj[]): PoolSpec {
  const hm = tree.find((o) => o.kind === 'healthmonitor' && o.parent_id === pool.id);
  return {
    id: pool.id,
    algorithm: pool.doc.lb_algorithm,
    persistence: pool.doc.session_persistence?.type ?? null,
    proxyProtocol: pool.doc.protocol === 'PROXY' ? 1 : pool.doc.protocol === 'PROXYV2' ? 2 : null,
    members: tree
      .filter((o) => o.kind === 'member' && o.parent_id === pool.id)
      .map((m) => ({
        id: m.id,
        address: m.doc.address,
        port: m.doc.protocol_port,
        weight: m.doc.weight,
        backup: m.doc.backup,
        adminUp: m.doc.admin_state_up,
        monitorAddress: m.doc.monitor_address,
        monitorPort: m.doc.monitor_port,
      })),
    monitor: hm
      ? {
          type: hm.doc.type,
          delaySec: hm.doc.delay,
          timeoutSec: hm.doc.timeout,
          maxRetries: hm.doc.max_retries,
          maxRetriesDown: hm.doc.max_retries_down,
          httpMethod: hm.doc.http_method ?? 'GET',
          urlPath: hm.doc.url_path ?? '/',
          expectedCodes: hm.doc.expected_codes ?? '200',
          adminUp: hm.doc.admin_state_up,
        }
      : null,
  };
}

/** Enabled L7 policies of a listener in position order, with their enabled rules. */
function l7Specs(listener: Obj, tree: Obj[]): L7PolicySpec[] {
  return tree
    .filter((o) => o.kind === 'l7policy' && o.parent_id === listener.id && o.doc.admin_state_up)
    .sort((a, b) => a.doc.position - b.doc.position || a.created_at.localeCompare(b.created_at))
    .map((p) => {
      const pool = p.doc.redirect_pool_id ? tree.find((o) => o.kind === 'pool' && o.id === p.doc.redirect_pool_id && o.doc.admin_state_up) : undefined;
      return {
        id: p.id,
        action: p.doc.action,
        pool: pool ? poolSpec(pool, tree) : null,
        redirectUrl: p.doc.redirect_url,
        redirectPrefix: p.doc.redirect_prefix,
        redirectHttpCode: p.doc.redirect_http_code ?? 302,
        rules: tree
          .filter((r) => r.kind === 'l7rule' && r.parent_id === p.id && r.doc.admin_state_up)
          .map((r) => ({ type: r.doc.type, compareType: r.doc.compare_type, key: r.doc.key, value: r.doc.value, invert: r.doc.invert })),
      };
    });
}

/** The desired data-plane state of one load balancer, from its stored objects. */
export function toSpec(tree: Obj[], tlsOf: (listener: Obj) => ListenerSpec['tls']): LoadBalancerSpec {
  const lb = tree.find((o) => o.kind === 'loadbalancer')!;
  const listeners: ListenerSpec[] = tree
    .filter((o) => o.kind === 'listener')
    .map((l) => {
      const pool = l.doc.default_pool_id ? tree.find((o) => o.kind === 'pool' && o.id === l.doc.default_pool_id) : undefined;
      const spec: ListenerSpec = {
        id: l.id,
        protocol: l.doc.protocol === 'HTTP' || l.doc.protocol === 'TERMINATED_HTTPS' ? 'HTTP' : l.doc.protocol === 'UDP' ? 'UDP' : 'TCP',
        tls: l.doc.protocol === 'TERMINATED_HTTPS' ? tlsOf(l) : null,
        port: l.doc.protocol_port,
        adminUp: l.doc.admin_state_up,
        connectionLimit: l.doc.connection_limit,
        allowedCidrs: l.doc.allowed_cidrs,
        insertHeaders: l.doc.insert_headers ?? {},
        timeoutClientDataMs: l.doc.timeout_client_data,
        timeoutMemberConnectMs: l.doc.timeout_member_connect,
        timeoutMemberDataMs: l.doc.timeout_member_data,
        pool: pool && pool.doc.admin_state_up ? poolSpec(pool, tree) : null,
        l7policies: l7Specs(l, tree),
      };
      return spec;
    });
  return { id: lb.id, adminUp: lb.doc.admin_state_up, listeners };
}
