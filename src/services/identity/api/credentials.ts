import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isObj, optString, query, reqString, wrapped } from '../../../platform/http/validate.js';
import { badRequest, notFound, unauthorized } from '../../../platform/errors.js';
import { allowed, enforce } from '../../../platform/policy.js';
import { refuseEc2FromAppCred } from '../model/appcreds.js';
import { ec2CredentialId, type Credential } from '../model/credentials.js';
import { identityPolicy } from '../policy.js';
import { duplicateAs } from './common.js';
import type { IdentityDeps } from './deps.js';
import { collectionLinks, selfLink } from './render.js';

function renderCredential(base: string, c: Credential) {
  return { id: c.id, user_id: c.userId, project_id: c.projectId, type: c.type, blob: c.blob, links: selfLink(base, `credentials/${c.id}`) };
}

/** The OS-EC2 view of an `ec2` credential, as Keystone converts it. */
function renderEc2(base: string, c: Credential) {
  const blob = JSON.parse(c.blob) as { access?: string; secret?: string; trust_id?: string | null };
  return {
    user_id: c.userId,
    tenant_id: c.projectId,
    access: blob.access,
    secret: blob.secret,
    trust_id: blob.trust_id ?? null,
    links: selfLink(base, `users/${c.userId}/credentials/OS-EC2/${blob.access}`),
  };
}

export function registerCredentialRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const param = (req: FastifyRequest, name: string) => (req.params as Record<string, string>)[name];
  const requireUser = async (id: string) => {
    if (!(await d.users.getUser(id))) throw notFound(`Could not find user: ${id}.`);
  };

  // --- /v3/credentials ---
  app.post('/v3/credentials', async (req, reply) => {
    const b = wrapped(req.body, 'credential');
    const userId = reqString(b, 'user_id', { max: 64 });
    enforce(identityPolicy, 'identity:create_credential', req.auth, { user_id: userId });
    const input = {
      userId,
      projectId: optString(b, 'project_id', { max: 64, nullable: true }) ?? null,
      type: reqString(b, 'type', { max: 255 }),
      blob: reqString(b, 'blob', { max: 65535 }),
    };
    if (input.type === 'ec2') refuseEc2FromAppCred(req.auth);
    if (input.projectId && !(await d.projects.getProject(input.projectId))) throw notFound(`Could not find project: ${input.projectId}.`);
    const c = await d.credentials.create(input).catch(duplicateAs('credential', 'Duplicate ID'));
    reply.code(201);
    return { credential: renderCredential(base(), c) };
  });

  app.get('/v3/credentials', async (req) => {
    const q = query(req.query);
    // Keystone lists only what the caller may see: non-admins their own credentials.
    const rows = await d.credentials.list({ userId: q.user_id, type: q.type });
    const visible = rows.filter((c) => allowed(identityPolicy, 'identity:get_credential', req.auth, { user_id: c.userId }));
    return { credentials: visible.map((c) => renderCredential(base(), c)), links: collectionLinks(base(), req) };
  });

  const load = async (req: FastifyRequest, action: string) => {
    const id = param(req, 'id');
    const c = await d.credentials.get(id);
    // Another user's credential looks the same as a missing one.
    if (!c || !allowed(identityPolicy, action, req.auth, { user_id: c.userId })) throw notFound(`Could not find credential: ${id}.`);
    return c;
  };

  app.get('/v3/credentials/:id', async (req) => ({ credential: renderCredential(base(), await load(req, 'identity:get_credential')) }));

  app.patch('/v3/credentials/:id', async (req) => {
    const cur = await load(req, 'identity:update_credential');
    const b = wrapped(req.body, 'credential');
    const userId = optString(b, 'user_id', { max: 64 }) ?? undefined;
    if (userId !== undefined) enforce(identityPolicy, 'identity:update_credential', req.auth, { user_id: userId });
    const type = optString(b, 'type', { max: 255 }) ?? undefined;
    if ((type ?? cur.type) === 'ec2') refuseEc2FromAppCred(req.auth);
    const projectId = optString(b, 'project_id', { max: 64, nullable: true });
    if (projectId && !(await d.projects.getProject(projectId))) throw notFound(`Could not find project: ${projectId}.`);
    const updated = await d.credentials.update(cur.id, {
      userId,
      projectId,
      type,
      blob: optString(b, 'blob', { max: 65535 }) ?? undefined,
    });
    return { credential: renderCredential(base(), updated) };
  });

  app.delete('/v3/credentials/:id', async (req, reply) => {
    const c = await load(req, 'identity:delete_credential');
    await d.credentials.delete(c.id);
    reply.code(204);
  });

  // --- /v3/users/{user_id}/credentials/OS-EC2 ---
  const ec2 = '/v3/users/:user_id/credentials/OS-EC2';

  app.post(ec2, async (req, reply) => {
    const userId = param(req, 'user_id');
    enforce(identityPolicy, 'identity:ec2_create_credential', req.auth, { user_id: userId });
    refuseEc2FromAppCred(req.auth);
    if (!isObj(req.body)) throw badRequest('The request body must be a JSON object.');
    const tenantId = reqString(req.body, 'tenant_id', { max: 64 });
    await requireUser(userId);
    if (!(await d.projects.getProject(tenantId))) throw notFound(`Could not find project: ${tenantId}.`);
    reply.code(201);
    return { credential: renderEc2(base(), await d.credentials.createEc2(userId, tenantId)) };
  });

  app.get(ec2, async (req) => {
    const userId = param(req, 'user_id');
    enforce(identityPolicy, 'identity:ec2_list_credentials', req.auth, { user_id: userId });
    await requireUser(userId);
    const rows = await d.credentials.list({ userId, type: 'ec2' });
    return { credentials: rows.map((c) => renderEc2(base(), c)), links: collectionLinks(base(), req) };
  });

  /** Keystone answers a missing credential with 404, one that is not the user's EC2 one with 401. */
  const loadEc2 = async (req: FastifyRequest, action: string) => {
    const userId = param(req, 'user_id');
    enforce(identityPolicy, action, req.auth, { user_id: userId });
    const id = ec2CredentialId(param(req, 'access'));
    const c = await d.credentials.get(id);
    if (!c) throw notFound(`Could not find credential: ${id}.`);
    if (c.type !== 'ec2' || c.userId !== userId) throw unauthorized('EC2 access key not found.');
    return c;
  };

  app.get(`${ec2}/:access`, async (req) => ({ credential: renderEc2(base(), await loadEc2(req, 'identity:ec2_get_credential')) }));

  app.delete(`${ec2}/:access`, async (req, reply) => {
    const c = await loadEc2(req, 'identity:ec2_delete_credential');
    await d.credentials.delete(c.id);
    reply.code(204);
  });
}
