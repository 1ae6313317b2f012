import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isoPython } from '../../../platform/ids.js';
import { enforce } from '../../../platform/policy.js';
import type { Acls } from '../model/acls.js';
import { callerOf, type Caller } from '../model/common.js';
import type { ContainerService } from '../model/containers.js';
import type { OrderService } from '../model/orders.js';
import type { QuotaService } from '../model/quotas.js';
import type { SecretService } from '../model/secrets.js';
import { entityTarget, keymanagerPolicy, type KmTarget } from '../policy.js';

export interface ApiDeps {
  secrets: SecretService;
  containers: ContainerService;
  orders: OrderService;
  acls: Acls;
  quotas: QuotaService;
  maxSecretBytes: number;
  baseUrl: () => string;
}

/** Authorizes `action` for the request's caller and returns the caller. */
export function authorize(req: FastifyRequest, action: string, target: KmTarget): Caller {
  enforce(keymanagerPolicy, action, req.auth, target);
  return callerOf(req.auth);
}

/** The policy target of a secret or container with its ACL, for the request's user. */
export function targetOf(req: FastifyRequest, row: { project_id: string; creator_id: string }, acl?: { projectAccess: boolean; users: string[] }): KmTarget {
  return entityTarget(req.auth.userId, row, acl);
}

/** Barbican prints times with Python's isoformat: naive UTC, microseconds only when non-zero. */
export const time = (iso: string | null): string | null => (iso ? isoPython(iso) : null);

function intParam(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v)) throw badRequest(`Invalid ${name}: '${v}' is not a non-negative integer.`);
  return Number(v);
}

/** `limit` (default 10, at most 100) and `offset` (default 0), as Barbican pages lists. */
export function paging(q: Record<string, string>): { limit: number; offset: number } {
  return { limit: Math.min(intParam(q.limit, 'limit', 10), 100), offset: intParam(q.offset, 'offset', 0) };
}

/** Barbican's list envelope: the items, `total`, and `next`/`previous` hrefs when there are more. */
export function listPage(base: string, key: string, items: unknown[], total: number, page: { limit: number; offset: number }) {
  const href = (offset: number) => `${base}?limit=${page.limit}&offset=${offset}`;
  return {
    [key]: items,
    total,
    ...(page.offset + page.limit < total ? { next: href(page.offset + page.limit) } : {}),
    ...(page.offset > 0 ? { previous: href(Math.max(0, page.offset - page.limit)) } : {}),
  };
}

/** The id at the end of a `secret_ref`/`container_ref` URL (a bare id is accepted too). */
export function idFromRef(ref: string, kind: 'secrets' | 'containers'): string {
  const m = new RegExp(`(?:^|/${kind}/)([0-9a-fA-F-]{36})/?$`).exec(ref);
  if (!m) throw badRequest(`Invalid ${kind === 'secrets' ? 'secret' : 'container'} reference: '${ref}'.`);
  return m[1].toLowerCase();
}

/** Answers 201 with a `Location` header and a `{<kind>_ref}` body. */
export function created(reply: FastifyReply, key: string, href: string, status = 201) {
  reply.code(status).header('location', href);
  return { [key]: href };
}
