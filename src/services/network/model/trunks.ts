import type { AuthContext } from '../../../platform/auth.js';
import { uuid } from '../../../platform/ids.js';
import { isObj, optBool, optString, reqString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { checkTags, standard, type Collection } from './collection.js';
import { invalid, isAdmin, onlyKeys, type ModelContext } from './context.js';
import { nBadRequest, nConflict, nNotFound } from './errors.js';
import type { Ports } from './ports.js';
import type { SubPort, TrunkDoc } from './types.js';

export const SUBPORT_OWNER = 'trunk:subport';

/**
 * VLAN-aware VMs (trunk): a parent port carries sub-ports, each tagged by a segmentation type and
 * id. The trunk is stored with `ref_id` = its parent port, so a port can tell it is a parent.
 */
export class Trunks implements Collection {
  readonly kind = 'trunk' as const;
  readonly singular = 'trunk';
  readonly plural = 'trunks';
  readonly attributes = ['port_id', 'admin_state_up', 'status', 'sub_ports'];

  constructor(
    private readonly m: ModelContext,
    private readonly ports: Pick<Ports, 'find' | 'updatePort'>,
  ) {}

  private async view(t: Res<TrunkDoc>): Promise<Obj> {
    const parent = await this.m.store.get<{ status: string }>('port', t.doc.port_id);
    return { ...standard(t), port_id: t.doc.port_id, admin_state_up: t.doc.admin_state_up, status: parent?.doc.status === 'ACTIVE' ? 'ACTIVE' : 'DOWN', sub_ports: t.doc.sub_ports };
  }

  private find(auth: AuthContext, id: string): Promise<Res<TrunkDoc>> {
    return this.m.owned<TrunkDoc>(auth, 'trunk', id);
  }

  async list(auth: AuthContext): Promise<Obj[]> {
    const rows = await this.m.store.list<TrunkDoc>('trunk', isAdmin(auth) ? {} : { project_id: auth.projectId ?? '' });
    return Promise.all(rows.map((t) => this.view(t)));
  }

  async show(auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.find(auth, id));
  }

  /** The trunk a port takes part in, as parent or sub-port. */
  private async usage(portId: string): Promise<Res<TrunkDoc> | undefined> {
    return (await this.m.store.list<TrunkDoc>('trunk')).find((t) => t.doc.port_id === portId || t.doc.sub_ports.some((s) => s.port_id === portId));
  }

  /**
   * The request's own checks, before any lookup (Neutron's subports validator): port ids, both
   * segmentation fields unless `inherit`, no segmentation twice in one request.
   */
  private syntax(raw: unknown): Obj[] {
    if (!Array.isArray(raw) || !raw.every(isObj)) throw invalid('sub_ports', raw, 'is not a list of sub-ports');
    const seen = new Set<string>();
    for (const s of raw as Obj[]) {
      onlyKeys(s, ['port_id', 'segmentation_type', 'segmentation_id']);
      reqString(s, 'port_id');
      if (s.segmentation_type === 'inherit') continue;
      if (s.segmentation_type === undefined || s.segmentation_id === undefined) throw invalid('sub_ports', s, 'misses segmentation information');
      const key = `${String(s.segmentation_type)}/${String(s.segmentation_id)}`;
      if (seen.has(key)) throw invalid('sub_ports', s, `repeats segmentation ${key}`);
      seen.add(key);
    }
    return raw as Obj[];
  }

  /** A disabled trunk cannot change (TrunkDisabled), as Neutron's. */
  private enabled(t: Res<TrunkDoc>): void {
    if (!t.doc.admin_state_up) throw nConflict('TrunkDisabled', `Trunk ${t.id} is currently disabled.`);
  }

  /** Validates requested sub-ports against a trunk (`trunkId`, its parent and current sub-ports). */
  private async checkSubPorts(auth: AuthContext, trunkId: string, parentId: string, current: SubPort[], raw: unknown): Promise<SubPort[]> {
    this.syntax(raw);
    const out: SubPort[] = [];
    for (const s of raw as Obj[]) {
      const portId = reqString(s, 'port_id');
      const type = optString(s, 'segmentation_type') ?? 'vlan';
      if (type !== 'vlan' && type !== 'inherit') throw invalid('segmentation_type', type, "is not in ['vlan', 'inherit']");
      const segId = type === 'inherit' ? null : Number(s.segmentation_id);
      if (segId !== null && !(Number.isInteger(segId) && segId >= 1 && segId <= 4094)) throw invalid('segmentation_id', s.segmentation_id ?? null, 'is not a VLAN id (1 to 4094)');
      await this.ports.find(auth, portId);
      const used = portId === parentId ? undefined : await this.usage(portId);
      if (portId === parentId || used) throw nConflict('PortInUseAsSubPort', `Port ${portId} is currently a subport for trunk ${used?.id ?? trunkId}.`);
      if ([...current, ...out].some((x) => x.port_id === portId || (segId !== null && x.segmentation_type === type && x.segmentation_id === segId))) {
        throw nConflict('DuplicateSubPort', `segmentation_type ${type} and segmentation_id ${String(segId)} already in use on trunk ${trunkId}.`);
      }
      out.push({ port_id: portId, segmentation_type: type, segmentation_id: segId });
    }
    return out;
  }

  /** Marks (or frees) the ports of sub-ports as Neutron does: device owner `trunk:subport`, device id the trunk. */
  private async own(auth: AuthContext, subs: SubPort[], trunkId: string | null): Promise<void> {
    for (const s of subs) {
      const port = await this.m.store.get('port', s.port_id);
      if (port) await this.ports.updatePort(auth, await this.ports.find(auth, port.id), { device_owner: trunkId ? SUBPORT_OWNER : '', device_id: trunkId ?? '' }, undefined, true);
    }
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    onlyKeys(body, ['name', 'description', 'admin_state_up', 'port_id', 'sub_ports', 'project_id', 'tenant_id', 'tags']);
    const project = this.m.owner(auth, body);
    if (body.sub_ports !== undefined) this.syntax(body.sub_ports);
    const parent = await this.ports.find(auth, reqString(body, 'port_id'));
    const busy = await this.usage(parent.id);
    if (busy) throw nConflict('TrunkPortInUse', `Port ${parent.id} is in use by another trunk.`);
    const id = uuid();
    const subs = body.sub_ports === undefined ? [] : await this.checkSubPorts(auth, id, parent.id, [], body.sub_ports);
    const doc: TrunkDoc = {
      name: optString(body, 'name', { max: 255 }) ?? '',
      description: optString(body, 'description', { max: 255 }) ?? '',
      tags: body.tags === undefined ? [] : checkTags(body.tags),
      port_id: parent.id,
      admin_state_up: optBool(body, 'admin_state_up') ?? true,
      sub_ports: subs,
    };
    const t = await this.m.store.insert('trunk', { id, project_id: project, ref_id: parent.id, doc });
    await this.own(auth, subs, id);
    return this.view(t);
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    onlyKeys(body, ['name', 'description', 'admin_state_up']);
    const t = await this.find(auth, id);
    const saved = await this.m.modify(t, ifMatch, (d) => ({
      ...d,
      name: optString(body, 'name', { max: 255 }) ?? d.name,
      description: optString(body, 'description', { max: 255 }) ?? d.description,
      admin_state_up: optBool(body, 'admin_state_up') ?? d.admin_state_up,
    }));
    return this.view(saved);
  }

  async remove(auth: AuthContext, id: string, ifMatch?: number): Promise<void> {
    const t = await this.find(auth, id);
    this.enabled(t);
    if (ifMatch !== undefined) await this.m.modify(t, ifMatch, (d) => d);
    const parent = await this.m.store.get<{ host_id: string }>('port', t.doc.port_id);
    if (parent?.doc.host_id) throw nConflict('TrunkInUse', `Trunk ${id} is currently in use.`);
    await this.own(auth, t.doc.sub_ports, null);
    await this.m.store.delete('trunk', id);
  }

  async setTags(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]> {
    return (await this.m.modify(await this.find(auth, id), ifMatch, (d) => ({ ...d, tags: change(d.tags) }))).doc.tags;
  }

  async addSubPorts(auth: AuthContext, id: string, body: unknown): Promise<Obj> {
    const t = await this.find(auth, id);
    this.enabled(t);
    if (!isObj(body)) throw nBadRequest('HTTPBadRequest', 'Body contains invalid data');
    const subs = await this.checkSubPorts(auth, id, t.doc.port_id, t.doc.sub_ports, body.sub_ports);
    const saved = await this.m.modify(t, undefined, (d) => ({ ...d, sub_ports: [...d.sub_ports, ...subs] }));
    await this.own(auth, subs, id);
    return this.view(saved);
  }

  async removeSubPorts(auth: AuthContext, id: string, body: unknown): Promise<Obj> {
    const t = await this.find(auth, id);
    this.enabled(t);
    const raw = isObj(body) ? body.sub_ports : undefined;
    if (!Array.isArray(raw) || !raw.every(isObj)) throw invalid('sub_ports', raw ?? null, 'is not a list of sub-ports');
    const ids = (raw as Obj[]).map((s) => reqString(s, 'port_id'));
    for (const p of ids) {
      if (!t.doc.sub_ports.some((s) => s.port_id === p)) throw nNotFound('SubPortNotFound', `SubPort ${p} cannot be found on trunk ${id}.`);
    }
    const saved = await this.m.modify(t, undefined, (d) => ({ ...d, sub_ports: d.sub_ports.filter((s) => !ids.includes(s.port_id)) }));
    await this.own(auth, t.doc.sub_ports.filter((s) => ids.includes(s.port_id)), null);
    return this.view(saved);
  }

  async subPorts(auth: AuthContext, id: string): Promise<SubPort[]> {
    return (await this.find(auth, id)).doc.sub_ports;
  }
}
