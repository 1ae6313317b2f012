import { createHash } from 'node:crypto';
import type { AuthContext } from '../../../platform/auth.js';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { isoSeconds, uuid } from '../../../platform/ids.js';
import { optInt, optString, type Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import type { Collection } from './collection.js';
import { invalid, onlyKeys, type ModelContext } from './context.js';
import { inUse, nBadRequest, nConflict } from './errors.js';
import type { SubnetDoc } from './types.js';

/** Where a network's traffic runs: its provider attributes (ML2's network segment). */
export interface SegmentFields {
  network_type: string;
  physical_network: string | null;
  segmentation_id: number | null;
}

export interface SegmentDoc extends SegmentFields {
  name: string | null;
  description: string;
  segment_index: number;
}

const TYPES = ['vxlan', 'geneve', 'gre', 'flat', 'vlan', 'local'];
const TUNNELS = ['vxlan', 'geneve', 'gre'];

/**
 * Checks a segment as ML2's type drivers do and fills in what they would: `physnet1` for flat and
 * VLAN segments without a physical network, a tunnel id for a tunnel without one.
 */
export function segmentOf(s: { network_type: string; physical_network?: string | null; segmentation_id?: number | null }): SegmentFields {
  const type = s.network_type;
  if (!TYPES.includes(type)) throw nBadRequest('InvalidInput', `Invalid input for operation: network_type value '${type}' not supported.`);
  const physical = type === 'flat' || type === 'vlan' ? (s.physical_network ?? 'physnet1') : (s.physical_network ?? null);
  if (physical !== null && type !== 'flat' && type !== 'vlan') throw nBadRequest('InvalidInput', `Invalid input for operation: provider:physical_network specified for ${type} network.`);
  let id = s.segmentation_id ?? null;
  if (id !== null && (type === 'flat' || type === 'local')) throw nBadRequest('InvalidInput', `Invalid input for operation: segmentation_id specified for ${type} network.`);
  if (type === 'vlan' && id !== null && (id < 1 || id > 4094)) throw nBadRequest('InvalidInput', 'Invalid input for operation: segmentation_id out of range (1 through 4094).');
  if (TUNNELS.includes(type) && id === null) id = 1000 + Math.floor(Math.random() * 1_000_000);
  return { network_type: type, physical_network: physical, segmentation_id: id };
}

/** A network's first segment is made with it, under an id derived from the network's (so making it twice fails). */
export function baseSegmentId(networkId: string): string {
  const h = createHash('sha1').update(`segment:${networkId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Network segments (segment, standard-attr-segment): every network has its first segment (its
 * provider attributes); an admin adds more, as for routed provider networks, and names subnets'
 * segments. Admins only, as in Neutron.
 */
export class Segments implements Collection {
  readonly kind = 'segment' as const;
  readonly singular = 'segment';
  readonly plural = 'segments';
  readonly attributes = ['network_id', 'network_type', 'physical_network', 'segmentation_id', 'segment_index'];
  readonly hideWhenDenied = true;

  constructor(private readonly m: ModelContext) {}

  private view(s: Res<SegmentDoc>): Obj {
    return {
      id: s.id,
      network_id: s.parent_id,
      name: s.doc.name,
      description: s.doc.description,
      network_type: s.doc.network_type,
      physical_network: s.doc.physical_network,
      segmentation_id: s.doc.segmentation_id,
      segment_index: s.doc.segment_index,
      hosts: [],
      created_at: isoSeconds(s.created_at),
      updated_at: isoSeconds(s.updated_at),
      revision_number: s.revision_number,
    };
  }

  /** The segments of these networks (all when no ids), by network, in index order. */
  async byNetwork(networkIds?: string[]): Promise<Map<string, Res<SegmentDoc>[]>> {
    const out = new Map<string, Res<SegmentDoc>[]>();
    const wanted = networkIds && new Set(networkIds);
    for (const s of await this.m.store.list<SegmentDoc>('segment')) {
      if (!s.parent_id || (wanted && !wanted.has(s.parent_id))) continue;
      out.set(s.parent_id, [...(out.get(s.parent_id) ?? []), s]);
    }
    for (const list of out.values()) list.sort((a, b) => a.doc.segment_index - b.doc.segment_index);
    return out;
  }

  async list(): Promise<Obj[]> {
    return (await this.m.store.list<SegmentDoc>('segment')).map((s) => this.view(s));
  }

  async show(_auth: AuthContext, id: string): Promise<Obj> {
    return this.view(await this.m.load<SegmentDoc>('segment', id));
  }

  checkInput(body: Obj, action: 'create' | 'update'): void {
    onlyKeys(body, action === 'create' ? ['network_id', 'network_type', 'physical_network', 'segmentation_id', 'name', 'description', 'project_id', 'tenant_id'] : ['name', 'description']);
  }

  /** The first segment of a new network. */
  async addBase(networkId: string, fields: SegmentFields): Promise<void> {
    const doc: SegmentDoc = { ...fields, name: null, description: '', segment_index: 0 };
    await this.m.store.insert('segment', { id: baseSegmentId(networkId), project_id: '', parent_id: networkId, doc });
  }

  /** Gives networks made before segments existed their first segment; another process may race us. */
  async backfill(): Promise<void> {
    const have = await this.byNetwork();
    for (const n of await this.m.store.list<SegmentFields>('network')) {
      if (have.has(n.id)) continue;
      await this.addBase(n.id, n.doc).catch((e) => {
        if (!isUniqueViolation(e)) throw e;
      });
    }
  }

  async create(auth: AuthContext, body: Obj): Promise<Obj> {
    const networkId = optString(body, 'network_id');
    if (!networkId) throw invalid('network_id', body.network_id ?? null, 'is not a valid UUID');
    await this.m.load('network', networkId);
    const type = optString(body, 'network_type');
    if (!type) throw nBadRequest('HTTPBadRequest', "Failed to parse request. Required attribute 'network_type' not specified");
    const fields = segmentOf({
      network_type: type,
      physical_network: optString(body, 'physical_network', { nullable: true, max: 64 }),
      segmentation_id: optInt(body, 'segmentation_id', { nullable: true, min: 1, max: 16777215 }),
    });
    const all = await this.m.store.list<SegmentDoc>('segment');
    const taken = all.find((s) => s.doc.network_type === fields.network_type && s.doc.physical_network === fields.physical_network && s.doc.segmentation_id !== null && s.doc.segmentation_id === fields.segmentation_id);
    if (taken && fields.network_type === 'vlan') throw nConflict('VlanIdInUse', `Unable to create the network. The VLAN ${fields.segmentation_id} on physical network ${fields.physical_network} is in use.`);
    if (taken) throw nConflict('TunnelIdInUse', `Unable to create the network. The tunnel ID ${fields.segmentation_id} is in use.`);
    const index = Math.max(-1, ...all.filter((s) => s.parent_id === networkId).map((s) => s.doc.segment_index)) + 1;
    const doc: SegmentDoc = { ...fields, name: optString(body, 'name', { nullable: true, max: 255 }) ?? null, description: optString(body, 'description', { max: 255 }) ?? '', segment_index: index };
    const saved = await this.m.store.insert('segment', { id: uuid(), project_id: '', parent_id: networkId, doc });
    return this.show(auth, saved.id);
  }

  async update(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj> {
    const s = await this.m.load<SegmentDoc>('segment', id);
    await this.m.modify(s, ifMatch, (d) => ({
      ...d,
      name: body.name === undefined ? d.name : (optString(body, 'name', { nullable: true, max: 255 }) ?? null),
      description: optString(body, 'description', { max: 255 }) ?? d.description,
    }));
    return this.show(auth, id);
  }

  async remove(_auth: AuthContext, id: string, ifMatch?: number): Promise<void> {
    const s = await this.m.load<SegmentDoc>('segment', id);
    if (ifMatch !== undefined) await this.m.modify(s, ifMatch, (d) => d);
    const subnets = (await this.m.store.list<SubnetDoc>('subnet', { parent_id: s.parent_id ?? '' })).filter((x) => x.doc.segment_id === id);
    if (subnets.length) throw inUse('SegmentInUse', `Segment '${id}' cannot be deleted: The segment is still associated with subnet(s) ${subnets.map((x) => x.id).join(', ')}.`);
    await this.m.store.delete('segment', id);
  }

  /** A network's segments go with it. */
  async removeOf(networkId: string): Promise<void> {
    for (const s of await this.m.store.list('segment', { parent_id: networkId })) await this.m.store.delete('segment', s.id);
  }
}
