import type { AuthContext } from '../../../platform/auth.js';
import { notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { MessageRow } from '../store/tables.js';
import { isAdmin, now, requireProject, visible, type ModelDeps } from './common.js';

/** Cinder's event id for "could not find any available weighted backend" while scheduling a volume. */
export const SCHEDULE_FAILED = 'VOLUME_VOLUME_001_002';
/** Cinder keeps a message at least this long (`message_ttl`, 30 days). */
const TTL_MS = 30 * 24 * 3600 * 1000;

/** Records a user message about a failed asynchronous request (level ERROR). */
export async function recordMessage(d: ModelDeps, m: Pick<MessageRow, 'project_id' | 'request_id' | 'resource_type' | 'resource_uuid' | 'event_id' | 'user_message'>): Promise<void> {
  const at = new Date();
  await d.stores.messages.insert({ id: uuid(), message_level: 'ERROR', created_at: at.toISOString(), expires_at: new Date(at.getTime() + TTL_MS).toISOString(), ...m });
}

/** User messages (3.3): a project reads and deletes its own; expired ones are gone. */
export class MessageService {
  constructor(private readonly d: ModelDeps) {}

  async list(auth: AuthContext, allTenants: boolean): Promise<MessageRow[]> {
    const rows = allTenants && isAdmin(auth) ? await this.d.stores.messages.where() : await this.d.stores.messages.where({ project_id: requireProject(auth) });
    const t = now();
    return rows.filter((r) => r.expires_at > t).sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1));
  }

  async find(auth: AuthContext, id: string): Promise<MessageRow> {
    const row = visible(auth, await this.d.stores.messages.get(id), 'Message', id);
    if (row.expires_at <= now()) throw notFound(`Message ${id} could not be found.`);
    return row;
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    await this.d.stores.messages.remove((await this.find(auth, id)).id);
  }
}
