import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { optString, reqString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import type { Collection } from './collection.js';
import { invalid, isAdmin, onlyKeys, type ModelContext } from './context.js';
import { nBadRequest, nConflict, nForbidden, notFoundOf } from './errors.js';
import type { AddressScopeDoc, NetworkDoc, PortDoc, RbacDoc, RuleDoc, SubnetDoc, SubnetPoolDoc } from './types.js';

/** The actions each object type supports (rbac-policies with qos, rbac-security-groups, rbac-subnetpool, rbac-address-scope, rbac-address-group). */
const ACTIONS: Record<RbacDoc['object_type'], readonly RbacDoc['action'][]> = {
  network: ['access_as_shared', 'access_as_external'],
  security_group: ['access_as_shared'],
  subnetpool: ['access_as_shared'],
  address_scope: ['access_as_shared'],
  address_group: ['access_as_shared'],
  qos_policy: ['access_as_shared'],
};

/**
 * RBAC policies (rbac-policies, rbac-security-groups, rbac-subnetpool, rbac-address-scope,
 * rbac-address-group): share a network, security group, subnet pool, address scope, address group
 * or QoS policy with a project or `*`, or offer a
 * network as external.
 */
export class RbacPolicies implements Collection {
  readonly kind = 'rbac_policy' as const;
  readonly singular = 'rbac_policy';
  readonly plural = 'rbac_policies';
  readonly attributes = ['object_type', 'object_id', 'action', 'target_tenant', 'target_project'];

  constructor(private readonly m: ModelContext) {}

  private view(p: Res<RbacDoc>): Obj {
    return { id: p.id, project_id: p.project_id, tenant_id: p.project_id, ...p.doc };
  }

  private find(auth: AuthContext, id: string): Promise<Res<RbacDoc>> {
    return this.m.owned<RbacDoc>(auth, 'rbac_policy', id);
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    return (await this.m.store.list<RbacDoc>('rbac_policy', isAdmin(auth) ? {} : { project_id: auth.projectId })).map((p) => this.view(p));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.find(auth, id));
  }

  checkInput(body: Obj, action: 'create' | 'update'): void {
    onlyKeys(body, action === 'create' ? ['object_type', 'object_id', 'action', 'target_tenant', 'target_project', 'project_id', 'tenant_id'] : ['target_tenant', 'target_project']);
    for (const field of ['target_tenant', 'target_project']) optString(body, field, { max: 255 });
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    this.checkInput(body, 'create');
    const project = this.m.owner(auth, body);
    const objectType = reqString(body, 'object_type');
    if (!(objectType in ACTIONS)) throw invalid('object_type', objectType, `is not in ${JSON.stringify(Object.keys(ACTIONS))}`);
    const type = objectType as RbacDoc['object_type'];
    const action = reqString(body, 'action');
    if (!(ACTIONS[type] as readonly string[]).includes(action)) throw invalid('action', action, `is not in ${JSON.stringify(ACTIONS[type])}`);
    const target = (body.target_project ?? body.target_tenant) as unknown;
    if (typeof target !== 'string' || target === '') throw invalid('target_tenant', target ?? null, 'is a required property');
    const objectId = reqString(body, 'object_id');
    const object = await this.m.store.get<{ shared?: boolean }>(type, objectId);
    if (!object) throw notFoundOf(type, objectId);
    if (!isAdmin(auth) && object.project_id !== auth.projectId) {
      // As Neutron: an object the caller sees (shared with it) but does not own is a 400, else a 404.
      const g = await this.m.grants(auth.projectId);
      if (!object.doc.shared && !g.shared.has(objectId) && !g.external.has(objectId)) throw notFoundOf(type, objectId);
      throw nBadRequest('RbacPolicyInitError', `Failed to create RBAC policy on object ${objectId}: only its owner may share it.`);
    }
    // Neutron's policy create_rbac_policy:target_tenant: only admins share with every project.
    if (target === '*' && !isAdmin(auth)) throw nForbidden('PolicyNotAuthorized', '(rule:create_rbac_policy and rule:create_rbac_policy:target_tenant) is disallowed by policy');
    if (type === 'subnetpool') await this.checkScopeAccess(objectId, target);
    await this.m.checkQuota(project, 'rbac_policy');
    const dup = (await this.m.store.list<RbacDoc>('rbac_policy', { parent_id: objectId })).find((p) => p.doc.action === action && p.doc.target_tenant === target);
    if (dup) throw nConflict('DuplicateRbacPolicy', 'An RBAC policy already exists with those values.');
    const doc: RbacDoc = { object_type: type, object_id: objectId, action: action as RbacDoc['action'], target_tenant: target };
    const created = await this.m.insertCounted('rbac_policy', { id: uuid(), project_id: project, parent_id: objectId, doc });
    await this.bumpObject(created);
    return this.view(created);
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    this.checkInput(body, 'update');
    const p = await this.find(auth, id);
    const target = reqString(body, body.target_project !== undefined ? 'target_project' : 'target_tenant');
    if (target === '*' && !isAdmin(auth)) throw nForbidden('PolicyNotAuthorized', '(rule:update_rbac_policy:target_tenant) is disallowed by policy');
    await this.refuseIfUsed(p);
    if (p.doc.object_type === 'subnetpool') await this.checkScopeAccess(p.doc.object_id, target);
    const updated = await this.m.modify(p, ifMatch, (d) => ({ ...d, target_tenant: target }));
    await this.bumpObject(updated);
    return this.view(updated);
  }

  /** A pool in an address scope is shared only with projects that see the scope, as in Neutron. */
  private async checkScopeAccess(poolId: string, target: string): Promise<void> {
    const scopeId = (await this.m.load<SubnetPoolDoc>('subnetpool', poolId)).doc.address_scope_id;
    if (!scopeId) return;
    const scope = await this.m.load<AddressScopeDoc>('address_scope', scopeId);
    if (scope.doc.shared || scope.project_id === target) return;
    const grants = await this.m.store.list<RbacDoc>('rbac_policy', { parent_id: scopeId });
    if (grants.some((g) => g.doc.target_tenant === '*' || g.doc.target_tenant === target)) return;
    throw nBadRequest('RbacPolicyInitError', `Failed to create RBAC policy on object ${poolId}: project ${target} has no access to its address scope ${scopeId}.`);
  }

  /** A change of its grants is a change of the object: its revision_number goes up, as Neutron's. */
  private async bumpObject(p: Res<RbacDoc>): Promise<void> {
    const object = await this.m.store.get(p.doc.object_type, p.doc.object_id);
    if (object) await this.m.modify(object, undefined, (d) => d);
  }

  /** A grant that another project's ports rely on cannot go (RbacPolicyInUse). */
  private async refuseIfUsed(p: Res<RbacDoc>): Promise<void> {
    if (p.doc.action !== 'access_as_shared') return;
    // A user another grant of the object (or its own `shared` flag) still covers does not depend on this one.
    const object = await this.m.load<{ shared?: boolean }>(p.doc.object_type, p.doc.object_id);
    if (object.doc.shared) return;
    const others = (await this.m.store.list<RbacDoc>('rbac_policy', { parent_id: p.doc.object_id })).filter((o) => o.id !== p.id && o.doc.action === p.doc.action);
    const covered = (project: string) => others.some((o) => o.doc.target_tenant === '*' || o.doc.target_tenant === project);
    const grantee = (x: Res<unknown>, owner: string) =>
      x.project_id && x.project_id !== owner && (p.doc.target_tenant === '*' || x.project_id === p.doc.target_tenant) && !covered(x.project_id);
    let used: boolean;
    if (p.doc.object_type === 'network') {
      const net = await this.m.load<NetworkDoc>('network', p.doc.object_id);
      used = (await this.m.store.list<PortDoc>('port', { parent_id: net.id })).some((x) => grantee(x, net.project_id));
    } else if (p.doc.object_type === 'qos_policy') {
      const policy = await this.m.load('qos_policy', p.doc.object_id);
      const users = [...(await this.m.store.list<NetworkDoc>('network')), ...(await this.m.store.list<PortDoc>('port'))];
      used = users.some((x) => x.doc.qos_policy_id === policy.id && grantee(x, policy.project_id));
    } else if (p.doc.object_type === 'address_scope') {
      const scope = await this.m.load('address_scope', p.doc.object_id);
      used = (await this.m.store.list<SubnetPoolDoc>('subnetpool')).some((x) => x.doc.address_scope_id === scope.id && grantee(x, scope.project_id));
    } else if (p.doc.object_type === 'address_group') {
      const group = await this.m.load('address_group', p.doc.object_id);
      used = (await this.m.store.list<RuleDoc>('security_group_rule')).some((x) => x.doc.remote_address_group_id === group.id && grantee(x, group.project_id));
    } else if (p.doc.object_type === 'subnetpool') {
      const pool = await this.m.load('subnetpool', p.doc.object_id);
      used = (await this.m.store.list<SubnetDoc>('subnet')).some((x) => x.doc.subnetpool_id === pool.id && grantee(x, pool.project_id));
    } else {
      const group = await this.m.load('security_group', p.doc.object_id);
      used = (await this.m.store.list<PortDoc>('port')).some((x) => x.doc.security_groups.includes(group.id) && grantee(x, group.project_id));
    }
    if (used) throw nConflict('RbacPolicyInUse', `RBAC policy on object ${p.doc.object_id} cannot be removed because other objects depend on it.`);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const p = await this.find(auth, id);
    await this.refuseIfUsed(p);
    await this.m.store.delete('rbac_policy', id);
    await this.bumpObject(p);
  }
}
