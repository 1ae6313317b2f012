import type { AccessRule, AuthContext } from '../../../platform/auth.js';
import { badRequest, forbidden, notFound } from '../../../platform/errors.js';
import { toDbBool } from '../../../platform/db/database.js';
import { hexId, nowIso, randomToken } from '../../../platform/ids.js';
import { parseJson } from '../store/json.js';
import type { RoleStore } from '../store/roles.js';
import type { AccessRuleRow, AppCredentialRow, IdentityDb } from '../store/tables.js';
import type { PasswordHasher } from './passwords.js';
import type { RevocationList } from './revocations.js';
import type { RoleResolver } from './roles.js';

export interface RoleRef {
  id?: string;
  name?: string;
}

export interface AccessRuleInput {
  id?: string;
  service?: string;
  path?: string;
  method?: string;
}

export interface NewAppCredential {
  name: string;
  description?: string | null;
  secret?: string;
  expiresAt?: string | null;
  roles?: RoleRef[];
  unrestricted?: boolean;
  accessRules?: AccessRuleInput[];
}

export type StoredRole = { id: string; name: string; domain_id: string | null };

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

const denied = (action: string) => forbidden(`You are not authorized to perform the requested action: ${action}`);

/** Keystone refuses a restricted application credential to manage (other) credentials. */
export function requireUnrestricted(auth: AuthContext): void {
  if (auth.appCredential && !auth.appCredential.unrestricted) {
    throw denied("Using method 'application_credential' is not allowed for managing additional application credentials.");
  }
}

/**
 * EC2 credentials act with all the roles of their user (the S3 service asks for the user's roles on
 * the project), so a token of an application credential, which holds a subset, may not make one.
 */
export function refuseEc2FromAppCred(auth: AuthContext): void {
  requireUnrestricted(auth);
  if (auth.appCredential) throw denied('An application credential cannot create EC2 credentials, which act with all roles of the user.');
}

/**
 * Application credentials and their access rules. A credential fixes the creator's project and a
 * subset of the roles its token carries; the secret is shown once and kept only as a bcrypt hash.
 */
export class AppCredentials {
  constructor(
    private readonly db: IdentityDb,
    private readonly roles: RoleStore,
    private readonly resolver: RoleResolver,
    private readonly hasher: PasswordHasher,
    private readonly revocations: RevocationList,
  ) {}

  /** Creates a credential for the caller on its token's project; returns it with the plain secret. */
  async create(auth: AuthContext, userId: string, input: NewAppCredential): Promise<{ row: AppCredentialRow; secret: string }> {
    requireUnrestricted(auth);
    if (auth.userId !== userId) throw denied('Cannot create an application credential for another user.');
    if (!auth.projectId) throw badRequest('Application credentials must be created with a project-scoped token.');
    const roles = await this.chooseRoles(auth, input.roles);
    const rules = input.accessRules?.length ? await this.resolveRules(userId, input.accessRules) : [];
    // Keystone's generated secret: 64 random bytes, URL-safe base64 without padding.
    const secret = input.secret || randomToken(64);
    const row: AppCredentialRow = {
      id: hexId(),
      name: input.name,
      user_id: userId,
      project_id: auth.projectId,
      secret_hash: await this.hasher.hash(secret),
      description: input.description ?? null,
      expires_at: input.expiresAt ?? null,
      unrestricted: toDbBool(input.unrestricted ?? false),
      roles: JSON.stringify(roles),
      access_rules: JSON.stringify(rules),
      created_at: nowIso(),
    };
    await this.db.insertInto('id_app_credentials').values(row).execute();
    return { row, secret };
  }

  /** The requested roles plus the roles they imply, all of which the caller's token must carry. */
  private async chooseRoles(auth: AuthContext, refs: RoleRef[] | undefined): Promise<StoredRole[]> {
    let ids: string[];
    if (refs?.length) {
      const named = await Promise.all(
        refs.map(async (r) => {
          const role = r.id ? await this.roles.getRole(r.id) : await this.roles.getRoleByName(r.name ?? '');
          if (!role) throw notFound(`Could not find role: ${r.id ?? r.name}.`);
          return role.id;
        }),
      );
      ids = (await this.resolver.expand(named)).map((r) => r.id);
      // Keystone checks the user's current roles on the project, not the (older) token's.
      const held = new Set((await this.resolver.onProjectId(auth.userId, auth.projectId!)).map((r) => r.id));
      if (ids.some((id) => !held.has(id))) {
        throw badRequest('Invalid application credential: Cannot create an application credential with unassigned role');
      }
    } else ids = auth.roleIds;
    const rows = await Promise.all(ids.map((id) => this.roles.getRole(id)));
    return rows.filter((r) => !!r).map((r) => ({ id: r.id, name: r.name, domain_id: r.domain_id || null }));
  }

