/**
 * Who is calling: built from a validated token by the identity service and attached to every
 * authenticated request as `req.auth`. Services read only this, never the token.
 */
export interface AuthContext {
  token: string;
  userId: string;
  userName: string;
  userDomainId: string;
  userDomainName: string;
  /** Set for project-scoped tokens. */
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  projectDomainName?: string;
  /** Set for domain-scoped tokens. */
  domainId?: string;
  domainName?: string;
  /** True for system-scoped tokens (`system: {all: true}`). */
  system: boolean;
  /** Effective role names (implied roles included), lower case. */
  roles: string[];
  roleIds: string[];
  methods: string[];
  issuedAt: string;
  expiresAt: string;
  auditIds: string[];
  /** Set when the token came from an application credential. */
  appCredential?: { id: string; unrestricted: boolean; accessRules?: AccessRule[] };
}

export interface AccessRule {
  id?: string;
  service: string;
  method: string;
  path: string;
}

/** Implemented by the identity service; used by every API edge. */
export interface TokenValidator {
  validate(token: string, opts?: { allowExpired?: boolean }): Promise<AuthContext>;
}

export const hasRole = (ctx: AuthContext, role: string): boolean => ctx.roles.includes(role);
