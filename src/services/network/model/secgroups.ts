import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { optBool, optString, reqString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import type { AddressGroups } from './addressgroups.js';
import { checkTags, standard, type Collection } from './collection.js';
import { isAdmin, onlyKeys, type ModelContext } from './context.js';
import { nBadRequest, nConflict, notFoundOf, overQuota } from './errors.js';
import { normalizedCidr, parseRuleFields, sameRule } from './rules.js';
import type { DefaultRuleDoc, PortDoc, RuleDoc, SecurityGroupDoc } from './types.js';

const UPDATE = ['name', 'description', 'stateful'];
const CREATE = [...UPDATE, 'project_id', 'tenant_id', 'tags'];
const RULE_CREATE = ['security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id', 'remote_address_group_id', 'description', 'project_id', 'tenant_id'];
/** In a default rule, `remote_group_id: "PARENT"` stands for the group the rule is copied into. */
export const PARENT = 'PARENT';

export function ruleView(r: Res<RuleDoc>): Obj {
  return {
    ...standard(r),
    ...r.doc,
    remote_address_group_id: r.doc.remote_address_group_id ?? null,
    normalized_cidr: normalizedCidr(r.doc.remote_ip_prefix),
  };
}

export class SecurityGroups implements Collection {
  readonly kind = 'security_group' as const;
  readonly singular = 'security_group';
  readonly plural = 'security_groups';
  readonly attributes = ['stateful', 'shared', 'security_group_rules'];

  constructor(private readonly m: ModelContext) {}

  private async view(auth: AuthContext, groups: Res<SecurityGroupDoc>[]): Promise<Obj[]> {
    const rules = await this.m.store.list<RuleDoc>('security_group_rule');
    const shared = (await this.m.grants(auth.projectId)).shared;
    return groups.map((g) => ({
      ...standard(g),
      stateful: g.doc.stateful,
      shared: shared.has(g.id),
      security_group_rules: rules.filter((r) => r.parent_id === g.id).map(ruleView),
    }));
  }

  /**
   * The project's `default` group, created (with the default rules) on first use. The group row
   * exists before its claim, so whoever sees a claim finds the group; a request that loses the
   * race for the claim removes its own group.
   */
  async ensureDefault(projectId: string): Promise<string> {
    return (await this.defaultGroup(projectId)).id;
  }

  /** The default group's id, and whether this call made it. */
  private async defaultGroup(projectId: string): Promise<{ id: string; made: boolean }> {
    const known = await this.m.projects.defaultGroup(projectId);
    if (known) return { id: known, made: false };
    const id = uuid();
    const doc: SecurityGroupDoc = { name: 'default', description: 'Default security group', tags: [], stateful: true, is_default: true };
    await this.m.store.insert('security_group', { id, project_id: projectId, doc });
    const winner = await this.m.projects.claimDefaultGroup(projectId, id);
    if (winner !== id) {
      await this.m.store.delete('security_group', id);
      return { id: winner, made: false };
    }
    await this.copyDefaultRules(id, projectId, true);
    return { id, made: true };
  }

  /** A new group's rules (the templates for non-default groups) must fit the project's rule quota, as in Neutron. */
  private async checkRuleRoom(projectId: string): Promise<void> {
    const limit = await this.m.quotaLimit(projectId, 'security_group_rule');
    if (limit < 0) return;
    const rules = (await this.m.store.list<DefaultRuleDoc>('default_security_group_rule')).filter((t) => t.doc.used_in_non_default_sg).length;
    if ((await this.m.store.count('security_group_rule', { project_id: projectId })) + rules > limit) throw overQuota('security_group_rule');
  }

  private async copyDefaultRules(groupId: string, projectId: string, isDefault: boolean): Promise<void> {
    const templates = await this.m.store.list<DefaultRuleDoc>('default_security_group_rule');
    for (const t of templates) {
      if (!(isDefault ? t.doc.used_in_default_sg : t.doc.used_in_non_default_sg)) continue;
      const { used_in_default_sg: _d, used_in_non_default_sg: _n, ...fields } = t.doc;
      const doc: RuleDoc = { ...fields, remote_group_id: fields.remote_group_id === PARENT ? groupId : fields.remote_group_id, security_group_id: groupId };
      await this.m.store.insert('security_group_rule', { id: uuid(), project_id: projectId, parent_id: groupId, doc });
    }
  }

  /** A group of the caller's project or shared with it by RBAC (changes stay the owner's: policy). */
  async find(auth: AuthContext, id: string): Promise<Res<SecurityGroupDoc>> {
    const g = await this.m.store.get<SecurityGroupDoc>('security_group', id);
    if (g && (isAdmin(auth) || g.project_id === auth.projectId || (await this.m.grants(auth.projectId)).shared.has(g.id))) return g;
    throw notFoundOf('security_group', id);
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    if (auth.projectId) await this.ensureDefault(auth.projectId);
    return this.view(auth, isAdmin(auth) ? await this.m.store.list<SecurityGroupDoc>('security_group') : await this.usable(auth.projectId ?? ''));
  }

  /** The groups a project may see and put on its ports: its own and those shared with it. */
  private async usable(projectId: string): Promise<Res<SecurityGroupDoc>[]> {
    const all = await this.m.store.list<SecurityGroupDoc>('security_group');
    const shared = (await this.m.grants(projectId)).shared;
    return all.filter((g) => g.project_id === projectId || shared.has(g.id));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return (await this.view(auth, [await this.find(auth, id)]))[0];
  }

  /** Group ids or names of the port's project, as ids (404 for unknown or foreign groups). */
  async checkUsable(auth: AuthContext, projectId: string, refs: string[]): Promise<string[]> {
    // Neutron's validator refuses a list that names one group twice.
    if (new Set(refs).size !== refs.length) throw nBadRequest('HTTPBadRequest', `Invalid input for security_groups. Reason: Duplicate items in the list: '${refs.join(', ')}'.`);
    await this.ensureDefault(projectId);
    const usable = await this.usable(projectId);
    const own = usable.filter((g) => g.project_id === projectId);
    return [...new Set(refs.map((ref) => {
      const byId = usable.find((g) => g.id === ref);
      if (byId) return byId.id;
      // Names resolve among the project's own groups (shared ones are used by id).
      const byName = own.filter((g) => g.doc.name === ref);
      if (byName.length === 1) return byName[0].id;
      if (byName.length > 1) throw nConflict('NoUniqueMatch', `Multiple security groups named ${ref}.`);
      throw notFoundOf('security_group', ref);
    }))];
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, CREATE);
    const project = this.m.owner(auth, body);
    const name = optString(body, 'name', { max: 255 }) ?? '';
    if (name === 'default') {
      await this.ensureDefault(project);
      throw nConflict('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
    }
    // As Neutron, the quota is checked before the project's default group is made on first use;
    // that group counts as used but is never refused, so the recount allows for it.
    await this.m.checkQuota(project, 'security_group');
    const { made } = await this.defaultGroup(project);
    await this.checkRuleRoom(project);
    const doc: SecurityGroupDoc = {
      name,
      description: optString(body, 'description', { max: 255 }) ?? '',
      tags: body.tags === undefined ? [] : checkTags(body.tags),
      stateful: optBool(body, 'stateful') ?? true,
      is_default: false,
    };
    const id = uuid();
    await this.m.insertCounted('security_group', { id, project_id: project, doc }, made ? 1 : 0);
    await this.copyDefaultRules(id, project, false);
    return this.show(auth, id);
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    onlyKeys(body, UPDATE);
    const g = await this.find(auth, id);
    const name = optString(body, 'name', { max: 255 }) ?? undefined;
    if (g.doc.is_default && name !== undefined && name !== 'default') throw nConflict('SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
    if (!g.doc.is_default && name === 'default') throw nConflict('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
    const stateful = optBool(body, 'stateful');
    if (stateful !== undefined && stateful !== g.doc.stateful && (await this.inUse(id))) {
      throw nConflict('SecurityGroupInUse', `Security Group ${id} in use: its statefulness cannot change while ports use it.`);
    }
    await this.m.modify(g, ifMatch, (d) => ({ ...d, name: name ?? d.name, description: optString(body, 'description', { max: 255 }) ?? d.description, stateful: stateful ?? d.stateful }));
    return this.show(auth, id);
  }

  private async inUse(id: string): Promise<boolean> {
    return (await this.m.store.list<PortDoc>('port')).some((p) => p.doc.security_groups.includes(id));
  }

  async remove(auth: AuthContext, id: string, ifMatch?: number): Promise<void> {
    const g = await this.find(auth, id);
    if (ifMatch !== undefined) await this.m.modify(g, ifMatch, (d) => d);
    if (g.doc.is_default && !isAdmin(auth)) throw nConflict('SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
    if (await this.inUse(id)) throw nConflict('SecurityGroupInUse', `Security Group ${id} in use.`);
    for (const r of await this.m.store.list<RuleDoc>('security_group_rule')) {
      if (r.parent_id === id || r.doc.remote_group_id === id) await this.m.store.delete('security_group_rule', r.id);
    }
    if (g.doc.is_default) await this.m.projects.forgetDefaultGroup(g.project_id);
    await this.m.deleteWithGrants('security_group', id);
  }

  async setTags(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]> {
    return (await this.m.modify(await this.find(auth, id), ifMatch, (d) => ({ ...d, tags: change(d.tags) }))).doc.tags;
  }
}

export class SecurityGroupRules implements Collection {
  readonly kind = 'security_group_rule' as const;
  readonly singular = 'security_group_rule';
  readonly plural = 'security_group_rules';
  readonly attributes = ['security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id', 'remote_address_group_id', 'normalized_cidr'];

  constructor(
    private readonly m: ModelContext,
    private readonly groups: SecurityGroups,
    private readonly addressGroups: Pick<AddressGroups, 'find'>,
  ) {}

  async list(auth: AuthContext): Promise<Obj[]> {
    if (auth.projectId) await this.groups.ensureDefault(auth.projectId);
    const rows = await this.m.store.list<RuleDoc>('security_group_rule', isAdmin(auth) ? {} : { project_id: auth.projectId });
    return rows.map(ruleView);
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return ruleView(await this.m.owned<RuleDoc>(auth, 'security_group_rule', id));
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, RULE_CREATE);
    const group = await this.groups.find(auth, reqString(body, 'security_group_id'));
    // Rules are the owner's to change, also on a group shared with the caller.
    if (!isAdmin(auth) && group.project_id !== auth.projectId) throw notFoundOf('security_group', group.id);
    const fields = parseRuleFields(body);
    if (fields.remote_group_id) await this.groups.find(auth, fields.remote_group_id);
    const addressGroup = optString(body, 'remote_address_group_id', { nullable: true }) ?? null;
    if (addressGroup !== null) {
      if (fields.remote_ip_prefix !== null || fields.remote_group_id !== null) {
        throw nBadRequest('SecurityGroupMultipleRemoteEntites', 'Only one of remote_ip_prefix, remote_group_id and remote_address_group_id may be provided.');
      }
      await this.addressGroups.find(auth, addressGroup);
    }
    const existing = await this.m.store.list<RuleDoc>('security_group_rule', { parent_id: group.id });
    const dup = existing.find((r) => sameRule(r.doc, fields) && (r.doc.remote_address_group_id ?? null) === addressGroup);
    if (dup) throw nConflict('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${dup.id}.`);
    await this.m.checkQuota(group.project_id, 'security_group_rule');
    const doc: RuleDoc = { ...fields, security_group_id: group.id, remote_address_group_id: addressGroup };
    const created = await this.m.insertCounted('security_group_rule', { id: uuid(), project_id: group.project_id, parent_id: group.id, doc });
    await this.m.touch('security_group', group.id);
    return ruleView(created);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const rule = await this.m.owned<RuleDoc>(auth, 'security_group_rule', id);
    await this.m.store.delete('security_group_rule', id);
    await this.m.touch('security_group', rule.doc.security_group_id);
  }
}

/** `/v2.0/default-security-group-rules`: the templates new groups copy (security-groups-default-rules). */
export class DefaultRules implements Collection {
  readonly kind = 'default_security_group_rule' as const;
  readonly singular = 'default_security_group_rule';
  readonly plural = 'default_security_group_rules';
  readonly attributes = ['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id', 'remote_address_group_id', 'used_in_default_sg', 'used_in_non_default_sg'];

  constructor(private readonly m: ModelContext) {}

  private view(r: Res<DefaultRuleDoc>): Obj {
    return { id: r.id, ...r.doc, remote_address_group_id: null };
  }

  async list(): Promise<Obj[]> {
    return (await this.m.store.list<DefaultRuleDoc>('default_security_group_rule')).map((r) => this.view(r));
  }

  async show(_auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.m.load<DefaultRuleDoc>('default_security_group_rule', id));
  }

  async create(_auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, [...RULE_CREATE.filter((k) => k !== 'security_group_id'), 'used_in_default_sg', 'used_in_non_default_sg']);
    const fields = parseRuleFields(body);
    if (fields.remote_group_id !== null && fields.remote_group_id !== PARENT) await this.m.load('security_group', fields.remote_group_id);
    const doc: DefaultRuleDoc = { ...fields, used_in_default_sg: optBool(body, 'used_in_default_sg') ?? true, used_in_non_default_sg: optBool(body, 'used_in_non_default_sg') ?? true };
    const dup = (await this.m.store.list<DefaultRuleDoc>('default_security_group_rule')).find((r) => sameRule(r.doc, doc));
    if (dup) throw nConflict('DuplicateDefaultSgRule', `Default security group rule already exists. Rule id is ${dup.id}.`);
    return this.view(await this.m.store.insert('default_security_group_rule', { id: uuid(), project_id: '', doc }));
  }

  async remove(_auth: AuthContext, id: string): Promise<void> {
    await this.m.load('default_security_group_rule', id);
    await this.m.store.delete('default_security_group_rule', id);
  }
}

/** The templates a fresh cloud starts with (scs-0115): the default group admits only its own members; everything may leave. */
export function initialDefaultRules(): DefaultRuleDoc[] {
  const base = { protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, description: '' };
  return (['IPv4', 'IPv6'] as const).flatMap((ethertype) => [
    { ...base, direction: 'ingress' as const, ethertype, remote_group_id: PARENT, used_in_default_sg: true, used_in_non_default_sg: false },
    { ...base, direction: 'egress' as const, ethertype, remote_group_id: null, used_in_default_sg: true, used_in_non_default_sg: true },
  ]);
}
