import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { optBool, optInt, optString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { cidrsOverlap, parseCidr } from './addresses.js';
import type { Collection } from './collection.js';
import { adminOnly, invalid, isAdmin, onlyKeys, type ModelContext } from './context.js';
import { inUse, nBadRequest, nConflict, notFoundOf } from './errors.js';
import type { AddressScopeDoc, SubnetPoolDoc } from './types.js';

/**
 * Address scopes (address-scope): subnet pools of one scope never overlap, and a network shows
 * the scope of its subnets' pools. Like Neutron's, they carry no standard attributes.
 */
export class AddressScopes implements Collection {
  readonly kind = 'address_scope' as const;
  readonly singular = 'address_scope';
  readonly plural = 'address_scopes';
  readonly attributes = ['ip_version', 'shared'];

  constructor(private readonly m: ModelContext) {}

  private view(s: Res<AddressScopeDoc>, granted: Set<string>): Obj {
    return { id: s.id, name: s.doc.name, ip_version: s.doc.ip_version, shared: s.doc.shared || granted.has(s.id), project_id: s.project_id, tenant_id: s.project_id };
  }

  private visible(auth: AuthContext, s: Res<AddressScopeDoc>, granted: Set<string>): boolean {
    return isAdmin(auth) || s.project_id === auth.projectId || s.doc.shared || granted.has(s.id);
  }

  private async find(auth: AuthContext, id: string): Promise<Res<AddressScopeDoc>> {
    const s = await this.m.store.get<AddressScopeDoc>('address_scope', id);
    if (!s || !this.visible(auth, s, (await this.m.grants(auth.projectId)).shared)) throw notFoundOf('address_scope', id);
    return s;
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const granted = (await this.m.grants(auth.projectId)).shared;
    return (await this.m.store.list<AddressScopeDoc>('address_scope')).filter((s) => this.visible(auth, s, granted)).map((s) => this.view(s, granted));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.find(auth, id), (await this.m.grants(auth.projectId)).shared);
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, ['name', 'ip_version', 'shared', 'project_id', 'tenant_id']);
    adminOnly(auth, body, ['shared'], 'create_address_scope');
    const project = this.m.owner(auth, body);
    const version = optInt(body, 'ip_version');
    if (version !== 4 && version !== 6) throw invalid('ip_version', version ?? null, 'is not in [4, 6]');
    const doc: AddressScopeDoc = { name: optString(body, 'name', { max: 255 }) ?? '', ip_version: version, shared: optBool(body, 'shared') ?? false };
    return this.show(auth, (await this.m.store.insert('address_scope', { id: uuid(), project_id: project, doc })).id);
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    onlyKeys(body, ['name', 'shared']);
    adminOnly(auth, body, ['shared'], 'update_address_scope');
    const s = await this.find(auth, id);
    const shared = optBool(body, 'shared');
    if (s.doc.shared && shared === false) throw nBadRequest('AddressScopeUpdateError', `Unable to update address scope ${id} : Shared address scope can't be unshared.`);
    await this.m.modify(s, ifMatch, (d) => ({ ...d, name: optString(body, 'name', { max: 255 }) ?? d.name, shared: shared ?? d.shared }));
    return this.show(auth, id);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    await this.find(auth, id);
    if ((await this.m.store.list<SubnetPoolDoc>('subnetpool')).some((p) => p.doc.address_scope_id === id)) {
      throw inUse('AddressScopeInUse', `Unable to complete operation on address scope ${id}. There are one or more subnet pools in use on the address scope.`);
    }
    await this.m.deleteWithGrants('address_scope', id);
  }

  /** Whether the caller may manage what belongs to the scope: an admin, or a member of its project. */
  async ownedBy(auth: AuthContext, scopeId: string): Promise<boolean> {
    const scope = await this.m.store.get<AddressScopeDoc>('address_scope', scopeId);
    return isAdmin(auth) || scope?.project_id === auth.projectId;
  }

  /**
   * Checks that a pool (`poolId`, new when undefined) with these prefixes may join a scope the
   * caller sees: same IP version, no prefix overlapping another pool of the scope.
   */
  async checkMembership(auth: AuthContext, scopeId: string, version: 4 | 6, prefixes: string[], poolId?: string): Promise<void> {
    const scope = await this.find(auth, scopeId);
    if (scope.doc.ip_version !== version) {
      throw nBadRequest('IllegalSubnetPoolAssociationToAddressScope', `Illegal subnetpool association: subnetpool cannot be associated with address scope ${scopeId}.`);
    }
    const mine = prefixes.map((p) => parseCidr(p)!);
    for (const other of await this.m.store.list<SubnetPoolDoc>('subnetpool')) {
      if (other.id === poolId || other.doc.address_scope_id !== scopeId) continue;
      if (other.doc.prefixes.some((t) => mine.some((c) => cidrsOverlap(c, parseCidr(t)!)))) {
        throw nConflict('AddressScopePrefixConflict', 'Failed to associate address scope: subnetpools within an address scope must have unique prefixes.');
      }
    }
  }
}
