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

/**
 * Self-service password change: the original password is the proof (no token needed, so that a
 * user with an expired password can change it); every token of the user is revoked.
 */
export async function changeOwnPassword(
  deps: { users: UserStore; hasher: PasswordHasher; revocations: RevocationList; passwordExpiresDays: number },
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
  const columns = await passwordColumns(deps.hasher, next, deps.passwordExpiresDays, options);
  await deps.users.updateUser(user.id, { ...columns, failed_auth_count: 0, failed_auth_at: null });
  await deps.revocations.revoke({ user_id: user.id });
}
