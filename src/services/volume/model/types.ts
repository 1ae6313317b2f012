import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { TypeRow } from '../store/tables.js';
import { isAdmin, json, now, type ModelDeps } from './common.js';

export interface VolumeType {
  row: TypeRow;
  extraSpecs: Record<string, string>;
}

/** An extra spec that makes the file driver encrypt at rest (Cinder's encryption types are admin-only metadata; the spec is what users can see). */
export const ENCRYPTED_SPEC = 'scs:encrypted';
export const isEncryptedType = (t: VolumeType): boolean => t.extraSpecs[ENCRYPTED_SPEC] === 'True';

/** The types a fresh cloud ships: SCS scs-0114 aspects only where true (LUKS really encrypts at rest). */
const SHIPPED = [
  { name: '__DEFAULT__', description: 'Default Volume Type', extraSpecs: {} },
  { name: 'LUKS', description: '[scs:encrypted] Encrypted at rest (AES-256-XTS, per-volume key)', extraSpecs: { [ENCRYPTED_SPEC]: 'True' } },
];

const wrap = (row: TypeRow): VolumeType => ({ row, extraSpecs: json(row.extra_specs, {}) });

export class TypeService {
  constructor(private readonly d: ModelDeps) {}

  async bootstrap(): Promise<void> {
    const existing = new Set((await this.d.stores.types.where()).map((t) => t.name));
    for (const t of SHIPPED) {
      if (existing.has(t.name)) continue;
      const at = now();
      await this.d.stores.types.insert({ id: uuid(), name: t.name, description: t.description, is_public: 1, extra_specs: JSON.stringify(t.extraSpecs), created_at: at, updated_at: at });
    }
  }

  private async canSee(auth: AuthContext, row: TypeRow): Promise<boolean> {
    if (row.is_public || isAdmin(auth)) return true;
    return !!auth.projectId && (await this.d.stores.typeAccess.typesOf(auth.projectId)).includes(row.id);
  }

  /** By id or name, as Cinder resolves `volume_type`. */
  async find(auth: AuthContext, idOrName: string): Promise<VolumeType> {
    const row = (await this.d.stores.types.get(idOrName)) ?? (await this.d.stores.types.where({ name: idOrName }))[0];
    if (!row || !(await this.canSee(auth, row))) throw notFound(`Volume type ${idOrName} could not be found.`);
    return wrap(row);
  }

  async byId(id: string): Promise<VolumeType | undefined> {
    const row = await this.d.stores.types.get(id);
    return row && wrap(row);
  }

  /** Every type's name by id (rendering volumes). */
  async names(): Promise<Map<string, string>> {
    return new Map((await this.d.stores.types.where()).map((t) => [t.id, t.name]));
  }

  async defaultType(auth: AuthContext): Promise<VolumeType> {
    return this.find(auth, this.d.settings.defaultType);
  }

  /** Public types and the private ones the project may use; admins see all unless `isPublic` narrows. */
  async list(auth: AuthContext, isPublic?: boolean): Promise<VolumeType[]> {
    const rows = await this.d.stores.types.where();
    const out: VolumeType[] = [];
    for (const r of rows) {
      if (isAdmin(auth) && isPublic !== undefined && !!r.is_public !== isPublic) continue;
      if (!isAdmin(auth) && !(await this.canSee(auth, r))) continue;
      out.push(wrap(r));
    }
    return out.sort((a, b) => a.row.name.localeCompare(b.row.name));
  }

  async create(f: { name: string; description?: string | null; is_public?: boolean; extra_specs?: Record<string, string> }): Promise<VolumeType> {
    if ((await this.d.stores.types.where({ name: f.name })).length) throw conflict(`Volume Type ${f.name} already exists.`);
    const at = now();
    const row: TypeRow = { id: uuid(), name: f.name, description: f.description ?? null, is_public: f.is_public === false ? 0 : 1, extra_specs: JSON.stringify(f.extra_specs ?? {}), created_at: at, updated_at: at };
    await this.d.stores.types.insert(row);
    return wrap(row);
  }

  async update(auth: AuthContext, id: string, f: { name?: string; description?: string | null; is_public?: boolean }): Promise<VolumeType> {
    const t = await this.find(auth, id);
    if (f.name && f.name !== t.row.name && (await this.d.stores.types.where({ name: f.name })).length) throw conflict(`Volume Type ${f.name} already exists.`);
    const patch: Partial<TypeRow> = {};
    if (f.name !== undefined) patch.name = f.name;
    if (f.description !== undefined) patch.description = f.description;
    if (f.is_public !== undefined) patch.is_public = f.is_public ? 1 : 0;
    await this.d.stores.types.update(t.row.id, patch);
    return this.find(auth, t.row.id);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const t = await this.find(auth, id);
    if (t.row.name === this.d.settings.defaultType) throw badRequest('Default volume type can not be deleted.');
    if ((await this.d.stores.volumes.where({ volume_type_id: t.row.id })).length) throw badRequest(`Target volume type is still in use. Volume Type ${t.row.id} deletion is not allowed with volumes present with the type.`);
    await this.d.stores.typeAccess.removeAll(t.row.id);
    await this.d.stores.types.remove(t.row.id);
  }

  async setSpecs(auth: AuthContext, id: string, specs: Record<string, string>, replace = false): Promise<Record<string, string>> {
    const t = await this.find(auth, id);
    if ((await this.d.stores.volumes.where({ volume_type_id: t.row.id })).length && Object.keys(specs).some((k) => k === ENCRYPTED_SPEC)) {
      throw badRequest(`Volume Type ${t.row.id} is in use: its encryption cannot change.`);
    }
    const next = replace ? specs : { ...t.extraSpecs, ...specs };
    await this.d.stores.types.update(t.row.id, { extra_specs: JSON.stringify(next) });
    return next;
  }

  async unsetSpec(auth: AuthContext, id: string, key: string): Promise<void> {
    const t = await this.find(auth, id);
    if (!(key in t.extraSpecs)) throw notFound(`Volume Type ${t.row.id} has no extra specs with key ${key}.`);
    if (key === ENCRYPTED_SPEC && (await this.d.stores.volumes.where({ volume_type_id: t.row.id })).length) throw badRequest(`Volume Type ${t.row.id} is in use: its encryption cannot change.`);
    const { [key]: _gone, ...rest } = t.extraSpecs;
    await this.d.stores.types.update(t.row.id, { extra_specs: JSON.stringify(rest) });
  }

  async access(auth: AuthContext, id: string): Promise<string[]> {
    const t = await this.find(auth, id);
    if (t.row.is_public) throw notFound(`Volume type access not found for ${t.row.id}: the type is public.`);
    return (await this.d.stores.typeAccess.list(t.row.id)).map((r) => r.project_id);
  }

  async addAccess(auth: AuthContext, id: string, project: string): Promise<void> {
    const t = await this.find(auth, id);
    if (t.row.is_public) throw badRequest(`Invalid volume type: Type access modification is not applicable to public volume type.`);
    if (!(await this.d.stores.typeAccess.add(t.row.id, project))) throw conflict(`Volume type access for ${t.row.id} / ${project} combination already exists.`);
  }

  async removeAccess(auth: AuthContext, id: string, project: string): Promise<void> {
    const t = await this.find(auth, id);
    if (t.row.is_public) throw badRequest(`Invalid volume type: Type access modification is not applicable to public volume type.`);
    if (!(await this.d.stores.typeAccess.remove(t.row.id, project))) throw notFound(`Volume type access not found for ${t.row.id} / ${project} combination.`);
  }
}
