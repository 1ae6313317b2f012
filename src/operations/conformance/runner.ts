import { MissingServiceError, OpenStackSession } from '../http/session.js';
import type { CloudEntry } from '../http/clouds.js';
import { CloudData } from './cloud-data.js';
import { planVersion, versionState, type Level, type Scope, type VersionState } from './scope.js';
import { abort, type CheckContext, type Outcome, type Verdict } from './testcase.js';
import { checkFor } from './testcases/index.js';

/** Roles that make a run meaningless: the suite must see the cloud as a plain member does. */
const PRIVILEGED = ['admin', 'manager'];

export interface TestcaseResult extends Outcome {
  id: string;
  level: Level;
  standard: string;
  description: string;
  url?: string;
  durationMs: number;
}

export interface RunResult {
  scope: Scope;
  version: string;
  state?: VersionState;
  /** The date the version's state was looked up for (YYYY-MM-DD). */
  referenceDate: string;
  checkedAt: string;
  subject: string;
  results: TestcaseResult[];
  /** Every mandatory testcase passed. */
  passed: boolean;
}

export interface RunOptions {
  cloud: CloudEntry;
  scope: Scope;
  version: string;
  /** Only these testcase ids (default: all of the version). */
  only?: string[];
  now?: Date;
  /** Name prefix of created resources (default `scs-test-`, like SCS's harness). */
  prefix?: string;
  waitTimeoutMs?: number;
  guestTimeoutMs?: number;
  onStart?(index: number, total: number, id: string, level: Level): void;
  onResult?(index: number, total: number, result: TestcaseResult): void;
}

/** Why the session may not run the suite (privileged or no member role), or undefined. */
export function refuseRoles(roles: string[]): string | undefined {
  const high = roles.filter((r) => PRIVILEGED.includes(r));
  if (high.length) return `refusing to test with a privileged token (roles ${high.join(', ')}): use the credentials of a plain project member`;
  if (!roles.includes('member')) return `the token lacks the member role (roles: ${roles.join(', ') || 'none'})`;
  return undefined;
}

/** Runs one version of a scope against a cloud, testcase by testcase, as a plain member. */
export async function runConformance(opts: RunOptions): Promise<RunResult> {
  const now = opts.now ?? new Date();
  const referenceDate = now.toISOString().slice(0, 10);
  const plan = planVersion(opts.scope, opts.version).filter((t) => !opts.only || opts.only.includes(t.id));
  let session: OpenStackSession | undefined;
  let preflight: string | undefined;
  try {
    session = await OpenStackSession.connect(opts.cloud);
    preflight = refuseRoles(session.roles);
  } catch (e) {
    preflight = `cannot authenticate to cloud ${opts.cloud.name}: ${(e as Error).message}`;
  }
  const data = session && new CloudData(session);
  const results: TestcaseResult[] = [];
  for (const [i, t] of plan.entries()) {
    opts.onStart?.(i, plan.length, t.id, t.level);
    const started = Date.now();
    let outcome: Outcome;
    const check = checkFor(t.id);
    if (preflight || !session || !data) outcome = abort(`pre-flight check failed: ${preflight}`);
    else if (!check) outcome = abort('this suite has no implementation of the testcase');
    else {
      const ctx: CheckContext = { session, data, params: t.standard.parameters, scopeDir: opts.scope.dir, prefix: opts.prefix ?? 'scs-test-', now, waitTimeoutMs: opts.waitTimeoutMs ?? 300_000, guestTimeoutMs: opts.guestTimeoutMs ?? 600_000 };
      try {
        outcome = await check(ctx);
      } catch (e) {
        outcome = abort(e instanceof MissingServiceError ? `${e.message}, which this testcase needs` : (e as Error).message);
      }
    }
    const result: TestcaseResult = { id: t.id, level: t.level, standard: t.standard.id, description: t.description, ...(t.url ? { url: t.url } : {}), ...outcome, durationMs: Date.now() - started };
    results.push(result);
    opts.onResult?.(i, plan.length, result);
  }
  return {
    scope: opts.scope,
    version: opts.version,
    state: versionState(opts.scope, opts.version, referenceDate),
    referenceDate,
    checkedAt: now.toISOString(),
    subject: opts.cloud.name,
    results,
    passed: results.every((r) => r.level !== 'mandatory' || r.verdict === 'PASS'),
  };
}

/** The numeric verdicts of SCS compliance reports. */
export const VERDICT_VALUE: Record<Verdict, number> = { PASS: 1, ABORT: 0, FAIL: -1 };
