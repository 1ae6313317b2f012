import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { isObj, optString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { formatCidr, parseCidr } from './addresses.js';
import type { Collection } from './collection.js';
import { invalid, isAdmin, onlyKeys, type ModelContext } from './context.js';
import { inUse, nBadRequest, nNotFound, notFoundOf } from './errors.js';
import type { AddressGroupDoc, RuleDoc } from './types.js';

/**
 * Address groups (address-group, rbac-address-group): named sets of CIDRs that security group
 * rules name as their remote (`remote_address_group_id`). Like Neutron's, they carry no standard
 * attributes; the owner changes them, projects they are shared with only read and use them.
 * Bookkeeping only: the simulated data plane filters no packets.
 */
export class AddressGroups implements Collection {
  readonly kind = 'address_group' as const;
  readonly singular = 'address_group';
  readonly plural = 'address_groups';
  readonly attributes = ['addresses'];

  constructor(private readonly m: ModelContext) {}

  private view(g: Res<AddressGroupDoc>): Obj {
    return { id: g.id, name: g.doc.name, description: g.doc.description, addresses: g.doc.addresses, project_id: g.project_id, tenant_id: g.project_id };
  }

  /** A group the caller sees: its own, or one shared with its project (or every project). */
  async find(auth: AuthContext, id: string): Promise<Res<AddressGroupDoc>> {
    const g = await this.m.store.get<AddressGroupDoc>('address_group', id);
    if (g && (isAdmin(auth) || g.project_id === auth.projectId || (await this.m.grants(auth.projectId)).shared.has(g.id))) return g;
    throw notFoundOf('address_group', id);
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const granted = (await this.m.grants(auth.projectId)).shared;
    const all = await this.m.store.list<AddressGroupDoc>('address_group');
    return all.filter((g) => isAdmin(auth) || g.project_id === auth.projectId || granted.has(g.id)).map((g) => this.view(g));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.find(auth, id));
  }

  /** Changes are the owner's: to a project the group is only shared with, it is not found (as Neutron). */
  async policyTarget(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.m.owned<AddressGroupDoc>(auth, 'address_group', id));
  }

  checkInput(body: Obj, action: 'create' | 'update'): void {
    onlyKeys(body, action === 'create' ? ['name', 'description', 'addresses', 'project_id', 'tenant_id'] : ['name', 'description']);
    if (action === 'create' && body.addresses !== undefined && body.addresses !== null) strictCidrs(body.addresses);
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    this.checkInput(body, 'create');
    const project = this.m.owner(auth, body);
    const addresses = body.addresses === undefined || body.addresses === null ? [] : strictCidrs(body.addresses);
    const doc: AddressGroupDoc = { name: optString(body, 'name', { max: 255 }) ?? '', description: optString(body, 'description', { max: 255 }) ?? '', addresses };
    return this.view(await this.m.store.insert('address_group', { id: uuid(), project_id: project, doc }));
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    this.checkInput(body, 'update');
    const g = await this.m.owned<AddressGroupDoc>(auth, 'address_group', id);
    const saved = await this.m.modify(g, ifMatch, (d) => ({
      ...d,
      name: optString(body, 'name', { max: 255 }) ?? d.name,
      description: optString(body, 'description', { max: 255 }) ?? d.description,
    }));
    return this.view(saved);
  }

  /** `add_addresses` / `remove_addresses`: the owner's; an address already there (or missing) is refused, as Neutron. */
  async changeAddresses(auth: AuthContext, id: string, body: unknown, add: boolean): Promise<Obj> {
    const given = isObj(body) ? body.addresses : undefined;
    if (!Array.isArray(given)) throw invalid('addresses', given ?? null, 'is not a list');
    const wanted = [...new Set(given.map((a) => formatCidr(parseCidr(String(a)) ?? (() => { throw invalid('addresses', a, 'is not a valid IP subnet'); })())))];
    const g = await this.m.owned<AddressGroupDoc>(auth, 'address_group', id);
    const saved = await this.m.modify(g, undefined, (d) => {
      if (add) {
        const there = wanted.filter((a) => d.addresses.includes(a));
        if (there.length) throw nBadRequest('AddressesAlreadyExist', `Addresses ${there.join(', ')} already exist in address group ${id}.`);
        return { ...d, addresses: [...d.addresses, ...wanted] };
      }
      const missing = wanted.filter((a) => !d.addresses.includes(a));
      if (missing.length) throw nNotFound('AddressesNotFound', `Addresses ${missing.join(', ')} not found in the address group ${id}.`);
      return { ...d, addresses: d.addresses.filter((a) => !wanted.includes(a)) };
    });
    return { address_group: this.view(saved) };
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    await this.m.owned<AddressGroupDoc>(auth, 'address_group', id);
    const rules = await this.m.store.list<RuleDoc>('security_group_rule');
    if (rules.some((r) => r.doc.remote_address_group_id === id)) {
      throw inUse('AddressGroupInUse', `Address group ${id} is in use on one or more security group rules.`);
    }
    await this.m.deleteWithGrants('address_group', id);
  }
}

/**
 * Addresses as Neutron's `type:subnet_list` accepts them on create: CIDRs with a prefix length
 * (an IPv4 host is written `/32`), kept as their network.
 */
function strictCidrs(v: unknown): string[] {
  if (!Array.isArray(v)) throw invalid('addresses', v, 'is not a list');
  return [
    ...new Set(
      v.map((a) => {
        const c = typeof a === 'string' && a.includes('/') ? parseCidr(a) : undefined;
        if (!c) throw invalid('addresses', a, "isn't a recognized IP subnet cidr");
        return formatCidr(c);
      }),
    ),
  ];
}
