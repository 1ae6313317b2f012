import type { AuthContext } from '../../../platform/auth.js';
import { ApiError } from '../../../platform/errors.js';
import type { KeyManagerClient } from '../../keymanager/client.js';
import type { KmsKey } from './engine.js';
import { accessDenied, s3Error } from './errors.js';

const KEY_BYTES = 32;

/** The secret a key id names: its UUID, its href, or a KMS-style ARN `arn:aws:kms:<region>:<account>:key/<UUID>`. */
const secretRef = (kmsKeyId: string) => /^arn:aws:kms:[^:]*:[^:]*:key\/(.+)$/.exec(kmsKeyId)?.[1] ?? kmsKeyId;

const notFound = (kmsKeyId: string) => s3Error('badRequest', 'KMS.NotFoundException', `Invalid keyId '${kmsKeyId}': the key does not exist.`);

/**
 * SSE-KMS keys are key manager (Barbican) secrets, named by id, href or ARN, as in Ceph RGW's Barbican
 * back end. The secret is asked for with the requester's own authorization on every use, so the
 * key manager's policy and ACLs decide who may encrypt and decrypt, as KMS key policies do in AWS.
 */
export class KmsKeys {
  constructor(private readonly keymanager: () => KeyManagerClient) {}

  /** The key a write wraps its data keys with; a missing key is S3's 400 `KMS.NotFoundException`. */
  async forWrite(auth: AuthContext | undefined, kmsKeyId: string): Promise<KmsKey> {
    if (!auth) throw accessDenied('Requests specifying Server Side Encryption with AWS KMS managed keys must be signed.');
    let payload: Buffer;
    try {
      payload = await this.keymanager().getSecretPayload(auth, secretRef(kmsKeyId));
    } catch (e) {
      if (!(e instanceof ApiError) || e.status >= 500) throw e;
      if (e.status === 403) throw accessDenied(`You are not authorized to use the key '${kmsKeyId}'.`);
      throw notFound(kmsKeyId);
    }
    if (payload.length !== KEY_BYTES) {
      throw s3Error('badRequest', 'KMS.InvalidKeyUsageException', `The key '${kmsKeyId}' is not a 256-bit symmetric key.`);
    }
    return { key: payload, kmsKeyId };
  }

  /** The key an object was written with; whatever keeps it from the requester is AccessDenied, as S3 answers when KMS refuses. */
  async forRead(auth: AuthContext | undefined, kmsKeyId: string): Promise<KmsKey> {
    try {
      return await this.forWrite(auth, kmsKeyId);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status >= 500) throw e;
      throw accessDenied('The ciphertext refers to a key that does not exist or that you are not allowed to access.');
    }
  }
}
