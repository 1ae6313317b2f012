import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { accessDenied, invalidArgument, invalidRequest, s3Error, signatureMismatch } from '../model/errors.js';

/** What identity tells us about an access key. */
export interface S3Credential {
  secret: string;
  userId: string;
  projectId: string;
}
export type CredentialResolver = (access: string) => Promise<S3Credential | undefined>;

export const EMPTY_SHA256 = createHash('sha256').digest('hex');
const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** How the body of a signed request is protected. */
export type PayloadMode =
  | { kind: 'sha256'; hex: string }
  | { kind: 'unsigned' }
  | { kind: 'streaming'; signed: boolean; trailer: boolean; chain?: ChunkChain };

/** What signed chunks are verified with: the seed signature and the request's signing scope. */
export interface ChunkChain {
  seed: string;
  amzDate: string;
  scope: string;
  key: Buffer;
}

export interface Verified {
  access: string;
  credential: S3Credential;
  payload: PayloadMode;
}

export interface SignedRequest {
  method: string;
  /** Path as sent, still percent-encoded, without the query. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  /** The query already parsed by `queryPairs`, when the caller has it. */
  pairs?: Array<[string, string]>;
  headers: IncomingHttpHeaders;
}

/** AWS's URI encoding: every byte but the unreserved characters, `/` kept in paths. */
export function awsEncode(s: string, keepSlash: boolean): string {
  const e = encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? e.replace(/%2F/g, '/') : e;
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
/** One-shot SHA-256 (no Hash object per call: every signed request hashes its canonical form). */
export const sha256Hex = (data: string | Buffer) => hash('sha256', data, 'hex');

/** Parses a raw query string into decoded pairs (order kept). */
export function queryPairs(query: string): Array<[string, string]> {
  if (!query) return [];
  return query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, i)), safeDecode(p.slice(i + 1))];
    });
}

function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([k, v]) => [awsEncode(k, false), awsEncode(v, false)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header value as the client signed it. Node reads header bytes as latin-1; a client that sent
 * UTF-8 bytes signed the UTF-8 text, one that sent latin-1 signed the latin-1 text.
 */
function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  let s = Array.isArray(v) ? v.join(',') : (v ?? '');
  if (/[^\x00-\x7f]/.test(s)) {
    try {
      s = strictUtf8.decode(Buffer.from(s, 'latin1'));
    } catch {
      // not UTF-8: the latin-1 text stands
    }
  }
  return s.trim().replace(/\s+/g, ' ');
}

