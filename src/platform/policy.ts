import type { AuthContext } from './auth.js';
import { forbidden } from './errors.js';

/**
 * Policy as data: each service keeps one table `action -> Check`, built from these combinators,
 * and the API edge calls `enforce`. The personas follow upstream's defaults: admin, manager
 * (domain manager, SCS scs-0302), member, reader; like upstream without enforced scope, the
 * admin role acts cloud-wide.
 */
export type Target = Record<string, unknown>;
export type Check = (ctx: AuthContext, target: Target) => boolean;
export type PolicyTable = Record<string, Check>;

export const always: Check = () => true;
export const role =
  (name: string): Check =>
  (ctx) =>
    ctx.roles.includes(name);
export const allOf =
  (...checks: Check[]): Check =>
  (ctx, t) =>
    checks.every((c) => c(ctx, t));
export const anyOf =
  (...checks: Check[]): Check =>
  (ctx, t) =>
    checks.some((c) => c(ctx, t));

export const admin = role('admin');
export const systemScoped: Check = (ctx) => ctx.system;
/** The target belongs to the caller's project (target field defaults to `project_id`). */
export const ownProject =
  (field = 'project_id'): Check =>
  (ctx, t) =>
    ctx.projectId !== undefined && t[field] === ctx.projectId;
/** The target lies in the domain the caller's token is scoped to. */
export const ownDomain =
  (field = 'domain_id'): Check =>
  (ctx, t) =>
    ctx.domainId !== undefined && t[field] === ctx.domainId;
/** The target is the caller's own user. */
export const ownUser =
  (field = 'user_id'): Check =>
  (ctx, t) =>
    t[field] === ctx.userId;

export const projectReader = allOf(role('reader'), ownProject());
export const projectMember = allOf(role('member'), ownProject());
export const projectManager = allOf(role('manager'), ownProject());
export const domainManager = allOf(role('manager'), ownDomain());
export const domainReader = allOf(role('reader'), ownDomain());

/** Throws a forbidden error unless the action's rule allows it. Unknown actions are denied. */
export function enforce(table: PolicyTable, action: string, ctx: AuthContext, target: Target = {}): void {
  const check = table[action];
  if (!check || !check(ctx, target)) {
    throw forbidden(`You are not authorized to perform the requested action: ${action}.`);
  }
}

export function allowed(table: PolicyTable, action: string, ctx: AuthContext, target: Target = {}): boolean {
  const check = table[action];
  return !!check && check(ctx, target);
}
