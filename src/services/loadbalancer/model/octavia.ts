import { isIP } from 'node:net';
import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { JobRunner } from '../../../platform/jobs.js';
import type { Logger } from '../../../platform/logging.js';
import type { Obj as Body } from '../../../platform/http/validate.js';
import type { NetworkClient } from '../../network/client.js';
import { NO_TRAFFIC, type LoadBalancerDriver, type TrafficStats } from '../drivers/driver.js';
import type { Kind, Obj, ObjectStore } from '../store/objects.js';
import type { Catalog } from './catalog.js';
import type { Certificates } from './certificates.js';
import type { LoadBalancerSettings } from './settings.js';
import { toSpec } from './spec.js';
import { unsupportedOption } from './providers.js';
import { operatingStatuses } from './status.js';

export const SYNC_JOB = 'loadbalancer.sync';

/** Octavia's names of the objects in messages. */
export const LABEL: Record<Kind, string> = { loadbalancer: 'Load Balancer', listener: 'Listener', pool: 'Pool', member: 'Member', healthmonitor: 'Health Monitor', l7policy: 'L7 Policy', l7rule: 'L7 Rule' };
const QUOTA_OF: Record<Kind, string> = { loadbalancer: 'load_balancer', listener: 'listener', pool: 'pool', member: 'member', healthmonitor: 'health_monitor', l7policy: 'l7policy', l7rule: 'l7rule' };

/** Which pool protocols a listener protocol may use (Octavia's compatibility matrix, without SCTP). */
const POOL_FOR_LISTENER: Record<string, string[]> = {
  UDP: ['UDP'],
  HTTP: ['HTTP', 'PROXY', 'PROXYV2'],
  HTTPS: ['HTTPS', 'PROXY', 'PROXYV2', 'TCP'],
  TCP: ['HTTP', 'HTTPS', 'PROXY', 'PROXYV2', 'TCP'],
  TERMINATED_HTTPS: ['HTTP', 'PROXY', 'PROXYV2'],
};

export const isAdmin = (auth: AuthContext) => auth.roles.includes('admin') || auth.roles.includes('load-balancer_admin');
/** Who may see every project's objects. */
export const seesAll = (auth: AuthContext) => isAdmin(auth) || auth.roles.includes('load-balancer_global_observer');

const immutable = (lbId: string) => conflict(`Load Balancer ${lbId} is immutable and cannot be updated.`);

/** A listener's allowed CIDRs must be of the VIP's IP version (Octavia's check). */
function checkCidrs(lb: Obj, cidrs: unknown): void {
  const vip = lb.doc.vip_address as string;
  for (const cidr of Array.isArray(cidrs) ? (cidrs as string[]) : []) {
    if (isIP(cidr.split('/')[0]) !== isIP(vip)) throw badRequest(`Validation failure: CIDR ${cidr} IP version incompatible with all VIPs ['${vip}'] IP version.`);
  }
}

/** Octavia's health monitor types per pool protocol: UDP pools have their own set (and delay >= timeout). */
function checkMonitorType(poolProtocol: string, hm: Body): void {
  const udpTypes = ['UDP-CONNECT', 'TCP', 'HTTP'];
  if (poolProtocol === 'UDP') {
    if (!udpTypes.includes(hm.type as string)) throw badRequest(`Validation failure: The associated pool protocol is UDP, so only a ${udpTypes.join(', ')} health monitor is supported.`);
    if ((hm.delay as number) < (hm.timeout as number)) throw badRequest(`Validation failure: The request delay value ${String(hm.delay)} should be larger than the request timeout value ${String(hm.timeout)} for ${String(hm.type)} health monitor type.`);
  } else if (hm.type === 'UDP-CONNECT') throw badRequest('Validation failure: The UDP-CONNECT type is only supported for pools of type UDP.');
}

