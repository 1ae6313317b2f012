import { badRequest, unauthorized } from '../../../platform/errors.js';
import { fromDbBool } from '../../../platform/db/database.js';
import { isObj, type Obj } from '../../../platform/http/validate.js';
import { parseJson } from '../store/json.js';
import type { UserRow } from '../store/tables.js';
import type { UserStore } from '../store/users.js';
import type { PasswordHasher } from './passwords.js';
import type { RevocationList } from './revocations.js';

/** Keystone's user resource options: name -> value check (null removes an option). */
const USER_OPTIONS: Record<string, (v: unknown) => boolean> = {
  ignore_change_password_upon_first_use: (v) => typeof v === 'boolean',
  ignore_password_expiry: (v) => typeof v === 'boolean',
  ignore_lockout_failure_attempts: (v) => typeof v === 'boolean',
  lock_password: (v) => typeof v === 'boolean',
  ignore_user_inactivity: (v) => typeof v === 'boolean',
  multi_factor_auth_enabled: (v) => typeof v === 'boolean',
  multi_factor_auth_rules: (v) => Array.isArray(v) && v.every((rule) => Array.isArray(rule) && rule.every((m) => typeof m === 'string')),
};

/** Merges requested options into the stored ones, rejecting unknown names and wrong types as Keystone does. */
export function mergeUserOptions(current: Obj, requested: unknown): Obj {
  if (!isObj(requested)) throw badRequest("Invalid input for field 'options': expected an object.");
  const out = { ...current };
  for (const [name, value] of Object.entries(requested)) {
    const check = USER_OPTIONS[name];
    if (!check) throw badRequest(`Invalid input for field 'options': '${name}' is not a valid user option.`);
    if (value === null) delete out[name];
    else if (!check(value)) throw badRequest(`Invalid input for field 'options/${name}': wrong type.`);
    else out[name] = value;
  }
  return out;
}

/** A new password as Keystone accepts it: a string up to 4096 characters (null clears it). */
export function validPassword(v: unknown, field = 'password'): string | null {
  if (v === null) return null;
  if (typeof v !== 'string') throw badRequest(`Invalid input for field '${field}': expected a string.`);
  if (v.length > 4096) throw badRequest(`Invalid input for field '${field}': is longer than 4096 characters.`);
  return v;
}

/**
 * When a password expires: Keystone's `[security_compliance] password_expires_days` after it was
 * set (0 = never), unless the user has the `ignore_password_expiry` option.
 */
export function passwordExpiry(createdAt: string | null, expiresDays: number, options: Obj): string | null {
  if (!createdAt || expiresDays <= 0 || options.ignore_password_expiry === true) return null;
  return new Date(Date.parse(createdAt) + expiresDays * 86_400_000).toISOString();
}

/** The password columns for a new password (bcrypt off the event loop). */
export async function passwordColumns(
  hasher: PasswordHasher,
  password: string | null,
  expiresDays: number,
  options: Obj,
): Promise<Pick<UserRow, 'password_hash' | 'password_created_at' | 'password_expires_at'>> {
  const createdAt = password === null ? null : new Date().toISOString();
  return {
    password_hash: password === null ? null : await hasher.hash(password),
    password_created_at: createdAt,
    password_expires_at: passwordExpiry(createdAt, expiresDays, options),
  };
}

/** Keystone's `[security_compliance]` password rules beyond expiry (0 turns each off, the default). */
export interface PasswordPolicy {
  passwordExpiresDays: number;
  /** The new password must differ from the current one and the previous count-1 (self-service). */
  uniqueLastPasswordCount: number;
  /** Days a password must be kept before its owner may change it again. */
  minimumPasswordAgeDays: number;
}

/** The history column when `user`'s current password is replaced: it keeps what the count needs. */
export function historyAfterChange(user: UserRow, uniqueLastPasswordCount: number): string {
  const kept = Math.max(uniqueLastPasswordCount - 1, 0);
  const previous = user.password_hash ? [user.password_hash, ...parseJson<string[]>(user.password_history ?? '[]', [])] : [];
  return JSON.stringify(previous.slice(0, kept));
}

/** Refuses a self-service change before the minimum age or to a password still in the history. */
async function checkPasswordRules(hasher: PasswordHasher, user: UserRow, next: string, p: PasswordPolicy): Promise<void> {
  if (p.minimumPasswordAgeDays > 0 && user.password_created_at) {
    const ageDays = (Date.now() - Date.parse(user.password_created_at)) / 86_400_000;
    if (ageDays < p.minimumPasswordAgeDays) {
      const left = Math.ceil(p.minimumPasswordAgeDays - ageDays);
      throw badRequest(
        `You cannot change your password at this time due to the minimum password age. Once you change your password, it must be used for ${p.minimumPasswordAgeDays} day(s) before it can be changed. Please try again in ${left} day(s) or contact your administrator to reset your password.`,
      );
    }
  }
  if (p.uniqueLastPasswordCount <= 0) return;
  const recent = [user.password_hash, ...parseJson<string[]>(user.password_history ?? '[]', [])].slice(0, p.uniqueLastPasswordCount);
  for (const hash of recent) {
    if (hash && (await hasher.verify(next, hash))) {
      throw badRequest(
        `The new password cannot be identical to a previous password. The total number which includes the new password must be unique is ${p.uniqueLastPasswordCount}.`,
      );
    }
  }
}

/**
 * Self-service password change: the original password is the proof (no token needed, so that a
 * user with an expired password can change it); the minimum age and the history apply; every
 * token of the user is revoked.
 */
export async function changeOwnPassword(
  deps: { users: UserStore; hasher: PasswordHasher; revocations: RevocationList; policy: PasswordPolicy },
  userId: string,
  original: string,
  next: string,
): Promise<void> {
  const user = await deps.users.getUser(userId);
  const ok = !!user && fromDbBool(user.enabled) && (await deps.hasher.verify(original, user.password_hash));
  if (!user || !ok) throw unauthorized('Error when changing user password: Invalid user / password');
  const options = parseJson<Obj>(user.options, {});
  if (options.lock_password === true) {
    throw badRequest(
      'You cannot change your password at this time due to password policy disallowing password changes. Please contact your administrator to reset your password.',
    );
  }
  await checkPasswordRules(deps.hasher, user, next, deps.policy);
  const columns = await passwordColumns(deps.hasher, next, deps.policy.passwordExpiresDays, options);
  const history = historyAfterChange(user, deps.policy.uniqueLastPasswordCount);
  await deps.users.updateUser(user.id, { ...columns, password_history: history, failed_auth_count: 0, failed_auth_at: null });
  await deps.revocations.revoke({ user_id: user.id });
}
