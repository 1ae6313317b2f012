import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Buckets } from '../model/buckets.js';
import type { Engine } from '../model/engine.js';
import type { KmsKeys } from '../model/kms.js';
import type { Lifecycle } from '../model/lifecycle.js';
import type { Multipart } from '../model/multipart.js';
import type { Objects } from '../model/objects.js';
import type { S3Request } from './context.js';

/** What the S3 handlers work with, built once in plugin.ts. */
export interface S3Deps {
  buckets: Buckets;
  objects: Objects;
  multipart: Multipart;
  engine: Engine;
  kms: KmsKeys;
  lifecycle: Lifecycle;
}

/** One S3 operation: the request is already addressed and authenticated. */
export type S3Handler = (s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps) => Promise<unknown>;
