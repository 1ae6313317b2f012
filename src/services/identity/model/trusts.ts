import { badRequest, forbidden, notFound } from '../../../platform/errors.js';
import { fromDbBool, toDbBool } from '../../../platform/db/database.js';
import { hexId, nowIso } from '../../../platform/ids.js';
import { parseJson } from '../store/json.js';
import type { ProjectStore } from '../store/projects.js';
import type { RoleStore } from '../store/roles.js';
import type { IdentityDb, ProjectRow, RoleRow, TrustRow, UserRow } from '../store/tables.js';
import type { UserStore } from '../store/users.js';
import type { Principal } from './auth.js';
import type { RevocationList } from './revocations.js';
import type { RoleResolver } from './roles.js';
import type { TokenPayload } from './tokens.js';

export interface NewTrust {
  trustorUserId: string;
  trusteeUserId: string;
  projectId: string | null;
  impersonation: boolean;
  expiresAt: string | null;
  remainingUses: number | null;
  roles: Array<{ id?: string; name?: string }>;
  allowRedelegation: boolean;
}

/** What a trust-scoped token is issued from (see TokenService.issue). */
export interface TrustScope {
  kind: 'trust';
  trust: TrustRow;
  trustor: UserRow;
  trustorDomainName: string;
  project: ProjectRow | null;
  roleIds: string[];
}

const denied = (action: string) => forbidden(`You are not authorized to perform the requested action: ${action}.`);
const missing = (id: string) => notFound(`Could not find trust: ${id}.`);
export const trustRoleIds = (t: TrustRow) => parseJson<string[]>(t.roles, []);

/**
 * Keystone's trusts (OS-TRUST): a trustor delegates some of its roles on a project to a trustee,
 * optionally with impersonation, an expiry and a number of uses. Tokens issued through a trust
 * carry it, so that deleting the trust (or the trustor losing the roles) revokes them.
 * Redelegation (trusts made from trust tokens) is not offered.
 */
export class Trusts {
  constructor(
    private readonly db: IdentityDb,
    private readonly roles: RoleStore,
    private readonly resolver: RoleResolver,
    private readonly users: UserStore,
    private readonly projects: ProjectStore,
    private readonly revocations: RevocationList,
  ) {}

  /** Application credential tokens may not see or manage trusts (Keystone, whatever their restriction). */
  refuseAppCred(caller: TokenPayload): void {
    if (caller.appCred) throw denied("Using method 'application_credential' is not allowed for managing trusts");
  }

  /** Nor may trust tokens change them: that would be redelegation. */
  private requireUndelegated(caller: TokenPayload): void {
    this.refuseAppCred(caller);
    if (caller.trust) throw denied('Redelegation allowed for delegated by trust only');
  }

  async create(caller: TokenPayload, t: NewTrust): Promise<TrustRow> {
    this.requireUndelegated(caller);
    if (t.allowRedelegation) throw denied('Redelegation of trusts is not supported by this cloud');
    if (t.projectId && !t.roles.length) throw denied('At least one role should be specified');
    if (caller.userId !== t.trustorUserId) throw denied('The authenticated user should match the trustor');
    if (!(await this.users.getUser(t.trusteeUserId))) throw notFound(`Could not find user: ${t.trusteeUserId}.`);
    if (t.remainingUses !== null && t.remainingUses <= 0) throw badRequest('remaining_uses must be a positive integer or null.');
    const roleIds = await Promise.all(t.roles.map((r) => this.roleId(r)));
    if (t.projectId) {
      if (!(await this.projects.getProject(t.projectId))) throw notFound(`Could not find project: ${t.projectId}.`);
      const held = new Set((await this.resolver.onProjectId(t.trustorUserId, t.projectId)).map((r) => r.id));
      const notHeld = roleIds.find((id) => !held.has(id));
      if (notHeld) throw notFound(`Could not find role: ${notHeld}.`);
    }
    const row: TrustRow = {
      id: hexId(),
      trustor_user_id: t.trustorUserId,
      trustee_user_id: t.trusteeUserId,
      project_id: t.projectId,
      impersonation: toDbBool(t.impersonation),
      expires_at: t.expiresAt,
      remaining_uses: t.remainingUses,
      roles: JSON.stringify([...new Set(roleIds)]),
      extra: '{}',
      created_at: nowIso(),
    };
    await this.db.insertInto('id_trusts').values(row).execute();
    return row;
  }

