import { badRequest } from '../errors.js';

/**
 * Small, explicit body validation shared by every JSON API: each helper names the field in its
 * message, and every failure is a 400 in the caller's fault format (never a 500).
 */
export type Obj = Record<string, unknown>;

const fail = (field: string, what: string) => badRequest(`Invalid input for field '${field}': ${what}.`);

export function isObj(v: unknown): v is Obj {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The body's top-level wrapper object, e.g. `{"project": {...}}`. */
export function wrapped(body: unknown, key: string): Obj {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const inner = body[key];
  if (!isObj(inner)) throw fail(key, 'expected an object');
  return inner;
}

export function reqString(o: Obj, field: string, opts: { max?: number; min?: number; path?: string } = {}): string {
  const v = o[field];
  const name = opts.path ?? field;
  if (typeof v !== 'string') throw fail(name, v === undefined ? 'is a required property' : 'expected a string');
  if (v.length < (opts.min ?? 1)) throw fail(name, 'is too short');
  if (opts.max !== undefined && v.length > opts.max) throw fail(name, `is longer than ${opts.max} characters`);
  return v;
}

export function optString(o: Obj, field: string, opts: { max?: number; min?: number; nullable?: boolean; path?: string } = {}): string | null | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (v === null && opts.nullable) return null;
  return reqString(o, field, { ...opts, min: opts.min ?? 0 });
}

export function optBool(o: Obj, field: string, path = field): boolean | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw fail(path, 'expected a boolean');
  return v;
}

export function optInt(o: Obj, field: string, opts: { min?: number; max?: number; path?: string; nullable?: boolean } = {}): number | null | undefined {
  const v = o[field];
  const name = opts.path ?? field;
  if (v === undefined) return undefined;
  if (v === null && opts.nullable) return null;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw fail(name, 'expected an integer');
  if (opts.min !== undefined && n < opts.min) throw fail(name, `must be at least ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw fail(name, `must be at most ${opts.max}`);
  return n;
}

export function optStringArray(o: Obj, field: string, opts: { maxItem?: number; path?: string } = {}): string[] | undefined {
  const v = o[field];
  const name = opts.path ?? field;
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw fail(name, 'expected a list of strings');
  if (opts.maxItem !== undefined && v.some((x) => (x as string).length > opts.maxItem!)) throw fail(name, `items are longer than ${opts.maxItem} characters`);
  return v as string[];
}

export function optObj(o: Obj, field: string, path = field): Obj | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (!isObj(v)) throw fail(path, 'expected an object');
  return v;
}

/** Query string values as strings (Fastify gives arrays for repeated keys: the last one wins). */
export function query(q: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(q)) return out;
  for (const [k, v] of Object.entries(q)) out[k] = Array.isArray(v) ? String(v[v.length - 1]) : String(v);
  return out;
}

/** The words OpenStack services read as booleans (oslo's strict `bool_from_string`); undefined for others. */
export function boolWord(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return undefined;
}

/** `true`/`false`/`1`/`0` filter values as OpenStack APIs accept them. */
export function boolParam(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const b = boolWord(v);
  if (b === undefined) throw badRequest(`Invalid boolean value: '${v}'.`);
  return b;
}

/** A JSON boolean, or one of the boolean words as a string; undefined for anything else. */
export const looseBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : typeof v === 'string' ? boolWord(v) : undefined);
