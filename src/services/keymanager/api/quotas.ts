import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isObj } from '../../../platform/http/validate.js';
import { isQuotaResource, type Quotas } from '../model/quotas.js';
import { enforce } from '../../../platform/policy.js';
import { keymanagerPolicy, ownTarget } from '../policy.js';
import { authorize, type ApiDeps } from './common.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

function parseQuotas(body: unknown): Partial<Quotas> {
  if (!isObj(body) || !isObj(body.project_quotas)) throw badRequest("Provided object does not match schema 'ProjectQuotas': 'project_quotas' is a required property");
  const out: Partial<Quotas> = {};
  for (const [k, v] of Object.entries(body.project_quotas)) {
    if (!isQuotaResource(k)) throw badRequest(`Provided object does not match schema 'ProjectQuotas': unknown resource '${k}'`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) throw badRequest(`Provided object does not match schema 'ProjectQuotas': '${k}' must be an integer >= -1`);
    out[k] = v;
  }
  return out;
}

/** `/v1/quotas` (the caller's effective quotas) and the service admin's `/v1/project-quotas`. */
export function registerQuotaRoutes(app: FastifyInstance, d: ApiDeps): void {
  // Project quotas are for the system-scoped admin, whose token has no project.
  const serviceAdmin = (req: FastifyRequest, action: string) => enforce(keymanagerPolicy, action, req.auth, ownTarget(req.auth));

  app.get('/v1/quotas', async (req) => {
    const caller = authorize(req, 'quotas:get', ownTarget(req.auth));
    return { quotas: await d.quotas.effective(caller.projectId) };
  });

  app.get('/v1/project-quotas', async (req) => {
    serviceAdmin(req, 'project_quotas:get');
    const all = await d.quotas.listOverrides();
    return { project_quotas: all.map((p) => ({ project_id: p.projectId, project_quotas: p.quotas })), total: all.length };
  });

  app.get('/v1/project-quotas/:id', async (req: IdReq) => {
    serviceAdmin(req, 'project_quotas:get');
    const q = await d.quotas.overrides(req.params.id);
    if (!q) throw notFound('Project quotas not found.');
    return { project_quotas: q };
  });

  app.put('/v1/project-quotas/:id', async (req: IdReq, reply) => {
    serviceAdmin(req, 'project_quotas:put');
    await d.quotas.set(req.params.id, parseQuotas(req.body));
    return reply.code(204).send();
  });

  app.delete('/v1/project-quotas/:id', async (req: IdReq, reply) => {
    serviceAdmin(req, 'project_quotas:delete');
    if (!(await d.quotas.delete(req.params.id))) throw notFound('Project quotas not found.');
    return reply.code(204).send();
  });
}
