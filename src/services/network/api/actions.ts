import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { isAdmin } from '../model/context.js';
import { nBadRequest, nNotFound } from '../model/errors.js';
import type { AddressGroups } from '../model/addressgroups.js';
import type { IpAvailability } from '../model/availability.js';
import type { FloatingIps } from '../model/floatingips.js';
import type { Quotas } from '../model/quotas.js';
import type { Routers } from '../model/routers.js';
import type { SubnetPools } from '../model/subnetpools.js';
import type { Trunks } from '../model/trunks.js';
import { networkPolicy } from '../policy.js';
import { fieldsOf, listResponse, pick, type RawQuery } from './listing.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

/** Router member actions: interfaces by subnet or port, and atomic extra route changes. */
export function registerRouterActions(app: FastifyInstance, routers: Routers): void {
  const action = (name: 'add_router_interface' | 'remove_router_interface' | 'add_extraroutes' | 'remove_extraroutes') =>
    app.put(`/v2.0/routers/:id/${name}`, async (req: IdReq) => {
      const target = await routers.show(req.auth, req.params.id);
      enforce(networkPolicy, name, req.auth, target);
      switch (name) {
        case 'add_router_interface':
          return routers.addInterface(req.auth, req.params.id, req.body);
        case 'remove_router_interface':
          return routers.removeInterface(req.auth, req.params.id, req.body);
        case 'add_extraroutes':
          return { router: await routers.changeRoutes(req.auth, req.params.id, req.body, true) };
        case 'remove_extraroutes':
          return { router: await routers.changeRoutes(req.auth, req.params.id, req.body, false) };
      }
    });
  action('add_router_interface');
  action('remove_router_interface');
  action('add_extraroutes');
  action('remove_extraroutes');
}

/** `/v2.0/floatingip-pools` (floatingip-pools; the path has dashes like every extension collection's, the body key underscores): where floating IPs can come from. */
export function registerFloatingIpPools(app: FastifyInstance, floatingIps: FloatingIps, baseUrl: () => string): void {
  const collection = { plural: 'floatingip_pools', attributes: ['subnet_id', 'subnet_name', 'network_id', 'cidr'] };
  app.get('/v2.0/floatingip-pools', async (req) => {
    enforce(networkPolicy, 'get_floatingip_pool', req.auth);
    return listResponse(collection, await floatingIps.pools(req.auth), req.query as RawQuery, `${baseUrl()}${req.url}`);
  });
}

/** Address group member actions (address-group): the answer is the group, wrapped, as Neutron's. */
export function registerAddressGroupActions(app: FastifyInstance, groups: AddressGroups): void {
  for (const name of ['add_addresses', 'remove_addresses'] as const) {
    app.put(`/v2.0/address-groups/:id/${name}`, async (req: IdReq) => {
      enforce(networkPolicy, name, req.auth, await groups.policyTarget(req.auth, req.params.id));
      return groups.changeAddresses(req.auth, req.params.id, req.body, name === 'add_addresses');
    });
  }
}

/** Subnet pool member actions (subnetpool-prefix-ops); the answer is the pool itself, unwrapped, as Neutron's. */
export function registerSubnetPoolActions(app: FastifyInstance, pools: SubnetPools): void {
  for (const name of ['add_prefixes', 'remove_prefixes'] as const) {
    app.put(`/v2.0/subnetpools/:id/${name}`, async (req: IdReq) => {
      enforce(networkPolicy, name, req.auth, await pools.show(req.auth, req.params.id));
      return pools.changePrefixes(req.auth, req.params.id, req.body, name === 'add_prefixes');
    });
  }
}

/** Trunk member actions: add and remove sub-ports, list them. */
export function registerTrunkActions(app: FastifyInstance, trunks: Trunks): void {
  for (const name of ['add_subports', 'remove_subports'] as const) {
    app.put(`/v2.0/trunks/:id/${name}`, async (req: IdReq) => {
      enforce(networkPolicy, name, req.auth, await trunks.show(req.auth, req.params.id));
      return name === 'add_subports' ? trunks.addSubPorts(req.auth, req.params.id, req.body) : trunks.removeSubPorts(req.auth, req.params.id, req.body);
    });
  }
  app.get('/v2.0/trunks/:id/get_subports', async (req: IdReq) => {
    enforce(networkPolicy, 'get_subports', req.auth);
    return { sub_ports: await trunks.subPorts(req.auth, req.params.id) };
  });
}

