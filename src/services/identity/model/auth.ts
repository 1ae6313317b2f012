import type { AccessRule, AuthContext } from '../../../platform/auth.js';
import { badRequest, unauthorized } from '../../../platform/errors.js';
import { randomToken } from '../../../platform/ids.js';
import { fromDbBool } from '../../../platform/db/database.js';
import type { ProjectStore } from '../store/projects.js';
import type { ProjectRow, RoleRow, UserRow } from '../store/tables.js';
import type { RevocationList } from './revocations.js';
import type { RoleResolver } from './roles.js';
import { invalid, type TokenCodec, type TokenPayload } from './tokens.js';
import type { TrustScope } from './trusts.js';

export interface IdentitySettings {
  /** Token lifetime in seconds (Keystone's `[token] expiration`). */
  tokenExpiration: number;
  /** How long an expired token may still be validated with `allow_expired` (seconds). */
  allowExpiredWindow: number;
  /** bcrypt cost; 12 as Keystone. */
  passwordHashRounds: number;
  /** Failed logins before a user is locked out; 0 disables lockout (Keystone's default). */
  lockoutFailureAttempts: number;
  /** Seconds a locked-out user stays locked. */
  lockoutDuration: number;
  maxActiveKeys: number;
  /** Seconds between re-reads of the token key repository, so `scs keys rotate` needs no restart; 0: never. */
  keyReloadInterval: number;
}

export const DEFAULT_SETTINGS: IdentitySettings = {
  tokenExpiration: 3600,
  allowExpiredWindow: 172800,
  passwordHashRounds: 12,
  lockoutFailureAttempts: 0,
  lockoutDuration: 1800,
  maxActiveKeys: 3,
  keyReloadInterval: 10,
};

/** Who the identity methods established, before scoping. */
export interface Principal {
  user: UserRow;
  userDomainName: string;
  methods: string[];
  /** Set when re-scoping a token: the new token keeps its expiry and audit chain. */
  parent?: TokenPayload;
  /** An application credential fixes project and roles. */
  appCred?: { id: string; name: string; projectId: string; roleIds: string[]; unrestricted: boolean; accessRules?: AccessRule[]; expiresAt: string | null };
  federation?: TokenPayload['federation'];
}

/** A method plugin: turns its part of `auth.identity` into a principal. */
export type IdentityMethod = (body: Record<string, unknown>, ctx: { remoteAddr: string }) => Promise<Principal>;

export type ScopeRequest =
  | { kind: 'unscoped' }
  | { kind: 'project'; project: ProjectRow }
  | { kind: 'domain'; domainId: string; domainName: string }
  | { kind: 'system' }
  | TrustScope;

/**
 * Issues and validates tokens. Identity methods are plugged in by name (password, token,
 * application_credential, openid); scoping and role computation are the same for all.
 */
export class TokenService {
  private readonly methods = new Map<string, IdentityMethod>();

  constructor(
    private readonly codec: TokenCodec,
    private readonly revocations: RevocationList,
    private readonly resolver: RoleResolver,
    private readonly projects: ProjectStore,
    private readonly settings: IdentitySettings,
  ) {}

  registerMethod(name: string, m: IdentityMethod): void {
    this.methods.set(name, m);
  }

