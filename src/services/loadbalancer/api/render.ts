import { isoSeconds } from '../../../platform/ids.js';
import type { Obj as Body } from '../../../platform/http/validate.js';
import type { Obj } from '../store/objects.js';

/** Octavia prints times without zone or fraction; `updated_at` is null until the first update. */
const time = (iso: string) => isoSeconds(iso).replace(/Z$/, '');

const ids = (list: Obj[]) => list.map((o) => ({ id: o.id }));

function common(o: Obj): Body {
  return {
    id: o.id,
    provisioning_status: o.provisioning_status,
    operating_status: o.operating_status,
    project_id: o.project_id,
    tenant_id: o.project_id,
    created_at: time(o.created_at),
    updated_at: o.updated_at === o.created_at ? null : time(o.updated_at),
  };
}

/**
 * The API view of an object; `all` holds the other objects of its load balancer (or more), from
 * which the id lists Octavia shows (listeners, pools, members, ...) are derived.
 */
export function view(o: Obj, all: Obj[]): Body {
  const d = o.doc;
  const of = (kind: string, pred: (x: Obj) => boolean) => all.filter((x) => x.kind === kind && pred(x));
  switch (o.kind) {
    case 'loadbalancer':
      return {
        ...common(o), name: d.name, description: d.description, admin_state_up: d.admin_state_up, vip_address: d.vip_address, vip_port_id: d.vip_port_id,
        vip_subnet_id: d.vip_subnet_id, vip_network_id: d.vip_network_id, vip_qos_policy_id: d.vip_qos_policy_id, vip_vnic_type: 'normal', additional_vips: [],
        listeners: ids(of('listener', (x) => x.lb_id === o.id)), pools: ids(of('pool', (x) => x.lb_id === o.id)),
        provider: d.provider, flavor_id: d.flavor_id, availability_zone: d.availability_zone, tags: d.tags,
      };
    case 'listener':
      return {
        ...common(o), name: d.name, description: d.description, admin_state_up: d.admin_state_up, protocol: d.protocol, protocol_port: d.protocol_port,
        connection_limit: d.connection_limit, default_tls_container_ref: d.default_tls_container_ref, sni_container_refs: d.sni_container_refs,
        default_pool_id: d.default_pool_id, l7policies: ids(of('l7policy', (x) => x.parent_id === o.id)), insert_headers: d.insert_headers, loadbalancers: [{ id: o.lb_id }],
        timeout_client_data: d.timeout_client_data, timeout_member_connect: d.timeout_member_connect, timeout_member_data: d.timeout_member_data,
        timeout_tcp_inspect: d.timeout_tcp_inspect, tags: d.tags, client_ca_tls_container_ref: null, client_authentication: 'NONE', client_crl_container_ref: null,
        allowed_cidrs: d.allowed_cidrs, tls_ciphers: null, tls_versions: null, alpn_protocols: null, hsts_max_age: null, hsts_include_subdomains: null, hsts_preload: null,
        // Not in Octavia: where the proxy provider really listens (host:port), null when nothing does.
        bound_address: d.bound_address ?? null,
      };
    case 'pool': {
      const hm = of('healthmonitor', (x) => x.parent_id === o.id)[0];
      return {
        ...common(o), name: d.name, description: d.description, admin_state_up: d.admin_state_up, protocol: d.protocol, lb_algorithm: d.lb_algorithm,
        session_persistence: d.session_persistence, loadbalancers: [{ id: o.lb_id }], listeners: ids(of('listener', (x) => x.doc.default_pool_id === o.id)),
        members: ids(of('member', (x) => x.parent_id === o.id)), healthmonitor_id: hm?.id ?? null, tags: d.tags, tls_enabled: d.tls_enabled,
        tls_container_ref: null, ca_tls_container_ref: null, crl_container_ref: null, tls_ciphers: null, tls_versions: null, alpn_protocols: null,
      };
    }
    case 'member':
      return {
        ...common(o), name: d.name, admin_state_up: d.admin_state_up, address: d.address, protocol_port: d.protocol_port, weight: d.weight, backup: d.backup,
        subnet_id: d.subnet_id, monitor_address: d.monitor_address, monitor_port: d.monitor_port, tags: d.tags, vnic_type: 'normal',
      };
    case 'healthmonitor':
      return {
        ...common(o), name: d.name, admin_state_up: d.admin_state_up, type: d.type, delay: d.delay, timeout: d.timeout, max_retries: d.max_retries,
        max_retries_down: d.max_retries_down, http_method: d.http_method, url_path: d.url_path, expected_codes: d.expected_codes, http_version: d.http_version,
        domain_name: d.domain_name, pools: [{ id: o.parent_id }], tags: d.tags,
      };
    case 'l7policy': {
      const siblings = of('l7policy', (x) => x.parent_id === o.parent_id).sort((a, b) => a.doc.position - b.doc.position || a.created_at.localeCompare(b.created_at));
      return {
        ...common(o), name: d.name, description: d.description, admin_state_up: d.admin_state_up, listener_id: o.parent_id, action: d.action,
        position: siblings.findIndex((x) => x.id === o.id) + 1 || d.position, redirect_pool_id: d.redirect_pool_id, redirect_url: d.redirect_url,
        redirect_prefix: d.redirect_prefix, redirect_http_code: d.redirect_http_code, rules: ids(of('l7rule', (x) => x.parent_id === o.id)), tags: d.tags,
      };
    }
    case 'l7rule':
      return { ...common(o), admin_state_up: d.admin_state_up, type: d.type, compare_type: d.compare_type, key: d.key, value: d.value, invert: d.invert, tags: d.tags };
  }
}

/** `GET /loadbalancers/{id}/status`: the tree Octavia's status API shows. */
export function statusTree(tree: Obj[]): Body {
  const lb = tree.find((o) => o.kind === 'loadbalancer')!;
  const st = (o: Obj) => ({ id: o.id, name: o.doc.name, provisioning_status: o.provisioning_status, operating_status: o.operating_status });
  const pool = (p: Obj) => {
    const hm = tree.find((o) => o.kind === 'healthmonitor' && o.parent_id === p.id);
    return {
      ...st(p),
      ...(hm ? { health_monitor: { ...st(hm), type: hm.doc.type } } : {}),
      members: tree.filter((o) => o.kind === 'member' && o.parent_id === p.id).map((m) => ({ ...st(m), address: m.doc.address, protocol_port: m.doc.protocol_port })),
    };
  };
  return {
    statuses: {
      loadbalancer: {
        ...st(lb),
        listeners: tree.filter((o) => o.kind === 'listener').map((l) => ({ ...st(l), pools: tree.filter((p) => p.kind === 'pool' && p.id === l.doc.default_pool_id).map(pool) })),
      },
    },
  };
}
