import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadCloud } from '../http/clouds.js';
import { formatReport, summaryTable } from './report.js';
import { runConformance } from './runner.js';
import { defaultVersion, loadScope } from './scope.js';

interface ConformanceOptions {
  cloud?: string;
  scope: string;
  version?: string;
  output?: string;
  format?: string;
  tests?: string;
  timeout: string;
  guestTimeout: string;
}

export function registerConformanceCommand(program: Command): void {
  program
    .command('conformance')
    .description('test any OpenStack cloud (from clouds.yaml) against an SCS certificate scope, as a plain member')
    .option('--cloud <name>', 'cloud of clouds.yaml (default $OS_CLOUD)', process.env.OS_CLOUD)
    .option('--scope <scope>', 'scope short name (iaas) or a scope YAML file', 'iaas')
    .option('--version <version>', 'scope version (default: the newest effective one)')
    .option('--output <file>', 'write the report to this file')
    .option('--format <fmt>', 'report format: yaml | json | junit (default yaml, or from the --output suffix)')
    .option('--tests <regex>', 'only testcases whose id matches')
    .option('--timeout <seconds>', 'how long to wait for a volume or backup to become available', '300')
    .option('--guest-timeout <seconds>', 'how long a test server may take to boot and report entropy on its console (scs-0101)', '600')
    .action(async (o: ConformanceOptions) => {
      if (!o.cloud) throw new Error('name the cloud with --cloud NAME or OS_CLOUD');
      const cloud = loadCloud(o.cloud);
      const scope = loadScope(o.scope);
      const now = new Date();
      const version = o.version ?? defaultVersion(scope, now.toISOString().slice(0, 10));
      const filter = o.tests ? new RegExp(o.tests) : undefined;
      const only = filter ? [...scope.testcases.keys()].filter((id) => filter.test(id)) : undefined;
      const tty = process.stdout.isTTY;
      console.log(`${scope.name} ${version} against cloud ${cloud.name} (${cloud.auth.auth_url})`);
      const run = await runConformance({
        cloud,
        scope,
        version,
        only,
        now,
        waitTimeoutMs: Number(o.timeout) * 1000,
        guestTimeoutMs: Number(o.guestTimeout) * 1000,
        onStart: (i, n, id) => {
          if (tty) process.stdout.write(`[${i + 1}/${n}] ${id} ...`);
        },
        onResult: (i, n, r) => {
          const line = `[${i + 1}/${n}] ${r.id}: ${r.verdict}${r.verdict === 'PASS' ? '' : ` (${r.level}) ${r.reason ?? ''}`}`;
          if (tty) process.stdout.write(`\r\x1b[2K${line}\n`);
          else console.log(line);
        },
      });
      console.log(`\n${summaryTable(run)}`);
      if (o.output) {
        const format = o.format ?? (/\.json$/.test(o.output) ? 'json' : /\.xml$/.test(o.output) ? 'junit' : 'yaml');
        writeFileSync(o.output, formatReport(run, format, process.argv.slice(2)));
        console.log(`report written to ${o.output} (${format})`);
      } else if (o.format) process.stdout.write(formatReport(run, o.format, process.argv.slice(2)));
      process.exitCode = run.passed ? 0 : 1;
    });
}
