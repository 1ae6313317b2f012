import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { looseBool, optString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { cidrsOverlap, formatCidr, parseCidr } from './addresses.js';
import type { Collection } from './collection.js';
import { adminOnly, invalid, isAdmin, onlyKeys, type ModelContext } from './context.js';
import { nBadRequest, nConflict, nNotFound } from './errors.js';

export interface MeteringLabelDoc {
  name: string;
  description: string;
  shared: boolean;
}

export interface MeteringRuleDoc {
  direction: 'ingress' | 'egress';
  excluded: boolean;
  remote_ip_prefix: string | null;
  source_ip_prefix: string | null;
  destination_ip_prefix: string | null;
}

const labelNotFound = (id: string) => nNotFound('MeteringLabelNotFound', `Metering label '${id}' does not exist.`);
const ruleNotFound = (id: string) => nNotFound('MeteringLabelRuleNotFound', `Metering label rule '${id}' does not exist.`);

/** Records an admin sees in every project and others in their own (Neutron's metering policies). */
function projectRecords<T>(m: ModelContext, kind: 'metering_label' | 'metering_label_rule', notFound: (id: string) => Error) {
  return {
    async find(auth: AuthContext, id: string): Promise<Res<T>> {
      const r = await m.store.get<T>(kind, id);
      if (!r || (!isAdmin(auth) && r.project_id !== auth.projectId)) throw notFound(id);
      return r;
    },
    list: (auth: AuthContext): Promise<Res<T>[]> => m.store.list<T>(kind, isAdmin(auth) ? {} : { project_id: auth.projectId }),
  };
}

/** A boolean attribute Neutron converts (`convert_to_boolean`); false when absent. */
function flag(body: Obj, field: string): boolean {
  if (body[field] === undefined) return false;
  const b = looseBool(body[field]);
  if (b === undefined) throw invalid(field, body[field], 'cannot be converted to boolean');
  return b;
}

/**
 * Metering labels (metering): what the traffic counters of a project's routers would be grouped
 * by. The records are Neutron's; with the simulated data plane nothing is counted yet. Labels,
 * like Neutron's, have no standard attributes and cannot be updated.
 */
export class MeteringLabels implements Collection {
  readonly kind = 'metering_label' as const;
  readonly singular = 'metering_label';
  readonly plural = 'metering_labels';
  readonly attributes = ['shared'];

  private readonly records: ReturnType<typeof projectRecords<MeteringLabelDoc>>;

  constructor(private readonly m: ModelContext) {
    this.records = projectRecords<MeteringLabelDoc>(m, 'metering_label', labelNotFound);
  }

  /** A label the caller may see. */
  find(auth: AuthContext, id: string): Promise<Res<MeteringLabelDoc>> {
    return this.records.find(auth, id);
  }

  private view(l: Res<MeteringLabelDoc>): Obj {
    return { id: l.id, name: l.doc.name, description: l.doc.description, shared: l.doc.shared, project_id: l.project_id, tenant_id: l.project_id };
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    return (await this.records.list(auth)).map((l) => this.view(l));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.find(auth, id));
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, ['name', 'description', 'shared', 'project_id', 'tenant_id']);
    adminOnly(auth, body, ['shared'], 'create_metering_label');
    const doc: MeteringLabelDoc = {
      name: optString(body, 'name', { max: 255 }) ?? '',
      description: optString(body, 'description', { max: 1024 }) ?? '',
      shared: flag(body, 'shared'),
    };
    const saved = await this.m.store.insert('metering_label', { id: uuid(), project_id: this.m.owner(auth, body), doc });
    return this.show(auth, saved.id);
  }

  /** Deleting a label deletes its rules (Neutron's foreign key cascades). */
  async remove(auth: AuthContext, id: string): Promise<void> {
    await this.find(auth, id);
    for (const r of await this.m.store.list('metering_label_rule', { parent_id: id })) await this.m.store.delete('metering_label_rule', r.id);
    await this.m.store.delete('metering_label', id);
  }
}

