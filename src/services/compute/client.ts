import type { AuthContext } from '../../platform/auth.js';

/** What other services may ask of compute. */
export interface ComputeClient {
  /** True when the server exists and `ctx` may see it (e.g. a port's device_id or a volume attachment). */
  serverExists(ctx: AuthContext, id: string): Promise<boolean>;
}
