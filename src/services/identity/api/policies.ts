import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { optString, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { identityPolicy } from '../policy.js';
import { parseJson } from '../store/json.js';
import type { PolicyRow } from '../store/tables.js';
import type { IdentityDeps } from './deps.js';
import { extraOf } from './projects.js';
import { collectionLinks, selfLink } from './render.js';
import { inexactFilter } from './common.js';

const FIELDS = ['blob', 'type'];

export function renderPolicy(base: string, p: PolicyRow) {
  return { id: p.id, type: p.type, blob: p.blob, links: selfLink(base, `policies/${p.id}`), ...parseJson<Obj>(p.extra, {}) };
}

/** `/v3/policies`: opaque policy blobs (Keystone's deprecated but served policy API). */
export function registerPolicyRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const id = (req: FastifyRequest) => (req.params as { id: string }).id;

  app.get('/v3/policies', async (req) => {
    enforce(identityPolicy, 'identity:list_policies', req.auth);
    const q = query(req.query);
    const typed = inexactFilter(q, 'type');
    const rows = (await d.policies.list(q.type)).filter((p) => typed(p.type));
    return { policies: rows.map((p) => renderPolicy(base(), p)), links: collectionLinks(base(), req) };
  });

  app.post('/v3/policies', async (req, reply) => {
    enforce(identityPolicy, 'identity:create_policy', req.auth);
    const b = wrapped(req.body, 'policy');
    const row = await d.policies.create({
      blob: reqString(b, 'blob', { max: 65535 }),
      type: reqString(b, 'type', { max: 255 }),
      extra: JSON.stringify(extraOf(b, FIELDS)),
    });
    reply.code(201);
    return { policy: renderPolicy(base(), row) };
  });

  app.get('/v3/policies/:id', async (req) => {
    enforce(identityPolicy, 'identity:get_policy', req.auth);
    return { policy: renderPolicy(base(), await d.policies.get(id(req))) };
  });

  app.patch('/v3/policies/:id', async (req) => {
    enforce(identityPolicy, 'identity:update_policy', req.auth);
    const b = wrapped(req.body, 'policy');
    if (Object.keys(b).length === 0) throw badRequest("Invalid input for field 'policy': expected at least one attribute.");
    const cur = await d.policies.get(id(req));
    const patch: Partial<PolicyRow> = {};
    const blob = optString(b, 'blob', { max: 65535 });
    if (typeof blob === 'string') patch.blob = blob;
    const type = optString(b, 'type', { max: 255 });
    if (typeof type === 'string') patch.type = type;
    const extra = extraOf(b, FIELDS);
    if (Object.keys(extra).length) patch.extra = JSON.stringify({ ...parseJson<Obj>(cur.extra, {}), ...extra });
    return { policy: renderPolicy(base(), await d.policies.update(cur.id, patch)) };
  });

  app.delete('/v3/policies/:id', async (req, reply) => {
    enforce(identityPolicy, 'identity:delete_policy', req.auth);
    await d.policies.delete(id(req));
    reply.code(204);
  });
}
