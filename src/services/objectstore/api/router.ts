import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { expectOwner } from '../model/access.js';
import { s3Error } from '../model/errors.js';
import { checkKey } from '../model/objects.js';
import { header } from './body.js';
import { bucketConfig, bucketSubresource, createBucket, deleteBucket, headBucket, listBuckets } from './buckets.js';
import type { RequestContext, S3Request } from './context.js';
import { corsHeaders, preflight } from './cors.js';
import type { S3Deps, S3Handler } from './deps.js';
import { listObjects, listParts, listUploads, listVersions } from './listing.js';
import { abortUpload, completeUpload, createUpload, uploadPart } from './multipart.js';
import { deleteObjects, objectConfig, objectSubresource } from './object-config.js';
import { deleteObject, getObject, putObject } from './objects.js';
import { postObject } from './post-object.js';

const methodNotAllowed = () => s3Error('methodNotAllowed', 'MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);

function bucketHandler(s3: S3Request, method: string): S3Handler {
  const q = s3.query;
  switch (method) {
    case 'GET':
      return q.has('versions') ? listVersions : q.has('uploads') ? listUploads : listObjects;
    case 'HEAD':
      return headBucket;
    case 'PUT':
      return createBucket;
    case 'DELETE':
      return deleteBucket;
    case 'POST':
      if (q.has('delete')) return deleteObjects;
  }
  throw methodNotAllowed();
}

function objectHandler(s3: S3Request, method: string): S3Handler {
  const q = s3.query;
  switch (method) {
    case 'GET':
      return q.has('uploadId') ? listParts : getObject;
    case 'HEAD':
      return getObject;
    case 'PUT':
      return q.has('uploadId') ? uploadPart : putObject;
    case 'POST':
      if (q.has('uploads')) return createUpload;
      if (q.has('uploadId')) return completeUpload;
      break;
    case 'DELETE':
      return q.has('uploadId') ? abortUpload : deleteObject;
  }
  throw methodNotAllowed();
}

/** Picks the S3 operation from method, addressing and subresource query, as S3 does. */
async function dispatch(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, context: RequestContext): Promise<unknown> {
  if (!s3.bucket) {
    if (req.method === 'GET') return listBuckets(s3, req, reply, deps);
    throw methodNotAllowed();
  }
  if (req.headers.origin) corsHeaders(await deps.buckets.find(s3.bucket), req, reply);
  const expected = header(req, 'x-amz-expected-bucket-owner');
  if (expected !== undefined) expectOwner(await deps.buckets.get(s3.bucket), expected);
  if (req.method === 'OPTIONS') return preflight(await deps.buckets.get(s3.bucket), req, reply);
  if (s3.key === undefined) {
    const sub = bucketSubresource(s3);
    if (sub) return bucketConfig(s3, req, reply, deps, sub);
    if (req.method === 'POST' && !s3.query.has('delete')) return postObject(s3, req, reply, deps, context);
    return bucketHandler(s3, req.method)(s3, req, reply, deps);
  }
  checkKey(s3.key);
  const sub = objectSubresource(s3);
  if (sub) return objectConfig(s3, req, reply, deps, sub);
  return objectHandler(s3, req.method)(s3, req, reply, deps);
}

/** Every S3 request enters here: the path and query decide the operation, not the route table. */
export function registerS3Routes(app: FastifyInstance, deps: S3Deps, context: RequestContext): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => dispatch(await context.resolve(req), req, reply, deps, context);
  for (const url of ['/', '/*']) {
    app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'], url, handler, exposeHeadRoute: false, config: { public: true } });
  }
}
