import type { FastifyRequest } from 'fastify';
import { section } from '../../../platform/config.js';
import { badRequest, conflict, type ApiError } from '../../../platform/errors.js';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { optString, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { identityPolicy, isCloudAdmin } from '../policy.js';
import type { IdentityDeps } from './deps.js';
import { collectionLinks } from './render.js';

/**
 * Helpers shared by the user, group, role and assignment routes: listings limited to a domain, Keystone's
 * string filters and its boolean query flags.
 */

/**
 * A user, group, project or grant that does not exist. Keystone enforces such calls on the target
 * it could load: a caller the policy refuses without the target's attributes (a domain persona)
 * gets 403, as for another domain's; those it allows (a cloud admin) get the 404.
 */
export function refuseMissing(req: FastifyRequest, action: string, missing: ApiError): never {
  enforce(identityPolicy, action, req.auth, {});
  throw missing;
}

/**
 * The domain a listing is limited to: admins see what they ask for; a domain-scoped reader or
 * manager sees its own domain (`null` when it asked for another one: an empty list); others 403.
 */
export function listingDomain(req: FastifyRequest, action: string, requested: string | undefined): string | undefined | null {
  if (isCloudAdmin(req.auth)) return requested;
  const own = req.auth.domainId;
  enforce(identityPolicy, action, req.auth, { domain_id: own ?? '' });
  if (requested !== undefined && requested !== own) return null;
  return own;
}

const contains = (v: string, w: string) => v.toLowerCase().includes(w.toLowerCase());
const startsWith = (v: string, w: string) => v.toLowerCase().startsWith(w.toLowerCase());
const endsWith = (v: string, w: string) => v.toLowerCase().endsWith(w.toLowerCase());
/**
 * Keystone documents `__contains` as case-sensitive, but on MySQL (the usual deployment, and what
 * clients' tests run against) its LIKE ignores case; we answer as those deployments do.
 */
const NAME_OPS: Record<string, (value: string, wanted: string) => boolean> = {
  contains,
  icontains: contains,
  startswith: startsWith,
  istartswith: startsWith,
  endswith: endsWith,
  iendswith: endsWith,
};

/** Keystone's inexact filters on a string attribute: `name__contains=x`, `name__istartswith=x`, ... */
export function inexactFilter(q: Record<string, string>, field: string): (value: string | null | undefined) => boolean {
  const checks = Object.entries(NAME_OPS)
    .filter(([op]) => q[`${field}__${op}`] !== undefined)
    .map(([op, f]) => (v: string) => f(v, q[`${field}__${op}`]));
  return (value) => checks.every((c) => c(value ?? ''));
}

/** Keystone's truthy query flag: present with no value or any value but `0`/`false`. */
export function queryFlag(q: Record<string, string>, name: string): boolean {
  const v = q[name];
  return v !== undefined && v !== '0' && v.toLowerCase() !== 'false';
}

/** Turns a unique-constraint violation into Keystone's 409 message for the entity. */
export function duplicateAs(entity: string, detail: string) {
  return (e: unknown): never => {
    throw isUniqueViolation(e) ? conflict(`Conflict occurred attempting to store ${entity} - ${detail}.`) : e;
  };
}

/** Settings of the user routes beyond the core ones (`services.identity` in the configuration). */
export function userSettings(d: IdentityDeps) {
  return section(d.config, 'identity', { listLimit: 0, passwordExpiresDays: 0, uniqueLastPasswordCount: 0, minimumPasswordAgeDays: 0 });
}

/**
 * A Keystone collection body. With `list_limit` set (`services.identity.listLimit`; 0, the
 * default, means none) a longer list is cut to the limit and flagged `"truncated": true`.
 */
export function collection(d: IdentityDeps, req: FastifyRequest, key: string, items: unknown[]) {
  const { listLimit } = userSettings(d);
  const truncated = listLimit > 0 && items.length > listLimit;
  return { [key]: truncated ? items.slice(0, listLimit) : items, links: collectionLinks(d.baseUrl(), req), ...(truncated ? { truncated: true } : {}) };
}

const ISO_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)?$/i;

/**
 * An optional expiry time (naive ISO times are UTC, as in Keystone) as `...T..:..:..ffffffZ`:
 * Keystone keeps and returns the microseconds a client sent, which a JS Date would cut to ms.
 */
export function expiryField(b: Obj, field: string): string | null | undefined {
  const v = optString(b, field, { nullable: true, max: 64 });
  if (v === undefined || v === null) return v;
  const m = ISO_TIME.exec(v);
  const t = m ? Date.parse(`${m[1]}${m[3] ?? 'Z'}`) : NaN;
  if (!m || Number.isNaN(t)) throw badRequest(`Invalid input for field '${field}': '${v}' is not a date-time.`);
  const micros = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
}
