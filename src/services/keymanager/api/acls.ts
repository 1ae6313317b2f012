import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isObj, optBool, optStringArray } from '../../../platform/http/validate.js';
import { time, targetOf, authorize, type ApiDeps } from './common.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

/** `{"read": {"users": [...], "project-access": false}}`; only the `read` operation exists. */
function parseAcl(body: unknown): { projectAccess?: boolean; users?: string[] } {
  if (body === undefined) return {};
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const unknown = Object.keys(body).filter((k) => k !== 'read');
  if (unknown.length) throw badRequest(`Provided object does not match schema 'ACL': unsupported operation '${unknown[0]}'.`);
  if (body.read === undefined) return {};
  if (!isObj(body.read)) throw badRequest("Provided object does not match schema 'ACL': 'read' must be an object.");
  return { projectAccess: optBool(body.read, 'project-access'), users: optStringArray(body.read, 'users', { maxItem: 255 }) };
}

/**
 * Read ACLs of secrets and containers: `GET/PUT/PATCH/DELETE /v1/{secrets|containers}/{id}/acl`.
 * `project-access: false` makes the entity private to its creator and the listed users.
 */
export function registerAclRoutes(app: FastifyInstance, d: ApiDeps): void {
  const kinds = [
    { path: 'secrets', prefix: 'secret_acls', find: (id: string) => d.secrets.find(id) },
    { path: 'containers', prefix: 'container_acls', find: (id: string) => d.containers.find(id) },
  ];
  for (const kind of kinds) {
    const load = async (req: IdReq, action: string) => {
      const { row, acl } = await kind.find(req.params.id);
      authorize(req, `${kind.prefix}:${action}`, targetOf(req, row, acl));
      return row;
    };
    const ref = (id: string) => ({ acl_ref: `${d.baseUrl()}/v1/${kind.path}/${id}/acl` });

    app.get(`/v1/${kind.path}/:id/acl`, async (req: IdReq) => {
      const row = await load(req, 'get');
      const acl = await d.acls.get(row.id);
      if (!acl) return { read: { 'project-access': true } };
      return { read: { 'project-access': acl.projectAccess, users: acl.users, created: time(acl.created ?? null), updated: time(acl.updated ?? null) } };
    });
    app.put(`/v1/${kind.path}/:id/acl`, async (req: IdReq) => {
      const row = await load(req, 'put_patch');
      await d.acls.set(row.id, parseAcl(req.body), false);
      return ref(row.id);
    });
    app.patch(`/v1/${kind.path}/:id/acl`, async (req: IdReq) => {
      const row = await load(req, 'put_patch');
      await d.acls.set(row.id, parseAcl(req.body), true);
      return ref(row.id);
    });
    app.delete(`/v1/${kind.path}/:id/acl`, async (req: IdReq, reply) => {
      const row = await load(req, 'delete');
      await d.acls.delete(row.id);
      // Barbican's JSON renderer answers the handler's None: the body is `null`.
      return reply.code(200).type('application/json').send('null');
    });
  }
}
