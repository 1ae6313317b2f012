import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** A certificate scope (scs-0003 shape): standards with their testcases, versions, timeline. */
export interface Scope {
  name: string;
  uuid: string;
  url: string;
  short?: string;
  testcases: Map<string, TestcaseInfo>;
  standards: Map<string, StandardInfo>;
  versions: Map<string, ScopeVersion>;
  timeline: Array<{ date: string; versions: Record<string, VersionState> }>;
  /** Folder of the scope file, where parameter files (image specs) are resolved. */
  dir: string;
}

export interface TestcaseInfo {
  id: string;
  description: string;
  url?: string;
}

export interface StandardInfo {
  id: string;
  name: string;
  url: string;
  parameters: Record<string, string>;
  mandatory: string[];
  recommended: string[];
}

export interface ScopeVersion {
  version: string;
  stabilizedAt?: string;
  standards: string[];
}

export type VersionState = 'draft' | 'effective' | 'warn' | 'deprecated' | 'retired';
const STATES: VersionState[] = ['draft', 'effective', 'warn', 'deprecated', 'retired'];

export type Level = 'mandatory' | 'recommended';

/** One testcase as a version asks for it. */
export interface PlannedTestcase {
  id: string;
  level: Level;
  standard: StandardInfo;
  description: string;
  url?: string;
}

/** The repository's `standards/` folder (next to src/ and dist/). */
export const STANDARDS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'standards');

/** Short scope names accepted by `--scope`. */
export const SCOPE_FILES: Record<string, string> = { iaas: 'scs-compatible-iaas.yaml' };

export class ScopeError extends Error {}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const asDate = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'string' ? v : undefined);

/** Loads and validates a scope file; every problem found is listed in one ScopeError. */
export function loadScope(fileOrShort: string): Scope {
  const file = SCOPE_FILES[fileOrShort] ? join(STANDARDS_DIR, SCOPE_FILES[fileOrShort]) : fileOrShort;
  if (!existsSync(file)) throw new ScopeError(`scope ${fileOrShort}: no such file ${file} (known scopes: ${Object.keys(SCOPE_FILES).join(', ')})`);
  return parseScope(parseYaml(readFileSync(file, 'utf8')), dirname(file));
}

