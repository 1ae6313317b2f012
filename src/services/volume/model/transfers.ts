import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { TransferRow, VolumeRow } from '../store/tables.js';
import { invalidVolume, isAdmin, now, requireProject, visible, type ModelDeps } from './common.js';
import type { QuotaService } from './quotas.js';
import type { VolumeService } from './volumes.js';

/** Cinder's auth keys: 16 characters a person can read out and type. */
const KEY_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const KEY_LENGTH = 16;

const hashOf = (salt: string, key: string) => createHash('sha256').update(`${salt}${key}`).digest('hex');

function newKey(): string {
  return [...randomBytes(KEY_LENGTH)].map((b) => KEY_ALPHABET[b % KEY_ALPHABET.length]).join('');
}

export interface TransferListOptions {
  allTenants: boolean;
}

/**
 * Volume transfers: the owner offers an available volume (it waits in `awaiting-transfer`), another
 * project accepts it with the id and the auth key and becomes the owner; deleting the offer gives
 * the volume back. Accepting removes the offer first, so of two racing accepts one wins.
 */
export class TransferService {
  constructor(
    private readonly d: ModelDeps,
    private readonly volumes: VolumeService,
    private readonly quotas: QuotaService,
  ) {}

  async find(auth: AuthContext, id: string): Promise<TransferRow> {
    return visible(auth, await this.d.stores.transfers.get(id), 'Transfer', id);
  }

  async list(auth: AuthContext, o: TransferListOptions): Promise<TransferRow[]> {
    const rows = o.allTenants && isAdmin(auth) ? await this.d.stores.transfers.where() : await this.d.stores.transfers.where({ project_id: requireProject(auth) });
    return rows.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1));
  }

  /** Offers the volume; the answer carries the auth key, which is never shown again. */
  async create(auth: AuthContext, f: { volumeId: string; name: string | null; noSnapshots: boolean }): Promise<{ row: TransferRow; authKey: string }> {
    const volume = await this.volumes.find(auth, f.volumeId).catch(() => {
      throw notFound(`Volume ${f.volumeId} could not be found.`);
    });
    if (volume.status !== 'available') throw invalidVolume(`Status of volume must be available, but current status is: ${volume.status}.`);
    if (!f.noSnapshots) {
      const snaps = await this.d.stores.snapshots.where({ volume_id: volume.id });
      if (snaps.some((s) => s.status !== 'available')) throw invalidVolume('Snapshot of the volume is not in available status.');
    }
    const authKey = newKey();
    const salt = randomBytes(8).toString('hex');
    const at = now();
    const row: TransferRow = {
      id: uuid(),
      volume_id: volume.id,
      project_id: volume.project_id,
      name: f.name,
      salt,
      crypt_hash: hashOf(salt, authKey),
      no_snapshots: f.noSnapshots ? 1 : 0,
      created_at: at,
      updated_at: at,
    };
    if (!(await this.d.stores.volumes.update(volume.id, { status: 'awaiting-transfer' }, ['available']))) throw conflict('Volume status changed.');
    await this.d.stores.transfers.insert(row);
    return { row, authKey };
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const row = await this.find(auth, id);
    if (!(await this.d.stores.transfers.remove(row.id))) throw notFound(`Transfer ${id} could not be found.`);
    await this.d.stores.volumes.update(row.volume_id, { status: 'available' }, ['awaiting-transfer']);
  }

  /** Any project that knows the id and the key may accept; the volume (and its snapshots) become its own. */
  async accept(auth: AuthContext, id: string, authKey: string): Promise<{ row: TransferRow; volume: VolumeRow }> {
    const project = requireProject(auth);
    const row = await this.d.stores.transfers.get(id);
    if (!row) throw notFound(`Transfer ${id} could not be found.`);
    const given = Buffer.from(hashOf(row.salt, authKey));
    const expected = Buffer.from(row.crypt_hash);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badRequest(`Invalid auth key: Attempt to transfer ${id} with invalid auth key.`);
    const volume = await this.d.stores.volumes.get(row.volume_id);
    if (!volume) throw notFound(`Volume ${row.volume_id} could not be found.`);
    const snaps = row.no_snapshots ? [] : await this.d.stores.snapshots.where({ volume_id: volume.id });
    await this.quotas.check(project, { volumes: 1, gigabytes: volume.size + snaps.reduce((n, s) => n + s.size, 0), ...(snaps.length ? { snapshots: snaps.length } : {}) }, volume.volume_type_id);
    if (!(await this.d.stores.transfers.remove(row.id))) throw notFound(`Transfer ${id} could not be found.`);
    await this.d.stores.volumes.update(volume.id, { project_id: project, user_id: auth.userId, status: 'available' }, ['awaiting-transfer']);
    for (const s of snaps) await this.d.stores.snapshots.update(s.id, { project_id: project, user_id: auth.userId });
    return { row, volume };
  }
}
