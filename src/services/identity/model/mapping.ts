import { badRequest } from '../../../platform/errors.js';
import { isObj, type Obj } from '../../../platform/http/validate.js';

/**
 * Keystone's federation mapping language: each rule has `remote` conditions on the identity
 * provider's attributes (here: the token's claims) and `local` results (a user, groups). A remote
 * entry with only `type` captures the attribute's values for `{0}`, `{1}`, ... in `local`;
 * `any_one_of` / `not_any_of` (optionally `regex`) are conditions; `whitelist` / `blacklist` filter
 * the captured values. Every matching rule contributes; the first mapped user wins.
 */

export type DomainRef = { id?: string; name?: string };
export interface MappedUser {
  name?: string;
  id?: string;
  email?: string;
  domain?: DomainRef;
  type: 'ephemeral' | 'local';
}
export interface MappedGroups {
  ids: string[];
  byName: Array<{ name: string; domain: DomainRef }>;
}
export interface MappingResult {
  user: MappedUser;
  groups: MappedGroups;
}

const REMOTE_KEYS = new Set(['type', 'any_one_of', 'not_any_of', 'regex', 'whitelist', 'blacklist']);
const LOCAL_KEYS = new Set(['user', 'group', 'groups', 'group_ids', 'domain']);

const invalidRule = (why: string) => badRequest(`Invalid mapping rules: ${why}.`);

/** Checks the structure of a mapping's rules (Keystone's mapping schema 1.0). */
export function validateRules(rules: unknown): Obj[] {
  if (!Array.isArray(rules) || rules.length === 0) throw invalidRule("'rules' must be a non-empty list");
  rules.forEach((rule, i) => {
    if (!isObj(rule)) throw invalidRule(`rule ${i} must be an object`);
    const { local, remote } = rule;
    // An empty `local` is valid for Keystone (the rule maps nothing), an empty `remote` is not.
    if (!Array.isArray(local)) throw invalidRule(`rule ${i} needs a 'local' list`);
    if (!Array.isArray(remote) || remote.length === 0) throw invalidRule(`rule ${i} needs a non-empty 'remote' list`);
    for (const r of remote) {
      if (!isObj(r) || typeof r.type !== 'string') throw invalidRule(`every remote of rule ${i} needs a 'type'`);
      const unknown = Object.keys(r).find((k) => !REMOTE_KEYS.has(k));
      if (unknown) throw invalidRule(`unknown remote property '${unknown}' in rule ${i}`);
      for (const k of ['any_one_of', 'not_any_of', 'whitelist', 'blacklist']) {
        if (r[k] !== undefined && (!Array.isArray(r[k]) || !(r[k] as unknown[]).every((v) => typeof v === 'string'))) {
          throw invalidRule(`'${k}' in rule ${i} must be a list of strings`);
        }
      }
      if (r.regex !== undefined && typeof r.regex !== 'boolean') throw invalidRule(`'regex' in rule ${i} must be a boolean`);
      if (r.regex === true) {
        for (const k of ['any_one_of', 'not_any_of', 'whitelist', 'blacklist']) {
          for (const pattern of (r[k] as string[] | undefined) ?? []) {
            try {
              new RegExp(pattern);
            } catch {
              throw invalidRule(`'${pattern}' in rule ${i} is not a valid regular expression`);
            }
          }
        }
      }
      if (r.whitelist !== undefined && r.blacklist !== undefined) throw invalidRule(`rule ${i} has both a whitelist and a blacklist`);
    }
    for (const l of local) {
      if (!isObj(l) || Object.keys(l).length === 0) throw invalidRule(`every local of rule ${i} must be a non-empty object`);
      const unknown = Object.keys(l).find((k) => !LOCAL_KEYS.has(k));
      if (unknown) throw invalidRule(`unknown local property '${unknown}' in rule ${i}`);
      if (l.user !== undefined && !isObj(l.user)) throw invalidRule(`'user' in rule ${i} must be an object`);
      if (l.group !== undefined && (!isObj(l.group) || (typeof l.group.id !== 'string' && !(typeof l.group.name === 'string' && isObj(l.group.domain))))) {
        throw invalidRule(`'group' in rule ${i} needs an id, or a name and a domain`);
      }
      if (l.groups !== undefined && !isObj(l.domain)) throw invalidRule(`'groups' in rule ${i} needs a 'domain'`);
    }
  });
  return rules as Obj[];
}

