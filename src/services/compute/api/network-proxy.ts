import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { ApiError, badRequest, conflict, notFound } from '../../../platform/errors.js';
import { isObj, optString, type Obj } from '../../../platform/http/validate.js';
import type { NetworkClient } from '../../network/client.js';
import type { ServerRow } from '../store/tables.js';
import { isAdmin, type ComputeApi } from './common.js';

// Nova's proxies of networks and floating IPs to the network service (`os-networks`,
// `os-tenant-networks`, `os-floating-ip-pools`, `os-floating-ips`), gone at 2.36, and the
// `addFloatingIp`/`removeFloatingIp` server actions, gone at 2.44.

type Neutron = Record<string, unknown>;

/** Nova's last microversion of the network proxies (MAX_PROXY_API_SUPPORT_VERSION). */
const MAX_PROXY = 35;

function network(api: ComputeApi, req: FastifyRequest, maxMinor = MAX_PROXY): NetworkClient {
  const n = api.model.peers().network;
  if (req.mv > maxMinor || !n) throw notFound('The resource could not be found.');
  return n;
}

/** Nova-network's fields of which only id and label mean something with Neutron; admins see the rest as null. */
const FIELDS = ['cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'netmask_v6'];
const ADMIN_FIELDS = ['created_at', 'updated_at', 'deleted_at', 'deleted', 'injected', 'bridge', 'vlan', 'vpn_public_address', 'vpn_public_port', 'vpn_private_address', 'dhcp_start', 'project_id', 'host', 'bridge_interface', 'multi_host', 'priority', 'rxtx_base', 'mtu', 'dhcp_server', 'enable_dhcp', 'share_address'];

function renderNetwork(n: Neutron, admin: boolean) {
  const out: Record<string, unknown> = { id: n.id, label: n.name };
  for (const f of admin ? [...FIELDS, ...ADMIN_FIELDS] : FIELDS) out[f] = null;
  return out;
}

/** `os-tenant-networks` keeps what Nova answered with Neutron: id, label and the string 'None' as cidr. */
const renderTenantNetwork = (n: Neutron) => ({ id: n.id, cidr: 'None', label: n.name });

function renderFloatingIp(f: Neutron, pools: Map<string, Neutron>) {
  const net = pools.get(f.floating_network_id as string);
  const port = f.port_details as Neutron | null;
  return {
    id: f.id,
    ip: f.floating_ip_address,
    fixed_ip: f.fixed_ip_address ?? null,
    instance_id: port ? port.device_id || null : null,
    pool: (net?.name as string | undefined) || f.floating_network_id,
  };
}

/** The caller's view of the networks, by id (names of floating IP pools). */
async function networksById(n: NetworkClient, req: FastifyRequest): Promise<Map<string, Neutron>> {
  return new Map((await n.networks(req.auth).list()).map((x) => [x.id as string, x]));
}

async function orNotFound<T>(message: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw notFound(message);
    throw e;
  }
}

/** The external network a pool names (by name first, then by id), as Nova resolves `pool`. */
async function poolNetwork(n: NetworkClient, req: FastifyRequest, pool: string | undefined): Promise<Neutron> {
  const external = (await n.networks(req.auth).list()).filter((x) => x['router:external'] === true);
  if (pool === undefined) {
    // Nova uses [neutron] default_floating_pool; here the cloud's only external network is the default.
    if (external.length === 1) return external[0];
    throw notFound('No more floating IPs available.');
  }
  const byName = external.filter((x) => x.name === pool);
  if (byName.length > 1) throw conflict(`Multiple floating IP pools matches found for name '${pool}'`);
  const found = byName[0] ?? external.find((x) => x.id === pool);
  if (!found) throw notFound(`Floating IP pool not found.`);
  return found;
}

async function floatingIpByAddress(n: NetworkClient, req: FastifyRequest, address: string): Promise<Neutron> {
  const found = (await n.floatingIps(req.auth).list()).filter((f) => f.floating_ip_address === address);
  if (found.length > 1) throw conflict(`Multiple floating IPs are found for address ${address}.`);
  if (!found.length) throw notFound(`Floating IP not found for address ${address}.`);
  return found[0];
}