/** Parses `X-Amz-Date`-style `20240102T030405Z`. */
function parseAmzDate(s: string | undefined): number {
  const m = s ? /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(s) : null;
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

interface Parsed {
  access: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  payloadHash: string;
  presigned: boolean;
}

/**
 * Verifies AWS Signature Version 4 (Authorization header or presigned query) against the secret
 * of the access key; undefined for an anonymous request.
 */
export class SigV4Verifier {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly resolve: CredentialResolver,
    private readonly now: () => number = Date.now,
  ) {}

  private signingKey(secret: string, date: string, region: string, service: string): Buffer {
    const id = `${date}/${region}/${service}/${secret}`;
    let key = this.keys.get(id);
    if (!key) {
      key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
      if (this.keys.size > 1000) this.keys.clear();
      this.keys.set(id, key);
    }
    return key;
  }

  private parse(req: SignedRequest, pairs: Array<[string, string]>): Parsed | undefined {
    const auth = req.headers.authorization;
    if (auth) {
      if (!auth.startsWith(`${ALGORITHM} `)) throw invalidArgument('Unsupported Authorization Type');
      const fields = new Map(
        auth
          .slice(ALGORITHM.length + 1)
          .split(',')
          .map((f) => f.trim().split('=') as [string, string]),
      );
      const cred = fields.get('Credential');
      const signed = fields.get('SignedHeaders');
      const signature = fields.get('Signature');
      if (!cred || !signed || !signature) throw authMalformed();
      const amzDate = (req.headers['x-amz-date'] as string | undefined) ?? '';
      const payloadHash = req.headers['x-amz-content-sha256'];
      if (typeof payloadHash !== 'string') throw invalidRequest('Missing required header for this request: x-amz-content-sha256');
      return { ...scope(cred), signedHeaders: signed.split(';'), signature, amzDate, payloadHash, presigned: false };
    }
    const q = new Map(pairs);
    if (q.has('X-Amz-Signature') || q.has('X-Amz-Algorithm')) {
      if (q.get('X-Amz-Algorithm') !== ALGORITHM) throw invalidArgument('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
      const cred = q.get('X-Amz-Credential');
      const signed = q.get('X-Amz-SignedHeaders');
      const signature = q.get('X-Amz-Signature');
      const amzDate = q.get('X-Amz-Date');
      const expiresParam = q.get('X-Amz-Expires');
      if (!cred || !signed || !signature || !amzDate || !expiresParam) {
        throw accessDenied('Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
      }
      const expires = Number(expiresParam);
      if (!Number.isInteger(expires)) throw accessDenied('X-Amz-Expires should be a number');
      if (expires < 0) throw accessDenied('X-Amz-Expires must be non-negative');
      if (expires > MAX_PRESIGN_SECONDS) throw accessDenied('X-Amz-Expires must be less than a week (in seconds) that is; 604800 seconds');
      const t = parseAmzDate(amzDate);
      if (Number.isNaN(t)) throw accessDenied('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
      if (this.now() > t + expires * 1000) throw accessDenied('Request has expired');
      if (t - this.now() > MAX_SKEW_MS) throw accessDenied('Request is not valid yet');
      return { ...scope(cred), signedHeaders: signed.split(';'), signature, amzDate, payloadHash: q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD', presigned: true };
    }
    return undefined;
  }

  /**
   * Verifies the signature of a browser-upload (POST Object) policy: the hex HMAC of the base64
   * policy under the signing key of the form's `x-amz-credential` scope.
   */
  async verifyPolicy(policy: string, credentialField: string, amzDate: string, signature: string): Promise<Verified> {
    const { access, date, region, service } = scope(credentialField, () => invalidArgument('Unable to parse the x-amz-credential field'));
    if (Number.isNaN(parseAmzDate(amzDate))) throw invalidArgument('x-amz-date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
    const credential = await this.resolve(access);
    if (!credential) throw unknownAccessKey();
    if (!sameSignature(hmac(this.signingKey(credential.secret, date, region, service), policy).toString('hex'), signature)) throw signatureMismatch();
    return { access, credential, payload: { kind: 'unsigned' } };
  }

  async verify(req: SignedRequest): Promise<Verified | undefined> {
    const pairs = req.pairs ?? queryPairs(req.query);
    const p = this.parse(req, pairs);
    if (!p) return undefined;
    if (!p.presigned) {
      const amzTime = parseAmzDate(p.amzDate);
      const t = Number.isNaN(amzTime) ? Date.parse(String(req.headers.date ?? '')) : amzTime;
      if (Number.isNaN(t)) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
      if (Math.abs(this.now() - t) > MAX_SKEW_MS) {
        throw s3Error('forbidden', 'RequestTimeTooSkewed', "The difference between the request time and the current time is too large.");
      }
      if (!p.amzDate) p.amzDate = new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    }
    if (!p.signedHeaders.includes('host')) throw authMalformed();
    const credential = await this.resolve(p.access);
    if (!credential) throw unknownAccessKey();
    const key = this.signingKey(credential.secret, p.date, p.region, p.service);
    const credScope = `${p.date}/${p.region}/${p.service}/aws4_request`;
    const query = canonicalQuery(p.presigned ? pairs.filter(([k]) => k !== 'X-Amz-Signature') : pairs);
    const headers = p.signedHeaders.map((h) => `${h}:${headerValue(req.headers, h)}\n`).join('');
    const encoded = awsEncode(safeDecode(req.path), true);
    const paths = encoded === req.path ? [encoded] : [encoded, req.path];
    const ok = paths.some((path) => {
      const canonical = [req.method, path, query, headers, p.signedHeaders.join(';'), p.payloadHash].join('\n');
      const toSign = [ALGORITHM, p.amzDate, credScope, sha256Hex(canonical)].join('\n');
      return sameSignature(hmac(key, toSign).toString('hex'), p.signature);
    });
    if (!ok) throw signatureMismatch();
    return { access: p.access, credential, payload: payloadMode(p, key, credScope) };
  }
}

export const unknownAccessKey = () => s3Error('forbidden', 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');

function authMalformed() {
  return s3Error('badRequest', 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
}

/** `access/date/region/service/aws4_request`; `malformed` is the error of the place it came from. */
function scope(cred: string, malformed = authMalformed): { access: string; date: string; region: string; service: string } {
  const parts = cred.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1])) throw malformed();
  return { access: parts[0], date: parts[1], region: parts[2], service: parts[3] };
}

function payloadMode(p: Parsed, key: Buffer, credScope: string): PayloadMode {
  const chain = { seed: p.signature, amzDate: p.amzDate, scope: credScope, key };
  switch (p.payloadHash) {
    case 'UNSIGNED-PAYLOAD':
      return { kind: 'unsigned' };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
      return { kind: 'streaming', signed: true, trailer: false, chain };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return { kind: 'streaming', signed: true, trailer: true, chain };
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { kind: 'streaming', signed: false, trailer: true };
  }
  if (!/^[0-9a-f]{64}$/.test(p.payloadHash)) {
    throw s3Error('badRequest', 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-*, or a valid sha256 value.');
  }
  return { kind: 'sha256', hex: p.payloadHash };
}
