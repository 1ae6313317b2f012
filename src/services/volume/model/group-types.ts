import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { GroupTypeRow } from '../store/tables.js';
import { isAdmin, json, now, type ModelDeps } from './common.js';
import { sortRows } from './volumes.js';

export interface GroupType {
  row: GroupTypeRow;
  specs: Record<string, string>;
}

const wrap = (row: GroupTypeRow): GroupType => ({ row, specs: json(row.group_specs, {}) });

/** Cinder's group types (3.11): admin CRUD and group specs; private types are seen by admins only. */
export class GroupTypeService {
  constructor(private readonly d: ModelDeps) {}

  /** By id or name, as Cinder resolves a group's `group_type`. */
  async find(auth: AuthContext, idOrName: string): Promise<GroupType> {
    const row = (await this.d.stores.groupTypes.get(idOrName)) ?? (await this.d.stores.groupTypes.where({ name: idOrName }))[0];
    if (!row || (!row.is_public && !isAdmin(auth))) throw notFound(`Group type ${idOrName} could not be found.`);
    return wrap(row);
  }

  async defaultType(auth: AuthContext): Promise<GroupType> {
    const name = this.d.settings.defaultGroupType;
    const row = name ? (await this.d.stores.groupTypes.where({ name }))[0] : undefined;
    if (!row) throw notFound('Default group type can not be found.');
    return this.find(auth, row.id);
  }

  /** Admins see every type unless `isPublic` narrows; others the public ones. */
  async list(auth: AuthContext, isPublic: boolean | undefined, sort: Array<[string, 'asc' | 'desc']>): Promise<GroupType[]> {
    const pub = isAdmin(auth) ? isPublic : true;
    const rows = (await this.d.stores.groupTypes.where()).filter((r) => pub === undefined || !!r.is_public === pub);
    return sortRows(rows, sort).map(wrap);
  }

  async create(f: { name: string; description?: string | null; is_public?: boolean; group_specs?: Record<string, string> }): Promise<GroupType> {
    if ((await this.d.stores.groupTypes.where({ name: f.name })).length) throw conflict(`Group Type ${f.name} already exists.`);
    const at = now();
    const row: GroupTypeRow = { id: uuid(), name: f.name, description: f.description ?? null, is_public: f.is_public === false ? 0 : 1, group_specs: JSON.stringify(f.group_specs ?? {}), created_at: at, updated_at: at };
    await this.d.stores.groupTypes.insert(row);
    return wrap(row);
  }

  async update(auth: AuthContext, id: string, f: { name?: string; description?: string | null; is_public?: boolean }): Promise<GroupType> {
    const t = await this.find(auth, id);
    if (f.name !== undefined && f.name !== t.row.name && (await this.d.stores.groupTypes.where({ name: f.name })).length) throw conflict(`Group Type ${f.name} already exists.`);
    const patch: Partial<GroupTypeRow> = {};
    if (f.name !== undefined) patch.name = f.name;
    if (f.description !== undefined) patch.description = f.description;
    if (f.is_public !== undefined) patch.is_public = f.is_public ? 1 : 0;
    await this.d.stores.groupTypes.update(t.row.id, patch);
    return this.find(auth, t.row.id);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const t = await this.find(auth, id);
    if ((await this.d.stores.groups.where({ group_type_id: t.row.id })).length) throw badRequest('Target group type is still in use.');
    await this.d.stores.groupTypes.remove(t.row.id);
  }

  async setSpecs(auth: AuthContext, id: string, specs: Record<string, string>): Promise<void> {
    const t = await this.find(auth, id);
    await this.d.stores.groupTypes.update(t.row.id, { group_specs: JSON.stringify({ ...t.specs, ...specs }) });
  }

  async spec(auth: AuthContext, id: string, key: string): Promise<string> {
    const t = await this.find(auth, id);
    if (!(key in t.specs)) throw notFound(`Group Type ${t.row.id} has no specs with key ${key}.`);
    return t.specs[key];
  }

  async unsetSpec(auth: AuthContext, id: string, key: string): Promise<void> {
    const t = await this.find(auth, id);
    if (!(key in t.specs)) throw notFound(`Group Type ${t.row.id} has no specs with key ${key}.`);
    const { [key]: _gone, ...rest } = t.specs;
    await this.d.stores.groupTypes.update(t.row.id, { group_specs: JSON.stringify(rest) });
  }
}
