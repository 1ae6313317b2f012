import type { AuthContext } from '../../platform/auth.js';

/**
 * What other services ask of the key manager, the way Cinder and Octavia call Barbican with the
 * user's token: every call is authorized like the API call it stands for (`ctx` needs a project
 * role; another project's secret is not found: 404 ApiError).
 */
export interface KeyManagerClient {
  /** Stores a secret (secret_type default `opaque`) and returns its id and absolute `secret_ref`. */
  storeSecret(
    ctx: AuthContext,
    secret: { name?: string; payload: Buffer; secret_type?: string; algorithm?: string; bit_length?: number; mode?: string },
  ): Promise<{ id: string; ref: string }>;
  /** The decrypted payload of a secret given by id or `secret_ref`. */
  getSecretPayload(ctx: AuthContext, idOrRef: string): Promise<Buffer>;
  deleteSecret(ctx: AuthContext, idOrRef: string): Promise<void>;
  /** A container's secrets (e.g. `certificate`, `private_key` of a TLS certificate container). */
  getContainer(ctx: AuthContext, idOrRef: string): Promise<{ id: string; type: string; secret_refs: Array<{ name: string; secret_ref: string }> }>;
}
