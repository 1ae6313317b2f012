import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { QosRow, TypeRow } from '../store/tables.js';
import { json, now, type ModelDeps } from './common.js';

export const QOS_CONSUMERS = ['front-end', 'back-end', 'both'];

export interface QosSpecs {
  row: QosRow;
  specs: Record<string, string>;
}

const wrap = (row: QosRow): QosSpecs => ({ row, specs: json(row.specs, {}) });

/**
 * Cinder's QoS specs (admin only): named key/values for a consumer, associated with volume types.
 * As in Cinder they are data for their consumer: front-end specs travel in the connection info to
 * the hypervisor; the file driver applies no back-end specs.
 */
export class QosService {
  constructor(private readonly d: ModelDeps) {}

  async list(): Promise<QosSpecs[]> {
    return (await this.d.stores.qos.where()).sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1)).map(wrap);
  }

  async find(id: string): Promise<QosSpecs> {
    const row = await this.d.stores.qos.get(id);
    if (!row) throw notFound(`QoS Specs ${id} could not be found.`);
    return wrap(row);
  }

  async create(name: string, consumer: string, specs: Record<string, string>): Promise<QosSpecs> {
    if (!QOS_CONSUMERS.includes(consumer)) throw badRequest(`Invalid input received: Valid consumer of QoS specs are: ${QOS_CONSUMERS.join(', ')}`);
    if ((await this.d.stores.qos.where({ name })).length) throw conflict(`QoS Specs ${name} already exists.`);
    const at = now();
    const row: QosRow = { id: uuid(), name, consumer, specs: JSON.stringify(specs), created_at: at, updated_at: at };
    await this.d.stores.qos.insert(row);
    return wrap(row);
  }

  /** Sets keys (and `consumer`, which Cinder treats as a key here); answers what was set. */
  async setKeys(id: string, keys: Record<string, string>): Promise<void> {
    const q = await this.find(id);
    const { consumer, ...specs } = keys;
    if (consumer !== undefined && !QOS_CONSUMERS.includes(consumer)) throw badRequest(`Invalid input received: Valid consumer of QoS specs are: ${QOS_CONSUMERS.join(', ')}`);
    await this.d.stores.qos.update(id, { specs: JSON.stringify({ ...q.specs, ...specs }), ...(consumer !== undefined ? { consumer } : {}) });
  }

  async unsetKeys(id: string, keys: string[]): Promise<void> {
    const q = await this.find(id);
    const missing = keys.find((k) => !(k in q.specs));
    if (missing) throw badRequest(`Invalid input received: QoS specs ${id} has no key ${missing}.`);
    await this.d.stores.qos.update(id, { specs: JSON.stringify(Object.fromEntries(Object.entries(q.specs).filter(([k]) => !keys.includes(k)))) });
  }

  async associations(id: string): Promise<TypeRow[]> {
    await this.find(id);
    return this.d.stores.types.where({ qos_specs_id: id });
  }

  /** A type has at most one QoS specs, as in Cinder. */
  async associate(id: string, typeId: string): Promise<void> {
    await this.find(id);
    const type = await this.typeOf(typeId);
    if (type.qos_specs_id && type.qos_specs_id !== id) throw badRequest(`Invalid volume type: Type ${typeId} is already associated with another qos specs: ${type.qos_specs_id}`);
    await this.d.stores.types.update(typeId, { qos_specs_id: id });
  }

  async disassociate(id: string, typeId: string): Promise<void> {
    await this.find(id);
    const type = await this.typeOf(typeId);
    if (type.qos_specs_id !== id) throw badRequest(`Invalid input received: Type ${typeId} is not associated with qos specs ${id}.`);
    await this.d.stores.types.update(typeId, { qos_specs_id: null });
  }

  async disassociateAll(id: string): Promise<void> {
    for (const t of await this.associations(id)) await this.d.stores.types.update(t.id, { qos_specs_id: null });
  }

  /** Refused while types use the specs, unless forced (then they are disassociated). */
  async remove(id: string, force: boolean): Promise<void> {
    const inUse = await this.associations(id);
    if (inUse.length && !force) throw badRequest(`QoS Specs ${id} is still associated with entities.`);
    await this.disassociateAll(id);
    await this.d.stores.qos.remove(id);
  }

  private async typeOf(typeId: string): Promise<TypeRow> {
    const type = await this.d.stores.types.get(typeId);
    if (!type) throw notFound(`Volume type ${typeId} could not be found.`);
    return type;
  }
}
