import { BlockList, isIP } from 'node:net';
import type { AuthContext } from '../../../platform/auth.js';
import { s3Error } from './errors.js';

/**
 * The `Condition` block of bucket policy statements: IAM's condition operators (with the
 * `...IfExists` suffix and the `ForAnyValue:`/`ForAllValues:` set prefixes) over the condition keys
 * an S3 request has (request headers as `s3:x-amz-*`, object tags, listing parameters, source IP).
 */

/** What a request offers to conditions besides its caller. */
export interface RequestFacts {
  headers: Record<string, string | string[] | undefined>;
  query: Map<string, string>;
  sourceIp?: string;
  secure: boolean;
}

/** Who asks, and how: `S3Request` is one. */
export interface Caller {
  auth?: AuthContext;
  facts?: RequestFacts;
}

export type ConditionBlock = Record<string, Record<string, unknown>>;

type Matcher = (actual: string, expected: string) => boolean;

const like = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
const num = (v: string) => (/^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN);
const date = (v: string) => (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));
const compare = (parse: (v: string) => number, test: (a: number, e: number) => boolean): Matcher => (a, e) => {
  const x = parse(a);
  const y = parse(e);
  return !Number.isNaN(x) && !Number.isNaN(y) && test(x, y);
};

function inCidr(actual: string, cidr: string): boolean {
  const ip = actual.replace(/^::ffff:(?=\d+\.)/, '');
  const [net, bits] = cidr.split('/');
  const family = isIP(net);
  if (!family || isIP(ip) !== family) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  block.addSubnet(net, bits === undefined ? (family === 4 ? 32 : 128) : Number(bits), type);
  return block.check(ip, type);
}

