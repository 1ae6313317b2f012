import { randomInt } from 'node:crypto';
import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest } from '../../../platform/errors.js';
import { isObj, type Obj } from '../../../platform/http/validate.js';
import type { NetworkDriver } from '../drivers/driver.js';
import type { IpamStore } from '../store/ipam.js';
import type { ProjectStateStore } from '../store/projects.js';
import type { Kind, NewRes, Res, ResourceStore } from '../store/resources.js';
import { nBadRequest, nConflict, nForbidden, notFoundOf, overQuota } from './errors.js';
import type { NetworkSettings } from './settings.js';
import type { NetworkDoc, RbacDoc } from './types.js';

const QUOTA_RETRIES = 4;

export const isAdmin = (auth: AuthContext): boolean => auth.roles.includes('admin');

/** Everything the resource models share: stores, driver, settings, and the tenancy rules. */
export class ModelContext {
  constructor(
    readonly store: ResourceStore,
    readonly ipam: IpamStore,
    readonly projects: ProjectStateStore,
    readonly driver: NetworkDriver,
    readonly settings: NetworkSettings,
    readonly projectExists: (id: string) => Promise<boolean>,
  ) {}

  /** The project a new resource belongs to: the caller's, or any an admin names. */
  owner(auth: AuthContext, body: Obj): string {
    const named = (body.project_id ?? body.tenant_id) as unknown;
    if (named !== undefined && typeof named !== 'string') throw badRequest("Invalid input for field 'project_id': expected a string.");
    if (body.project_id !== undefined && body.tenant_id !== undefined && body.project_id !== body.tenant_id) {
      throw nBadRequest('HTTPBadRequest', "'project_id' and 'tenant_id' do not match");
    }
    if (named && named !== auth.projectId && !isAdmin(auth)) {
      throw nBadRequest('HTTPBadRequest', "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges");
    }
    const project = (named as string | undefined) ?? auth.projectId;
    if (!project) throw nBadRequest('HTTPBadRequest', 'A project-scoped token or a project_id is required.');
    return project;
  }

  /** A resource of the caller's project (any for admins); another project's is not found. */
  async owned<T>(auth: AuthContext, kind: Kind, id: string): Promise<Res<T>> {
    const res = await this.store.get<T>(kind, id);
    if (!res || (!isAdmin(auth) && res.project_id !== auth.projectId)) throw notFoundOf(kind, id);
    return res;
  }

  /** Deletes a shareable object with the RBAC policies on it, as Neutron does. */
  async deleteWithGrants(kind: Kind, id: string): Promise<void> {
    for (const p of await this.store.list('rbac_policy', { parent_id: id })) await this.store.delete('rbac_policy', p.id);
    await this.store.delete(kind, id);
  }

  async load<T>(kind: Kind, id: string): Promise<Res<T>> {
    const res = await this.store.get<T>(kind, id);
    if (!res) throw notFoundOf(kind, id);
    return res;
  }

  /** RBAC grants of networks to a project (or to every project). */
  async grants(projectId: string | undefined): Promise<{ shared: Set<string>; external: Set<string> }> {
    const all = await this.store.list<RbacDoc>('rbac_policy');
    const out = { shared: new Set<string>(), external: new Set<string>() };
    for (const p of all) {
      if (p.doc.target_tenant !== '*' && p.doc.target_tenant !== projectId) continue;
      (p.doc.action === 'access_as_shared' ? out.shared : out.external).add(p.doc.object_id);
    }
    return out;
  }

  networkVisible(auth: AuthContext, net: Res<NetworkDoc>, g: { shared: Set<string>; external: Set<string> }): boolean {
    return (
      isAdmin(auth) || net.project_id === auth.projectId || net.doc.shared || net.doc.external || g.shared.has(net.id) || g.external.has(net.id)
    );
  }

  async network(auth: AuthContext, id: string): Promise<Res<NetworkDoc>> {
    const net = await this.store.get<NetworkDoc>('network', id);
    if (!net || !this.networkVisible(auth, net, await this.grants(auth.projectId))) throw notFoundOf('network', id);
    return net;
  }

  /** A network the caller may put ports or subnets on: own, shared, or shared with it. */
  async usableNetwork(auth: AuthContext, id: string): Promise<Res<NetworkDoc>> {
    const net = await this.network(auth, id);
    if (isAdmin(auth) || net.project_id === auth.projectId || net.doc.shared) return net;
    if ((await this.grants(auth.projectId)).shared.has(net.id)) return net;
    throw nForbidden('PolicyNotAuthorized', `Network ${id} is not shared with your project.`);
  }

