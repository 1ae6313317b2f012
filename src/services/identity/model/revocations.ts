import type { EventFeed } from '../../../platform/events.js';
import type { IdentityDb, RevocationRow } from '../store/tables.js';
import type { TokenPayload } from './tokens.js';

export type RevocationEvent = Omit<RevocationRow, 'id' | 'revoked_at'>;

const TOPIC = 'identity.revocation';

/** Does the event cover the token? Every field the event sets must match the token. */
function matches(e: RevocationEvent, t: TokenPayload): boolean {
  if (t.issuedAt > Date.parse(e.issued_before)) return false;
  // A trust token also falls with its trustor and its trustee.
  if (e.user_id && e.user_id !== t.userId && e.user_id !== t.trust?.trustorId && e.user_id !== t.trust?.trusteeId) return false;
  if (e.project_id && e.project_id !== t.project?.id) return false;
  if (e.domain_id && e.domain_id !== t.userDomain[0] && e.domain_id !== t.project?.domain[0] && e.domain_id !== t.domain?.[0])
    return false;
  if (e.role_id && !t.roles.some(([id]) => id === e.role_id)) return false;
  if (e.audit_id && e.audit_id !== t.auditIds[0]) return false;
  if (e.audit_chain_id && e.audit_chain_id !== t.auditIds[t.auditIds.length - 1]) return false;
  if (e.app_cred_id && e.app_cred_id !== t.appCred?.id) return false;
  if (e.trust_id && e.trust_id !== t.trust?.id) return false;
  return true;
}

/**
 * Revocation events kept in memory (loaded at start, shared between processes through the event
 * feed), so that checking a token costs no database read. Events older than the longest token
 * lifetime can no longer match and are pruned.
 */
export class RevocationList {
  private events: RevocationEvent[] = [];
  private byAudit = new Set<string>();

  constructor(
    private readonly db: IdentityDb,
    private readonly feed: EventFeed,
    private readonly maxTokenAgeMs: number,
  ) {
    feed.on(TOPIC, (e) => this.add(e as RevocationEvent));
  }

  async load(): Promise<void> {
    const since = new Date(Date.now() - this.maxTokenAgeMs).toISOString();
    await this.db.deleteFrom('id_revocations').where('revoked_at', '<', since).execute();
    const rows = await this.db.selectFrom('id_revocations').selectAll().execute();
    this.events = [];
    this.byAudit.clear();
    for (const r of rows) this.add(r);
  }

  private add(e: RevocationEvent): void {
    // A plain "this token" revocation is by far the most common: keep those in a set.
    const onlyAudit = e.audit_id && !e.user_id && !e.project_id && !e.domain_id && !e.role_id && !e.audit_chain_id && !e.app_cred_id && !e.trust_id;
    if (onlyAudit) this.byAudit.add(e.audit_id!);
    else this.events.push(e);
  }

  isRevoked(t: TokenPayload): boolean {
    if (this.byAudit.has(t.auditIds[0])) return true;
    return this.events.some((e) => matches(e, t));
  }

  /** Records an event that revokes every matching token issued until now. */
  async revoke(fields: Partial<Omit<RevocationEvent, 'issued_before'>>): Promise<void> {
    const now = new Date().toISOString();
    const event: RevocationEvent = {
      user_id: fields.user_id ?? null,
      project_id: fields.project_id ?? null,
      domain_id: fields.domain_id ?? null,
      role_id: fields.role_id ?? null,
      audit_id: fields.audit_id ?? null,
      audit_chain_id: fields.audit_chain_id ?? null,
      app_cred_id: fields.app_cred_id ?? null,
      trust_id: fields.trust_id ?? null,
      issued_before: now,
    };
    await this.db.insertInto('id_revocations').values({ ...event, revoked_at: now }).execute();
    await this.feed.publish(TOPIC, event);
  }
}
