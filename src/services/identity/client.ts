import type { AuthContext, TokenValidator } from '../../platform/auth.js';
import type { CatalogEntry } from '../../platform/service.js';

/** A catalog entry of one listener, with the URL the listener serves it on. */
export interface RegisteredEndpoint extends CatalogEntry {
  url: string;
}

/** An EC2-style credential as the S3 service needs it to check a signature. */
export interface Ec2Credential {
  access: string;
  secret: string;
  userId: string;
  projectId: string;
}

/** What other services may ask of identity. */
export interface IdentityClient extends TokenValidator {
  /** Registers (or updates) the catalog entries of the listeners of this process. */
  ensureEndpoints(endpoints: RegisteredEndpoint[]): Promise<void>;
  /** Looks up an EC2 credential by its access key; undefined when there is none. */
  findEc2Credential(access: string): Promise<Ec2Credential | undefined>;
  /**
   * The auth context a credential acts with (the user's effective roles on its project), as if a
   * token had been issued; throws unauthorized when the user or project is disabled or has no role.
   */
  contextForUserProject(userId: string, projectId: string): Promise<AuthContext>;
  /** True when the project exists (used to validate project ids given by admins, e.g. quotas). */
  projectExists(projectId: string): Promise<boolean>;
}
