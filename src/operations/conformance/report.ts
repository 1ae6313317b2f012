import { randomUUID } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import { VERDICT_VALUE, type RunResult, type TestcaseResult } from './runner.js';

const count = (results: TestcaseResult[], verdict: string, level?: string) => results.filter((r) => r.verdict === verdict && (!level || r.level === level)).length;

/**
 * The report in the shape of SCS compliance reports: spec, checked_at, reference_date, subject,
 * per version the testcase results, and the run with its invocation (results as 1/0/-1).
 */
export function reportDocument(run: RunResult, argv: string[] = []): Record<string, unknown> {
  const testcases: Record<string, unknown> = {};
  for (const r of run.results) {
    testcases[r.id] = {
      result: VERDICT_VALUE[r.verdict],
      verdict: r.verdict,
      level: r.level,
      standard: r.standard,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.details?.length ? { details: r.details } : {}),
      duration_ms: r.durationMs,
    };
  }
  return {
    spec: { uuid: run.scope.uuid, name: run.scope.name, url: run.scope.url },
    checked_at: run.checkedAt,
    reference_date: run.referenceDate,
    subject: run.subject,
    versions: {
      [run.version]: {
        state: run.state ?? 'unknown',
        result: run.passed ? 'PASS' : 'FAIL',
        summary: {
          mandatory: { passed: count(run.results, 'PASS', 'mandatory'), failed: count(run.results, 'FAIL', 'mandatory'), aborted: count(run.results, 'ABORT', 'mandatory') },
          recommended: { passed: count(run.results, 'PASS', 'recommended'), failed: count(run.results, 'FAIL', 'recommended'), aborted: count(run.results, 'ABORT', 'recommended') },
        },
        testcases,
      },
    },
    run: {
      uuid: randomUUID(),
      argv,
      assignment: { os_cloud: run.subject },
      forced_version: run.version,
      invocations: {
        [randomUUID()]: { cmd: `scs conformance --cloud ${run.subject} --version ${run.version}`, results: Object.fromEntries(run.results.map((r) => [r.id, VERDICT_VALUE[r.verdict]])) },
      },
    },
  };
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JUnit XML for CI systems: FAIL is a failure, ABORT an error, recommended ones are marked in the name. */
export function junitReport(run: RunResult): string {
  const failures = count(run.results, 'FAIL');
  const errors = count(run.results, 'ABORT');
  const suite = `${run.scope.name} ${run.version}`;
  const cases = run.results.map((r) => {
    const body = [r.reason, ...(r.details ?? [])].filter(Boolean).join('\n');
    const inner = r.verdict === 'FAIL' ? `<failure message="${xml(r.reason ?? 'failed')}">${xml(body)}</failure>` : r.verdict === 'ABORT' ? `<error message="${xml(r.reason ?? 'aborted')}">${xml(body)}</error>` : '';
    return `    <testcase classname="${xml(`${r.standard}.${r.level}`)}" name="${xml(r.id)}" time="${(r.durationMs / 1000).toFixed(3)}">${inner}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(suite)}" tests="${run.results.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="${xml(suite)}" tests="${run.results.length}" failures="${failures}" errors="${errors}" timestamp="${run.checkedAt}" hostname="${xml(run.subject)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function formatReport(run: RunResult, format: string, argv: string[] = []): string {
  if (format === 'junit') return junitReport(run);
  const doc = reportDocument(run, argv);
  return format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : `---\n${toYaml(doc)}`;
}

/** The summary table printed after a run: every testcase, with the reason of each non-pass. */
export function summaryTable(run: RunResult): string {
  const w = Math.max(8, ...run.results.map((r) => r.id.length));
  const lines = [`${'testcase'.padEnd(w)}  level        result  reason`, `${'-'.repeat(w)}  -----------  ------  ------`];
  for (const r of run.results) {
    lines.push(`${r.id.padEnd(w)}  ${r.level.padEnd(11)}  ${r.verdict.padEnd(6)}  ${r.verdict === 'PASS' ? '' : (r.reason ?? '')}`.trimEnd());
    if (r.verdict !== 'PASS') for (const d of (r.details ?? []).slice(0, 5)) lines.push(`${''.padEnd(w + 23)}- ${d}`);
  }
  const m = run.results.filter((r) => r.level === 'mandatory');
  const mp = m.filter((r) => r.verdict === 'PASS').length;
  lines.push('', `${run.scope.name} ${run.version} (${run.state ?? 'unknown'} on ${run.referenceDate}) for ${run.subject}: ${run.passed ? 'PASS' : 'FAIL'}, ${mp}/${m.length} mandatory testcases passed, ${count(run.results, 'PASS', 'recommended')}/${run.results.length - m.length} recommended`);
  return lines.join('\n');
}