/** Operators as positive matchers; the `negated` ones hold when no value matches. */
const OPERATORS: Record<string, { match: Matcher; negated?: boolean }> = {
  StringEquals: { match: (a, e) => a === e },
  StringNotEquals: { match: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { match: (a, e) => a.toLowerCase() === e.toLowerCase() },
  StringNotEqualsIgnoreCase: { match: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { match: (a, e) => like(e).test(a) },
  StringNotLike: { match: (a, e) => like(e).test(a), negated: true },
  NumericEquals: { match: compare(num, (a, e) => a === e) },
  NumericNotEquals: { match: compare(num, (a, e) => a === e), negated: true },
  NumericLessThan: { match: compare(num, (a, e) => a < e) },
  NumericLessThanEquals: { match: compare(num, (a, e) => a <= e) },
  NumericGreaterThan: { match: compare(num, (a, e) => a > e) },
  NumericGreaterThanEquals: { match: compare(num, (a, e) => a >= e) },
  DateEquals: { match: compare(date, (a, e) => a === e) },
  DateNotEquals: { match: compare(date, (a, e) => a === e), negated: true },
  DateLessThan: { match: compare(date, (a, e) => a < e) },
  DateLessThanEquals: { match: compare(date, (a, e) => a <= e) },
  DateGreaterThan: { match: compare(date, (a, e) => a > e) },
  DateGreaterThanEquals: { match: compare(date, (a, e) => a >= e) },
  Bool: { match: (a, e) => a.toLowerCase() === e.toLowerCase() },
  IpAddress: { match: inCidr },
  NotIpAddress: { match: inCidr, negated: true },
  ArnEquals: { match: (a, e) => a === e },
  ArnNotEquals: { match: (a, e) => a === e, negated: true },
  ArnLike: { match: (a, e) => like(e).test(a) },
  ArnNotLike: { match: (a, e) => like(e).test(a), negated: true },
};

interface ParsedOperator {
  name: string;
  ifExists: boolean;
  set?: 'ForAnyValue' | 'ForAllValues';
}

function parseOperator(op: string): ParsedOperator | undefined {
  const m = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/.exec(op);
  if (!m) return undefined;
  const name = m[2];
  if (name === 'Null') return m[1] || m[3] ? undefined : { name, ifExists: false };
  if (!OPERATORS[name]) return undefined;
  return { name, ifExists: !!m[3], set: m[1] as ParsedOperator['set'] };
}

const values = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

/** Checks a statement's Condition block when the policy is stored: MalformedPolicy for what we cannot evaluate. */
export function validateConditions(condition: unknown): void {
  const bad = (msg: string) => s3Error('badRequest', 'MalformedPolicy', msg);
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) throw bad('Invalid Condition block');
  for (const [op, keys] of Object.entries(condition)) {
    if (!parseOperator(op)) throw bad(`Invalid Condition type : ${op}`);
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw bad(`Invalid Condition block for ${op}`);
    for (const v of Object.values(keys)) {
      if (v === null || typeof v === 'object' && !Array.isArray(v)) throw bad(`Invalid Condition value for ${op}`);
    }
  }
}

/** The values a condition key has for this request; undefined when the request has none. */
function keyValues(key: string, caller: Caller, tags?: Record<string, string>): string[] | undefined {
  const k = key.toLowerCase();
  const facts = caller.facts;
  const header = (name: string) => {
    const v = facts?.headers[name];
    return v === undefined ? undefined : Array.isArray(v) ? v : [v];
  };
  const query = (name: string) => {
    const v = facts?.query.get(name);
    return v === undefined ? undefined : [v];
  };
  if (k.startsWith('s3:existingobjecttag/')) return tags && key.slice(21) in tags ? [tags[key.slice(21)]] : undefined;
  const requestTags = () => Object.fromEntries(new URLSearchParams(String(header('x-amz-tagging')?.[0] ?? '')));
  if (k.startsWith('s3:requestobjecttag/')) {
    const v = requestTags()[key.slice(20)];
    return v === undefined ? undefined : [v];
  }
  if (k.startsWith('s3:x-amz-')) return header(k.slice(3));
  switch (k) {
    case 'aws:sourceip':
      return facts?.sourceIp ? [facts.sourceIp] : undefined;
    case 'aws:referer':
      return header('referer');
    case 'aws:useragent':
      return header('user-agent');
    case 'aws:securetransport':
      return facts ? [String(facts.secure)] : undefined;
    case 'aws:currenttime':
      return [new Date().toISOString()];
    case 'aws:epochtime':
      return [String(Math.floor(Date.now() / 1000))];
    case 'aws:principalaccount':
      return caller.auth?.projectId ? [caller.auth.projectId] : undefined;
    case 'aws:userid':
      return caller.auth ? [caller.auth.userId] : undefined;
    case 'aws:principaltype':
      return [caller.auth ? 'Account' : 'Anonymous'];
    case 's3:requestobjecttagkeys': {
      const keys = Object.keys(requestTags());
      return keys.length ? keys : undefined;
    }
    case 's3:prefix':
    case 's3:delimiter':
    case 's3:max-keys':
      return query(k.slice(3));
    case 's3:versionid':
      return query('versionId');
  }
  return undefined;
}

/** True when every operator of the block holds (keys of one operator AND, values of one key OR). */
export function conditionsHold(condition: ConditionBlock | undefined, caller: Caller, tags?: Record<string, string>): boolean {
  for (const [op, keys] of Object.entries(condition ?? {})) {
    const parsed = parseOperator(op)!;
    for (const [key, expected] of Object.entries(keys)) {
      const actual = keyValues(key, caller, tags);
      const wanted = values(expected);
      if (parsed.name === 'Null') {
        if ((actual === undefined) !== (wanted[0].toLowerCase() === 'true')) return false;
        continue;
      }
      const { match, negated } = OPERATORS[parsed.name];
      if (actual === undefined) {
        if (parsed.ifExists || negated || parsed.set === 'ForAllValues') continue;
        return false;
      }
      const hit = (a: string) => wanted.some((e) => match(a, e));
      const matched = parsed.set === 'ForAllValues' ? actual.every(hit) : actual.some(hit);
      if (matched === !!negated) return false;
    }
  }
  return true;
}

/** Condition keys that pin a statement to known callers, so that it is not public (as S3 judges). */
const RESTRICTING = ['aws:sourceip', 'aws:sourcevpc', 'aws:sourcevpce', 'aws:sourceaccount', 'aws:sourcearn', 'aws:sourceowner', 'aws:principalaccount', 'aws:principalorgid', 'aws:principalarn', 'aws:userid'];

export function restrictsCallers(condition: ConditionBlock | undefined): boolean {
  return Object.values(condition ?? {}).some((keys) => Object.keys(keys).some((k) => RESTRICTING.includes(k.toLowerCase())));
}