/** Defaults Octavia fills in on create. */
const DEFAULTS: Record<Kind, Body> = {
  loadbalancer: { name: '', description: '', admin_state_up: true, tags: [], vip_qos_policy_id: null, flavor_id: null, availability_zone: null },
  listener: {
    name: '', description: '', admin_state_up: true, tags: [], connection_limit: -1, default_pool_id: null, default_tls_container_ref: null, sni_container_refs: [], insert_headers: {},
    timeout_client_data: 50000, timeout_member_connect: 5000, timeout_member_data: 50000, timeout_tcp_inspect: 0, allowed_cidrs: null,
  },
  pool: { name: '', description: '', admin_state_up: true, tags: [], session_persistence: null, tls_enabled: false },
  member: { name: '', admin_state_up: true, tags: [], weight: 1, backup: false, subnet_id: null, monitor_address: null, monitor_port: null },
  healthmonitor: { name: '', admin_state_up: true, tags: [], max_retries_down: 3, http_version: null, domain_name: null },
  l7policy: { name: '', description: '', admin_state_up: true, tags: [], redirect_pool_id: null, redirect_url: null, redirect_prefix: null, redirect_http_code: null },
  l7rule: { admin_state_up: true, tags: [], key: null, invert: false },
};

/**
 * The rules of Octavia's object model: every change locks the load balancer (compare-and-set to
 * PENDING_*, so a second change while one is in flight is a 409), stores the desired state, and
 * leaves the work to a durable sync job that drives the provider's data plane and settles the
 * statuses (ACTIVE, or ERROR when the provider gives up).
 */
export class Octavia {
  /** Member health this process's data plane observed (true = up). */
  private readonly health = new Map<string, boolean>();

  constructor(
    readonly store: ObjectStore,
    private readonly catalog: Catalog,
    private readonly settings: LoadBalancerSettings,
    private readonly jobs: JobRunner,
    private readonly network: () => NetworkClient,
    private readonly certificates: Certificates,
    private readonly log: Logger,
  ) {}

  private driver(lb: Obj): LoadBalancerDriver {
    return this.catalog.providers.driver(lb.doc.provider) ?? this.catalog.providers.enabled(this.settings.driver);
  }

  /**
   * An object the caller may see. Another project's is a 403, as Octavia answers: it loads the
   * object first and then checks the policy against the object's project.
   */
  async find(auth: AuthContext, kind: Kind, id: string): Promise<Obj> {
    const o = await this.store.get(kind, id);
    if (!o) throw notFound(`${LABEL[kind]} ${id} not found.`);
    if (!seesAll(auth) && o.project_id !== auth.projectId) throw forbidden('Policy does not allow this request to be performed.');
    return o;
  }

  /**
   * The project a new child is authorized against, as Octavia does: the project of the object it
   * hangs from (its URL parent, or the load balancer, listener or pool the body names), undefined
   * when none exists (creating then fails with Octavia's not-found answer).
   */
  async parentProject(kind: Kind, body: Body, parentId?: string): Promise<string | undefined> {
    const refs: [Kind, unknown][] = [
      ...(parentId && (kind === 'member' || kind === 'l7rule') ? [[kind === 'member' ? 'pool' : 'l7policy', parentId] as [Kind, unknown]] : []),
      ['loadbalancer', body.loadbalancer_id],
      ['listener', body.listener_id],
      ['pool', body.pool_id],
    ];
    for (const [k, id] of refs) {
      const o = typeof id === 'string' ? await this.store.get(k, id) : undefined;
      if (o) return o.project_id;
    }
    return undefined;
  }

  async list(auth: AuthContext, kind: Kind, parentId?: string): Promise<Obj[]> {
    return this.store.list(kind, { projectId: seesAll(auth) ? undefined : (auth.projectId ?? ''), parentId });
  }

  async quotaLimits(projectId: string): Promise<Record<string, number>> {
    return { ...this.settings.quotas, ...((await this.store.quota(projectId)) ?? {}) };
  }

