import type { FastifyReply, FastifyRequest } from 'fastify';
import { malformedXml, s3Error } from '../model/errors.js';
import type { BucketRow } from '../store/tables.js';
import { header } from './body.js';
import { many, text } from './xml.js';

/** A CORS rule, kept in the shape of its XML element so GET returns what was put. */
interface CorsRule {
  ID?: string;
  AllowedOrigin: string[];
  AllowedMethod: string[];
  AllowedHeader?: string[];
  ExposeHeader?: string[];
  MaxAgeSeconds?: number;
}

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];

export function parseCors(doc: Record<string, unknown>): CorsRule[] {
  const rules = many(doc.CORSRule).map((r) => {
    const rule: CorsRule = {
      ...(r.ID !== undefined ? { ID: text(r.ID) } : {}),
      AllowedOrigin: many<string>(r.AllowedOrigin).map(String),
      AllowedMethod: many<string>(r.AllowedMethod).map(String),
      ...(r.AllowedHeader !== undefined ? { AllowedHeader: many<string>(r.AllowedHeader).map(String) } : {}),
      ...(r.ExposeHeader !== undefined ? { ExposeHeader: many<string>(r.ExposeHeader).map(String) } : {}),
      ...(r.MaxAgeSeconds !== undefined ? { MaxAgeSeconds: Number(text(r.MaxAgeSeconds)) } : {}),
    };
    if (rule.AllowedOrigin.length === 0 || rule.AllowedMethod.length === 0) throw malformedXml();
    const bad = rule.AllowedMethod.find((m) => !METHODS.includes(m));
    if (bad) throw s3Error('badRequest', 'InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${bad}`);
    return rule;
  });
  if (rules.length === 0 || rules.length > 100) throw malformedXml();
  return rules;
}

const wildcard = (pattern: string, value: string) =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i').test(value);

function match(bucket: BucketRow, origin: string, method: string, headers: string[]): CorsRule | undefined {
  const rules = bucket.cors ? (JSON.parse(bucket.cors) as CorsRule[]) : [];
  return rules.find(
    (r) =>
      r.AllowedOrigin.some((o) => wildcard(o, origin)) &&
      r.AllowedMethod.includes(method) &&
      headers.every((h) => (r.AllowedHeader ?? []).some((a) => wildcard(a, h))),
  );
}

function allowHeaders(reply: FastifyReply, rule: CorsRule, origin: string): void {
  reply.header('access-control-allow-origin', rule.AllowedOrigin.includes('*') ? '*' : origin);
  reply.header('access-control-allow-methods', rule.AllowedMethod.join(', '));
  if (rule.ExposeHeader?.length) reply.header('access-control-expose-headers', rule.ExposeHeader.join(', '));
  if (rule.MaxAgeSeconds !== undefined) reply.header('access-control-max-age', String(rule.MaxAgeSeconds));
  if (!rule.AllowedOrigin.includes('*')) reply.header('vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
}

/** Answers a preflight `OPTIONS` from the bucket's CORS rules (no authentication, as in S3). */
export function preflight(bucket: BucketRow, req: FastifyRequest, reply: FastifyReply) {
  const origin = header(req, 'origin');
  const method = header(req, 'access-control-request-method');
  if (!origin || !method) throw s3Error('badRequest', 'BadRequest', 'Insufficient information. Origin request header needed.');
  if (!bucket.cors) throw s3Error('forbidden', 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.');
  const requested = (header(req, 'access-control-request-headers') ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const rule = match(bucket, origin, method, requested);
  if (!rule) throw s3Error('forbidden', 'AccessForbidden', 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.');
  allowHeaders(reply, rule, origin);
  if (requested.length) reply.header('access-control-allow-headers', requested.join(', '));
  return reply.code(200).send();
}

/** Adds CORS headers to an actual request from an allowed origin. */
export function corsHeaders(bucket: BucketRow | undefined, req: FastifyRequest, reply: FastifyReply): void {
  const origin = header(req, 'origin');
  if (!origin || !bucket?.cors) return;
  const rule = match(bucket, origin, req.method, []);
  if (rule) allowHeaders(reply, rule, origin);
}
