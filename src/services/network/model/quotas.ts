import { isObj, looseBool, type Obj } from '../../../platform/http/validate.js';
import type { Kind } from '../store/resources.js';
import { invalid, type ModelContext } from './context.js';
import { nBadRequest, nNotFound } from './errors.js';
import { QUOTA_RESOURCES } from './settings.js';

const KIND: Record<string, Kind> = { network: 'network', subnet: 'subnet', subnetpool: 'subnetpool', port: 'port', router: 'router', floatingip: 'floatingip', security_group: 'security_group', security_group_rule: 'security_group_rule', rbac_policy: 'rbac_policy' };

/** Neutron stores limits as 32-bit integers. */
const MAX_LIMIT = 2147483647;

/** Neutron quotas (quotas, quota_details): per-project overrides over the configured defaults. */
export class Quotas {
  constructor(private readonly m: ModelContext) {}

  async limits(projectId: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of QUOTA_RESOURCES) out[r] = await this.m.quotaLimit(projectId, r);
    return out;
  }

  defaults(): Record<string, number> {
    return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, this.m.settings.quotas[r] ?? -1]));
  }

  async details(projectId: string): Promise<Record<string, { limit: number; used: number; reserved: number }>> {
    const limits = await this.limits(projectId);
    const out: Record<string, { limit: number; used: number; reserved: number }> = {};
    for (const r of QUOTA_RESOURCES) out[r] = { limit: limits[r], used: await this.m.store.count(KIND[r], { project_id: projectId }), reserved: 0 };
    return out;
  }

  /** Projects with overrides, as `GET /v2.0/quotas` lists them. */
  async overridden(): Promise<Obj[]> {
    const out: Obj[] = [];
    for (const p of await this.m.projects.quotaProjects()) out.push({ ...(await this.limits(p)), project_id: p, tenant_id: p });
    return out;
  }

  async update(projectId: string, body: unknown): Promise<Record<string, number>> {
    if (!isObj(body) || !isObj(body.quota)) throw nBadRequest('HTTPBadRequest', "Invalid input: a 'quota' object is required.");
    if (!(await this.m.projectExists(projectId))) throw nNotFound('ProjectNotFound', `Project ${projectId} could not be found.`);
    const changes: Array<[string, number]> = [];
    const quota = body.quota as Obj;
    // quota-check-limit: `check_limit` asks to refuse a limit under the current usage (without
    // quota-check-limit-default, which Neutron 2025.1 added and older clients' tests do not expect).
    const check = looseBool(quota.check_limit) === true && looseBool(quota.force) !== true;
    for (const [k, v] of Object.entries(quota)) {
      if (k === 'force' || k === 'check_limit') continue;
      if (!(QUOTA_RESOURCES as readonly string[]).includes(k)) throw nBadRequest('HTTPBadRequest', `Unrecognized attribute(s) '${k}'`);
      const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -1 || n > MAX_LIMIT) throw invalid(k, v, `is not a valid quota limit (an integer from -1 to ${MAX_LIMIT})`);
      changes.push([k, n]);
    }
    if (check) {
      for (const [k, n] of changes) {
        const used = n === -1 ? 0 : await this.m.store.count(KIND[k], { project_id: projectId });
        if (used > n) throw nBadRequest('HTTPBadRequest', `Quota limit ${n} for ${k} must be greater than or equal to already used ${used}`);
      }
    }
    for (const [k, n] of changes) await this.m.projects.setQuota(projectId, k, n);
    return this.limits(projectId);
  }

  async reset(projectId: string): Promise<void> {
    await this.m.projects.resetQuotas(projectId);
  }

}