  private async checkQuota(kind: Kind, projectId: string): Promise<void> {
    const limit = (await this.quotaLimits(projectId))[QUOTA_OF[kind]] ?? -1;
    if (limit >= 0 && (await this.store.count(kind, projectId)) >= limit) throw new ApiError('forbidden', `Quota has been met for resources: ${LABEL[kind]}`, { status: 403 });
  }

  private newObj(kind: Kind, projectId: string, lbId: string, parentId: string | null, doc: Body, id = uuid()): Obj {
    const now = new Date().toISOString();
    return { id, kind, project_id: projectId, lb_id: lbId, parent_id: parentId, provisioning_status: 'PENDING_CREATE', operating_status: 'OFFLINE', doc: { ...DEFAULTS[kind], ...doc }, created_at: now, updated_at: now };
  }

  private async sync(lbId: string, opts: { failover?: boolean } = {}): Promise<void> {
    await this.jobs.enqueue(SYNC_JOB, { lbId, ...opts });
  }

  async createLoadBalancer(auth: AuthContext, body: Body): Promise<Obj> {
    const projectId = (body.project_id as string | undefined) ?? auth.projectId ?? '';
    const { provider, zone } = await this.catalog.placement(body, this.settings.driver);
    if (body.vip_qos_policy_id) throw unsupportedOption(provider, 'VIP QoS policy');
    if (!body.vip_subnet_id && !body.vip_network_id && !body.vip_port_id) throw badRequest('Validation failure: VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.');
    await this.checkQuota('loadbalancer', projectId);
    const id = uuid();
    const vip = await this.network().createVipPort(auth, {
      subnetId: body.vip_subnet_id as string | undefined, networkId: body.vip_network_id as string | undefined, portId: body.vip_port_id as string | undefined,
      address: body.vip_address as string | undefined, name: `octavia-lb-${id}`, deviceId: `lb-${id}`,
    });
    // An availability zone may restrict the VIP networks (valid_vip_networks), as in Octavia.
    const validNetworks = zone.valid_vip_networks as string[] | undefined;
    if (validNetworks && !validNetworks.includes(vip.networkId)) {
      if (vip.created) await this.network().deletePort(vip.portId);
      throw badRequest('Validation failure: Supplied VIP network_id is not allowed by the configuration of this deployment.');
    }
    const { vip_subnet_id: _s, vip_network_id: _n, vip_port_id: _p, vip_address: _a, project_id: _pr, ...rest } = body;
    const lb = this.newObj('loadbalancer', projectId, id, null, {
      ...rest, provider, vip_address: vip.address, vip_port_id: vip.portId, vip_subnet_id: vip.subnetId, vip_network_id: vip.networkId, vip_port_owned: vip.created,
    }, id);
    try {
      await this.store.insert(lb);
    } catch (e) {
      if (vip.created) await this.network().deletePort(vip.portId);
      throw e;
    }
    await this.sync(id);
    return lb;
  }

  /** Locks the load balancer for a change (409 while another is in flight). */
  private async lock(lbId: string, to = 'PENDING_UPDATE'): Promise<void> {
    if (!(await this.store.lockLb(lbId, to))) throw immutable(lbId);
  }

  async updateLoadBalancer(auth: AuthContext, id: string, body: Body): Promise<Obj> {
    const lb = await this.find(auth, 'loadbalancer', id);
    await this.lock(id);
    await this.store.update(id, { doc: { ...lb.doc, ...body } });
    await this.sync(id);
    return (await this.store.get('loadbalancer', id))!;
  }

  async deleteLoadBalancer(auth: AuthContext, id: string, cascade: boolean): Promise<void> {
    await this.find(auth, 'loadbalancer', id);
    const tree = await this.store.tree(id);
    if (!cascade && tree.some((o) => o.kind === 'listener' || o.kind === 'pool')) throw badRequest(`Cannot delete Load Balancer ${id} - it has children`);
    await this.lock(id, 'PENDING_DELETE');
    await this.store.setProvisioning(tree.filter((o) => o.id !== id).map((o) => o.id), 'PENDING_DELETE');
    await this.sync(id);
  }