/** Claim values as lists of strings (lists stay lists, scalars become one string). */
function claimValues(claims: Record<string, unknown>, type: string): string[] {
  // Mappings written for mod_auth_openidc name claims `OIDC-<claim>`.
  const v = claims[type] ?? (type.startsWith('OIDC-') ? claims[type.slice(5)] : undefined);
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x) => ['string', 'number', 'boolean'].includes(typeof x)).map(String);
}

function anyMatch(wanted: string[], values: string[], regex: boolean): boolean {
  return regex ? wanted.some((w) => values.some((v) => new RegExp(w).test(v))) : wanted.some((w) => values.includes(w));
}

/** The captured values of a rule, or undefined when a condition does not hold. */
function evaluateRemote(remote: Obj[], claims: Record<string, unknown>): string[][] | undefined {
  const captured: string[][] = [];
  for (const r of remote) {
    let values = claimValues(claims, r.type as string);
    if (values.length === 0) return undefined;
    const regex = r.regex === true;
    if (r.any_one_of) {
      if (!anyMatch(r.any_one_of as string[], values, regex)) return undefined;
      continue;
    }
    if (r.not_any_of) {
      if (anyMatch(r.not_any_of as string[], values, regex)) return undefined;
      continue;
    }
    if (r.whitelist) values = values.filter((v) => anyMatch(r.whitelist as string[], [v], regex));
    if (r.blacklist) values = values.filter((v) => !anyMatch(r.blacklist as string[], [v], regex));
    captured.push(values);
  }
  return captured;
}

/** Replaces `{N}`; a value that is exactly `{N}` keeps a multi-valued capture as a list. */
function substitute(value: unknown, captured: string[][]): unknown {
  if (typeof value === 'string') {
    const whole = /^\{(\d+)\}$/.exec(value);
    if (whole) {
      const c = captured[Number(whole[1])];
      if (!c) throw badRequest(`Invalid mapping: '${value}' refers to a remote without a captured value.`);
      return c.length === 1 ? c[0] : c;
    }
    return value.replace(/\{(\d+)\}/g, (_m, n: string) => {
      const c = captured[Number(n)];
      if (!c) throw badRequest(`Invalid mapping: '${value}' refers to a remote without a captured value.`);
      return c.join(';');
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, captured));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, captured)]));
  return value;
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []);
const asDomain = (v: unknown): DomainRef | undefined =>
  isObj(v) ? { id: typeof v.id === 'string' ? v.id : undefined, name: typeof v.name === 'string' ? v.name : undefined } : undefined;

/** Applies the rules to the claims; undefined when no rule maps a user. */
export function applyMapping(rules: Obj[], claims: Record<string, unknown>): MappingResult | undefined {
  let user: MappedUser | undefined;
  const groups: MappedGroups = { ids: [], byName: [] };
  for (const rule of rules) {
    const captured = evaluateRemote(rule.remote as Obj[], claims);
    if (!captured) continue;
    for (const local of (rule.local as Obj[]).map((l) => substitute(l, captured) as Obj)) {
      if (isObj(local.user) && !user) {
        const u = local.user;
        user = {
          name: typeof u.name === 'string' ? u.name : undefined,
          id: typeof u.id === 'string' ? u.id : undefined,
          email: typeof u.email === 'string' ? u.email : undefined,
          domain: asDomain(u.domain) ?? asDomain(local.domain),
          type: u.type === 'local' ? 'local' : 'ephemeral',
        };
      }
      if (isObj(local.group)) {
        if (typeof local.group.id === 'string') groups.ids.push(local.group.id);
        else groups.byName.push({ name: String(local.group.name), domain: asDomain(local.group.domain) ?? {} });
      }
      for (const name of asList(local.groups)) groups.byName.push({ name, domain: asDomain(local.domain) ?? {} });
      groups.ids.push(...asList(local.group_ids));
    }
  }
  return user && (user.name || user.id) ? { user, groups } : undefined;
}
