import type { AuthContext } from '../../../platform/auth.js';
import { isUniqueViolation } from '../../../platform/db/database.js';
import type { Obj } from '../../../platform/http/validate.js';
import type { Res } from '../store/resources.js';
import { isAdmin, type ModelContext } from './context.js';
import { nBadRequest, nConflict, nForbidden, nNotFound } from './errors.js';
import type { Networks } from './networks.js';
import type { Routers } from './routers.js';
import type { SubnetPools } from './subnetpools.js';
import type { Subnets } from './subnets.js';
import type { NetworkDoc } from './types.js';

/** The record of a project's topology; its id is the project's, so a project has at most one. */
interface TopologyDoc {
  network_id: string;
  router_id: string;
}

const failure = (reason: string) => nConflict('AutoAllocationFailure', `Deployment error: ${reason}.`);

/**
 * Neutron's auto-allocated topology ("get me a network"): for a project, a network with a subnet
 * from each default subnet pool and a router to the default external network, built on the first
 * request and found again after; Nova's `networks: auto` uses it when the project has no network.
 * Two first requests at once both build; the one that records second removes what it built.
 */
export class AutoAllocation {
  constructor(
    private readonly m: ModelContext,
    private readonly networks: Networks,
    private readonly subnets: Subnets,
    private readonly routers: Routers,
    private readonly pools: SubnetPools,
  ) {}

  private projectOf(auth: AuthContext, projectId: string | undefined): string {
    const project = projectId ?? auth.projectId ?? '';
    if (project !== auth.projectId && !isAdmin(auth)) throw nForbidden('NotAuthorized', 'Not authorized.');
    return project;
  }

  /** What the build needs, or Neutron's AutoAllocationFailure naming what is missing. */
  private async requirements(): Promise<{ externalId: string; pools: Array<{ id: string; version: 4 | 6 }> }> {
    const external = (await this.m.store.list<NetworkDoc>('network')).find((n) => n.doc.external && n.doc.is_default);
    if (!external) throw failure('No default router:external network');
    const pools: Array<{ id: string; version: 4 | 6 }> = [];
    for (const version of [4, 6] as const) {
      const pool = await this.pools.defaultPool(version);
      if (pool) pools.push({ id: pool.id, version });
    }
    if (!pools.length) throw failure('No default subnetpools defined');
    return { externalId: external.id, pools };
  }

  private record(project: string): Promise<Res<TopologyDoc> | undefined> {
    return this.m.store.get<TopologyDoc>('auto_topology', project);
  }

  /** `GET /v2.0/auto-allocated-topology/{project}`, `fields=dry-run` only checks the requirements. */
  async show(auth: AuthContext, projectId: string | undefined, fields: string[]): Promise<Obj> {
    const project = this.projectOf(auth, projectId);
    if (fields.includes('dry-run')) {
      await this.requirements();
      return { id: 'dry-run=pass', tenant_id: project, project_id: project };
    }
    if (fields.length) throw nBadRequest('BadRequest', 'Bad auto_allocate request: Unrecognized field.');
    return { id: await this.networkFor(auth, project), tenant_id: project, project_id: project };
  }

  /** The project's auto-allocated network, built when it has none yet. */
  async networkFor(auth: AuthContext, project: string): Promise<string> {
    const known = await this.record(project);
    if (known) return known.doc.network_id;
    const { externalId, pools } = await this.requirements();
    const owner = { project_id: project };
    const network = await this.networks.create(auth, { ...owner, name: 'auto_allocated_network', admin_state_up: false });
    const networkId = network.id as string;
    const router = await this.routers.create(auth, { ...owner, name: 'auto_allocated_router', external_gateway_info: { network_id: externalId } });
    const routerId = router.id as string;
    try {
      for (const pool of pools) {
        const subnet = await this.subnets.create(auth, { ...owner, network_id: networkId, subnetpool_id: pool.id, name: 'auto_allocated_subnet', ip_version: pool.version });
        await this.routers.addInterface(auth, routerId, { subnet_id: subnet.id });
      }
      await this.networks.update(auth, networkId, { admin_state_up: true });
      await this.m.store.insert<TopologyDoc>('auto_topology', { id: project, project_id: project, ref_id: networkId, doc: { network_id: networkId, router_id: routerId } });
      return networkId;
    } catch (e) {
      await this.teardown(auth, { network_id: networkId, router_id: routerId }).catch(() => undefined);
      const other = isUniqueViolation(e) ? await this.record(project) : undefined;
      if (other) return other.doc.network_id;
      throw e;
    }
  }

  /** `DELETE /v2.0/auto-allocated-topology/{project}`: the router, its interfaces and the network go. */
  async remove(auth: AuthContext, projectId: string | undefined): Promise<void> {
    const project = this.projectOf(auth, projectId);
    const known = await this.record(project);
    if (!known) throw nNotFound('TopologyNotFound', `Auto-allocated topology for project ${project} not found.`);
    await this.teardown(auth, known.doc);
    await this.m.store.delete('auto_topology', project);
  }

  /** Router interfaces, router, then network; a network still in use (servers on it) refuses with 409. */
  private async teardown(auth: AuthContext, t: TopologyDoc): Promise<void> {
    for (const port of await this.routers.interfacePorts(t.router_id)) {
      for (const ip of port.doc.fixed_ips) await this.routers.removeInterface(auth, t.router_id, { subnet_id: ip.subnet_id });
    }
    if (await this.m.store.get('router', t.router_id)) await this.routers.remove(auth, t.router_id);
    if (await this.m.store.get('network', t.network_id)) await this.networks.remove(auth, t.network_id);
  }
}