  async failover(auth: AuthContext, id: string): Promise<void> {
    await this.find(auth, 'loadbalancer', id);
    await this.lock(id);
    await this.sync(id, { failover: true });
  }

  /** Where a new child hangs: its load balancer and parent, after Octavia's cross-object checks. */
  private async placeChild(auth: AuthContext, kind: Kind, body: Body, parentId?: string): Promise<{ lb: Obj; parent: string | null; extra: Body; link?: Obj }> {
    if (kind === 'listener') {
      const lb = await this.find(auth, 'loadbalancer', body.loadbalancer_id as string).catch((e: ApiError) => {
        throw e.status === 404 ? badRequest(`Load Balancer ${String(body.loadbalancer_id)} not found.`) : e;
      });
      const protocol = body.protocol as string;
      if (!POOL_FOR_LISTENER[protocol]) throw unsupportedOption(lb.doc.provider, `${protocol} protocol`);
      await this.checkTls(auth, protocol, body);
      checkCidrs(lb, body.allowed_cidrs);
      const others = (await this.store.tree(lb.id)).filter((o) => o.kind === 'listener');
      // TCP-based listeners share one port space and UDP has its own, as in Octavia.
      const udp = (p: unknown) => p === 'UDP';
      if (others.some((l) => l.doc.protocol_port === body.protocol_port && udp(l.doc.protocol) === udp(protocol))) throw conflict(`Another Listener on this Load Balancer is already using protocol_port ${String(body.protocol_port)}`);
      if (body.default_pool_id) await this.checkDefaultPool(lb, protocol, body.default_pool_id as string);
      const { loadbalancer_id: _l, ...extra } = body;
      return { lb, parent: null, extra };
    }
    if (kind === 'pool') {
      if (!body.listener_id && !body.loadbalancer_id) throw badRequest('Validation failure: listener_id or loadbalancer_id must be specified.');
      const listener = body.listener_id ? await this.find(auth, 'listener', body.listener_id as string) : undefined;
      const lb = await this.find(auth, 'loadbalancer', (body.loadbalancer_id as string | undefined) ?? listener!.lb_id);
      if (listener && listener.lb_id !== lb.id) throw badRequest('Validation failure: the listener is not on the given load balancer.');
      if (!['HTTP', 'HTTPS', 'TCP', 'PROXY', 'PROXYV2', 'UDP'].includes(body.protocol as string)) throw unsupportedOption(lb.doc.provider, `${String(body.protocol)} protocol`);
      if (body.tls_enabled) throw unsupportedOption(lb.doc.provider, 'TLS to members');
      if (listener) {
        if (listener.doc.default_pool_id) throw conflict(`Listener ${listener.id} is already using a default pool.`);
        if (!POOL_FOR_LISTENER[listener.doc.protocol].includes(body.protocol as string)) throw badRequest(`Validation failure: The pool protocol '${String(body.protocol)}' is invalid while the listener protocol is '${listener.doc.protocol}'.`);
      }
      const { listener_id: _li, loadbalancer_id: _lb, ...extra } = body;
      return { lb, parent: null, extra, link: listener };
    }
    if (kind === 'l7policy') {
      const listener = await this.find(auth, 'listener', body.listener_id as string).catch((e: ApiError) => {
        throw e.status === 404 ? badRequest(`Listener ${String(body.listener_id)} not found.`) : e;
      });
      const lb = (await this.store.get('loadbalancer', listener.lb_id))!;
      // Octavia's amphora driver refuses L7 policies for listeners that do not parse HTTP.
      if (!['HTTP', 'TERMINATED_HTTPS'].includes(listener.doc.protocol)) throw unsupportedOption(lb.doc.provider, `${listener.doc.protocol} protocol listeners do not support L7 policies`);
      const siblings = (await this.store.tree(listener.lb_id)).filter((o) => o.kind === 'l7policy' && o.parent_id === listener.id);
      const { listener_id: _l, ...extra } = body;
      return { lb, parent: listener.id, extra: await this.l7Action(lb.id, { position: siblings.length + 1, ...extra }) };
    }
    if (kind === 'l7rule') {
      const policy = await this.find(auth, 'l7policy', parentId!);
      const lb = (await this.store.get('loadbalancer', policy.lb_id))!;
      this.checkRule(lb, body);
      return { lb, parent: policy.id, extra: body };
    }
    const pool = await this.find(auth, 'pool', (parentId ?? body.pool_id) as string).catch((e: ApiError) => {
      throw kind === 'healthmonitor' && e.status === 404 ? badRequest(`Pool ${String(body.pool_id)} not found.`) : e;
    });
    const lb = (await this.store.get('loadbalancer', pool.lb_id))!;
    const siblings = (await this.store.tree(lb.id)).filter((o) => o.parent_id === pool.id && o.kind === kind);
    if (kind === 'member' && siblings.some((m) => m.doc.address === body.address && m.doc.protocol_port === body.protocol_port)) {
      throw conflict(`Duplicate member with address ${String(body.address)} and protocol_port ${String(body.protocol_port)} already exists in pool ${pool.id}.`);
    }
    if (kind === 'healthmonitor') {
      if (siblings.length) throw conflict(`Pool ${pool.id} is already using Health Monitor ${siblings[0].id}`);
      checkMonitorType(pool.doc.protocol, body);
      const http = body.type === 'HTTP' || body.type === 'HTTPS';
      const extra: Body = { ...body, ...(http ? { http_method: body.http_method ?? 'GET', url_path: body.url_path ?? '/', expected_codes: body.expected_codes ?? '200' } : { http_method: null, url_path: null, expected_codes: null }) };
      delete extra.pool_id;
      return { lb, parent: pool.id, extra };
    }
    return { lb, parent: pool.id, extra: body };
  }

