import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { query, wrapped } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { computePolicy } from '../policy.js';
import type { ComputeApi } from './common.js';

/** Quota resources a microversion shows: network ones went in 2.36, injected files in 2.57. */
function visible(resources: string[], mv: number): string[] {
  const out = mv >= 57 ? resources.filter((r) => !r.startsWith('injected_')) : resources;
  return mv >= 36 ? out : [...out, 'fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
}
/** Validates a quota body: known resources (for this microversion), integers of at least -1. */
function parseQuotaValues(q: Record<string, unknown>, allowed: string[], wrapper: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(q)) {
    if (k === 'force' || k === 'id') continue;
    if (!allowed.includes(k)) throw badRequest(`Invalid input for field/attribute ${wrapper}. Additional properties are not allowed ('${k}' was unexpected)`);
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) throw badRequest(`Invalid input for field/attribute ${k}. Value: ${JSON.stringify(v)}. It must be an integer of at least -1`);
    values[k] = n;
  }
  return values;
}


/** `os-quota-sets` and `limits`. */
export function registerQuotaRoutes(app: FastifyInstance, api: ComputeApi): void {
  const quotas = api.model.quotas;
  const target = (req: FastifyRequest, id: string) => {
    enforce(computePolicy, 'quota:show', req.auth, { project_id: id });
    return id;
  };
  const quotaSet = async (projectId: string, mv: number, detail: boolean, values?: Record<string, number>) => {
    const limits = values ?? (await quotas.limits(projectId));
    const used = detail ? await quotas.usage(projectId) : {};
    const body: Record<string, unknown> = { id: projectId };
    for (const r of visible(quotas.resources, mv)) {
      const limit = limits[r];
      body[r] = detail ? { limit, in_use: used[r] ?? 0, reserved: 0 } : limit;
    }
    return body;
  };

  app.get<{ Params: { id: string } }>('/v2.1/os-quota-sets/:id', async (req) => ({ quota_set: await quotaSet(target(req, req.params.id), req.mv, false) }));
  app.get<{ Params: { id: string } }>('/v2.1/os-quota-sets/:id/detail', async (req) => ({ quota_set: await quotaSet(target(req, req.params.id), req.mv, true) }));
  app.get<{ Params: { id: string } }>('/v2.1/os-quota-sets/:id/defaults', async (req) => ({ quota_set: await quotaSet(req.params.id, req.mv, false, await quotas.classLimits()) }));
  app.get<{ Params: { id: string } }>('/v2.1/os-quota-class-sets/:id', async (req) => {
    enforce(computePolicy, 'quota:update', req.auth);
    return { quota_class_set: await quotaSet(req.params.id, req.mv, false, await quotas.classLimits()) };
  });
  app.put<{ Params: { id: string } }>('/v2.1/os-quota-class-sets/:id', async (req) => {
    enforce(computePolicy, 'quota:update', req.auth);
    // Nova only honours the `default` class; other names are accepted and ignored, as there.
    const values = parseQuotaValues(wrapped(req.body, 'quota_class_set'), visible(quotas.resources, req.mv), 'quota_class_set');
    if (req.params.id === 'default') await quotas.updateClass(values);
    const body = await quotaSet(req.params.id, req.mv, false, await quotas.classLimits());
    delete body.id;
    return { quota_class_set: body };
  });
  app.put<{ Params: { id: string } }>('/v2.1/os-quota-sets/:id', async (req) => {
    enforce(computePolicy, 'quota:update', req.auth);
    const values = parseQuotaValues(wrapped(req.body, 'quota_set'), visible(quotas.resources, req.mv), 'quota_set');
    if (!(await api.model.peers().identity.projectExists(req.params.id))) throw badRequest(`Project ID ${req.params.id} is not a valid project.`);
    await quotas.update(req.params.id, values);
    const body = await quotaSet(req.params.id, req.mv, false);
    delete body.id;
    return { quota_set: body };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/os-quota-sets/:id', async (req, reply) => {
    enforce(computePolicy, 'quota:update', req.auth);
    await quotas.revert(req.params.id);
    reply.code(202);
  });

  app.get('/v2.1/limits', async (req) => {
    const q = query(req.query);
    let projectId = req.auth.projectId ?? '';
    if (q.tenant_id && q.tenant_id !== projectId) {
      enforce(computePolicy, 'limits:other_project', req.auth);
      projectId = q.tenant_id;
    }
    const [limits, used] = await Promise.all([quotas.limits(projectId), quotas.usage(projectId, req.auth.userId)]);
    const absolute: Record<string, number> = {
      maxServerMeta: limits.metadata_items,
      maxTotalInstances: limits.instances,
      maxTotalCores: limits.cores,
      maxTotalRAMSize: limits.ram,
      maxTotalKeypairs: limits.key_pairs,
      maxServerGroups: limits.server_groups,
      maxServerGroupMembers: limits.server_group_members,
      totalInstancesUsed: used.instances,
      totalCoresUsed: used.cores,
      totalRAMUsed: used.ram,
      totalServerGroupsUsed: used.server_groups,
      maxImageMeta: limits.metadata_items,
    };
    if (req.mv < 57) Object.assign(absolute, { maxPersonality: limits.injected_files, maxPersonalitySize: limits.injected_file_content_bytes });
    if (req.mv < 36) Object.assign(absolute, { maxSecurityGroups: 10, maxSecurityGroupRules: 20, maxTotalFloatingIps: 10, totalFloatingIpsUsed: 0, totalSecurityGroupsUsed: 0 });
    return { limits: { rate: [], absolute } };
  });
}
