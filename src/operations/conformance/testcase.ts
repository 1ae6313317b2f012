import type { OpenStackSession } from '../http/session.js';
import type { CloudData } from './cloud-data.js';

/** The verdicts of SCS's harness: PASS, FAIL (the cloud breaks the rule), ABORT (could not tell). */
export type Verdict = 'PASS' | 'FAIL' | 'ABORT';

export interface Outcome {
  verdict: Verdict;
  /** Why it did not pass (every non-pass has one), or a note on a pass. */
  reason?: string;
  /** Offending resources and other evidence, one line each. */
  details?: string[];
}

/** What a testcase gets: the session of a plain member, lazily fetched cloud data, parameters. */
export interface CheckContext {
  session: OpenStackSession;
  data: CloudData;
  /** Parameters of the standard that lists the testcase (e.g. image_spec). */
  params: Record<string, string>;
  /** Folder of the scope file, for parameter files. */
  scopeDir: string;
  /** Name prefix of everything a testcase creates, so that cleanup finds it. */
  prefix: string;
  now: Date;
  /** Upper bound for waiting on an asynchronous resource (volume, backup), in ms. */
  waitTimeoutMs: number;
  /** Upper bound for a booted guest to print its test results on the serial console, in ms. */
  guestTimeoutMs: number;
}

export type Check = (ctx: CheckContext) => Promise<Outcome>;

export const pass = (reason?: string, details?: string[]): Outcome => ({ verdict: 'PASS', ...(reason ? { reason } : {}), ...(details?.length ? { details } : {}) });
export const fail = (reason: string, details?: string[]): Outcome => ({ verdict: 'FAIL', reason, ...(details?.length ? { details } : {}) });
export const abort = (reason: string, details?: string[]): Outcome => ({ verdict: 'ABORT', reason, ...(details?.length ? { details } : {}) });

/** PASS when there are no offenders, else FAIL naming them. */
export function offenders(what: string, lines: string[], note?: string): Outcome {
  if (!lines.length) return pass(note);
  const shown = lines.slice(0, 20);
  if (lines.length > shown.length) shown.push(`... and ${lines.length - shown.length} more`);
  return fail(`${lines.length} ${what}`, shown);
}

/** Polls `probe` until it returns a value, with growing pauses, for at most `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let pause = 100;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 2000);
  }
}