  /** Checks an L7 policy's action and clears the fields other actions use, as Octavia does. */
  private async l7Action(lbId: string, doc: Body): Promise<Body> {
    const need = (field: string) => {
      if (!doc[field]) throw badRequest(`Validation failure: ${field} is required for action ${String(doc.action)}.`);
    };
    const out: Body = { ...doc };
    if (doc.action === 'REDIRECT_TO_POOL') {
      need('redirect_pool_id');
      const pool = await this.store.get('pool', doc.redirect_pool_id as string);
      if (!pool || pool.lb_id !== lbId) throw notFound(`Pool ${String(doc.redirect_pool_id)} not found.`);
    } else out.redirect_pool_id = null;
    if (doc.action === 'REDIRECT_TO_URL') {
      need('redirect_url');
      if (!URL.canParse(doc.redirect_url as string)) throw badRequest(`Invalid input for field/attribute redirect_url. Value: '${String(doc.redirect_url)}'. Value should be a URL`);
    } else out.redirect_url = null;
    if (doc.action === 'REDIRECT_PREFIX') need('redirect_prefix');
    else out.redirect_prefix = null;
    out.redirect_http_code = doc.action === 'REDIRECT_TO_URL' || doc.action === 'REDIRECT_PREFIX' ? (doc.redirect_http_code ?? 302) : null;
    return out;
  }

  private checkRule(lb: Obj, doc: Body): void {
    if (String(doc.type).startsWith('SSL_')) throw unsupportedOption(lb.doc.provider, `${String(doc.type)} rules`);
    if ((doc.type === 'HEADER' || doc.type === 'COOKIE') && !doc.key) throw badRequest(`Validation failure: L7 rules of type ${String(doc.type)} need a key.`);
    if (doc.type === 'FILE_TYPE' && !['REGEX', 'EQUAL_TO'].includes(doc.compare_type as string)) throw badRequest('Validation failure: FILE_TYPE rules can only use REGEX or EQUAL_TO.');
    if (doc.compare_type === 'REGEX') {
      try {
        new RegExp(doc.value as string);
      } catch {
        throw badRequest(`Validation failure: Unable to parse regular expression: ${String(doc.value)}.`);
      }
    }
  }