  /** Access rules by id, or by content (an identical existing rule of the user is reused). */
  private async resolveRules(userId: string, inputs: AccessRuleInput[]): Promise<AccessRule[]> {
    const out: AccessRule[] = [];
    for (const input of inputs) {
      const byId = input.id ? await this.db.selectFrom('id_access_rules').selectAll().where('id', '=', input.id).executeTakeFirst() : undefined;
      if (byId && byId.user_id === userId) {
        out.push(ruleOf(byId));
        continue;
      }
      if (!input.service || !input.path || !input.method) throw notFound(`Could not find access rule: ${input.id}.`);
      const method = input.method.toUpperCase();
      if (!METHODS.has(method)) throw badRequest(`Invalid input for field 'access_rules/method': '${input.method}' is not one of ${[...METHODS].join(', ')}.`);
      if (!input.path.startsWith('/')) throw badRequest("Invalid input for field 'access_rules/path': must start with '/'.");
      const same = await this.db
        .selectFrom('id_access_rules')
        .selectAll()
        .where('user_id', '=', userId)
        .where('service', '=', input.service)
        .where('path', '=', input.path)
        .where('method', '=', method)
        .executeTakeFirst();
      if (same) {
        out.push(ruleOf(same));
        continue;
      }
      const last = await this.db.selectFrom('id_access_rules').select((e) => e.fn.max('position').as('p')).where('user_id', '=', userId).executeTakeFirst();
      const position = Number(last?.p ?? 0) + 1;
      const row: AccessRuleRow = { id: hexId(), user_id: userId, service: input.service, path: input.path, method, position };
      await this.db.insertInto('id_access_rules').values(row).execute();
      out.push(ruleOf(row));
    }
    return out;
  }

  list(userId: string, name?: string): Promise<AppCredentialRow[]> {
    let q = this.db.selectFrom('id_app_credentials').selectAll().where('user_id', '=', userId).orderBy('name');
    if (name !== undefined) q = q.where('name', '=', name);
    return q.execute();
  }

  /** The owner of a credential, the policy target of Keystone's per-credential rules (403 before 404). */
  async credentialOwner(id: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('id_app_credentials').select('user_id').where('id', '=', id).executeTakeFirst();
    return row?.user_id;
  }

  async ruleOwner(id: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('id_access_rules').select('user_id').where('id', '=', id).executeTakeFirst();
    return row?.user_id;
  }

  async get(userId: string, id: string): Promise<AppCredentialRow> {
    const row = await this.db.selectFrom('id_app_credentials').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.user_id !== userId) throw notFound(`Could not find application credential: ${id}.`);
    return row;
  }

  /** Deletes a credential and revokes every token issued with it. */
  async delete(auth: AuthContext, userId: string, id: string): Promise<void> {
    requireUnrestricted(auth);
    const row = await this.get(userId, id);
    await this.db.deleteFrom('id_app_credentials').where('id', '=', row.id).execute();
    await this.revocations.revoke({ app_cred_id: row.id });
  }

  listRules(userId: string, f: { service?: string; path?: string; method?: string }): Promise<AccessRuleRow[]> {
    let q = this.db.selectFrom('id_access_rules').selectAll().where('user_id', '=', userId).orderBy('position').orderBy('id');
    if (f.service !== undefined) q = q.where('service', '=', f.service);
    if (f.path !== undefined) q = q.where('path', '=', f.path);
    if (f.method !== undefined) q = q.where('method', '=', f.method.toUpperCase());
    return q.execute();
  }

  async getRule(userId: string, id: string): Promise<AccessRuleRow> {
    const row = await this.db.selectFrom('id_access_rules').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.user_id !== userId) throw notFound(`Could not find access rule: ${id}.`);
    return row;
  }

  /** Keystone keeps a rule that an application credential still uses. */
  async deleteRule(userId: string, id: string): Promise<void> {
    const rule = await this.getRule(userId, id);
    const creds = await this.list(userId);
    if (creds.some((c) => parseJson<AccessRule[]>(c.access_rules, []).some((r) => r.id === rule.id))) {
      throw forbidden(`Cannot delete access rule ${id}: it is in use by an application credential.`);
    }
    await this.db.deleteFrom('id_access_rules').where('id', '=', rule.id).execute();
  }
}

const ruleOf = (r: AccessRuleRow): AccessRule => ({ id: r.id, service: r.service, path: r.path, method: r.method });
