import type { TokenValidator } from '../platform/auth.js';
import type { ServiceContext } from '../platform/service.js';
import type { Clients } from './registry.js';

/**
 * What every API behind keystonemiddleware takes from identity: the token check, and the auth URL
 * its 401 challenges name. Resolved at call time: identity's listener URL is known only after start.
 */
export function identityEdge(ctx: ServiceContext<Clients>): { tokens: TokenValidator; authUrl: () => string | undefined } {
  return {
    tokens: { validate: (token, opts) => ctx.clients.identity.validate(token, opts) },
    authUrl: () => (ctx.urls.identity ? `${ctx.urls.identity}/v3` : undefined),
  };
}
