import { badRequest, forbidden, notFound, unauthorized } from '../../../platform/errors.js';
import { fromDbBool } from '../../../platform/db/database.js';
import type { AccessRule } from '../../../platform/auth.js';
import type { ProjectStore } from '../store/projects.js';
import type { UserRow, IdentityDb } from '../store/tables.js';
import type { UserStore } from '../store/users.js';
import { parseJson } from '../store/json.js';
import type { IdentitySettings, Principal, TokenService } from './auth.js';
import type { PasswordHasher } from './passwords.js';
import { invalid } from './tokens.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Finds a user from `{id}` or `{name, domain: {id|name}}` as all identity methods accept it. */
export async function findUserRef(ref: unknown, users: UserStore, projects: ProjectStore): Promise<{ user: UserRow; domainName: string }> {
  if (!ref || typeof ref !== 'object') throw badRequest("Invalid input for field 'user': expected an object.");
  const r = ref as Record<string, unknown>;
  let user: UserRow | undefined;
  if (str(r.id)) user = await users.getUser(r.id as string);
  else if (str(r.name)) {
    const d = r.domain as Record<string, unknown> | undefined;
    if (!d || typeof d !== 'object') throw badRequest("Invalid input for field 'user/domain': a user name needs a domain.");
    const domain = str(d.id) ? await projects.getDomain(d.id as string) : str(d.name) ? await projects.getDomainByName(d.name as string) : undefined;
    if (domain) user = await users.getUserByName(domain.id, r.name as string);
  } else throw badRequest("Invalid input for field 'user': needs id or name.");
  if (!user) throw invalid();
  const domain = await projects.getDomain(user.domain_id);
  if (!domain || !fromDbBool(domain.enabled) || !fromDbBool(user.enabled)) throw invalid();
  return { user, domainName: domain.name };
}

/** The `password` method, with Keystone's lockout after repeated failures. */
export function passwordMethod(deps: {
  users: UserStore;
  projects: ProjectStore;
  hasher: PasswordHasher;
  settings: IdentitySettings;
}) {
  return async (body: Record<string, unknown>): Promise<Principal> => {
    const userRef = body.user as Record<string, unknown> | undefined;
    const password = userRef && typeof userRef === 'object' ? userRef.password : undefined;
    if (typeof password !== 'string') throw badRequest("Invalid input for field 'password/user/password': expected a string.");
    const { user, domainName } = await findUserRef(userRef, deps.users, deps.projects);
    const { lockoutDuration } = deps.settings;
    // Keystone's per-user exemption (for service accounts a lockout would take down).
    const exempt = parseJson<Record<string, unknown>>(user.options, {}).ignore_lockout_failure_attempts === true;
    const max = exempt ? 0 : deps.settings.lockoutFailureAttempts;
    const locked =
      max > 0 &&
      user.failed_auth_count >= max &&
      user.failed_auth_at !== null &&
      Date.now() - Date.parse(user.failed_auth_at) < lockoutDuration * 1000;
    if (locked) throw unauthorized(`The account is locked for user: ${user.id}.`);
    if (!(await deps.hasher.verify(password, user.password_hash))) {
      if (max > 0) {
        const count = user.failed_auth_at && Date.now() - Date.parse(user.failed_auth_at) < lockoutDuration * 1000 ? user.failed_auth_count + 1 : 1;
        await deps.users.updateUser(user.id, { failed_auth_count: count, failed_auth_at: new Date().toISOString() });
      }
      throw invalid();
    }
    if (user.password_expires_at && Date.parse(user.password_expires_at) < Date.now()) {
      throw unauthorized(`The password is expired and needs to be changed for user: ${user.id}.`);
    }
    if (user.failed_auth_count > 0) await deps.users.updateUser(user.id, { failed_auth_count: 0, failed_auth_at: null });
    return { user, userDomainName: domainName, methods: ['password'] };
  };
}

/** The `token` method: a valid token proves the user; the new token keeps its expiry. */
export function tokenMethod(deps: { tokens: TokenService; users: UserStore; projects: ProjectStore }) {
  return async (body: Record<string, unknown>): Promise<Principal> => {
    const id = str(body.id);
    if (!id) throw badRequest("Invalid input for field 'token/id': expected a string.");
    // Keystone answers an invalid, expired or revoked token here with 404 (TokenNotFound).
    let parent;
    try {
      parent = deps.tokens.validatePayload(id);
    } catch {
      throw notFound(`Could not find token: ${id}.`);
    }
    if (parent.appCred) throw unauthorized('A token created with an application credential cannot be rescoped.');
    if (parent.trust) throw forbidden('You are not authorized to perform the requested action: Using trust-scoped token to create another token. Create a new trust-scoped token instead.');
    const { user, domainName } = await findUserRef({ id: parent.userId }, deps.users, deps.projects);
    return { user, userDomainName: domainName, methods: ['token'], parent, federation: parent.federation };
  };
}

/** The `application_credential` method: by id, or by name and user; the secret is bcrypt-hashed. */
export function appCredentialMethod(deps: { db: IdentityDb; users: UserStore; projects: ProjectStore; hasher: PasswordHasher }) {
  return async (body: Record<string, unknown>): Promise<Principal> => {
    const secret = str(body.secret);
    if (!secret) throw badRequest("Invalid input for field 'application_credential/secret': expected a string.");
    let q = deps.db.selectFrom('id_app_credentials').selectAll();
    if (str(body.id)) q = q.where('id', '=', body.id as string);
    else if (str(body.name)) {
      const { user } = await findUserRef(body.user, deps.users, deps.projects);
      q = q.where('name', '=', body.name as string).where('user_id', '=', user.id);
    } else throw badRequest("Invalid input for field 'application_credential': needs id or name.");
    const cred = await q.executeTakeFirst();
    if (!cred) throw invalid();
    if (cred.expires_at && Date.parse(cred.expires_at) <= Date.now()) throw invalid();
    if (!(await deps.hasher.verify(secret, cred.secret_hash))) throw invalid();
    const { user, domainName } = await findUserRef({ id: cred.user_id }, deps.users, deps.projects);
    return {
      user,
      userDomainName: domainName,
      methods: ['application_credential'],
      appCred: {
        id: cred.id,
        name: cred.name,
        projectId: cred.project_id,
        roleIds: parseJson<Array<{ id: string }>>(cred.roles, []).map((r) => r.id),
        unrestricted: fromDbBool(cred.unrestricted),
        accessRules: parseJson<AccessRule[]>(cred.access_rules, []),
        expiresAt: cred.expires_at,
      },
    };
  };
}
