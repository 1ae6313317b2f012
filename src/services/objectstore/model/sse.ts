import type { BucketRow } from '../store/tables.js';
import type { CustomerKey } from './engine.js';
import { invalidArgument, malformedXml } from './errors.js';

/** A bucket's default encryption rule (PutBucketEncryption), kept as JSON in the bucket row. */
export interface BucketEncryption {
  algorithm: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  bucketKey?: boolean;
}

/** The server-side encryption headers of a write. */
export interface EncryptionRequest {
  /** `x-amz-server-side-encryption`. */
  algorithm?: string;
  /** `x-amz-server-side-encryption-aws-kms-key-id`. */
  kmsKeyId?: string;
  /** SSE-C headers, already checked. */
  customer?: CustomerKey;
}

/** How a new object is to be encrypted: with the customer's key, a key manager key, SSE-S3, or as the bucket does by default. */
export type EncryptionChoice =
  | { kind: 'customer'; key: CustomerKey }
  | { kind: 'kms'; kmsKeyId: string }
  | { kind: 'aes256' }
  | { kind: 'bucket' };

const ALGORITHMS = ['AES256', 'aws:kms'];

/** S3's rules for combining the encryption headers of a write with the bucket's default rule. */
export function chooseEncryption(req: EncryptionRequest, bucketDefault: BucketEncryption | undefined): EncryptionChoice {
  const { algorithm, kmsKeyId, customer } = req;
  if (algorithm !== undefined && !ALGORITHMS.includes(algorithm)) throw invalidArgument('The encryption method specified is not supported');
  if (customer && algorithm !== undefined) {
    throw invalidArgument('Server Side Encryption with Customer provided key is incompatible with the encryption method specified');
  }
  if (kmsKeyId !== undefined && algorithm !== 'aws:kms') {
    throw invalidArgument('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms');
  }
  if (customer) return { kind: 'customer', key: customer };
  if (algorithm === 'AES256') return { kind: 'aes256' };
  const defaultKey = bucketDefault?.algorithm === 'aws:kms' ? bucketDefault.kmsKeyId : undefined;
  if (algorithm === 'aws:kms') {
    // There is no AWS managed key (aws/s3) here: the key is named by the request or the bucket.
    const id = kmsKeyId || defaultKey;
    if (!id) throw invalidArgument('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption-aws-kms-key-id');
    return { kind: 'kms', kmsKeyId: id };
  }
  return defaultKey ? { kind: 'kms', kmsKeyId: defaultKey } : { kind: 'bucket' };
}

/** Validates the first rule of a `ServerSideEncryptionConfiguration` (its texts; undefined when absent). */
export function bucketEncryption(rule: { algorithm?: string; kmsKeyId?: string; bucketKey?: string }): BucketEncryption {
  const { algorithm, bucketKey } = rule;
  const kmsKeyId = rule.kmsKeyId?.trim();
  if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false') throw malformedXml();
  const keyed = bucketKey === undefined ? {} : { bucketKey: bucketKey === 'true' };
  if (algorithm === 'AES256') {
    if (kmsKeyId !== undefined) throw invalidArgument('a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms');
    return { algorithm, ...keyed };
  }
  if (algorithm !== 'aws:kms') throw malformedXml();
  if (!kmsKeyId) throw invalidArgument('A KMSMasterKeyID naming a key manager secret is required with SSEAlgorithm aws:kms');
  return { algorithm, kmsKeyId, ...keyed };
}

/** The rule as GetBucketEncryption renders it. */
export function renderBucketEncryption(e: BucketEncryption) {
  return {
    Rule: {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: e.algorithm, ...(e.kmsKeyId ? { KMSMasterKeyID: e.kmsKeyId } : {}) },
      BucketKeyEnabled: e.bucketKey ? 'true' : 'false',
    },
  };
}

/** The default rule a bucket keeps, if any. */
export const bucketDefault = (b: Pick<BucketRow, 'encryption'>): BucketEncryption | undefined =>
  b.encryption ? (JSON.parse(b.encryption) as BucketEncryption) : undefined;