  /** TERMINATED_HTTPS needs a certificate container; its material is kept wrapped in `tls_wrapped`. */
  private async checkTls(auth: AuthContext, protocol: string, body: Body): Promise<void> {
    if ((body.sni_container_refs as string[] | undefined)?.length) throw badRequest('SNI certificates are not supported by this provider: use default_tls_container_ref.');
    if (protocol !== 'TERMINATED_HTTPS') {
      if (body.default_tls_container_ref) throw badRequest('Certificate container references are only allowed on TERMINATED_HTTPS protocol listeners.');
      return;
    }
    if (body.default_tls_container_ref === null || (body.default_tls_container_ref === undefined && !body.tls_wrapped)) {
      throw badRequest('An SNI or default certificate container reference must be provided for TERMINATED_HTTPS listeners.');
    }
    if (body.default_tls_container_ref) body.tls_wrapped = await this.certificates.fetchWrapped(auth, body.default_tls_container_ref as string);
  }

  private async checkDefaultPool(lb: Obj, listenerProtocol: string, poolId: string): Promise<void> {
    const pool = await this.store.get('pool', poolId);
    if (!pool || pool.lb_id !== lb.id) throw notFound(`Pool ${poolId} not found.`);
    if (!POOL_FOR_LISTENER[listenerProtocol].includes(pool.doc.protocol)) throw badRequest(`Validation failure: The pool protocol '${pool.doc.protocol}' is invalid while the listener protocol is '${listenerProtocol}'.`);
  }

  async createChild(auth: AuthContext, kind: Kind, body: Body, parentId?: string): Promise<Obj> {
    const { lb, parent, extra, link } = await this.placeChild(auth, kind, body, parentId);
    const projectId = (body.project_id as string | undefined) ?? lb.project_id;
    delete extra.project_id;
    await this.checkQuota(kind, projectId);
    await this.lock(lb.id);
    const obj = this.newObj(kind, projectId, lb.id, parent, extra);
    try {
      await this.store.insert(obj);
      if (link) await this.store.update(link.id, { doc: { ...link.doc, default_pool_id: obj.id } });
      if (kind === 'l7policy') await this.orderL7Policies(obj, obj.doc.position);
    } catch (e) {
      await this.store.setProvisioning([lb.id], lb.provisioning_status);
      throw e;
    }
    await this.sync(lb.id);
    return obj;
  }

  async updateChild(auth: AuthContext, kind: Kind, id: string, body: Body): Promise<Obj> {
    const obj = await this.find(auth, kind, id);
    const lb = (await this.store.get('loadbalancer', obj.lb_id))!;
    const doc = { ...obj.doc, ...body };
    if (kind === 'listener' && body.default_pool_id) await this.checkDefaultPool(lb, obj.doc.protocol, body.default_pool_id as string);
    if (kind === 'listener') {
      const tls: Body = { ...body, tls_wrapped: obj.doc.tls_wrapped };
      await this.checkTls(auth, obj.doc.protocol, tls);
      doc.tls_wrapped = tls.tls_wrapped;
      checkCidrs(lb, body.allowed_cidrs);
    }
    if (kind === 'l7policy') Object.assign(doc, await this.l7Action(lb.id, doc));
    if (kind === 'l7rule') this.checkRule(lb, doc);
    await this.lock(lb.id);
    await this.store.update(id, { doc, provisioning_status: 'PENDING_UPDATE' });
    if (kind === 'l7policy' && body.position !== undefined) await this.orderL7Policies(obj, body.position as number);
    await this.sync(lb.id);
    return (await this.store.get(kind, id))!;
  }

