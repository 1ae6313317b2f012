import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { optBool, optInt, optString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { checkTags, standard, type Collection } from './collection.js';
import { invalid, isAdmin, onlyKeys, type ModelContext } from './context.js';
import { inUse, nConflict, nNotFound, notFoundOf } from './errors.js';
import type { NetworkDoc, PortDoc, QosPolicyDoc, QosRuleDoc } from './types.js';

const DSCP_MARKS = [0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 44, 46, 48, 56];

/** One rule type: its fields (validated here), and whether a policy holds one per direction or one at all. */
interface RuleType {
  parse(body: Obj, old?: Obj): Obj;
  perDirection: boolean;
}

const direction = (body: Obj, old: Obj | undefined, allowed: string[]) => {
  const d = optString(body, 'direction') ?? (old?.direction as string | undefined) ?? 'egress';
  if (!allowed.includes(d)) throw invalid('direction', d, `is not in ${JSON.stringify(allowed)}`);
  return d;
};
const required = (body: Obj, old: Obj | undefined, field: string) => {
  const v = optInt(body, field, { min: 0, max: 2147483647 }) ?? (old?.[field] as number | undefined);
  if (v === undefined) throw invalid(field, null, 'is a required property');
  return v;
};

/** The rule types this cloud accepts (Neutron's qos, qos-bw-limit-direction, qos-bw-minimum-ingress, qos-pps-minimum). */
export const RULE_TYPES: Record<string, RuleType> = {
  bandwidth_limit: {
    perDirection: true,
    parse: (b, old) => ({
      max_kbps: required(b, old, 'max_kbps'),
      max_burst_kbps: optInt(b, 'max_burst_kbps', { min: 0, max: 2147483647 }) ?? old?.max_burst_kbps ?? 0,
      direction: direction(b, old, ['egress', 'ingress']),
    }),
  },
  dscp_marking: {
    perDirection: false,
    parse: (b, old) => {
      const mark = required(b, old, 'dscp_mark');
      if (!DSCP_MARKS.includes(mark)) throw invalid('dscp_mark', mark, `is not in ${JSON.stringify(DSCP_MARKS)}`);
      return { dscp_mark: mark };
    },
  },
  minimum_bandwidth: {
    perDirection: true,
    parse: (b, old) => ({ min_kbps: required(b, old, 'min_kbps'), direction: direction(b, old, ['egress', 'ingress']) }),
  },
  minimum_packet_rate: {
    perDirection: true,
    parse: (b, old) => ({ min_kpps: required(b, old, 'min_kpps'), direction: direction(b, old, ['any', 'egress', 'ingress']) }),
  },
};

/**
 * QoS policies (qos, qos-default) and their rules. Policies are admins' to manage, as Neutron's
 * defaults; projects attach the ones they see (own, shared, RBAC) to networks and ports. The
 * simulated data plane enforces none of them.
 */
export class QosPolicies implements Collection {
  readonly kind = 'qos_policy' as const;
  readonly singular = 'policy';
  readonly plural = 'policies';
  readonly attributes = ['shared', 'is_default', 'rules'];

  constructor(private readonly m: ModelContext) {}

  private ruleView(r: Res<QosRuleDoc>): Obj {
    const { type: _t, ...fields } = r.doc;
    return { id: r.id, ...fields };
  }

  private async view(auth: AuthContext, policies: Res<QosPolicyDoc>[]): Promise<Obj[]> {
    const rules = await this.m.store.list<QosRuleDoc>('qos_rule');
    const granted = (await this.m.grants(auth.projectId)).shared;
    return policies.map((p) => ({
      ...standard(p),
      shared: p.doc.shared || granted.has(p.id),
      is_default: p.doc.is_default,
      rules: rules.filter((r) => r.parent_id === p.id).map((r) => ({ ...this.ruleView(r), type: r.doc.type, qos_policy_id: p.id })),
    }));
  }

  private visible(auth: AuthContext, p: Res<QosPolicyDoc>, granted: Set<string>): boolean {
    return isAdmin(auth) || p.project_id === auth.projectId || p.doc.shared || granted.has(p.id);
  }

  async find(auth: AuthContext, id: string): Promise<Res<QosPolicyDoc>> {
    const p = await this.m.store.get<QosPolicyDoc>('qos_policy', id);
    if (!p || !this.visible(auth, p, (await this.m.grants(auth.projectId)).shared)) throw notFoundOf('qos_policy', id);
    return p;
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const granted = (await this.m.grants(auth.projectId)).shared;
    return this.view(auth, (await this.m.store.list<QosPolicyDoc>('qos_policy')).filter((p) => this.visible(auth, p, granted)));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return (await this.view(auth, [await this.find(auth, id)]))[0];
  }

  /** The project's default policy (qos-default), given to its new networks. */
  async defaultFor(projectId: string): Promise<string | null> {
    return (await this.m.store.list<QosPolicyDoc>('qos_policy', { project_id: projectId })).find((p) => p.doc.is_default)?.id ?? null;
  }

  private async refuseSecondDefault(projectId: string, except?: string): Promise<void> {
    const other = await this.defaultFor(projectId);
    if (other && other !== except) throw nConflict('QoSPolicyDefaultAlreadyExists', `A default QoS policy exists for project ${projectId}.`);
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, ['name', 'description', 'shared', 'is_default', 'project_id', 'tenant_id', 'tags']);
    const project = this.m.owner(auth, body);
    const doc: QosPolicyDoc = {
      name: optString(body, 'name', { max: 255 }) ?? '',
      description: optString(body, 'description', { max: 255 }) ?? '',
      tags: body.tags === undefined ? [] : checkTags(body.tags),
      shared: optBool(body, 'shared') ?? false,
      is_default: optBool(body, 'is_default') ?? false,
    };
    if (doc.is_default) await this.refuseSecondDefault(project);
    return this.show(auth, (await this.m.store.insert('qos_policy', { id: uuid(), project_id: project, doc })).id);
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    onlyKeys(body, ['name', 'description', 'shared', 'is_default']);
    const p = await this.find(auth, id);
    const isDefault = optBool(body, 'is_default');
    if (isDefault) await this.refuseSecondDefault(p.project_id, id);
    await this.m.modify(p, ifMatch, (d) => ({
      ...d,
      name: optString(body, 'name', { max: 255 }) ?? d.name,
      description: optString(body, 'description', { max: 255 }) ?? d.description,
      shared: optBool(body, 'shared') ?? d.shared,
      is_default: isDefault ?? d.is_default,
    }));
    return this.show(auth, id);
  }

  async remove(auth: AuthContext, id: string, ifMatch?: number): Promise<void> {
    const p = await this.find(auth, id);
    if (ifMatch !== undefined) await this.m.modify(p, ifMatch, (d) => d);
    for (const kind of ['network', 'port'] as const) {
      const user = (await this.m.store.list<NetworkDoc | PortDoc>(kind)).find((x) => x.doc.qos_policy_id === id);
      if (user) throw inUse('QosPolicyInUse', `QoS Policy ${id} is used by ${kind} ${user.id}.`);
    }
    for (const r of await this.m.store.list('qos_rule', { parent_id: id })) await this.m.store.delete('qos_rule', r.id);
    await this.m.deleteWithGrants('qos_policy', id);
  }

  async setTags(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]> {
    return (await this.m.modify(await this.find(auth, id), ifMatch, (d) => ({ ...d, tags: change(d.tags) }))).doc.tags;
  }

  /** A `qos_policy_id` a network or port may carry: null, or a policy the caller sees. */
  async checkAttachable(auth: AuthContext, id: string | null): Promise<string | null> {
    if (id !== null) await this.find(auth, id);
    return id;
  }

  // Rules: `/v2.0/qos/policies/{policy}/{type}_rules[/{rule}]`.

  async rules(auth: AuthContext, policyId: string, type: string): Promise<Obj[]> {
    await this.find(auth, policyId);
    return (await this.m.store.list<QosRuleDoc>('qos_rule', { parent_id: policyId })).filter((r) => r.doc.type === type).map((r) => this.ruleView(r));
  }

  private async rule(auth: AuthContext, policyId: string, type: string, id: string): Promise<Res<QosRuleDoc>> {
    await this.find(auth, policyId);
    const r = await this.m.store.get<QosRuleDoc>('qos_rule', id);
    if (!r || r.parent_id !== policyId || r.doc.type !== type) throw nNotFound('QosRuleNotFound', `QoS rule ${id} for policy ${policyId} could not be found.`);
    return r;
  }

  async showRule(auth: AuthContext, policyId: string, type: string, id: string): Promise<Obj> {
    return this.ruleView(await this.rule(auth, policyId, type, id));
  }

  private async refuseDuplicate(policyId: string, type: string, fields: Obj, except?: string): Promise<void> {
    const same = (await this.m.store.list<QosRuleDoc>('qos_rule', { parent_id: policyId })).find(
      (r) => r.id !== except && r.doc.type === type && (!RULE_TYPES[type].perDirection || r.doc.direction === fields.direction),
    );
    if (same) throw nConflict('QoSRulesConflict', `Rule ${type} conflicts with rule ${same.id} which already exists in QoS Policy ${policyId}.`);
  }

  async createRule(auth: AuthContext, policyId: string, type: string, body: Obj): Promise<Obj> {
    const policy = await this.find(auth, policyId);
    const fields = RULE_TYPES[type].parse(body);
    onlyKeys(body, Object.keys(fields));
    await this.refuseDuplicate(policyId, type, fields);
    const r = await this.m.store.insert<QosRuleDoc>('qos_rule', { id: uuid(), project_id: policy.project_id, parent_id: policyId, doc: { type, ...fields } });
    await this.m.touch('qos_policy', policyId);
    return this.ruleView(r);
  }

  async updateRule(auth: AuthContext, policyId: string, type: string, id: string, body: Obj): Promise<Obj> {
    const r = await this.rule(auth, policyId, type, id);
    const fields = RULE_TYPES[type].parse(body, r.doc);
    onlyKeys(body, Object.keys(fields));
    await this.refuseDuplicate(policyId, type, fields, id);
    const saved = await this.m.modify(r, undefined, () => ({ type, ...fields }));
    await this.m.touch('qos_policy', policyId);
    return this.ruleView(saved);
  }

  async removeRule(auth: AuthContext, policyId: string, type: string, id: string): Promise<void> {
    await this.rule(auth, policyId, type, id);
    await this.m.store.delete('qos_rule', id);
    await this.m.touch('qos_policy', policyId);
  }
}