/** `/v2.0/quotas` (quotas, quota_details). */
export function registerQuotaRoutes(app: FastifyInstance, quotas: Quotas): void {
  const target = (req: IdReq) => ({ project_id: req.params.id });
  app.get('/v2.0/quotas', async (req) => {
    if (!isAdmin(req.auth)) {
      enforce(networkPolicy, 'get_quota', req.auth, { project_id: req.auth.projectId });
      return { quotas: [{ ...(await quotas.limits(req.auth.projectId!)), project_id: req.auth.projectId, tenant_id: req.auth.projectId }] };
    }
    return { quotas: await quotas.overridden() };
  });
  app.get('/v2.0/quotas/tenant', async (req) => ({ tenant: { tenant_id: req.auth.projectId } }));
  app.get('/v2.0/quotas/project', async (req) => ({ project: { project_id: req.auth.projectId } }));
  app.get('/v2.0/quotas/:id', async (req: IdReq) => {
    enforce(networkPolicy, 'get_quota', req.auth, target(req));
    return { quota: await quotas.limits(req.params.id) };
  });
  app.get('/v2.0/quotas/:id/default', async (req: IdReq) => {
    enforce(networkPolicy, 'get_quota', req.auth, target(req));
    return { quota: quotas.defaults() };
  });
  app.get('/v2.0/quotas/:id/details', async (req: IdReq) => {
    enforce(networkPolicy, 'get_quota', req.auth, target(req));
    return { quota: await quotas.details(req.params.id) };
  });
  app.put('/v2.0/quotas/:id', async (req: IdReq) => {
    enforce(networkPolicy, 'update_quota', req.auth, target(req));
    return { quota: await quotas.update(req.params.id, req.body) };
  });
  app.delete('/v2.0/quotas/:id', async (req: IdReq, reply) => {
    enforce(networkPolicy, 'delete_quota', req.auth, target(req));
    await quotas.reset(req.params.id);
    reply.code(204);
  });
}

const BIG = `big-${randomUUID()}:`;
/** JSON with bigints as exact numbers: IPv6 address counts pass 2^53, Neutron's are Python ints. */
function exactJson(reply: FastifyReply, body: Obj): string {
  reply.type('application/json');
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? `${BIG}${v}` : v)).replace(new RegExp(`"${BIG}(\\d+)"`, 'g'), '$1');
}

/** `/v2.0/network-ip-availabilities`. */
export function registerInfoRoutes(app: FastifyInstance, availability: IpAvailability, baseUrl: () => string): void {
  const collection = { plural: 'network_ip_availabilities', attributes: ['network_id', 'network_name', 'total_ips', 'used_ips', 'subnet_ip_availability'] };
  app.get('/v2.0/network-ip-availabilities', async (req, reply) => {
    enforce(networkPolicy, 'get_network_ip_availability', req.auth);
    // `ip_version` filters the subnets counted, and so the networks that have one (as Neutron's join does).
    const { ip_version: versionQuery, ...rest } = req.query as RawQuery;
    const versions = [versionQuery ?? []].flat().map(Number);
    if (versions.some((v) => v !== 4 && v !== 6)) throw nBadRequest('HTTPBadRequest', `Invalid input for ip_version. Reason: ${String(versionQuery)} is not in [4, 6].`);
    const list = await availability.list(versions.length ? versions : undefined);
    return exactJson(reply, listResponse(collection, list, rest, `${baseUrl()}${req.url}`));
  });
  app.get('/v2.0/network-ip-availabilities/:id', async (req: IdReq, reply) => {
    enforce(networkPolicy, 'get_network_ip_availability', req.auth);
    const one = (await availability.list()).find((a) => a.network_id === req.params.id);
    if (!one) throw nNotFound('NetworkNotFound', `Network ${req.params.id} could not be found.`);
    return exactJson(reply, { network_ip_availability: pick(one, fieldsOf(req.query as RawQuery)) });
  });
}
