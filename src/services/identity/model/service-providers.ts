import { fromDbBool, isUniqueViolation, toDbBool } from '../../../platform/db/database.js';
import { conflict, notFound } from '../../../platform/errors.js';
import type { EventFeed } from '../../../platform/events.js';
import type { IdentityDb, ServiceProviderRow } from '../store/tables.js';

/** Keystone's `[saml] relay_state_prefix` default. */
export const DEFAULT_RELAY_STATE_PREFIX = 'ss:mem:';

export interface ServiceProviderInput {
  authUrl?: string;
  spUrl?: string;
  description?: string | null;
  enabled?: boolean;
  relayStatePrefix?: string | null;
}

/** What every token lists of an enabled provider (Keystone's `service_providers`). */
export interface TokenServiceProvider {
  auth_url: string;
  id: string;
  sp_url: string;
}

const TOPIC = 'identity.service_providers';

/**
 * OS-FEDERATION service providers (Keystone to Keystone): remote clouds a user may take a token
 * of this cloud to. The enabled ones are in every token; they are cached in memory and reloaded
 * on any change (in this process or another), so token responses need no database read.
 */
export class ServiceProviders {
  private enabledCache: TokenServiceProvider[] = [];

  constructor(
    private readonly db: IdentityDb,
    private readonly feed: EventFeed,
  ) {
    feed.on(TOPIC, () => void this.reload());
  }

  /** The enabled providers, as tokens list them. */
  enabled(): TokenServiceProvider[] {
    return this.enabledCache;
  }

  async reload(): Promise<void> {
    const rows = await this.list({ enabled: true });
    this.enabledCache = rows.map((r) => ({ auth_url: r.auth_url, id: r.id, sp_url: r.sp_url }));
  }

  private changed(): Promise<void> {
    return this.feed.publish(TOPIC, {});
  }

  list(f: { id?: string; enabled?: boolean }): Promise<ServiceProviderRow[]> {
    let q = this.db.selectFrom('id_service_providers').selectAll().orderBy('id');
    if (f.id !== undefined) q = q.where('id', '=', f.id);
    if (f.enabled !== undefined) q = q.where('enabled', '=', toDbBool(f.enabled));
    return q.execute();
  }

  async get(id: string): Promise<ServiceProviderRow> {
    const row = await this.db.selectFrom('id_service_providers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Could not find Service Provider: ${id}.`);
    return row;
  }

  /** A new provider is disabled unless asked otherwise, as in Keystone. */
  async create(id: string, input: ServiceProviderInput & { authUrl: string; spUrl: string }): Promise<ServiceProviderRow> {
    const row: ServiceProviderRow = {
      id,
      enabled: toDbBool(input.enabled ?? false),
      description: input.description ?? null,
      auth_url: input.authUrl,
      sp_url: input.spUrl,
      relay_state_prefix: input.relayStatePrefix ?? DEFAULT_RELAY_STATE_PREFIX,
    };
    try {
      await this.db.insertInto('id_service_providers').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`Conflict occurred attempting to store service_provider - Duplicate entry found with ID ${id}.`);
      throw e;
    }
    await this.changed();
    return row;
  }

  async update(id: string, input: ServiceProviderInput): Promise<ServiceProviderRow> {
    const current = await this.get(id);
    const next: ServiceProviderRow = {
      ...current,
      enabled: input.enabled === undefined ? current.enabled : toDbBool(input.enabled),
      description: input.description === undefined ? current.description : input.description,
      auth_url: input.authUrl ?? current.auth_url,
      sp_url: input.spUrl ?? current.sp_url,
      relay_state_prefix: input.relayStatePrefix === undefined ? current.relay_state_prefix : (input.relayStatePrefix ?? DEFAULT_RELAY_STATE_PREFIX),
    };
    await this.db.updateTable('id_service_providers').set(next).where('id', '=', id).execute();
    if (fromDbBool(current.enabled) || fromDbBool(next.enabled)) await this.changed();
    return next;
  }

  async delete(id: string): Promise<void> {
    const res = await this.db.deleteFrom('id_service_providers').where('id', '=', id).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound(`Could not find Service Provider: ${id}.`);
    await this.changed();
  }
}
