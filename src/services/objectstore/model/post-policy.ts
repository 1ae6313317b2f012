import { accessDenied, s3Error } from './errors.js';

/**
 * The policy document of a browser-based upload (POST Object): a base64 JSON document with an
 * `expiration` and `conditions` that every form field is checked against. Condition names and
 * operators are case-insensitive, as form field names are; values are compared exactly.
 */
export interface PostPolicy {
  expiration: number;
  matches: Array<{ op: 'eq' | 'starts-with'; field: string; value: string }>;
  /** `content-length-range`: the bounds of the file size, inclusive. */
  length?: { min: number; max: number };
}

/** Form fields that no condition has to cover (the signature's own fields and `x-ignore-*`). */
const EXEMPT = new Set(['policy', 'signature', 'awsaccesskeyid', 'x-amz-signature', 'file']);
/** Checksums of the file are verified against it, so a policy need not name them (as S3 and RGW accept). */
const exempt = (field: string) => EXEMPT.has(field) || field.startsWith('x-ignore-') || field.startsWith('x-amz-checksum-');

const invalid = (detail: string) => s3Error('badRequest', 'InvalidPolicyDocument', `Invalid Policy: ${detail}`);
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function bound(v: unknown): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw invalid("Invalid 'content-length-range' condition: lower and upper bounds must be non-negative integers.");
  }
  return n;
}

function addCondition(policy: PostPolicy, c: unknown): void {
  if (Array.isArray(c)) {
    const op = typeof c[0] === 'string' ? c[0].toLowerCase() : '';
    if (op === 'content-length-range') {
      if (c.length !== 3) throw invalid('Invalid content-length-range condition: it needs exactly a lower and an upper bound.');
      policy.length = { min: bound(c[1]), max: bound(c[2]) };
      return;
    }
    if ((op !== 'eq' && op !== 'starts-with') || c.length !== 3) throw invalid(`Invalid condition: ${JSON.stringify(c)}`);
    const [, name, value] = c as unknown[];
    if (typeof name !== 'string' || !name.startsWith('$') || typeof value !== 'string') throw invalid(`Invalid condition: ${JSON.stringify(c)}`);
    policy.matches.push({ op, field: name.slice(1).toLowerCase(), value });
    return;
  }
  if (typeof c !== 'object' || c === null) throw invalid(`Invalid condition: ${JSON.stringify(c)}`);
  const entries = Object.entries(c);
  if (entries.length !== 1) throw invalid('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
  const [name, value] = entries[0];
  if (typeof value !== 'string') throw invalid(`Invalid Simple-Condition: the value of ${name} must be a string.`);
  policy.matches.push({ op: 'eq', field: name.toLowerCase(), value });
}

/** Decodes and validates a policy document (InvalidPolicyDocument when it is not one). */
export function parsePostPolicy(base64: string): PostPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalid('Invalid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('Invalid JSON.');
  const { expiration, conditions } = doc as { expiration?: unknown; conditions?: unknown };
  if (expiration === undefined) throw invalid('Policy missing expiration.');
  if (typeof expiration !== 'string' || !ISO_TIME.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalid(`Invalid 'expiration' value: '${String(expiration)}'`);
  }
  if (conditions === undefined) throw invalid('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalid("Invalid 'conditions' value: must be a list.");
  const policy: PostPolicy = { expiration: Date.parse(expiration), matches: [] };
  for (const c of conditions) addCondition(policy, c);
  return policy;
}

/**
 * Checks the form fields (names lower-cased, `bucket` and the final `key` included) against the
 * policy: not expired, every condition met (an absent field counts as empty), and every field
 * not exempt named by some condition. AccessDenied with S3's "Invalid according to Policy" otherwise.
 */
export function checkPostPolicy(policy: PostPolicy, fields: Map<string, string>, now = Date.now()): void {
  if (now >= policy.expiration) throw accessDenied('Invalid according to Policy: Policy expired.');
  for (const m of policy.matches) {
    const v = fields.get(m.field) ?? '';
    // A Content-Type with commas is a list: each of its types must start with the prefix.
    const values = m.op === 'starts-with' && m.field === 'content-type' ? v.split(',').map((t) => t.trim()) : [v];
    if (values.some((x) => (m.op === 'eq' ? x !== m.value : !x.startsWith(m.value)))) {
      throw accessDenied(`Invalid according to Policy: Policy Condition failed: ["${m.op}", "$${m.field}", "${m.value}"]`);
    }
  }
  const covered = new Set(policy.matches.map((m) => m.field));
  const extra = [...fields.keys()].filter((f) => !exempt(f) && !covered.has(f));
  if (extra.length > 0) throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
}
