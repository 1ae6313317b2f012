import type { FastifyInstance } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isoNaive, isoPython } from '../../../platform/ids.js';
import { boolParam, query } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { Flavor } from '../model/flavors.js';
import { serverStatus } from '../model/states.js';
import type { ServerRow } from '../store/tables.js';
import { computePolicy } from '../policy.js';
import type { ComputeApi } from './common.js';

/** A period bound as Nova prints it: the naive UTC time with the caller's microseconds (Python's isoformat). */
interface Bound {
  date: Date;
  text: string;
}

function period(q: Record<string, string>): { start: Bound; end: Bound } {
  const parse = (v: string | undefined, fallback: Date): Bound => {
    if (v === undefined) return { date: fallback, text: isoPython(fallback) };
    const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
    if (Number.isNaN(date.getTime())) throw badRequest(`Invalid input for query parameters: '${v}' is not a valid time.`);
    // A JavaScript date keeps milliseconds; the digits past them come from the request, as Nova echoes them.
    const micros = /[T ]\d\d:\d\d:\d\d\.(\d{1,6})/.exec(v)?.[1].padEnd(6, '0');
    return { date, text: micros === undefined ? isoPython(date) : `${isoPython(date).replace(/\.\d+$/, '')}${micros === '000000' ? '' : `.${micros}`}` };
  };
  const end = parse(q.end, new Date());
  const start = parse(q.start, new Date(end.date.getTime() - 24 * 3600_000));
  if (start.date > end.date) throw badRequest('Invalid start time. The start time cannot occur after the end time.');
  return { start, end };
}

/** One server's share of a period, as `os-simple-tenant-usage` reports it. */
function serverUsage(r: ServerRow, start: Date, end: Date) {
  const flavor = JSON.parse(r.flavor) as Flavor;
  const from = new Date(Math.max(new Date(r.created_at).getTime(), start.getTime()));
  const to = new Date(Math.min(r.terminated_at ? new Date(r.terminated_at).getTime() : end.getTime(), end.getTime()));
  const hours = Math.max(0, to.getTime() - from.getTime()) / 3600_000;
  return {
    instance_id: r.id,
    name: r.name,
    hours,
    memory_mb: flavor.ram,
    local_gb: flavor.disk,
    vcpus: flavor.vcpus,
    tenant_id: r.project_id,
    flavor: flavor.name,
    started_at: isoNaive(r.created_at),
    ended_at: r.terminated_at ? isoNaive(r.terminated_at) : null,
    state: r.deleted ? 'terminated' : serverStatus(r.vm_state, r.task_state).toLowerCase(),
    uptime: Math.floor((Date.now() - new Date(r.created_at).getTime()) / 1000),
  };
}

function tenantUsage(projectId: string, rows: ServerRow[], start: Bound, end: Bound, detailed: boolean) {
  const servers = rows.map((r) => serverUsage(r, start.date, end.date));
  const sum = (f: (s: (typeof servers)[number]) => number) => servers.reduce((a, s) => a + f(s), 0);
  return {
    tenant_id: projectId,
    total_local_gb_usage: sum((s) => s.local_gb * s.hours),
    total_vcpus_usage: sum((s) => s.vcpus * s.hours),
    total_memory_mb_usage: sum((s) => s.memory_mb * s.hours),
    total_hours: sum((s) => s.hours),
    start: start.text,
    stop: end.text,
    ...(detailed ? { server_usages: servers } : {}),
  };
}

/** `os-simple-tenant-usage`: vCPU, RAM and disk hours per project over a period (default the last day). */
export function registerUsageRoutes(app: FastifyInstance, api: ComputeApi): void {
  app.get('/v2.1/os-simple-tenant-usage', async (req) => {
    // `/os-simple-tenant-usage/` names an empty project (Nova: 404), not the listing.
    if (req.url.split('?')[0].endsWith('/')) throw notFound('The resource could not be found.');
    enforce(computePolicy, 'usage:all', req.auth);
    const q = query(req.query);
    const { start, end } = period(q);
    const detailed = q.detailed !== undefined && boolParam(q.detailed) === true;
    const byProject = new Map<string, ServerRow[]>();
    for (const r of await api.model.servers.usage(start.date.toISOString(), end.date.toISOString())) byProject.set(r.project_id, [...(byProject.get(r.project_id) ?? []), r]);
    return { tenant_usages: [...byProject].map(([p, rows]) => tenantUsage(p, rows, start, end, detailed)) };
  });
  app.get<{ Params: { project: string } }>('/v2.1/os-simple-tenant-usage/:project', async (req) => {
    enforce(computePolicy, 'usage:own', req.auth, { project_id: req.params.project });
    const { start, end } = period(query(req.query));
    const rows = await api.model.servers.usage(start.date.toISOString(), end.date.toISOString(), req.params.project);
    return { tenant_usage: rows.length ? tenantUsage(req.params.project, rows, start, end, true) : {} };
  });

  // The instance usage audit task (Nova's periodic notification job) does not run here: every host is "not run".
  const auditLog = async (before: Date) => {
    const hosts = (await api.model.driver.hosts()).map((h) => h.host);
    const end = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth(), 1));
    const begin = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
    return {
      hosts_not_run: hosts,
      log: {},
      num_hosts: hosts.length,
      num_hosts_done: 0,
      num_hosts_not_run: hosts.length,
      num_hosts_running: 0,
      overall_status: `0 of ${hosts.length} hosts done. 0 errors.`,
      period_beginning: isoNaive(begin).replace('T', ' ').replace(/\.\d+$/, ''),
      period_ending: isoNaive(end).replace('T', ' ').replace(/\.\d+$/, ''),
      total_errors: 0,
      total_instances: 0,
    };
  };
  app.get('/v2.1/os-instance_usage_audit_log', async (req) => {
    enforce(computePolicy, 'usage:all', req.auth);
    return { instance_usage_audit_logs: await auditLog(new Date()) };
  });
  app.get<{ Params: { before: string } }>('/v2.1/os-instance_usage_audit_log/:before', async (req) => {
    enforce(computePolicy, 'usage:all', req.auth);
    const v = req.params.before;
    const d = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?$/.test(v) ? new Date(`${v.replace(' ', 'T')}Z`) : new Date(NaN);
    if (Number.isNaN(d.getTime())) throw badRequest(`Invalid timestamp for date ${v}`);
    return { instance_usage_audit_log: await auditLog(d) };
  });
}
