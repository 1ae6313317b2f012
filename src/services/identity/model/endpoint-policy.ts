import { notFound } from '../../../platform/errors.js';
import { hexId } from '../../../platform/ids.js';
import type { CatalogStore } from '../store/catalog.js';
import type { EndpointRow, IdentityDb, PolicyRow, RegionRow } from '../store/tables.js';
import type { Policies } from './policies.js';

/** What a policy is associated with: an endpoint, a service, or a service in a region (and the regions below it). */
export type PolicyTarget = { endpoint_id: string } | { service_id: string; region_id?: string };

const targetKey = (t: PolicyTarget) =>
  'endpoint_id' in t ? `endpoint:${t.endpoint_id}` : t.region_id !== undefined ? `service:${t.service_id}:region:${t.region_id}` : `service:${t.service_id}`;

const noAssociation = () => notFound('Could not find policy association.');

/**
 * OS-ENDPOINT-POLICY: which of the stored policy blobs applies to an endpoint. Each target has
 * at most one policy (associating another one replaces it, as in Keystone); an endpoint's policy
 * is its own association, else its service's in its region or the nearest parent region, else
 * its service's.
 */
export class EndpointPolicy {
  constructor(
    private readonly db: IdentityDb,
    private readonly catalog: CatalogStore,
    private readonly policies: Policies,
  ) {}

  async associate(policyId: string, target: PolicyTarget): Promise<void> {
    await this.assertExists(policyId, target);
    const row = {
      id: hexId(),
      policy_id: policyId,
      endpoint_id: 'endpoint_id' in target ? target.endpoint_id : null,
      service_id: 'service_id' in target ? target.service_id : null,
      region_id: 'service_id' in target ? (target.region_id ?? null) : null,
      target: targetKey(target),
    };
    await this.db
      .insertInto('id_policy_associations')
      .values(row)
      .onConflict((oc) => oc.column('target').doUpdateSet({ policy_id: policyId }))
      .execute();
  }

  async check(policyId: string, target: PolicyTarget): Promise<void> {
    await this.assertExists(policyId, target);
    if ((await this.policyIdOf(target)) !== policyId) throw noAssociation();
  }

  async dissociate(policyId: string, target: PolicyTarget): Promise<void> {
    await this.assertExists(policyId, target);
    await this.db.deleteFrom('id_policy_associations').where('policy_id', '=', policyId).where('target', '=', targetKey(target)).execute();
  }

  /** The endpoints the policy applies to through its associations (service and region ones reach the regions below). */
  async endpointsOf(policyId: string): Promise<EndpointRow[]> {
    await this.policies.get(policyId);
    const [assocs, endpoints, regions] = await Promise.all([
      this.db.selectFrom('id_policy_associations').selectAll().where('policy_id', '=', policyId).orderBy('id').execute(),
      this.catalog.listEndpoints(),
      this.catalog.listRegions(),
    ]);
    const found = new Map<string, EndpointRow>();
    for (const a of assocs) {
      const below = a.region_id !== null ? regionsBelow(a.region_id, regions) : undefined;
      for (const e of endpoints) {
        const hit =
          a.endpoint_id !== null
            ? e.id === a.endpoint_id
            : e.service_id === a.service_id && (below === undefined || (e.region_id !== null && below.has(e.region_id)));
        if (hit) found.set(e.id, e);
      }
    }
    return [...found.values()];
  }

  /** Keystone's resolution: the endpoint's own policy, else its service's in the nearest region up the tree, else its service's. */
  async policyFor(endpointId: string): Promise<PolicyRow> {
    const endpoint = await this.catalog.getEndpoint(endpointId);
    if (!endpoint) throw notFound(`Could not find endpoint: ${endpointId}.`);
    const candidates: PolicyTarget[] = [{ endpoint_id: endpointId }];
    const seen = new Set<string>();
    for (let region = endpoint.region_id; region !== null && !seen.has(region); ) {
      seen.add(region);
      candidates.push({ service_id: endpoint.service_id, region_id: region });
      region = (await this.catalog.getRegion(region))?.parent_region_id ?? null;
    }
    candidates.push({ service_id: endpoint.service_id });
    for (const target of candidates) {
      const policyId = await this.policyIdOf(target);
      if (policyId !== undefined) return this.policies.get(policyId);
    }
    throw notFound(`No policy is associated with endpoint ${endpointId}.`);
  }

  private async policyIdOf(target: PolicyTarget): Promise<string | undefined> {
    const row = await this.db.selectFrom('id_policy_associations').select('policy_id').where('target', '=', targetKey(target)).executeTakeFirst();
    return row?.policy_id;
  }

  /** The policy and the target must exist (Keystone's 404s, in its order). */
  private async assertExists(policyId: string, target: PolicyTarget): Promise<void> {
    await this.policies.get(policyId);
    if ('endpoint_id' in target) {
      if (!(await this.catalog.getEndpoint(target.endpoint_id))) throw notFound(`Could not find endpoint: ${target.endpoint_id}.`);
      return;
    }
    if (!(await this.catalog.getService(target.service_id))) throw notFound(`Could not find service: ${target.service_id}.`);
    if (target.region_id !== undefined && !(await this.catalog.getRegion(target.region_id))) {
      throw notFound(`Could not find region: ${target.region_id}.`);
    }
  }
}

/** The region and every region below it. */
function regionsBelow(root: string, regions: RegionRow[]): Set<string> {
  const out = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of regions) {
      if (r.parent_region_id !== null && out.has(r.parent_region_id) && !out.has(r.id)) {
        out.add(r.id);
        grew = true;
      }
    }
  }
  return out;
}