/** Metering label rules: which addresses a label counts (or, `excluded`, leaves out). */
export class MeteringRules implements Collection {
  readonly kind = 'metering_label_rule' as const;
  readonly singular = 'metering_label_rule';
  readonly plural = 'metering_label_rules';
  readonly attributes = ['metering_label_id', 'direction', 'excluded', 'remote_ip_prefix', 'source_ip_prefix', 'destination_ip_prefix'];

  private readonly records: ReturnType<typeof projectRecords<MeteringRuleDoc>>;

  constructor(
    private readonly m: ModelContext,
    private readonly labels: MeteringLabels,
  ) {
    this.records = projectRecords<MeteringRuleDoc>(m, 'metering_label_rule', ruleNotFound);
  }

  private view(r: Res<MeteringRuleDoc>): Obj {
    // Neutron's rule dictionary names no project: the label's owns it.
    return { id: r.id, metering_label_id: r.parent_id, ...r.doc };
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    return (await this.records.list(auth)).map((r) => this.view(r));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.records.find(auth, id));
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, ['metering_label_id', 'direction', 'excluded', 'remote_ip_prefix', 'source_ip_prefix', 'destination_ip_prefix', 'project_id', 'tenant_id']);
    const labelId = optString(body, 'metering_label_id');
    if (!labelId) throw invalid('metering_label_id', body.metering_label_id ?? null, 'is not a valid UUID');
    const label = await this.labels.find(auth, labelId);
    const direction = body.direction;
    if (direction !== 'ingress' && direction !== 'egress') throw invalid('direction', direction ?? null, "is not in ['ingress', 'egress']");
    const prefix = (field: string): string | null => {
      const v = body[field];
      if (v === undefined || v === null || v === '') return null;
      const c = typeof v === 'string' ? parseCidr(v) : undefined;
      if (!c) throw nBadRequest('Invalid', `${field}: ${String(v)} is invalid.`);
      return formatCidr(c);
    };
    const doc: MeteringRuleDoc = {
      direction,
      excluded: flag(body, 'excluded'),
      remote_ip_prefix: prefix('remote_ip_prefix'),
      source_ip_prefix: prefix('source_ip_prefix'),
      destination_ip_prefix: prefix('destination_ip_prefix'),
    };
    if (doc.remote_ip_prefix && (doc.source_ip_prefix || doc.destination_ip_prefix)) {
      throw nBadRequest('Invalid', "Cannot use 'remote-ip-prefix' in conjunction with 'source-ip-prefix' or 'destination-ip-prefix'.");
    }
    if (!doc.remote_ip_prefix && !doc.source_ip_prefix && !doc.destination_ip_prefix) {
      throw nBadRequest('Invalid', "You must define at least one of the following parameters 'remote_ip_prefix', or 'source_ip_prefix' or 'destination_ip_prefix'.");
    }
    // As Neutron: remote prefixes of one label, direction and kind must not overlap.
    if (doc.remote_ip_prefix) {
      const mine = parseCidr(doc.remote_ip_prefix)!;
      for (const other of await this.m.store.list<MeteringRuleDoc>('metering_label_rule', { parent_id: label.id })) {
        const o = other.doc;
        if (o.direction === doc.direction && o.excluded === doc.excluded && o.remote_ip_prefix && cidrsOverlap(parseCidr(o.remote_ip_prefix)!, mine)) {
          throw nConflict('MeteringLabelRuleOverlaps', `Metering label rule with remote_ip_prefix '${doc.remote_ip_prefix}' overlaps another.`);
        }
      }
    }
    const saved = await this.m.store.insert('metering_label_rule', { id: uuid(), project_id: label.project_id, parent_id: label.id, doc });
    return this.show(auth, saved.id);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    await this.records.find(auth, id);
    await this.m.store.delete('metering_label_rule', id);
  }
}
