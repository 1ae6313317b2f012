import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { isObj, query } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { computePolicy } from '../policy.js';
import type { ComputeApi } from './common.js';

/** The services of the controller, as Nova lists them in zone `internal`. */
const CONTROLLER = [
  { host_name: 'controller', service: 'scheduler', zone: 'internal' },
  { host_name: 'controller', service: 'conductor', zone: 'internal' },
];

/** `os-hosts` (deprecated, gone at 2.43): hosts with their services and per-project resource use. */
export function registerHostRoutes(app: FastifyInstance, api: ComputeApi): void {
  const { driver, servers } = api.model;
  const guard = (req: FastifyRequest) => {
    if (req.mv >= 43) throw notFound('The resource could not be found.');
    enforce(computePolicy, 'host', req.auth);
  };
  const host = async (name: string) => {
    const h = (await driver.hosts()).find((x) => x.host === name);
    if (!h) throw notFound(`Compute host ${name} could not be found.`);
    return h;
  };

  app.get('/v2.1/os-hosts', async (req) => {
    guard(req);
    const zone = query(req.query).zone;
    const all = [...(await driver.hosts()).map((h) => ({ host_name: h.host, service: 'compute', zone: h.zone })), ...CONTROLLER];
    return { hosts: zone ? all.filter((h) => h.zone === zone) : all };
  });

  app.get<{ Params: { host: string } }>('/v2.1/os-hosts/:host', async (req) => {
    guard(req);
    const h = await host(req.params.host);
    const mine = (await servers.onHost(h.host)).map((r) => ({ project: r.project_id, vcpus: r.vcpus, ram: r.memory_mb, disk: r.root_gb }));
    const sum = (rows: typeof mine) => ({ cpu: rows.reduce((a, r) => a + r.vcpus, 0), memory_mb: rows.reduce((a, r) => a + r.ram, 0), disk_gb: rows.reduce((a, r) => a + r.disk, 0) });
    const resource = (project: string, r: { cpu: number; memory_mb: number; disk_gb: number }) => ({ resource: { host: h.host, project, ...r } });
    const used = sum(mine);
    const projects = [...new Set(mine.map((r) => r.project))];
    return {
      host: [
        resource('(total)', { cpu: h.vcpus, memory_mb: h.memoryMb, disk_gb: h.diskGb }),
        resource('(used_now)', used),
        resource('(used_max)', used),
        ...projects.map((p) => resource(p, sum(mine.filter((r) => r.project === p)))),
      ],
    };
  });

  app.put<{ Params: { host: string } }>('/v2.1/os-hosts/:host', async (req) => {
    guard(req);
    const b = isObj(req.body) ? req.body : {};
    const extra = Object.keys(b).find((k) => k !== 'status' && k !== 'maintenance_mode');
    if (extra) throw badRequest(`Invalid input for field/attribute host. Additional properties are not allowed ('${extra}' was unexpected)`);
    for (const k of ['status', 'maintenance_mode']) {
      if (b[k] !== undefined && b[k] !== 'enable' && b[k] !== 'disable') throw badRequest(`Invalid input for field/attribute ${k}. Value: ${JSON.stringify(b[k])}. It is not one of ['enable', 'disable']`);
    }
    if (b.status === undefined && b.maintenance_mode === undefined) throw badRequest('Invalid input for field/attribute host. It should have at least 1 property.');
    const h = await host(req.params.host);
    if (b.maintenance_mode !== undefined) throw new ApiError('notImplemented', 'Virt driver does not implement host maintenance mode.');
    // Enabling or disabling a host is its compute service's status, as os-services sets it.
    await api.model.hostState.update(h.host, { disabled: b.status === 'disable' ? 1 : 0, disabled_reason: null });
    return { host: h.host, status: b.status === 'disable' ? 'disabled' : 'enabled' };
  });

  for (const action of ['startup', 'shutdown', 'reboot']) {
    app.get<{ Params: { host: string } }>(`/v2.1/os-hosts/:host/${action}`, async (req) => {
      guard(req);
      await host(req.params.host);
      throw new ApiError('notImplemented', 'Virt driver does not implement host power management.');
    });
  }
}
