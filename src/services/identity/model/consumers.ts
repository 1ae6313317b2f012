import { notFound } from '../../../platform/errors.js';
import { hexId, nowIso, randomToken } from '../../../platform/ids.js';
import type { MasterKey } from '../../../platform/keys.js';
import type { ConsumerRow, IdentityDb } from '../store/tables.js';

/**
 * OAuth1 consumers (`/v3/OS-OAUTH1/consumers`). The secret is generated, shown once and kept
 * wrapped by the master key (an OAuth1 signature check needs it in plain). The OAuth1 delegation
 * flow that would use consumers (request and access tokens, the `oauth1` method) is not offered.
 */
export class Consumers {
  constructor(
    private readonly db: IdentityDb,
    private readonly masterKey: MasterKey,
  ) {}

  async create(description: string | null, extra: Record<string, unknown>): Promise<{ row: ConsumerRow; secret: string }> {
    const id = hexId();
    const secret = randomToken(32);
    const row: ConsumerRow = {
      id,
      description,
      secret: this.masterKey.wrap(Buffer.from(secret, 'utf8'), `consumer:${id}`),
      extra: JSON.stringify(extra),
      created_at: nowIso(),
    };
    await this.db.insertInto('id_consumers').values(row).execute();
    return { row, secret };
  }

  list(): Promise<ConsumerRow[]> {
    return this.db.selectFrom('id_consumers').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async get(id: string): Promise<ConsumerRow> {
    const row = await this.db.selectFrom('id_consumers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Could not find consumer: ${id}.`);
    return row;
  }

  async update(id: string, patch: { description?: string | null; extra?: Record<string, unknown> }): Promise<ConsumerRow> {
    const cur = await this.get(id);
    const next: ConsumerRow = {
      ...cur,
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.extra && Object.keys(patch.extra).length ? { extra: JSON.stringify({ ...JSON.parse(cur.extra), ...patch.extra }) } : {}),
    };
    await this.db.updateTable('id_consumers').set({ description: next.description, extra: next.extra }).where('id', '=', id).execute();
    return next;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.db.deleteFrom('id_consumers').where('id', '=', id).execute();
  }
}