  private async roleId(ref: { id?: string; name?: string }): Promise<string> {
    const role = ref.id ? await this.roles.getRole(ref.id) : await this.roles.getRoleByName(ref.name ?? '');
    if (!role) throw notFound(`Could not find role: ${ref.id ?? ref.name}.`);
    return role.id;
  }

  /** A usable trust: neither expired nor used up (Keystone answers 404 for those as well). */
  async get(id: string): Promise<TrustRow> {
    const row = await this.db.selectFrom('id_trusts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !usable(row)) throw missing(id);
    return row;
  }

  async list(f: { trustorUserId?: string; trusteeUserId?: string }): Promise<TrustRow[]> {
    let q = this.db.selectFrom('id_trusts').selectAll().orderBy('created_at').orderBy('id');
    if (f.trustorUserId !== undefined) q = q.where('trustor_user_id', '=', f.trustorUserId);
    if (f.trusteeUserId !== undefined) q = q.where('trustee_user_id', '=', f.trusteeUserId);
    return q.execute();
  }

  /** The delegated roles as role rows (roles deleted since are left out, as in Keystone). */
  async roleRows(t: TrustRow): Promise<RoleRow[]> {
    const rows = await Promise.all(trustRoleIds(t).map((id) => this.roles.getRole(id)));
    return rows.filter((r): r is RoleRow => !!r);
  }

  /** Deletes a trust and revokes every token issued through it. */
  async delete(caller: TokenPayload, id: string): Promise<void> {
    this.requireUndelegated(caller);
    const row = await this.get(id);
    await this.db.deleteFrom('id_trusts').where('id', '=', row.id).execute();
    await this.revocations.revoke({ trust_id: row.id });
  }

  /**
   * Checks that the authenticated user may use the trust now and consumes one use; what it returns
   * is the scope of the token to issue.
   */
  async scopeFor(principal: Principal, trustId: string): Promise<TrustScope> {
    if (principal.appCred) throw denied('Using an application credential to get a trust-scoped token');
    const trust = await this.get(trustId);
    if (principal.user.id !== trust.trustee_user_id) throw forbidden('User is not a trustee.');
    const trustor = await this.users.getUser(trust.trustor_user_id);
    if (!trustor || !fromDbBool(trustor.enabled)) throw forbidden('Trustor is disabled.');
    const trustorDomain = await this.projects.getDomain(trustor.domain_id);
    if (!trustorDomain || !fromDbBool(trustorDomain.enabled)) throw notFound('Trustor domain is disabled.');
    const project = trust.project_id ? await this.projects.getProject(trust.project_id) : null;
    if (trust.project_id && !project) throw notFound(`Could not find project: ${trust.project_id}.`);
    await this.consume(trust);
    return { kind: 'trust', trust, trustor, trustorDomainName: trustorDomain.name, project: project ?? null, roleIds: trustRoleIds(trust) };
  }

  /** One use less, compare-and-set so that concurrent logins cannot overdraw a limited trust. */
  private async consume(trust: TrustRow): Promise<void> {
    for (let cur = trust; cur.remaining_uses !== null; ) {
      if (cur.remaining_uses <= 0) throw missing(trust.id);
      const r = await this.db
        .updateTable('id_trusts')
        .set({ remaining_uses: cur.remaining_uses - 1 })
        .where('id', '=', cur.id)
        .where('remaining_uses', '=', cur.remaining_uses)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) return;
      cur = await this.get(trust.id);
    }
  }
}

const usable = (t: TrustRow) =>
  (t.expires_at === null || Date.parse(t.expires_at) > Date.now()) && (t.remaining_uses === null || t.remaining_uses > 0);