  /**
   * Puts an L7 policy at `position` among its listener's policies, as Octavia does: the ones from
   * there on move one down (a position past the end means last). Stores positions 1..n.
   */
  private async orderL7Policies(policy: Obj, position: number): Promise<void> {
    const byPosition = (a: Obj, b: Obj) => a.doc.position - b.doc.position || a.created_at.localeCompare(b.created_at);
    const siblings = (await this.store.tree(policy.lb_id)).filter((o) => o.kind === 'l7policy' && o.parent_id === policy.parent_id);
    const others = siblings.filter((o) => o.id !== policy.id).sort(byPosition);
    others.splice(Math.min(Math.max(position - 1, 0), others.length), 0, siblings.find((o) => o.id === policy.id)!);
    for (const [i, o] of others.entries()) if (o.doc.position !== i + 1) await this.store.update(o.id, { doc: { ...o.doc, position: i + 1 } });
  }

  async deleteChild(auth: AuthContext, kind: Kind, id: string): Promise<void> {
    const obj = await this.find(auth, kind, id);
    const tree = await this.store.tree(obj.lb_id);
    const user = tree.find((o) => o.kind === 'l7policy' && o.doc.redirect_pool_id === id);
    if (user) throw conflict(`Pool ${id} is in use by L7 policy ${user.id}.`);
    // Everything below goes too (a pool's members and monitor, a listener's L7 policies and their
    // rules); listeners forget a deleted pool as their default pool.
    const gone = new Set([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const o of tree) {
        if (o.parent_id && gone.has(o.parent_id) && !gone.has(o.id)) {
          gone.add(o.id);
          grew = true;
        }
      }
    }
    await this.lock(obj.lb_id);
    await this.store.setProvisioning([...gone], 'PENDING_DELETE');
    await this.sync(obj.lb_id);
  }

