import type { AuthContext } from '../../platform/auth.js';

/** What other services may ask of compute. */
export interface ComputeClient {
  /** True when the server exists and `ctx` may see it (e.g. a port's device_id or a volume attachment). */
  serverExists(ctx: AuthContext, id: string): Promise<boolean>;
  /**
   * Block storage grew a volume attached to these servers (Cinder's `volume-extended` external
   * event): each server records an `extend_volume` action and its driver learns the new size.
   */
  volumeExtended(volumeId: string, serverIds: string[], requestId: string): Promise<void>;
}