/** Nova's `ip-address` format of the action bodies. */
function address(b: Obj, action: string, field: string, required: boolean): string | undefined {
  const v = b[field];
  if (v === undefined && !required) return undefined;
  if (v === undefined) throw badRequest(`Invalid input for field/attribute ${action}. '${field}' is a required property`);
  if (typeof v !== 'string' || !isIP(v)) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not a 'ip-address'`);
  return v;
}

function actionBody(arg: unknown, action: string, extra: string[]): Obj {
  if (!isObj(arg)) throw badRequest(`Invalid input for field/attribute ${action}. Value: ${JSON.stringify(arg)}. ${JSON.stringify(arg)} is not of type 'object'`);
  const unknown = Object.keys(arg).find((k) => k !== 'address' && !extra.includes(k));
  if (unknown) throw badRequest(`Invalid input for field/attribute ${action}. Additional properties are not allowed ('${unknown}' was unexpected)`);
  return arg;
}

/** `addFloatingIp` (before 2.44): the floating IP moves to the server's port holding the fixed address (default its first IPv4). */
export async function addFloatingIp(api: ComputeApi, req: FastifyRequest, row: ServerRow, arg: unknown): Promise<void> {
  const n = network(api, req, 43);
  const b = actionBody(arg, 'addFloatingIp', ['fixed_address']);
  const floating = address(b, 'addFloatingIp', 'address', true)!;
  const fixed = address(b, 'addFloatingIp', 'fixed_address', false);
  const ports = await n.serverPorts(row.id);
  const ips = ports.flatMap((p) => p.fixedIps.map((ip) => ({ port: p.portId, ip: ip.ip_address })));
  if (!ips.length) throw badRequest('No fixed IPs associated to instance');
  const target = fixed !== undefined ? ips.find((x) => x.ip === fixed) : ips.find((x) => isIP(x.ip) === 4);
  if (!target && fixed !== undefined) throw badRequest('Specified fixed address not assigned to instance');
  if (!target) throw badRequest(`Unable to associate floating IP ${floating} to any fixed IPs for instance ${row.id}. Instance has no fixed IPv4 addresses to associate.`);
  const fip = await orNotFound('floating IP not found', () => floatingIpByAddress(n, req, floating));
  try {
    await n.floatingIps(req.auth).update(fip.id as string, { port_id: target.port, fixed_ip_address: target.ip });
  } catch (e) {
    // Nova reports whatever Neutron refuses (a fixed IP that already has a floating IP, no route) as 400.
    if (e instanceof ApiError && e.status < 500 && e.status !== 403) {
      throw badRequest(`Unable to associate floating IP ${floating} to fixed IP ${target.ip} for instance ${row.id}. Error: ${e.message}`);
    }
    throw e;
  }
}

/** `removeFloatingIp` (before 2.44): 409 unless the floating IP is associated with this server. */
export async function removeFloatingIp(api: ComputeApi, req: FastifyRequest, row: ServerRow, arg: unknown): Promise<void> {
  const n = network(api, req, 43);
  const floating = address(actionBody(arg, 'removeFloatingIp', []), 'removeFloatingIp', 'address', true)!;
  const fip = await orNotFound('floating IP not found', () => floatingIpByAddress(n, req, floating));
  const port = fip.port_details as Neutron | null;
  if (!fip.port_id || port?.device_id !== row.id) throw conflict(`Floating IP ${floating} is not associated with instance ${row.id}.`);
  await n.floatingIps(req.auth).update(fip.id as string, { port_id: null });
}

export function registerNetworkProxyRoutes(app: FastifyInstance, api: ComputeApi): void {
  app.get('/v2.1/os-networks', async (req) => {
    const n = network(api, req);
    return { networks: (await n.networks(req.auth).list()).map((x) => renderNetwork(x, isAdmin(req))) };
  });
  app.get<{ Params: { id: string } }>('/v2.1/os-networks/:id', async (req) => {
    const n = network(api, req);
    const net = await orNotFound('Network not found', () => n.networks(req.auth).show(req.params.id));
    return { network: renderNetwork(net, isAdmin(req)) };
  });
  app.get('/v2.1/os-tenant-networks', async (req) => {
    const n = network(api, req);
    return { networks: (await n.networks(req.auth).list()).map(renderTenantNetwork) };
  });
  app.get<{ Params: { id: string } }>('/v2.1/os-tenant-networks/:id', async (req) => {
    const n = network(api, req);
    return { network: renderTenantNetwork(await orNotFound('Network not found', () => n.networks(req.auth).show(req.params.id))) };
  });

  app.get('/v2.1/os-floating-ip-pools', async (req) => {
    const n = network(api, req);
    const external = (await n.networks(req.auth).list()).filter((x) => x['router:external'] === true);
    return { floating_ip_pools: external.map((x) => ({ name: (x.name as string) || x.id })) };
  });

  // Nova lists the project's own floating IPs, admins included.
  app.get('/v2.1/os-floating-ips', async (req) => {
    const n = network(api, req);
    const [fips, nets] = await Promise.all([n.floatingIps(req.auth).list(), networksById(n, req)]);
    return { floating_ips: fips.filter((f) => f.project_id === req.auth.projectId).map((f) => renderFloatingIp(f, nets)) };
  });
  app.get<{ Params: { id: string } }>('/v2.1/os-floating-ips/:id', async (req) => {
    const n = network(api, req);
    const fip = await orNotFound(`Floating IP not found for ID ${req.params.id}`, () => n.floatingIps(req.auth).show(req.params.id));
    return { floating_ip: renderFloatingIp(fip, await networksById(n, req)) };
  });
  app.post('/v2.1/os-floating-ips', async (req) => {
    const n = network(api, req);
    const body = req.body === undefined || req.body === null ? {} : req.body;
    if (!isObj(body)) throw badRequest('Malformed request body');
    const pool = optString(body, 'pool', { nullable: true }) ?? undefined;
    const net = await poolNetwork(n, req, pool);
    let fip: Neutron;
    try {
      fip = await n.floatingIps(req.auth).create({ floating_network_id: net.id });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && /quota/i.test(e.message)) throw new ApiError('forbidden', pool ? `IP allocation over quota in pool ${pool}.` : 'IP allocation over quota.');
      if (e instanceof ApiError && e.status === 409) throw notFound(pool ? `No more floating IPs in pool ${pool}.` : 'No more floating IPs available.');
      throw e;
    }
    return { floating_ip: renderFloatingIp(fip, new Map([[net.id as string, net]])) };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/os-floating-ips/:id', async (req, reply) => {
    const n = network(api, req);
    await orNotFound(`Floating IP not found for ID ${req.params.id}`, () => n.floatingIps(req.auth).remove(req.params.id));
    reply.code(202);
    return '';
  });
}
