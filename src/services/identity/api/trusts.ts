import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fromDbBool } from '../../../platform/db/database.js';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isoMicro } from '../../../platform/ids.js';
import { optBool, optInt, optString, query, reqString, wrapped } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { trustRoleIds } from '../model/trusts.js';
import { identityPolicy } from '../policy.js';
import type { RoleRow, TrustRow } from '../store/tables.js';
import { roleRefs } from './appcreds.js';
import { expiryField } from './common.js';
import type { IdentityDeps } from './deps.js';
import { collectionLinks } from './render.js';
import { renderRole } from './roles.js';

const PREFIX = '/v3/OS-TRUST/trusts';

/** A trust as Keystone shows it; with `roles` for a single trust, without them in lists. */
function renderTrust(base: string, t: TrustRow, roles?: RoleRow[]) {
  const out: Record<string, unknown> = {
    id: t.id,
    trustor_user_id: t.trustor_user_id,
    trustee_user_id: t.trustee_user_id,
    project_id: t.project_id,
    impersonation: fromDbBool(t.impersonation),
    expires_at: t.expires_at ? isoMicro(t.expires_at) : null,
    remaining_uses: t.remaining_uses,
    redelegated_trust_id: null,
    redelegation_count: 0,
    links: { self: `${base}${PREFIX}/${t.id}` },
  };
  if (roles) {
    out.roles = roles.map((r) => renderRole(base, r));
    out.roles_links = { self: `${base}${PREFIX}/${t.id}/roles`, previous: null, next: null };
  }
  return out;
}

/** `/v3/OS-TRUST/trusts`: create, list, show and delete trusts and list their roles. */
export function registerTrustRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const caller = (req: FastifyRequest) => d.tokens.validatePayload(req.auth.token);
  /** The trust, 404 before any 403 (as Keystone), then the policy on it. */
  const load = async (req: FastifyRequest, action: string) => {
    const trust = await d.trusts.get((req.params as { trust_id: string }).trust_id);
    enforce(identityPolicy, action, req.auth, { trustor_user_id: trust.trustor_user_id, trustee_user_id: trust.trustee_user_id });
    d.trusts.refuseAppCred(caller(req));
    return trust;
  };

  app.post(PREFIX, async (req, reply) => {
    const b = wrapped(req.body, 'trust');
    const trustorUserId = reqString(b, 'trustor_user_id', { max: 64 });
    enforce(identityPolicy, 'identity:create_trust', req.auth, { trustor_user_id: trustorUserId });
    const trust = await d.trusts.create(caller(req), {
      trustorUserId,
      trusteeUserId: reqString(b, 'trustee_user_id', { max: 64 }),
      projectId: optString(b, 'project_id', { nullable: true, max: 64 }) ?? null,
      impersonation: requiredBool(b.impersonation),
      expiresAt: expiryField(b, 'expires_at') ?? null,
      remainingUses: optInt(b, 'remaining_uses', { nullable: true, min: 1 }) ?? null,
      roles: roleRefs(b) ?? [],
      allowRedelegation: optBool(b, 'allow_redelegation') ?? false,
    });
    reply.code(201);
    return { trust: renderTrust(base(), trust, await d.trusts.roleRows(trust)) };
  });

  app.get(PREFIX, async (req) => {
    const q = query(req.query);
    if (q.trustor_user_id !== undefined) {
      enforce(identityPolicy, 'identity:list_trusts_for_trustor', req.auth, { trustor_user_id: q.trustor_user_id });
    } else if (q.trustee_user_id !== undefined) {
      enforce(identityPolicy, 'identity:list_trusts_for_trustee', req.auth, { trustee_user_id: q.trustee_user_id });
    } else enforce(identityPolicy, 'identity:list_trusts', req.auth);
    d.trusts.refuseAppCred(caller(req));
    const rows = await d.trusts.list(q.trustor_user_id !== undefined ? { trustorUserId: q.trustor_user_id } : { trusteeUserId: q.trustee_user_id });
    return { trusts: rows.map((t) => renderTrust(base(), t)), links: collectionLinks(base(), req) };
  });

  app.get(`${PREFIX}/:trust_id`, async (req) => {
    const trust = await load(req, 'identity:get_trust');
    return { trust: renderTrust(base(), trust, await d.trusts.roleRows(trust)) };
  });

  app.delete(`${PREFIX}/:trust_id`, async (req, reply) => {
    const trust = await load(req, 'identity:delete_trust');
    await d.trusts.delete(caller(req), trust.id);
    reply.code(204);
  });

  app.get(`${PREFIX}/:trust_id/roles`, async (req) => {
    const trust = await load(req, 'identity:list_roles_for_trust');
    return { roles: (await d.trusts.roleRows(trust)).map((r) => renderRole(base(), r)), links: collectionLinks(base(), req) };
  });

  // HEAD (the `check` of clients) is answered by Fastify from this route.
  app.get(`${PREFIX}/:trust_id/roles/:role_id`, async (req) => {
    const trust = await load(req, 'identity:get_role_for_trust');
    const roleId = (req.params as { role_id: string }).role_id;
    const role = trustRoleIds(trust).includes(roleId) ? (await d.trusts.roleRows(trust)).find((r) => r.id === roleId) : undefined;
    if (!role) throw notFound(`Could not find role: ${roleId}.`);
    return { role: renderRole(base(), role) };
  });
}

/** Keystone's schema requires `impersonation` as a boolean. */
function requiredBool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw badRequest("Invalid input for field 'impersonation': expected a boolean.");
  return v;
}
