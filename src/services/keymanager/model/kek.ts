import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { nowIso } from '../../../platform/ids.js';
import { open, seal, type MasterKey } from '../../../platform/keys.js';
import type { KeyManagerTables } from '../store/tables.js';

/**
 * Envelope encryption as scs-0116 asks: every project has its own key-encryption key (KEK),
 * stored wrapped by the master key of the data folder; each payload is sealed with its project's
 * KEK and bound to the secret's id, so a ciphertext copied onto another row does not open.
 */
export class ProjectKeys {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly db: Kysely<KeyManagerTables>,
    private readonly master: MasterKey,
  ) {}

  private context = (projectId: string) => `keymanager-kek:${projectId}`;

  private async kek(projectId: string): Promise<Buffer> {
    const cached = this.cache.get(projectId);
    if (cached) return cached;
    let row = await this.db.selectFrom('km_project_keys').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    if (!row) {
      const fresh = { project_id: projectId, wrapped_kek: this.master.wrap(randomBytes(32), this.context(projectId)), created_at: nowIso() };
      try {
        await this.db.insertInto('km_project_keys').values(fresh).execute();
        row = fresh;
      } catch (e) {
        // Another request created the project's KEK first: use that one.
        if (!isUniqueViolation(e)) throw e;
        row = await this.db.selectFrom('km_project_keys').selectAll().where('project_id', '=', projectId).executeTakeFirstOrThrow();
      }
    }
    const key = this.master.unwrap(row.wrapped_kek, this.context(projectId));
    this.cache.set(projectId, key);
    return key;
  }

  async seal(projectId: string, secretId: string, plain: Buffer): Promise<string> {
    return seal(await this.kek(projectId), plain, Buffer.from(secretId)).toString('base64');
  }

  async open(projectId: string, secretId: string, sealed: string): Promise<Buffer> {
    return open(await this.kek(projectId), Buffer.from(sealed, 'base64'), Buffer.from(secretId));
  }
}
