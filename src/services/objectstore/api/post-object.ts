import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../model/access.js';
import { aclFromHeaders } from '../model/acl.js';
import { invalidArgument, s3Error } from '../model/errors.js';
import { checkKey } from '../model/objects.js';
import { checkPostPolicy, parsePostPolicy, type PostPolicy } from '../model/post-policy.js';
import type { BucketRow, ObjectRow } from '../store/tables.js';
import { checksumOf, header, type HeaderSource } from './body.js';
import { tagSet } from './buckets.js';
import type { FormSignature, RequestContext, S3Request } from './context.js';
import type { S3Deps } from './deps.js';
import { attrsFrom, validateTags } from './headers.js';
import { expirationHeader, lockAllowed, store, writeResult } from './objects.js';
import { fileBody, readUploadForm, type UploadForm } from './post-form.js';
import { awsEncode } from './sigv4.js';
import { writeEncryption } from './sse.js';
import { parseXml, xml } from './xml.js';

const missingField = (name: string) => invalidArgument(`Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`);

function required(fields: Map<string, string>, name: string, shown: string): string {
  const v = fields.get(name);
  if (v === undefined) throw missingField(shown);
  return v;
}

/** Which signature the form carries: SigV4 fields when `x-amz-algorithm` is given, V2 otherwise. */
function formSignature(fields: Map<string, string>): FormSignature {
  const algorithm = fields.get('x-amz-algorithm');
  if (algorithm === undefined) {
    return { version: 2, access: required(fields, 'awsaccesskeyid', 'AWSAccessKeyId'), signature: required(fields, 'signature', 'Signature') };
  }
  if (algorithm !== 'AWS4-HMAC-SHA256') throw invalidArgument('x-amz-algorithm only supports "AWS4-HMAC-SHA256"');
  return {
    version: 4,
    credential: required(fields, 'x-amz-credential', 'X-Amz-Credential'),
    date: required(fields, 'x-amz-date', 'X-Amz-Date'),
    signature: required(fields, 'x-amz-signature', 'X-Amz-Signature'),
  };
}

/**
 * Authenticates the form by its signed policy and checks the fields against it; a form without a
 * policy and without credentials is an anonymous upload.
 */
async function formPolicy(s3: S3Request, fields: Map<string, string>, context: RequestContext): Promise<PostPolicy | undefined> {
  const policy = fields.get('policy');
  if (policy === undefined) {
    if (['awsaccesskeyid', 'x-amz-credential', 'signature', 'x-amz-signature'].some((f) => fields.has(f))) throw missingField('Policy');
    return undefined;
  }
  await context.authenticateForm(s3, policy, formSignature(fields));
  const parsed = parsePostPolicy(policy);
  checkPostPolicy(parsed, fields);
  return parsed;
}

function formTags(tagging: string | undefined): Record<string, string> {
  if (tagging === undefined) return {};
  const tags = tagSet(parseXml(tagging, 'Tagging'));
  validateTags(tags);
  return tags;
}

/** `success_action_redirect` with the bucket, key and ETag appended; undefined when it is not an http(s) URL (S3 then ignores it). */
function redirectTarget(url: string | undefined, bucket: string, key: string, etag: string): string | undefined {
  if (!url || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) return undefined;
  const query = `bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}&etag=${encodeURIComponent(etag)}`;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** Answers as the form asks: a redirect, 200, 201 with a PostResponse document, or 204 (the default, also for any other status). */
function respond(req: FastifyRequest, reply: FastifyReply, fields: Map<string, string>, bucket: BucketRow, row: ObjectRow) {
  const path = (req.raw.url ?? '/').split('?')[0].replace(/\/$/, '');
  const location = `${req.protocol}://${header(req, 'host') ?? ''}${path}/${awsEncode(row.key, true)}`;
  reply.header('location', location);
  const redirect = redirectTarget(fields.get('success_action_redirect') ?? fields.get('redirect'), bucket.name, row.key, row.etag);
  if (redirect) return reply.code(303).header('location', redirect).send();
  const status = fields.get('success_action_status');
  if (status === '200') return reply.code(200).send();
  if (status === '201') {
    reply.code(201).type('application/xml');
    return xml('PostResponse', { Location: location, Bucket: bucket.name, Key: row.key, ETag: row.etag }, false);
  }
  return reply.code(204).send();
}

async function upload(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, context: RequestContext, bucket: BucketRow, form: UploadForm) {
  const { fields } = form;
  const key = required(fields, 'key', 'key').replaceAll('${filename}', form.filename);
  if (key === '') throw invalidArgument('User key must have a length greater than 0.');
  checkKey(key);
  // The policy sees the key as stored and the bucket of the URL, whatever the form claims.
  fields.set('key', key);
  fields.set('bucket', bucket.name);
  const policy = await formPolicy(s3, fields, context);
  // Fields carry the names of the headers a PUT would send (the canned ACL `acl` is `x-amz-acl`),
  // so they are read the same way, bucket policy conditions included.
  const named: HeaderSource = { headers: { ...Object.fromEntries(fields), 'x-amz-acl': fields.get('acl') } };
  authorize(bucket, 's3:PutObject', 'objectstore:write', key, { ...s3, facts: { ...s3.facts, headers: named.headers } });
  const attrs = { ...attrsFrom(named), tags: formTags(fields.get('tagging')) };
  lockAllowed(bucket, attrs);
  const { writer, acl } = await deps.buckets.newObjectAcl(bucket, aclFromHeaders((name) => (name === 'x-amz-acl' ? header(named, name) : undefined)), s3.auth);
  attrs.acl = acl;
  const body = { source: form.file, decoders: [fileBody(form, policy?.length)], expect: checksumOf(named) };
  const row = await store(deps, bucket, key, body, attrs, writer, await writeEncryption(named, s3, deps, bucket));
  writeResult(reply, bucket, row);
  expirationHeader(reply, deps, bucket, row);
  return respond(req, reply, fields, bucket, row);
}

/**
 * POST Object: a browser-based upload of one file from an HTML form (`multipart/form-data`),
 * authorized by a signed policy document or, without one, by what the bucket grants everyone.
 * The file streams into the same write path as PUT.
 */
export async function postObject(s3: S3Request, req: FastifyRequest, reply: FastifyReply, deps: S3Deps, context: RequestContext) {
  if (!/^multipart\/form-data\b/i.test(header(req, 'content-type') ?? '')) {
    throw s3Error('preconditionFailed', 'PreconditionFailed', 'Bucket POST must be of the enclosure-type multipart/form-data', 412);
  }
  const bucket = await deps.buckets.get(s3.bucket!);
  const form = await readUploadForm(req);
  try {
    return await upload(s3, req, reply, deps, context, bucket, form);
  } catch (e) {
    form.abandon();
    throw e;
  }
}
