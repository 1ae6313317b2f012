import type { ListenerSpec, LoadBalancerSpec, PoolSpec } from '../drivers/driver.js';
import type { Obj } from '../store/objects.js';

function poolSpec(pool: Obj, tree: Obj[]): PoolSpec {
  const hm = tree.find((o) => o.kind === 'healthmonitor' && o.parent_id === pool.id);
  return {
    id: pool.id,
    algorithm: pool.doc.lb_algorithm,
    persistence: pool.doc.session_persistence?.type ?? null,
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

/** The desired data-plane state of one load balancer, from its stored objects. */
export function toSpec(tree: Obj[], tlsOf: (listener: Obj) => ListenerSpec['tls']): LoadBalancerSpec {
  const lb = tree.find((o) => o.kind === 'loadbalancer')!;
  const listeners: ListenerSpec[] = tree
    .filter((o) => o.kind === 'listener')
    .map((l) => {
      const pool = l.doc.default_pool_id ? tree.find((o) => o.kind === 'pool' && o.id === l.doc.default_pool_id) : undefined;
      const spec: ListenerSpec = {
        id: l.id,
        protocol: l.doc.protocol === 'HTTP' || l.doc.protocol === 'TERMINATED_HTTPS' ? 'HTTP' : 'TCP',
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
      };
      return spec;
    });
  return { id: lb.id, adminUp: lb.doc.admin_state_up, listeners };
}
