import type { FastifyRequest } from 'fastify';
import type { WrappingKey } from '../model/engine.js';
import { invalidArgument, invalidRequest } from '../model/errors.js';
import { bucketDefault, chooseEncryption } from '../model/sse.js';
import type { BucketRow, ObjectRow, UploadRow } from '../store/tables.js';
import { header } from './body.js';
import type { S3Request } from './context.js';
import type { S3Deps } from './deps.js';
import { customerKey, requireCustomerKey } from './headers.js';

/** How a new object's bytes are encrypted: at all, and with which key in place of the master key. */
export interface WriteEncryption {
  encrypt: boolean;
  wrapping?: WrappingKey;
}

/** The encryption of a new object (PUT, copy destination, CreateMultipartUpload) from its headers and the bucket's default rule. */
export async function writeEncryption(req: Pick<FastifyRequest, 'headers'>, s3: S3Request, deps: S3Deps, bucket: BucketRow): Promise<WriteEncryption> {
  const choice = chooseEncryption(
    {
      algorithm: header(req, 'x-amz-server-side-encryption'),
      kmsKeyId: header(req, 'x-amz-server-side-encryption-aws-kms-key-id'),
      customer: customerKey(req),
    },
    bucketDefault(bucket),
  );
  switch (choice.kind) {
    case 'customer':
      return { encrypt: true, wrapping: choice.key };
    case 'kms':
      return { encrypt: true, wrapping: await deps.kms.forWrite(s3.auth, choice.kmsKeyId) };
    case 'aes256':
      return { encrypt: true };
    case 'bucket':
      return { encrypt: deps.buckets.encrypts(bucket) };
  }
}

/** GET and HEAD take no server-side encryption headers (the object says how it is encrypted). */
export function refuseEncryptionHeaders(req: FastifyRequest): void {
  if (header(req, 'x-amz-server-side-encryption') !== undefined || header(req, 'x-amz-server-side-encryption-aws-kms-key-id') !== undefined) {
    throw invalidArgument('x-amz-server-side-encryption header is not supported for this operation.');
  }
}

/**
 * The key that opens a stored object: the customer's (SSE-C headers under `prefix`, which is
 * `x-amz-copy-source-` for the source of a copy) or its SSE-KMS key, read with the requester's rights.
 */
export async function readKey(req: Pick<FastifyRequest, 'headers' | 'method'>, s3: S3Request, deps: S3Deps, row: ObjectRow, prefix = 'x-amz-'): Promise<WrappingKey | undefined> {
  const customer = requireCustomerKey(row, customerKey(req, prefix));
  if (customer) return customer;
  // HEAD reads no bytes: as in S3, it needs no right to decrypt (SSE-C still proves the key).
  return row.kms_key_id && req.method !== 'HEAD' ? deps.kms.forRead(s3.auth, row.kms_key_id) : undefined;
}

/** The key an upload's parts are wrapped with: the upload's SSE-C key, sent again with every part, or its SSE-KMS key. */
export async function uploadKey(req: FastifyRequest, s3: S3Request, deps: S3Deps, up: UploadRow): Promise<WrappingKey | undefined> {
  if (up.sse_c_md5) {
    const given = customerKey(req);
    if (given?.md5 !== up.sse_c_md5) throw invalidRequest('The multipart upload was initiated with SSE-C; the same customer key must be sent with every part.');
    return given;
  }
  return up.kms_key_id ? deps.kms.forWrite(s3.auth, up.kms_key_id) : undefined;
}

/**
 * CompleteMultipartUpload of an SSE-C upload: S3 wants the customer key again only when the upload
 * has a checksum algorithm (older clients never send it otherwise), and a key that is sent must be the upload's.
 */
export function checkCompletionKey(req: Pick<FastifyRequest, 'headers'>, up: UploadRow): void {
  if (!up.sse_c_md5) return;
  const given = customerKey(req);
  if (given === undefined && !up.checksum_algorithm) return;
  if (given?.md5 !== up.sse_c_md5) throw invalidRequest('The multipart upload was initiated with SSE-C; completing it needs the same customer key.');
}

/** An upload's encryption in the shape `encryptionHeaders` reports. */
export const uploadEncryption = (up: UploadRow) => ({ encrypted: up.encrypt, sse_c_md5: up.sse_c_md5, kms_key_id: up.kms_key_id });
