import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { unauthorized } from '../../../platform/errors.js';

/** How tokens of an OpenID Connect issuer are checked (the `oidc` block of an identity provider). */
export interface OidcSettings {
  /** Expected `iss`; defaults to the identity provider's first remote id. */
  issuer?: string;
  /** Accepted `aud` values: the client id for id tokens, the resource's audience for access tokens. */
  audience?: string | string[];
  /** Where the signing keys are; discovered from `<issuer>/.well-known/openid-configuration` if unset. */
  jwks_uri?: string;
}

/**
 * Verifies JWTs (id tokens or JWT access tokens) against the issuer's published keys, with jose.
 * Key sets are cached per issuer; jose refetches them when a token names an unknown key id.
 */
export class OidcVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  private async keySet(issuer: string, jwksUri: string | undefined): Promise<JWTVerifyGetKey> {
    const cacheKey = `${issuer} ${jwksUri ?? ''}`;
    let set = this.keySets.get(cacheKey);
    if (!set) {
      const uri = jwksUri ?? (await this.discover(issuer));
      set = createRemoteJWKSet(new URL(uri));
      this.keySets.set(cacheKey, set);
    }
    return set;
  }

  private async discover(issuer: string): Promise<string> {
    try {
      const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      const doc = (await res.json()) as { jwks_uri?: unknown };
      if (res.ok && typeof doc.jwks_uri === 'string') return doc.jwks_uri;
    } catch {
      // reported below
    }
    throw unauthorized(`Could not discover the signing keys of the OpenID Connect issuer ${issuer}.`);
  }

  /** The token's claims; 401 when the signature, issuer, audience or lifetime is wrong. */
  async verify(token: string, issuer: string, settings: OidcSettings): Promise<JWTPayload> {
    if (!settings.audience || (Array.isArray(settings.audience) && settings.audience.length === 0)) {
      throw unauthorized('The identity provider has no OpenID Connect audience configured.');
    }
    const keys = await this.keySet(issuer, settings.jwks_uri);
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience: settings.audience });
      return payload;
    } catch {
      throw unauthorized('The request you have made requires authentication.');
    }
  }
}
