import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isoNaive } from '../../../platform/ids.js';
import { boolParam, isObj, optBool, optInt, optString, query, wrapped } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { computePolicy } from '../policy.js';
import { isUuid, novaBool, since, type ComputeApi } from './common.js';

/** Nova's service_down_time: a service whose last report is older is down. */
const SERVICE_DOWN_MS = 60_000;
const isAlive = (updatedAt: string) => Date.now() - Date.parse(updatedAt) <= SERVICE_DOWN_MS;

/** `uptime`-style text; a simulated host is up as long as this process. */
function uptime(): string {
  const secs = Math.floor(process.uptime());
  const days = Math.floor(secs / 86400);
  const hm = `${Math.floor((secs % 86400) / 3600)}:${String(Math.floor((secs % 3600) / 60)).padStart(2, '0')}`;
  return ` ${new Date().toISOString().slice(11, 19)} up ${days ? `${days} days, ` : ''}${hm},  0 users,  load average: 0.00, 0.00, 0.00`;
}

/** Availability zones, hypervisors, services and the simulator's fault injection: the operator's view of hosts. */
export function registerOperatorRoutes(app: FastifyInstance, api: ComputeApi): void {
  const { driver, hostState, servers } = api.model;
  const hostsWithState = async () => {
    const states = new Map((await hostState.all()).map((s) => [s.host, s]));
    return (await driver.hosts()).map((h) => ({ h, s: states.get(h.host) }));
  };
  const up = (x: { h: { up: boolean }; s?: { forced_down: number } }) => x.h.up && !x.s?.forced_down;

  app.get('/v2.1/os-availability-zone', async () => {
    const zones = new Map<string, boolean>();
    for (const x of await hostsWithState()) zones.set(x.h.zone, (zones.get(x.h.zone) ?? false) || (up(x) && !x.s?.disabled));
    return { availabilityZoneInfo: [...zones].map(([zoneName, available]) => ({ zoneName, zoneState: { available }, hosts: null })) };
  });
  app.get('/v2.1/os-availability-zone/detail', async (req) => {
    enforce(computePolicy, 'availability_zone:detail', req.auth);
    const all = await hostsWithState();
    const zones = new Map<string, Record<string, unknown>>();
    for (const x of all) {
      const hosts = zones.get(x.h.zone) ?? {};
      hosts[x.h.host] = { 'nova-compute': { available: up(x), active: !x.s?.disabled, updated_at: x.s ? isoNaive(x.s.updated_at) : null } };
      zones.set(x.h.zone, hosts);
    }
    // The control services (os-services' internal zone) of each host, as Nova shows them.
    const control: Record<string, Record<string, unknown>> = {};
    for (const c of await api.model.controlServices.all()) {
      control[c.host] = { ...control[c.host], [c.binary]: { available: isAlive(c.updated_at), active: true, updated_at: isoNaive(c.updated_at) } };
    }
    const internal = { zoneName: 'internal', zoneState: { available: true }, hosts: control };
    return { availabilityZoneInfo: [internal, ...[...zones].map(([zoneName, hosts]) => ({ zoneName, zoneState: { available: true }, hosts }))] };
  });

  const hypervisor = async (detail: boolean, mv: number) => {
    const usage = await servers.perHost();
    return (await hostsWithState()).map((x, i) => {
      const u = usage.get(x.h.host) ?? { count: 0, vcpus: 0, memory: 0, disk: 0 };
      const brief = { id: mv >= 53 ? x.h.uuid : i + 1, hypervisor_hostname: x.h.host, state: up(x) ? 'up' : 'down', status: x.s?.disabled ? 'disabled' : 'enabled' };
      if (!detail) return brief;
      return {
        ...brief,
        hypervisor_type: x.h.hypervisorType,
        hypervisor_version: x.h.hypervisorVersion,
        host_ip: x.h.hostIp,
        service: { id: mv >= 53 ? x.h.uuid : i + 1, host: x.h.host, disabled_reason: x.s?.disabled_reason ?? null },
        ...(mv < 88
          ? {
              vcpus: x.h.vcpus,
              memory_mb: x.h.memoryMb,
              local_gb: x.h.diskGb,
              vcpus_used: u.vcpus,
              memory_mb_used: u.memory,
              local_gb_used: u.disk,
              free_ram_mb: x.h.memoryMb - u.memory,
              free_disk_gb: x.h.diskGb - u.disk,
              current_workload: 0,
              running_vms: u.count,
              disk_available_least: x.h.diskGb - u.disk,
              cpu_info: mv >= 28 ? { arch: 'x86_64', model: 'simulated', vendor: 'SCS', topology: { sockets: 1, cores: x.h.vcpus, threads: 1 }, features: [] } : JSON.stringify({ arch: 'x86_64', model: 'simulated' }),
            }
          : { uptime: uptime() }),
      };
    });
  };
  /** Hypervisors whose name contains `pattern` (404 when none), optionally with their servers. */
  const matching = async (pattern: string, detail: boolean, withServers: boolean, mv: number) => {
    const found = (await hypervisor(detail, mv)).filter((h) => h.hypervisor_hostname.includes(pattern));
    if (!found.length) throw notFound(`No hypervisor matching '${pattern}' could be found.`);
    if (!withServers) return found;
    return Promise.all(found.map(async (h) => ({ ...h, servers: (await servers.onHost(h.hypervisor_hostname)).map((r) => ({ uuid: r.id, name: r.name })) })));
  };
  const listing = (detail: boolean) => async (req: FastifyRequest) => {
    enforce(computePolicy, 'hypervisor', req.auth);
    const q = query(req.query);
    if (req.mv >= 53 && (q.hypervisor_hostname_pattern !== undefined || q.with_servers !== undefined)) {
      const withServers = q.with_servers !== undefined && boolParam(q.with_servers) === true;
      return { hypervisors: await matching(q.hypervisor_hostname_pattern ?? '', detail, withServers, req.mv) };
    }
    return { hypervisors: await hypervisor(detail, req.mv) };
  };
  app.get('/v2.1/os-hypervisors', listing(false));
  app.get('/v2.1/os-hypervisors/detail', listing(true));
  // Before 2.53: search and servers by a hostname pattern in the path.
  app.get<{ Params: { pattern: string } }>('/v2.1/os-hypervisors/:pattern/search', async (req) => {
    if (req.mv >= 53) throw notFound('The resource could not be found.');
    enforce(computePolicy, 'hypervisor', req.auth);
    return { hypervisors: await matching(req.params.pattern, false, false, req.mv) };
  });
  app.get<{ Params: { pattern: string } }>('/v2.1/os-hypervisors/:pattern/servers', async (req) => {
    if (req.mv >= 53) throw notFound('The resource could not be found.');
    enforce(computePolicy, 'hypervisor', req.auth);
    return { hypervisors: await matching(req.params.pattern, false, true, req.mv) };
  });
  app.get<{ Params: { id: string } }>('/v2.1/os-hypervisors/:id/uptime', async (req) => {
    if (req.mv >= 88) throw notFound('The resource could not be found.');
    enforce(computePolicy, 'hypervisor', req.auth);
    const found = (await hypervisor(false, req.mv)).find((h) => String(h.id) === req.params.id);
    if (!found) throw notFound(`Hypervisor with ID ${req.params.id} could not be found.`);
    return { hypervisor: { ...found, uptime: uptime() } };
  });
  app.get('/v2.1/os-hypervisors/statistics', async (req) => {
    enforce(computePolicy, 'hypervisor', req.auth);
    if (req.mv >= 88) throw notFound('The resource could not be found.');
    const all = (await hypervisor(true, req.mv)) as unknown as Array<Record<string, number>>;
    const sum = (k: string) => all.reduce((a, h) => a + (h[k] ?? 0), 0);
    const keys = ['vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used', 'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'current_workload', 'running_vms', 'disk_available_least'];
    return { hypervisor_statistics: { count: all.length, ...Object.fromEntries(keys.map((k) => [k, sum(k)])) } };
  });
  app.get<{ Params: { id: string } }>('/v2.1/os-hypervisors/:id', async (req) => {
    enforce(computePolicy, 'hypervisor', req.auth);
    const found = (await hypervisor(true, req.mv)).find((h) => String(h.id) === req.params.id);
    if (!found) throw notFound(`Hypervisor with ID ${req.params.id} could not be found.`);
    return { hypervisor: found };
  });

  const renderService = (x: Awaited<ReturnType<typeof hostsWithState>>[number], i: number, mv: number) => ({
    id: mv >= 53 ? x.h.uuid : i + 1,
    binary: 'nova-compute',
    host: x.h.host,
    zone: x.h.zone,
    status: x.s?.disabled ? 'disabled' : 'enabled',
    state: x.h.up && !x.s?.forced_down ? 'up' : 'down',
    updated_at: x.s ? isoNaive(x.s.updated_at) : null,
    disabled_reason: x.s?.disabled_reason ?? null,
    ...(mv >= 11 ? { forced_down: x.s?.forced_down === 1 } : {}),
  });
  /** The scheduler and conductor rows after the compute hosts (integer ids continue theirs before 2.53). */
  const controlRows = async (mv: number, first: number) =>
    (await api.model.controlServices.all()).map((c, i) => ({
      id: mv >= 53 ? c.id : first + i + 1,
      binary: c.binary,
      host: c.host,
      zone: 'internal',
      status: 'enabled',
      state: isAlive(c.updated_at) ? 'up' : 'down',
      updated_at: isoNaive(c.updated_at),
      disabled_reason: null,
      ...(mv >= 11 ? { forced_down: false } : {}),
    }));
  app.get('/v2.1/os-services', async (req) => {
    enforce(computePolicy, 'service', req.auth);
    const q = query(req.query);
    const computes = (await hostsWithState()).map((x, i) => renderService(x, i, req.mv));
    const list = [...computes, ...(await controlRows(req.mv, computes.length))].filter((s) => (!q.host || s.host === q.host) && (!q.binary || s.binary === q.binary));
    return { services: list };
  });
  app.put<{ Params: { id: string } }>('/v2.1/os-services/:id', async (req) => {
    since(req, 53);
    enforce(computePolicy, 'service', req.auth);
    if (!isUuid(req.params.id)) throw badRequest(`Invalid uuid ${req.params.id}`);
    const all = await hostsWithState();
    const idx = all.findIndex((x) => x.h.uuid === req.params.id);
    const control = idx < 0 ? (await api.model.controlServices.all()).find((c) => c.id === req.params.id) : undefined;
    if (control) throw badRequest(`Updating a ${control.binary} service is not supported. Only nova-compute services can be updated.`);
    if (idx < 0) throw notFound(`Service ${req.params.id} could not be found.`);
    const b = isObj(req.body) ? req.body : {};
    const status = optString(b, 'status');
    if (status !== undefined && status !== 'enabled' && status !== 'disabled') throw badRequest(`Invalid input for field/attribute status. Value: ${status}.`);
    const reason = optString(b, 'disabled_reason', { max: 255 });
    if (reason && status !== 'disabled') throw badRequest('Specifying a disabled_reason is only allowed when disabling a service.');
    const forced = novaBool(b, 'forced_down');
    await hostState.update(all[idx].h.host, {
      ...(status ? { disabled: status === 'disabled' ? 1 : 0, disabled_reason: status === 'disabled' ? (reason ?? null) : null } : {}),
      ...(forced !== undefined ? { forced_down: forced ? 1 : 0 } : {}),
    });
    const now = await hostsWithState();
    return { service: renderService(now[idx], idx, req.mv) };
  });

  // Fault injection of the simulated driver (admin only): fail the next N builds, add latency, take a host down.
  app.get('/v2.1/os-simulator/hosts', async (req) => {
    enforce(computePolicy, 'simulator', req.auth);
    return { hosts: (await hostsWithState()).map(({ h, s }) => ({ host: h.host, zone: h.zone, faults: { fail_builds: s?.fail_builds ?? 0, latency_ms: s?.latency_ms ?? 0, down: !!s?.down } })) };
  });
  app.post<{ Params: { host: string } }>('/v2.1/os-simulator/hosts/:host/faults', async (req) => {
    enforce(computePolicy, 'simulator', req.auth);
    if (!(await hostState.get(req.params.host))) throw notFound(`Compute host ${req.params.host} could not be found.`);
    const f = wrapped(req.body, 'faults');
    const failBuilds = optInt(f, 'fail_builds', { min: 0, max: 100000 });
    const latency = optInt(f, 'latency_ms', { min: 0, max: 600000 });
    const down = optBool(f, 'down');
    await hostState.update(req.params.host, {
      ...(failBuilds !== undefined && failBuilds !== null ? { fail_builds: failBuilds } : {}),
      ...(latency !== undefined && latency !== null ? { latency_ms: latency } : {}),
      ...(down !== undefined ? { down: down ? 1 : 0 } : {}),
    });
    const s = (await hostState.get(req.params.host))!;
    return { host: s.host, faults: { fail_builds: s.fail_builds, latency_ms: s.latency_ms, down: s.down === 1 } };
  });
  app.delete<{ Params: { host: string } }>('/v2.1/os-simulator/hosts/:host/faults', async (req, reply) => {
    enforce(computePolicy, 'simulator', req.auth);
    if (!(await hostState.get(req.params.host))) throw notFound(`Compute host ${req.params.host} could not be found.`);
    await hostState.update(req.params.host, { fail_builds: 0, latency_ms: 0, down: 0 });
    reply.code(204);
  });
}
