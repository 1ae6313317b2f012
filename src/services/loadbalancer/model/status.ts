import type { Obj } from '../store/objects.js';

const pending = (o: Obj) => o.provisioning_status === 'PENDING_CREATE';
const adminUp = (o: Obj) => o.doc.admin_state_up !== false;

/**
 * Operating statuses as Octavia's health manager derives them: members from their health
 * monitor's results (NO_MONITOR without one), pools DEGRADED or ERROR when some or all enabled
 * members are down, the load balancer DEGRADED when any of its pools is. Disabled objects are
 * OFFLINE, objects not yet provisioned OFFLINE, pools no listener uses OFFLINE.
 * `health` holds the monitor results this process observed (true = up).
 */
export function operatingStatuses(tree: Obj[], health: Map<string, boolean>, runsMonitors: boolean): Map<string, string> {
  const out = new Map<string, string>();
  const monitorOf = new Map(tree.filter((o) => o.kind === 'healthmonitor' && adminUp(o)).map((o) => [o.parent_id, o]));
  for (const m of tree.filter((o) => o.kind === 'member')) {
    let s: string;
    if (pending(m) || !adminUp(m)) s = 'OFFLINE';
    else if (!runsMonitors || !monitorOf.has(m.parent_id)) s = 'NO_MONITOR';
    else s = health.has(m.id) ? (health.get(m.id) ? 'ONLINE' : 'ERROR') : 'OFFLINE';
    out.set(m.id, s);
  }
  for (const h of tree.filter((o) => o.kind === 'healthmonitor')) out.set(h.id, pending(h) || !adminUp(h) ? 'OFFLINE' : 'ONLINE');
  // A pool no listener uses (as default pool or L7 redirect target) carries no traffic and gets no
  // health reports: OFFLINE, as in Octavia.
  const served = new Set(tree.flatMap((o) => (o.kind === 'listener' ? [o.doc.default_pool_id] : o.kind === 'l7policy' ? [o.doc.redirect_pool_id] : [])));
  let degraded = false;
  for (const p of tree.filter((o) => o.kind === 'pool')) {
    const members = tree.filter((m) => m.kind === 'member' && m.parent_id === p.id && adminUp(m)).map((m) => out.get(m.id));
    const down = members.filter((s) => s === 'ERROR').length;
    let s = down === 0 ? 'ONLINE' : down === members.length ? 'ERROR' : 'DEGRADED';
    if (pending(p) || !adminUp(p) || !served.has(p.id)) s = 'OFFLINE';
    if (s === 'ERROR' || s === 'DEGRADED') degraded = true;
    out.set(p.id, s);
  }
  for (const o of tree.filter((x) => x.kind === 'l7policy' || x.kind === 'l7rule')) out.set(o.id, pending(o) || !adminUp(o) ? 'OFFLINE' : 'ONLINE');
  for (const l of tree.filter((o) => o.kind === 'listener')) out.set(l.id, pending(l) || !adminUp(l) ? 'OFFLINE' : 'ONLINE');
  const lb = tree.find((o) => o.kind === 'loadbalancer');
  if (lb) out.set(lb.id, pending(lb) || !adminUp(lb) ? 'OFFLINE' : degraded ? 'DEGRADED' : 'ONLINE');
  return out;
}