  async quotaLimit(projectId: string, resource: string): Promise<number> {
    const own = await this.projects.quotas(projectId);
    return own[resource] ?? this.settings.quotas[resource] ?? -1;
  }

  /** Refuses a new resource beyond the project's quota (409 OverQuota, as Neutron). */
  async checkQuota(projectId: string, resource: Kind): Promise<void> {
    if (!projectId) return;
    const limit = await this.quotaLimit(projectId, resource);
    if (limit < 0) return;
    if ((await this.store.count(resource, { project_id: projectId })) >= limit) throw overQuota(resource);
  }

  /**
   * Inserts a resource that counts against its project's quota and counts again: when racing
   * creates took the project past its limit, this one is taken back, and tried again after a short
   * random pause while the others settle; when the project is still full, 409 OverQuota. The check
   * before the work keeps the common case cheap; this one makes sure a limit is never exceeded.
   * `uncounted` resources of the kind this request made outside the quota are allowed for.
   */
  async insertCounted<T>(kind: Kind, r: NewRes<T>, uncounted = 0): Promise<Res<T>> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.store.insert(kind, r);
      if (!r.project_id) return res;
      const limit = await this.quotaLimit(r.project_id, kind);
      if (limit < 0 || (await this.store.count(kind, { project_id: r.project_id })) <= limit + uncounted) return res;
      await this.store.delete(kind, res.id);
      if (attempt >= QUOTA_RETRIES || (await this.store.count(kind, { project_id: r.project_id })) >= limit) throw overQuota(kind);
      await new Promise((done) => setTimeout(done, randomInt(5, 50) * (attempt + 1)));
    }
  }

  /** A change below a resource (a subnet of a network, a rule of a group) is a new revision of it, as in Neutron. */
  async touch(kind: Kind, id: string): Promise<void> {
    const res = await this.store.get(kind, id);
    if (res) await this.modify(res, undefined, (d) => d);
  }

  /**
   * Read, change, compare-and-set: retried when another write got in between; `ifMatch` (the
   * client's `If-Match: revision_number=N`) fails with 412 when the stored revision differs.
   */
  async modify<T>(res: Res<T>, ifMatch: number | undefined, change: (doc: T, res: Res<T>) => Promise<T> | T, cols?: (doc: T) => { ref_id?: string | null }): Promise<Res<T>> {
    let current: Res<T> | undefined = res;
    for (let attempt = 0; attempt < 5 && current; attempt++) {
      if (ifMatch !== undefined && current.revision_number !== ifMatch) {
        throw new ApiError('preconditionFailed', `Constrained to ${ifMatch}, but current revision is ${current.revision_number}`, {
          code: 'RevisionNumberConstraintFailed',
        });
      }
      const doc = await change(structuredClone(current.doc), current);
      const saved = await this.store.update(current, doc, cols?.(doc));
      if (saved) return saved;
      current = await this.store.get<T>(current.kind, current.id);
    }
    if (!current) throw notFoundOf(res.kind, res.id);
    throw nConflict('Conflict', `${res.kind} ${res.id} is being changed by another request; try again.`);
  }
}

/** Refuses attributes a resource does not have ("Unrecognized attribute(s)"), as Neutron. */
export function onlyKeys(body: Obj, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw nBadRequest('HTTPBadRequest', `Unrecognized attribute(s) '${extra.join(', ')}'`);
}

/** Attributes only admins may set (provider, binding, ...): 403 PolicyNotAuthorized otherwise. */
export function adminOnly(auth: AuthContext, body: Obj, keys: readonly string[], action: string): void {
  if (isAdmin(auth)) return;
  const used = keys.filter((k) => body[k] !== undefined);
  if (used.length) throw nForbidden('PolicyNotAuthorized', `(rule:${action}:${used[0]}) is disallowed by policy`);
}

export function objList(body: Obj, field: string): Obj[] | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every(isObj)) throw nBadRequest('HTTPBadRequest', `Invalid input for ${field}. Reason: expected a list of objects.`);
  return v as Obj[];
}

/** Neutron's UUID validator: hex with or without dashes. */
export const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Neutron's convert_to_boolean: booleans and their spellings "true"/"True"/"false"/"False"; undefined when absent. */
export function boolField(body: Obj, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw invalid(field, v, 'cannot be converted to boolean');
}

export function invalid(field: string, value: unknown, reason: string) {
  return nBadRequest('HTTPBadRequest', `Invalid input for ${field}. Reason: '${typeof value === 'string' ? value : JSON.stringify(value)}' ${reason}.`);
}
