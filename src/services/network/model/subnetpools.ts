import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { isObj, optBool, optInt, optString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { cidrSet, cidrSize, cidrsOverlap, formatCidr, parseCidr, type Cidr } from './addresses.js';
import { checkTags, standard, type Collection } from './collection.js';
import { adminOnly, invalid, isAdmin, onlyKeys, UUID, type ModelContext } from './context.js';
import { inUse, nBadRequest, nConflict, notFoundOf } from './errors.js';
import type { AddressScopes } from './addressscopes.js';
import type { SubnetDoc, SubnetPoolDoc } from './types.js';

const UPDATE = ['name', 'description', 'prefixes', 'default_prefixlen', 'min_prefixlen', 'max_prefixlen', 'is_default', 'default_quota', 'address_scope_id'];
const CREATE = [...UPDATE, 'shared', 'project_id', 'tenant_id', 'tags'];

/** Subnet pools (subnet_allocation) and default pools (default-subnetpools). */
export class SubnetPools implements Collection {
  readonly kind = 'subnetpool' as const;
  readonly singular = 'subnetpool';
  readonly plural = 'subnetpools';
  readonly attributes = ['prefixes', 'ip_version', 'default_prefixlen', 'min_prefixlen', 'max_prefixlen', 'shared', 'is_default', 'default_quota', 'address_scope_id'];

  constructor(
    private readonly m: ModelContext,
    private readonly scopes: Pick<AddressScopes, 'checkMembership' | 'ownedBy'>,
  ) {}

  /** `shared` is the pool's own flag or an RBAC grant to the caller (to `*` or its project). */
  private view(p: Res<SubnetPoolDoc>, granted: Set<string>): Obj {
    return { ...p.doc, ...standard(p), shared: p.doc.shared || granted.has(p.id), address_scope_id: p.doc.address_scope_id ?? null };
  }

  private visible(auth: AuthContext, p: Res<SubnetPoolDoc>, granted: Set<string>): boolean {
    return isAdmin(auth) || p.project_id === auth.projectId || p.doc.shared || granted.has(p.id);
  }

  private async find(auth: AuthContext, id: string): Promise<Res<SubnetPoolDoc>> {
    const p = await this.m.store.get<SubnetPoolDoc>('subnetpool', id);
    if (!p || !this.visible(auth, p, (await this.m.grants(auth.projectId)).shared)) throw notFoundOf('subnetpool', id);
    return p;
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const granted = (await this.m.grants(auth.projectId)).shared;
    const all = await this.m.store.list<SubnetPoolDoc>('subnetpool');
    return all.filter((p) => this.visible(auth, p, granted)).map((p) => this.view(p, granted));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.find(auth, id), (await this.m.grants(auth.projectId)).shared);
  }

  async defaultPool(version: 4 | 6): Promise<Res<SubnetPoolDoc> | undefined> {
    return (await this.m.store.list<SubnetPoolDoc>('subnetpool')).find((p) => p.doc.is_default && p.doc.ip_version === version);
  }

  private prefixes(body: Obj): Cidr[] | undefined {
    const v = body.prefixes;
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0) throw invalid('prefixes', v, 'is not a non-empty list of CIDRs');
    return v.map((t) => parseCidr(String(t)) ?? (() => { throw invalid('prefixes', t, 'is not a valid CIDR'); })());
  }

  private lengths(body: Obj, doc: SubnetPoolDoc): SubnetPoolDoc {
    const max = doc.ip_version === 4 ? 32 : 128;
    const next = {
      ...doc,
      min_prefixlen: optInt(body, 'min_prefixlen', { min: 0, max }) ?? doc.min_prefixlen,
      max_prefixlen: optInt(body, 'max_prefixlen', { min: 0, max }) ?? doc.max_prefixlen,
      default_prefixlen: optInt(body, 'default_prefixlen', { min: 0, max }) ?? doc.default_prefixlen,
    };
    if (!(next.min_prefixlen <= next.default_prefixlen && next.default_prefixlen <= next.max_prefixlen)) {
      throw nBadRequest('IllegalSubnetPoolPrefixBounds', `Illegal prefix bounds: min_prefixlen=${next.min_prefixlen}, default_prefixlen=${next.default_prefixlen}, max_prefixlen=${next.max_prefixlen}.`);
    }
    return next;
  }

  checkInput(body: Obj, action: 'create' | 'update'): void {
    onlyKeys(body, action === 'create' ? CREATE : UPDATE);
    const scope = optString(body, 'address_scope_id', { nullable: true });
    if (scope && !UUID.test(scope)) throw invalid('address_scope_id', scope, 'is not a valid UUID');
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    this.checkInput(body, 'create');
    adminOnly(auth, body, ['shared', 'is_default'], 'create_subnetpool');
    const project = this.m.owner(auth, body);
    await this.m.checkQuota(project, 'subnetpool');
    const prefixes = this.prefixes(body);
    if (!prefixes) throw invalid('prefixes', undefined, 'is a required property');
    const version = prefixes[0].version;
    if (prefixes.some((p) => p.version !== version)) throw nBadRequest('PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
    const min = Math.min(...prefixes.map((p) => p.prefix));
    const base: SubnetPoolDoc = {
      name: optString(body, 'name', { max: 255 }) ?? '',
      description: optString(body, 'description', { max: 255 }) ?? '',
      tags: body.tags === undefined ? [] : checkTags(body.tags),
      prefixes: prefixes.map(formatCidr),
      ip_version: version,
      min_prefixlen: min,
      max_prefixlen: version === 4 ? 32 : 128,
      default_prefixlen: min,
      shared: optBool(body, 'shared') ?? false,
      is_default: optBool(body, 'is_default') ?? false,
      default_quota: optInt(body, 'default_quota', { nullable: true, min: 0 }) ?? null,
      address_scope_id: optString(body, 'address_scope_id', { nullable: true }) ?? null,
    };
    // As Neutron, default_prefixlen defaults to the (given) min_prefixlen.
    const doc = this.lengths({ default_prefixlen: body.min_prefixlen, ...body }, base);
    if (doc.address_scope_id) await this.scopes.checkMembership(auth, doc.address_scope_id, version, doc.prefixes);
    if (doc.is_default && (await this.defaultPool(version))) throw nConflict('InvalidInput', `Invalid input for operation: A default subnetpool for this IP family has already been set. Only one default may exist per IP family.`);
    return this.show(auth, (await this.m.insertCounted('subnetpool', { id: uuid(), project_id: project, doc })).id);
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    this.checkInput(body, 'update');
    adminOnly(auth, body, ['is_default'], 'update_subnetpool');
    const pool = await this.find(auth, id);
    const saved = await this.m.modify(pool, ifMatch, async (doc) => {
      const prefixes = this.prefixes(body);
      if (prefixes) {
        const old = doc.prefixes.map((p) => parseCidr(p)!);
        if (!old.every((o) => prefixes.some((n) => cidrsOverlap(o, n) && n.prefix <= o.prefix))) throw nBadRequest('IllegalSubnetPoolPrefixUpdate', 'Illegal update to prefixes: existing prefixes must remain covered.');
        await this.checkScopeOwner(auth, id, doc);
      }
      const isDefault = optBool(body, 'is_default');
      if (isDefault && !doc.is_default) {
        const other = await this.defaultPool(doc.ip_version);
        if (other && other.id !== id) throw nConflict('InvalidInput', 'Invalid input for operation: A default subnetpool for this IP family has already been set. Only one default may exist per IP family.');
      }
      const next = this.lengths(body, {
        ...doc,
        name: optString(body, 'name', { max: 255 }) ?? doc.name,
        description: optString(body, 'description', { max: 255 }) ?? doc.description,
        prefixes: prefixes ? prefixes.map(formatCidr) : doc.prefixes,
        is_default: isDefault ?? doc.is_default,
        default_quota: body.default_quota === undefined ? doc.default_quota : (optInt(body, 'default_quota', { nullable: true, min: 0 }) ?? null),
        address_scope_id: body.address_scope_id === undefined ? doc.address_scope_id : (optString(body, 'address_scope_id', { nullable: true }) ?? null),
      });
      if (next.address_scope_id) await this.scopes.checkMembership(auth, next.address_scope_id, next.ip_version, next.prefixes, id);
      return next;
    });
    return this.show(auth, saved.id);
  }

  /** The prefixes of a pool in an address scope are the scope owner's to change, as in Neutron. */
  private async checkScopeOwner(auth: AuthContext, id: string, doc: SubnetPoolDoc): Promise<void> {
    if (doc.address_scope_id && !(await this.scopes.ownedBy(auth, doc.address_scope_id))) {
      throw nBadRequest('IllegalSubnetPoolUpdate', `Illegal subnetpool update : prefixes of subnetpool ${id} in address scope ${doc.address_scope_id} can only be changed by the scope's owner.`);
    }
  }

  /**
   * subnetpool-prefix-ops: `add_prefixes` merges prefixes in, `remove_prefixes` takes them out
   * (none a subnet of the pool uses); the result is compacted as Neutron's.
   */
  async changePrefixes(auth: AuthContext, id: string, body: unknown, add: boolean): Promise<Obj> {
    const given = this.prefixes(isObj(body) ? body : {});
    if (!given) throw invalid('prefixes', undefined, 'is a required property');
    const pool = await this.find(auth, id);
    if (given.some((p) => p.version !== pool.doc.ip_version)) throw nBadRequest('PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
    const saved = await this.m.modify(pool, undefined, async (doc) => {
      const current = doc.prefixes.map((p) => parseCidr(p)!);
      if (!add) {
        const used = (await this.m.store.list<SubnetDoc>('subnet')).filter((s) => s.doc.subnetpool_id === id).map((s) => parseCidr(s.doc.cidr)!);
        const busy = given.find((g) => used.some((u) => cidrsOverlap(u, g)));
        if (busy) throw nBadRequest('IllegalSubnetPoolPrefixUpdate', `Illegal update to prefixes: prefix ${formatCidr(busy)} is in use by subnets of the pool.`);
      }
      await this.checkScopeOwner(auth, id, doc);
      const prefixes = cidrSet(doc.ip_version, current, add ? given : [], add ? [] : given).map(formatCidr);
      if (!prefixes.length) throw nBadRequest('IllegalSubnetPoolPrefixUpdate', 'Illegal update to prefixes: a subnet pool keeps at least one prefix.');
      if (add && doc.address_scope_id) await this.scopes.checkMembership(auth, doc.address_scope_id, doc.ip_version, prefixes, id);
      return { ...doc, prefixes };
    });
    return this.view(saved, (await this.m.grants(auth.projectId)).shared);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    await this.find(auth, id);
    const used = (await this.m.store.list<SubnetDoc>('subnet')).some((s) => s.doc.subnetpool_id === id);
    if (used) throw inUse('SubnetPoolInUse', `Subnet pool ${id} cannot be deleted: it is in use by one or more subnets.`);
    await this.m.deleteWithGrants('subnetpool', id);
  }

  async setTags(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]> {
    return (await this.m.modify(await this.find(auth, id), ifMatch, (d) => ({ ...d, tags: change(d.tags) }))).doc.tags;
  }

  /** The first free block of `prefixlen` (default: the pool's) among the pool's prefixes. */
  /** The pool (of that IP version), the prefix length to allocate (checked against its bounds), and the pool's subnets. */
  private async allocation(auth: AuthContext, poolId: string, version: 4 | 6, prefixlen?: number) {
    const pool = await this.find(auth, poolId);
    if (pool.doc.ip_version !== version) throw nBadRequest('BadRequest', `Bad subnets request: subnetpool ${poolId} cannot serve IPv${version}.`);
    const len = prefixlen ?? pool.doc.default_prefixlen;
    if (len < pool.doc.min_prefixlen || len > pool.doc.max_prefixlen) {
      throw nBadRequest('IllegalSubnetPoolPrefixLength', `Illegal prefix length ${len}: it must lie between ${pool.doc.min_prefixlen} and ${pool.doc.max_prefixlen}.`);
    }
    const used = (await this.m.store.list<SubnetDoc>('subnet')).filter((s) => s.doc.subnetpool_id === poolId).map((s) => parseCidr(s.doc.cidr)!);
    return { pool, len, used };
  }

  /** A specific CIDR from a pool: inside one of its prefixes and free. */
  async claimPrefix(auth: AuthContext, poolId: string, c: Cidr): Promise<Cidr> {
    const { pool, used } = await this.allocation(auth, poolId, c.version, c.prefix);
    const inside = pool.doc.prefixes.some((t) => {
      const p = parseCidr(t)!;
      return p.prefix <= c.prefix && cidrsOverlap(p, c);
    });
    if (!inside) throw nBadRequest('CidrNotInPool', `Failed to allocate subnet: the requested subnet ${formatCidr(c)} is not within the subnet pool's prefixes.`);
    if (used.some((u) => cidrsOverlap(u, c))) throw nConflict('SubnetAllocationError', `Failed to allocate subnet: ${formatCidr(c)} overlaps with another subnet of the pool.`);
    return c;
  }

  async allocatePrefix(auth: AuthContext, poolId: string, version: 4 | 6, prefixlen?: number): Promise<Cidr> {
    const { pool, len, used } = await this.allocation(auth, poolId, version, prefixlen);
    for (const text of pool.doc.prefixes) {
      const p = parseCidr(text)!;
      if (p.prefix > len) continue;
      const step = cidrSize({ ...p, prefix: len });
      for (let net = p.network; net < p.network + cidrSize(p); net += step) {
        const c: Cidr = { version, network: net, prefix: len };
        if (!used.some((u) => cidrsOverlap(u, c))) return c;
      }
    }
    throw nConflict('SubnetAllocationError', `Failed to allocate subnet: Insufficient prefix space to allocate subnet size /${len}.`);
  }
}