export function parseScope(doc: any, dir: string): Scope {
  const problems: string[] = [];
  const need = (cond: unknown, msg: string) => {
    if (!cond) problems.push(msg);
    return !!cond;
  };
  if (!doc || typeof doc !== 'object') throw new ScopeError('scope file is not a YAML mapping');
  need(typeof doc.name === 'string', 'name is missing');
  need(typeof doc.uuid === 'string' && /^[0-9a-f-]{36}$/.test(doc.uuid), 'uuid is missing or not a UUID');
  need(typeof doc.url === 'string', 'url is missing');

  const testcases = new Map<string, TestcaseInfo>();
  for (const [i, t] of (Array.isArray(doc.testcases) ? doc.testcases : []).entries()) {
    if (!need(typeof t?.id === 'string', `testcases[${i}] has no id`)) continue;
    need(!testcases.has(t.id), `testcase ${t.id} is defined twice`);
    need(typeof t.description === 'string', `testcase ${t.id} has no description`);
    testcases.set(t.id, { id: t.id, description: t.description ?? '', ...(t.url ? { url: t.url } : {}) });
  }
  need(testcases.size > 0, 'testcases: none defined');

  const standards = new Map<string, StandardInfo>();
  for (const [i, s] of (Array.isArray(doc.standards) ? doc.standards : []).entries()) {
    if (!need(typeof s?.id === 'string', `standards[${i}] has no id`)) continue;
    need(!standards.has(s.id), `standard ${s.id} is defined twice`);
    need(typeof s.name === 'string' && typeof s.url === 'string', `standard ${s.id} needs name and url`);
    const lists = { mandatory: s.mandatory ?? [], recommended: s.recommended ?? [] };
    for (const [level, ids] of Object.entries(lists)) {
      if (!need(Array.isArray(ids), `standard ${s.id}: ${level} is not a list`)) continue;
      for (const id of ids) need(testcases.has(id), `standard ${s.id}: unknown ${level} testcase ${id}`);
    }
    standards.set(s.id, { id: s.id, name: s.name, url: s.url, parameters: s.parameters ?? {}, mandatory: lists.mandatory, recommended: lists.recommended });
  }

  const versions = new Map<string, ScopeVersion>();
  for (const [i, v] of (Array.isArray(doc.versions) ? doc.versions : []).entries()) {
    if (!need(typeof v?.version === 'string', `versions[${i}] has no version`)) continue;
    need(!versions.has(v.version), `version ${v.version} is defined twice`);
    const stabilizedAt = asDate(v.stabilized_at);
    if (v.stabilized_at !== undefined) need(stabilizedAt && DATE.test(stabilizedAt), `version ${v.version}: stabilized_at is not a date`);
    for (const id of v.standards ?? []) need(standards.has(id), `version ${v.version}: unknown standard ${id}`);
    need(Array.isArray(v.standards) && v.standards.length, `version ${v.version} lists no standards`);
    versions.set(v.version, { version: v.version, ...(stabilizedAt ? { stabilizedAt } : {}), standards: v.standards ?? [] });
  }
  need(versions.size > 0, 'versions: none defined');

  const timeline: Scope['timeline'] = [];
  for (const [i, e] of (Array.isArray(doc.timeline) ? doc.timeline : []).entries()) {
    const date = asDate(e?.date);
    if (!need(date && DATE.test(date), `timeline[${i}] has no valid date`)) continue;
    for (const [ver, state] of Object.entries(e.versions ?? {})) {
      need(versions.has(ver), `timeline ${date}: unknown version ${ver}`);
      need(STATES.includes(state as VersionState), `timeline ${date}: ${ver} has unknown state ${String(state)}`);
    }
    timeline.push({ date: date!, versions: e.versions ?? {} });
  }
  need(timeline.length > 0, 'timeline: no entries');
  if (problems.length) throw new ScopeError(`invalid scope: ${problems.join('; ')}`);
  timeline.sort((a, b) => a.date.localeCompare(b.date));
  return { name: doc.name, uuid: doc.uuid, url: doc.url, short: doc.short, testcases, standards, versions, timeline, dir };
}

/** The state of a version at a date (YYYY-MM-DD): the latest timeline entry not after it decides. */
export function versionState(scope: Scope, version: string, date: string): VersionState | undefined {
  const entry = [...scope.timeline].reverse().find((e) => e.date <= date);
  return entry?.versions[version] as VersionState | undefined;
}

/** The version to test when none is asked for: the newest one effective (or warn) at `date`. */
export function defaultVersion(scope: Scope, date: string): string {
  const effective = [...scope.versions.keys()].filter((v) => ['effective', 'warn'].includes(versionState(scope, v, date) ?? ''));
  if (!effective.length) throw new ScopeError(`no version of ${scope.name} is effective on ${date}`);
  return effective.sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0];
}

/** The testcases of one version; a testcase mandatory in any of its standards is mandatory. */
export function planVersion(scope: Scope, version: string): PlannedTestcase[] {
  const v = scope.versions.get(version);
  if (!v) throw new ScopeError(`${scope.name} has no version ${version} (versions: ${[...scope.versions.keys()].join(', ')})`);
  const plan = new Map<string, PlannedTestcase>();
  for (const sid of v.standards) {
    const standard = scope.standards.get(sid)!;
    for (const level of ['mandatory', 'recommended'] as const) {
      for (const id of standard[level]) {
        const existing = plan.get(id);
        if (existing && (existing.level === 'mandatory' || level === 'recommended')) continue;
        const t = scope.testcases.get(id)!;
        plan.set(id, { id, level, standard, description: t.description, ...(t.url ? { url: t.url } : {}) });
      }
    }
  }
  return [...plan.values()];
}
