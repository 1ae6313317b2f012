import type { FastifyRequest } from 'fastify';
import { isoMicro } from '../../../platform/ids.js';
import type { CatalogService } from '../model/catalog.js';
import type { TokenServiceProvider } from '../model/service-providers.js';
import type { TokenPayload } from '../model/tokens.js';

/** `{"self": ".../v3/<path>"}`, the links block of every Keystone entity. */
export const selfLink = (base: string, path: string) => ({ self: `${base}/v3/${path}` });

/** The links block of a Keystone collection (Keystone lists are not paged: next/previous null). */
export function collectionLinks(base: string, req: FastifyRequest) {
  return { self: `${base}${req.url.split('?')[0]}`, previous: null, next: null };
}

/**
 * The token body exactly as Keystone returns it from POST/GET /v3/auth/tokens; Keystone lists the
 * enabled service providers (K2K) in every token, scoped or not, with or without catalog.
 */
export function renderToken(p: TokenPayload, catalog: CatalogService[] | undefined, serviceProviders: TokenServiceProvider[]) {
  const token: Record<string, unknown> = {
    methods: p.methods,
    user: {
      domain: { id: p.userDomain[0], name: p.userDomain[1] },
      id: p.userId,
      name: p.userName,
      password_expires_at: p.passwordExpiresAt ? isoMicro(p.passwordExpiresAt) : null,
    },
    audit_ids: p.auditIds,
    expires_at: isoMicro(new Date(p.expiresAt)),
    issued_at: isoMicro(new Date(p.issuedAt)),
  };
  if (p.federation) {
    (token.user as Record<string, unknown>)['OS-FEDERATION'] = {
      identity_provider: { id: p.federation.idp },
      protocol: { id: p.federation.protocol },
      groups: p.federation.groups.map((g) => ({ id: g.id })),
    };
  }
  if (p.trust) {
    token['OS-TRUST:trust'] = {
      id: p.trust.id,
      trustor_user: { id: p.trust.trustorId },
      trustee_user: { id: p.trust.trusteeId },
      impersonation: p.trust.impersonation,
    };
  }
  if (p.project) {
    token.project = { domain: { id: p.project.domain[0], name: p.project.domain[1] }, id: p.project.id, name: p.project.name };
    if (!p.trust) token.is_domain = false;
  }
  if (p.domain) token.domain = { id: p.domain[0], name: p.domain[1] };
  if (p.system) token.system = { all: true };
  if (p.project || p.domain || p.system || p.trust) {
    token.roles = p.roles.map(([id, name]) => ({ id, name }));
    if (catalog) token.catalog = catalog;
  }
  if (serviceProviders.length) token.service_providers = serviceProviders;
  if (p.appCred) {
    token.application_credential = { id: p.appCred.id, name: p.appCred.name, restricted: !p.appCred.unrestricted };
    if (p.appCred.accessRules?.length) (token.application_credential as Record<string, unknown>).access_rules = p.appCred.accessRules;
  }
  return { token };
}
