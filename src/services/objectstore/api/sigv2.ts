import { createHmac, timingSafeEqual } from 'node:crypto';
import { accessDenied, s3Error, signatureMismatch } from '../model/errors.js';
import { queryPairs, unknownAccessKey, type CredentialResolver, type SignedRequest, type Verified } from './sigv4.js';

const MAX_SKEW_MS = 15 * 60 * 1000;

/** Query parameters that are part of the signed resource in Signature Version 2. */
const SUBRESOURCES = new Set([
  'acl', 'cors', 'delete', 'encryption', 'legal-hold', 'lifecycle', 'location', 'logging', 'notification', 'object-lock', 'partNumber',
  'policy', 'requestPayment', 'retention', 'tagging', 'torrent', 'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website',
  'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding',
]);

const header = (r: SignedRequest, name: string) => {
  const v = r.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
};

/**
 * AWS Signature Version 2 (`Authorization: AWS key:sig` and `?AWSAccessKeyId=&Signature=&Expires=`
 * query strings), which S3 still accepts and boto3 uses for presigned URLs by default.
 */
export class SigV2Verifier {
  constructor(
    private readonly resolve: CredentialResolver,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the request carries a V2 signature. */
  static applies(r: SignedRequest): boolean {
    return header(r, 'authorization').startsWith('AWS ') || /(^|&)AWSAccessKeyId=/.test(r.query);
  }

  async verify(r: SignedRequest, bucketFromHost: string | undefined): Promise<Verified> {
    const pairs = queryPairs(r.query);
    const q = new Map(pairs);
    let access: string;
    let signature: string;
    let dateLine: string;
    const auth = header(r, 'authorization');
    if (auth.startsWith('AWS ')) {
      const i = auth.lastIndexOf(':');
      access = auth.slice(4, i);
      signature = auth.slice(i + 1);
      const amzDate = header(r, 'x-amz-date');
      const t = Date.parse(amzDate || header(r, 'date'));
      if (Number.isNaN(t)) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
      if (Math.abs(this.now() - t) > MAX_SKEW_MS) {
        throw s3Error('forbidden', 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
      }
      dateLine = amzDate ? '' : header(r, 'date');
    } else {
      access = q.get('AWSAccessKeyId') ?? '';
      signature = q.get('Signature') ?? '';
      dateLine = q.get('Expires') ?? '';
      const expires = Number(dateLine);
      if (!Number.isFinite(expires)) throw accessDenied('Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
      if (this.now() > expires * 1000) throw accessDenied('Request has expired');
    }
    const credential = await this.resolve(access);
    if (!credential) throw unknownAccessKey();
    const amz = Object.keys(r.headers)
      .filter((h) => h.startsWith('x-amz-'))
      .sort()
      .map((h) => `${h}:${header(r, h).trim()}\n`)
      .join('');
    const sub = pairs
      .filter(([k]) => SUBRESOURCES.has(k))
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, v]) => (v === '' && !r.query.includes(`${k}=`) ? k : `${k}=${v}`))
      .join('&');
    // A path-style bucket request (`/bucket`) is signed by some clients (boto3) as `/bucket/`.
    const paths = !bucketFromHost && /^\/[^/]+$/.test(r.path) ? [r.path, `${r.path}/`] : [r.path];
    const signs = (path: string) => {
      const resource = (bucketFromHost ? `/${bucketFromHost}` : '') + path + (sub ? `?${sub}` : '');
      return signatureMatches(credential.secret, [r.method, header(r, 'content-md5'), header(r, 'content-type'), dateLine, amz + resource].join('\n'), signature);
    };
    if (!paths.some(signs)) throw signatureMismatch();
    return { access, credential, payload: { kind: 'unsigned' } };
  }

  /** Verifies a browser-upload (POST Object) policy signed with V2: the base64 HMAC-SHA1 of the base64 policy. */
  async verifyPolicy(policy: string, access: string, signature: string): Promise<Verified> {
    const credential = await this.resolve(access);
    if (!credential) throw unknownAccessKey();
    if (!signatureMatches(credential.secret, policy, signature)) throw signatureMismatch();
    return { access, credential, payload: { kind: 'unsigned' } };
  }
}

function signatureMatches(secret: string, toSign: string, signature: string): boolean {
  const expected = Buffer.from(createHmac('sha1', secret).update(toSign).digest('base64'));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