  /**
   * Batch member update: the pool's members become exactly `wanted`, matched by address and
   * port (kept ones are updated, missing ones deleted, new ones created) in one change.
   */
  async replaceMembers(auth: AuthContext, poolId: string, wanted: Body[]): Promise<void> {
    const pool = await this.find(auth, 'pool', poolId);
    const key = (o: Body) => `${String(o.address)}:${String(o.protocol_port)}`;
    const current = new Map((await this.store.list('member', { parentId: pool.id })).map((m) => [key(m.doc), m]));
    const keys = wanted.map(key);
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup) throw badRequest(`Duplicate member ${dup} in the request.`);
    const added = wanted.filter((w) => !current.has(key(w)));
    const removed = [...current.values()].filter((m) => !keys.includes(key(m.doc)));
    const limit = (await this.quotaLimits(pool.project_id)).member ?? -1;
    if (limit >= 0 && (await this.store.count('member', pool.project_id)) + added.length - removed.length > limit) {
      throw new ApiError('forbidden', `Quota has been met for resources: ${LABEL.member}`, { status: 403 });
    }
    await this.lock(pool.lb_id);
    for (const w of wanted) {
      const { project_id: _p, ...doc } = w;
      const existing = current.get(key(w));
      if (existing) await this.store.update(existing.id, { doc: { ...existing.doc, ...doc }, provisioning_status: 'PENDING_UPDATE' });
      else await this.store.insert(this.newObj('member', pool.project_id, pool.lb_id, pool.id, doc));
    }
    await this.store.setProvisioning(removed.map((m) => m.id), 'PENDING_DELETE');
    await this.sync(pool.lb_id);
  }

  /** The sync job: drives the provider to the stored state, then settles the statuses. */
  async runSync(lbId: string, failover: boolean): Promise<void> {
    const tree = await this.store.tree(lbId);
    const lb = tree.find((o) => o.kind === 'loadbalancer');
    if (!lb) return;
    const driver = this.driver(lb);
    if (lb.provisioning_status === 'PENDING_DELETE') {
      await driver.remove(lbId);
      if (lb.doc.vip_port_owned) await this.network().deletePort(lb.doc.vip_port_id);
      await this.store.delete(tree.map((o) => o.id));
      for (const o of tree) this.health.delete(o.id);
      return;
    }
    const gone = tree.filter((o) => o.provisioning_status === 'PENDING_DELETE');
    const live = tree.filter((o) => o.provisioning_status !== 'PENDING_DELETE');
    for (const l of live) if (l.kind === 'listener' && gone.some((p) => p.id === l.doc.default_pool_id)) l.doc.default_pool_id = null;
    if (failover) await driver.remove(lbId);
    const bound = await driver.apply(toSpec(live, (l) => this.certificates.unwrap(l.doc.tls_wrapped)));
    await this.store.delete(gone.map((o) => o.id));
    for (const o of gone) this.health.delete(o.id);
    for (const l of live.filter((o) => o.kind === 'listener')) {
      const addr = bound[l.id] ?? null;
      if (l.doc.bound_address !== addr || tree.find((o) => o.id === l.id)!.doc.default_pool_id !== l.doc.default_pool_id) await this.store.update(l.id, { doc: { ...l.doc, bound_address: addr } });
    }
    // Operating statuses first, computed as once provisioned: a client that sees ACTIVE sees them
    // settled, as Octavia sets both in one step.
    const pendingIds = new Set(live.filter((o) => o.provisioning_status.startsWith('PENDING_')).map((o) => o.id));
    await this.refreshStatuses(lbId, live.map((o) => (pendingIds.has(o.id) ? { ...o, provisioning_status: 'ACTIVE' } : o)));
    await this.store.setProvisioning([...pendingIds], 'ACTIVE');
  }

  /** The sync job gave up: what was in flight is ERROR, as Octavia leaves it. */
  async syncFailed(lbId: string, err: Error): Promise<void> {
    this.log.warn({ err, lb: lbId }, 'load balancer provisioning failed');
    const tree = await this.store.tree(lbId);
    await this.store.setProvisioning(tree.filter((o) => o.provisioning_status.startsWith('PENDING_') || o.kind === 'loadbalancer').map((o) => o.id), 'ERROR');
  }

  /** Recomputes and stores the operating statuses of one load balancer's tree. */
  async refreshStatuses(lbId: string, tree?: Obj[]): Promise<void> {
    tree ??= await this.store.tree(lbId);
    const lb = tree.find((o) => o.kind === 'loadbalancer');
    if (!lb) return;
    const statuses = operatingStatuses(tree, this.health, this.driver(lb).runsMonitors);
    for (const o of tree) {
      const s = statuses.get(o.id);
      if (s && s !== o.operating_status) await this.store.setOperating(o.id, s);
    }
  }

  /** A health monitor result from the data plane. */
  memberHealth(lbId: string, memberId: string, up: boolean): void {
    this.health.set(memberId, up);
    this.refreshStatuses(lbId).catch((err) => this.log.warn({ err, lb: lbId }, 'operating status update failed'));
  }

  /** Rebuilds the data plane of every steady load balancer (a restarted process). */
  async reconcile(): Promise<void> {
    for (const id of await this.store.steadyLbs()) {
      await this.runSync(id, false).catch((err) => this.log.warn({ err, lb: id }, 'load balancer reconcile failed'));
    }
  }

  stats(lb: Obj, listenerIds: string[]): TrafficStats {
    const total = { ...NO_TRAFFIC };
    for (const id of listenerIds) {
      const s = this.driver(lb).stats(lb.id, id);
      for (const k of Object.keys(total) as Array<keyof TrafficStats>) total[k] += s[k];
    }
    return total;
  }

  async setQuota(projectId: string, body: Body): Promise<Record<string, number>> {
    const current = (await this.store.quota(projectId)) ?? {};
    await this.store.setQuota(projectId, { ...current, ...body } as Record<string, number>);
    return this.quotaLimits(projectId);
  }

}