  /** Establishes the principal from `auth.identity`. */
  async identify(identity: Record<string, unknown>, remoteAddr: string): Promise<Principal> {
    const methods = identity.methods;
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
      throw badRequest("Invalid input for field 'identity/methods': expected a non-empty list of strings.");
    }
    let principal: Principal | undefined;
    for (const name of methods as string[]) {
      const m = this.methods.get(name);
      if (!m) throw unauthorized(`Attempted to authenticate with an unsupported method.`);
      const body = identity[name];
      if (!body || typeof body !== 'object') throw badRequest(`Invalid input for field 'identity/${name}': expected an object.`);
      const p = await m(body as Record<string, unknown>, { remoteAddr });
      if (principal && principal.user.id !== p.user.id) throw unauthorized('User IDs do not match across methods.');
      principal = principal ? { ...principal, ...p, methods: [...principal.methods, ...p.methods] } : p;
    }
    return principal!;
  }

  /** Computes roles on the scope and seals the token. */
  async issue(principal: Principal, scope: ScopeRequest): Promise<{ token: string; payload: TokenPayload }> {
    const now = Date.now();
    let roles: RoleRow[] = [];
    const p = principal;
    const payload: TokenPayload = {
      userId: p.user.id,
      userName: p.user.name,
      userDomain: [p.user.domain_id, p.userDomainName],
      // A rescoped token lists the parent's methods and `token`, as Keystone's do.
      methods: [...new Set(p.parent ? [...p.methods, ...p.parent.methods] : p.methods)],
      roles: [],
      issuedAt: now,
      expiresAt: p.parent ? p.parent.expiresAt : now + this.settings.tokenExpiration * 1000,
      auditIds: p.parent ? [randomToken(16), p.parent.auditIds[p.parent.auditIds.length - 1]] : [randomToken(16)],
      passwordExpiresAt: p.user.password_expires_at,
    };
    if (p.federation) payload.federation = p.federation;
    const fedGroups = p.federation?.groups.map((g) => g.id) ?? [];

    if (p.appCred) {
      if (scope.kind !== 'unscoped' && !(scope.kind === 'project' && scope.project.id === p.appCred.projectId)) {
        throw unauthorized('Application credentials cannot request a scope.');
      }
      const project = await this.projects.getProject(p.appCred.projectId);
      if (!project || !fromDbBool(project.enabled)) throw invalid();
      scope = { kind: 'project', project };
      if (p.appCred.expiresAt) payload.expiresAt = Math.min(payload.expiresAt, Date.parse(p.appCred.expiresAt));
      payload.appCred = { id: p.appCred.id, name: p.appCred.name, unrestricted: p.appCred.unrestricted, accessRules: p.appCred.accessRules };
    }

    switch (scope.kind) {
      case 'project': {
        const project = scope.project;
        if (!fromDbBool(project.enabled)) throw unauthorized(`Project ${project.id} is disabled.`);
        const domain = await this.projects.getDomain(project.domain_id);
        if (!domain || !fromDbBool(domain.enabled)) throw invalid();
        roles = await this.resolver.onProject(p.user.id, project, fedGroups);
        if (p.appCred) {
          // The credential's roles, as far as the user still holds them.
          const held = new Set(roles.map((r) => r.id));
          const granted = await this.resolver.expand(p.appCred.roleIds);
          roles = granted.filter((r) => held.has(r.id));
        }
        payload.project = { id: project.id, name: project.name, domain: [domain.id, domain.name] };
        break;
      }
      case 'domain': {
        roles = await this.resolver.onDomain(p.user.id, scope.domainId, fedGroups);
        payload.domain = [scope.domainId, scope.domainName];
        break;
      }
      case 'system': {
        roles = await this.resolver.onSystem(p.user.id, fedGroups);
        payload.system = true;
        break;
      }
      case 'trust': {
        roles = await this.trustRoles(payload, scope);
        break;
      }
      case 'unscoped':
        break;
    }
    const projectless = scope.kind === 'unscoped' || (scope.kind === 'trust' && !scope.project);
    if (!projectless && roles.length === 0) throw invalid();
    payload.roles = roles.map((r) => [r.id, r.name]);
    return { token: this.codec.encode(payload), payload };
  }

  /**
   * Fills in a trust-scoped token: the trustor (with impersonation) or the trustee as user, the
   * trust's project, no later expiry than the trust's; returns the delegated roles (with the roles
   * they imply) that the trustor still holds on the project.
   */
  private async trustRoles(payload: TokenPayload, s: TrustScope): Promise<RoleRow[]> {
    const impersonation = fromDbBool(s.trust.impersonation);
    payload.trust = { id: s.trust.id, trustorId: s.trustor.id, trusteeId: s.trust.trustee_user_id, impersonation };
    if (impersonation) {
      Object.assign(payload, { userId: s.trustor.id, userName: s.trustor.name, userDomain: [s.trustor.domain_id, s.trustorDomainName] });
      payload.passwordExpiresAt = s.trustor.password_expires_at;
    }
    if (s.trust.expires_at) payload.expiresAt = Math.min(payload.expiresAt, Date.parse(s.trust.expires_at));
    if (!s.project) return [];
    if (!fromDbBool(s.project.enabled)) throw unauthorized(`Project ${s.project.id} is disabled.`);
    const domain = await this.projects.getDomain(s.project.domain_id);
    if (!domain || !fromDbBool(domain.enabled)) throw invalid();
    payload.project = { id: s.project.id, name: s.project.name, domain: [domain.id, domain.name] };
    const held = new Set((await this.resolver.onProject(s.trustor.id, s.project)).map((r) => r.id));
    return (await this.resolver.expand(s.roleIds)).filter((r) => held.has(r.id));
  }

  /** Opens a token and checks expiry and revocation: no database read. */
  validatePayload(token: string, opts: { allowExpired?: boolean } = {}): TokenPayload {
    const payload = this.codec.decode(token);
    const now = Date.now();
    const limit = opts.allowExpired ? payload.expiresAt + this.settings.allowExpiredWindow * 1000 : payload.expiresAt;
    if (now >= limit) throw unauthorized('The request you have made requires authentication.');
    if (this.revocations.isRevoked(payload)) throw unauthorized('The request you have made requires authentication.');
    return payload;
  }

  async validate(token: string, opts: { allowExpired?: boolean } = {}): Promise<AuthContext> {
    return toAuthContext(token, this.validatePayload(token, opts));
  }
}

export function toAuthContext(token: string, p: TokenPayload): AuthContext {
  return {
    token,
    userId: p.userId,
    userName: p.userName,
    userDomainId: p.userDomain[0],
    userDomainName: p.userDomain[1],
    projectId: p.project?.id,
    projectName: p.project?.name,
    projectDomainId: p.project?.domain[0],
    projectDomainName: p.project?.domain[1],
    domainId: p.domain?.[0],
    domainName: p.domain?.[1],
    system: !!p.system,
    roles: p.roles.map(([, n]) => n.toLowerCase()),
    roleIds: p.roles.map(([id]) => id),
    methods: p.methods,
    issuedAt: new Date(p.issuedAt).toISOString(),
    expiresAt: new Date(p.expiresAt).toISOString(),
    auditIds: p.auditIds,
    appCredential: p.appCred ? { id: p.appCred.id, unrestricted: p.appCred.unrestricted, accessRules: p.appCred.accessRules } : undefined,
  };
}
