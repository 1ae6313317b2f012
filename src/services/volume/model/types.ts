import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import { XTS_KEY_BITS } from '../drivers/sectors.js';
import type { TypeRow } from '../store/tables.js';
import { isAdmin, json, now, type ModelDeps } from './common.js';

/** Cinder's volume type encryption spec; the file driver encrypts every volume of such a type at rest. */
export interface Encryption {
  encryption_id: string;
  provider: string;
  cipher: string | null;
  key_size: number | null;
  control_location: string;
  created_at: string;
  updated_at: string | null;
}

export interface VolumeType {
  row: TypeRow;
  extraSpecs: Record<string, string>;
  encryption: Encryption | null;
}

export const isEncryptedType = (t: VolumeType): boolean => t.encryption !== null;

/**
 * Why the file driver cannot encrypt volumes of this type, if it cannot. Cinder stores any cipher
 * and key size and fails only when a volume is used (LUKS refuses an XTS key of 128 bits); here such
 * a volume is created in `error` with this reason.
 */
export function unsupportedEncryption(t: VolumeType): string | undefined {
  const e = t.encryption;
  if (!e) return undefined;
  if (e.cipher !== null && e.cipher !== CIPHER) return `No valid backend was found. The back end encrypts with ${CIPHER} only, not ${e.cipher}.`;
  if (e.key_size !== null && !XTS_KEY_BITS.includes(e.key_size)) return `No valid backend was found. The back end encrypts with ${CIPHER} keys of ${XTS_KEY_BITS.join(' or ')} bits only, not ${e.key_size}.`;
  return undefined;
}

/** What the file driver really does: AES in XTS mode, sector numbers as tweaks; 512-bit keys (AES-256) unless the type asks for 256 (AES-128). */
export const CIPHER = 'aes-xts-plain64';
export const KEY_SIZE = 512;

const encryptionSpec = (f: { provider: string; cipher?: string | null; key_size?: number | null; control_location?: string }): Omit<Encryption, 'created_at' | 'updated_at'> => ({
  encryption_id: uuid(),
  provider: f.provider,
  cipher: f.cipher ?? CIPHER,
  key_size: f.key_size ?? KEY_SIZE,
  control_location: f.control_location ?? 'front-end',
});

/** The types a fresh cloud ships: SCS scs-0114 aspects only where true (LUKS really encrypts at rest). */
const SHIPPED = [
  { name: '__DEFAULT__', description: 'Default Volume Type', encryption: null },
  { name: 'LUKS', description: '[scs:encrypted] Encrypted at rest (AES-256-XTS, per-volume key)', encryption: { provider: 'luks', control_location: 'back-end' } },
];

const wrap = (row: TypeRow): VolumeType => ({ row, extraSpecs: json(row.extra_specs, {}), encryption: json<Encryption | null>(row.encryption, null) });

export class TypeService {
  constructor(private readonly d: ModelDeps) {}

  async bootstrap(): Promise<void> {
    const existing = new Set((await this.d.stores.types.where()).map((t) => t.name));
    for (const t of SHIPPED) {
      if (existing.has(t.name)) continue;
      const at = now();
      const encryption = t.encryption && { ...encryptionSpec(t.encryption), created_at: at, updated_at: null };
      await this.d.stores.types.insert({ id: uuid(), name: t.name, description: t.description, is_public: 1, extra_specs: '{}', encryption: encryption && JSON.stringify(encryption), qos_specs_id: null, created_at: at, updated_at: at });
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
    const row: TypeRow = { id: uuid(), name: f.name, description: f.description ?? null, is_public: f.is_public === false ? 0 : 1, extra_specs: JSON.stringify(f.extra_specs ?? {}), encryption: null, qos_specs_id: null, created_at: at, updated_at: at };
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
    const next = replace ? specs : { ...t.extraSpecs, ...specs };
    await this.d.stores.types.update(t.row.id, { extra_specs: JSON.stringify(next) });
    return next;
  }

  async unsetSpec(auth: AuthContext, id: string, key: string): Promise<void> {
    const t = await this.find(auth, id);
    if (!(key in t.extraSpecs)) throw notFound(`Volume Type ${t.row.id} has no extra specs with key ${key}.`);
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

  /** Sets (create) or changes (update) a type's encryption; refused while volumes use the type, as Cinder does. Any cipher and key size is stored, as Cinder does (see `unsupportedEncryption`). */
  async setEncryption(auth: AuthContext, id: string, f: { provider?: string; cipher?: string | null; key_size?: number | null; control_location?: string }, create: boolean): Promise<Encryption> {
    const t = await this.find(auth, id);
    if (create && t.encryption) throw badRequest(`Volume type encryption for type ${t.row.id} already exists.`);
    if (!create && !t.encryption) throw notFound(`Volume type encryption for type ${t.row.id} does not exist.`);
    await this.refuseInUse(t);
    if (f.control_location !== undefined && !['front-end', 'back-end'].includes(f.control_location)) throw badRequest(`Invalid input received: Valid control location are: ['front-end', 'back-end']`);
    const at = now();
    const base = t.encryption ?? { ...encryptionSpec({ provider: f.provider ?? 'luks' }), created_at: at, updated_at: null };
    const next: Encryption = { ...base, ...Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== null)), updated_at: create ? null : at };
    if (!next.provider) throw badRequest('Invalid input received: provider must be specified.');
    await this.d.stores.types.update(t.row.id, { encryption: JSON.stringify(next) });
    return next;
  }

  async removeEncryption(auth: AuthContext, id: string): Promise<void> {
    const t = await this.find(auth, id);
    if (!t.encryption) throw notFound(`Volume type encryption for type ${t.row.id} does not exist.`);
    await this.refuseInUse(t);
    await this.d.stores.types.update(t.row.id, { encryption: null });
  }

  private async refuseInUse(t: VolumeType): Promise<void> {
    if ((await this.d.stores.volumes.where({ volume_type_id: t.row.id })).length) throw badRequest(`Target volume type is still in use. Cannot modify the encryption of volume type ${t.row.id} while volumes use it.`);
  }
}
