import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isObj, optString, wrapped } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { ServerPort } from '../../network/client.js';
import { computePolicy } from '../policy.js';
import { isUuid, type ComputeApi } from './common.js';

const render = (p: ServerPort) => ({ port_state: 'ACTIVE', fixed_ips: p.fixedIps, port_id: p.portId, net_id: p.networkId, mac_addr: p.macAddress });

/** `os-interface` and `os-security-groups` of a server, through the network service. */
export function registerInterfaceRoutes(app: FastifyInstance, api: ComputeApi): void {
  const network = () => {
    const n = api.model.peers().network;
    if (!n) throw badRequest('This cloud runs without a network service.');
    return n;
  };
  const server = async (req: FastifyRequest, id: string) => {
    const row = await api.servers.find(req.auth, id);
    enforce(computePolicy, 'server:action', req.auth, { project_id: row.project_id });
    return row;
  };
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/os-interface', async (req) => {
    const row = await server(req, req.params.id);
    return { interfaceAttachments: (await network().serverPorts(row.id)).map(render) };
  });
  app.get<{ Params: { id: string; port: string } }>('/v2.1/servers/:id/os-interface/:port', async (req) => {
    const row = await server(req, req.params.id);
    const p = (await network().serverPorts(row.id)).find((x) => x.portId === req.params.port);
    if (!p) throw notFound(`Port ${req.params.port} is not attached`);
    return { interfaceAttachment: render(p) };
  });
  app.post<{ Params: { id: string } }>('/v2.1/servers/:id/os-interface', async (req) => {
    const body = req.body === undefined ? {} : wrapped(req.body, 'interfaceAttachment');
    const netId = optString(body, 'net_id') ?? undefined;
    const portId = optString(body, 'port_id') ?? undefined;
    if (netId && portId) throw badRequest('Must not input both network_id and port_id');
    for (const v of [netId, portId]) if (v && !isUuid(v)) throw badRequest(`Invalid input for field/attribute interfaceAttachment. Value: ${v}. It is not a 'uuid'`);
    const fixed = body.fixed_ips;
    if (fixed !== undefined && (!Array.isArray(fixed) || !fixed.every(isObj))) throw badRequest('Invalid input for field/attribute fixed_ips.');
    const row = await server(req, req.params.id);
    api.servers.checkLock(req.auth, row);
    if (!['active', 'stopped', 'paused', 'suspended'].includes(row.vm_state) || row.task_state || !row.host) {
      throw badRequest(`Cannot 'attach_interface' instance ${row.id} while it is in vm_state ${row.vm_state}`);
    }
    const p = await network().attachInterface(req.auth, row.id, { net_id: netId, port_id: portId, fixed_ips: fixed as Array<{ ip_address?: string; subnet_id?: string }> | undefined, host: row.host });
    await api.servers.recordAction(req.auth, row, 'attach_interface', req.id);
    return { interfaceAttachment: render(p) };
  });
  app.delete<{ Params: { id: string; port: string } }>('/v2.1/servers/:id/os-interface/:port', async (req, reply) => {
    const row = await server(req, req.params.id);
    api.servers.checkLock(req.auth, row);
    if (!(await network().serverPorts(row.id)).some((p) => p.portId === req.params.port)) throw notFound(`Port ${req.params.port} is not attached`);
    await network().detachInterface(req.auth, row.id, req.params.port);
    await api.servers.recordAction(req.auth, row, 'detach_interface', req.id);
    reply.code(202);
  });
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/os-security-groups', async (req) => {
    const row = await server(req, req.params.id);
    const groups = await network().serverSecurityGroups(req.auth, row.id);
    return { security_groups: groups.map((g) => ({ id: g.id, name: g.name, description: '', tenant_id: row.project_id, rules: [] })) };
  });
}
