import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../../platform/auth.js';
import type { IdentityClient } from '../../identity/client.js';
import type { RequestFacts } from '../model/conditions.js';
import { accessDenied, s3Error } from '../model/errors.js';
import { SigV2Verifier } from './sigv2.js';
import { queryPairs, SigV4Verifier, type Verified } from './sigv4.js';

/** One S3 request after addressing and authentication. */
export interface S3Request {
  bucket?: string;
  key?: string;
  query: Map<string, string>;
  /** Undefined for anonymous requests. */
  auth?: AuthContext;
  verified?: Verified;
  /** What bucket policy conditions read: headers, query, source address. */
  facts: RequestFacts;
}

/** The signature fields of a POST Object form: SigV4 (`x-amz-credential`, `x-amz-date`) or V2 (`AWSAccessKeyId`). */
export type FormSignature = { version: 4; credential: string; date: string; signature: string } | { version: 2; access: string; signature: string };

/** A value remembered for a short time: key lookups and role resolution on every request would dominate small-object latency. */
class TtlCache<T> {
  private readonly entries = new Map<string, { value: Promise<T>; until: number }>();
  constructor(private readonly ttlMs: number) {}
  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    if (this.entries.size > 10_000) this.entries.clear();
    const value = load();
    this.entries.set(key, { value, until: now + this.ttlMs });
    value.catch(() => this.entries.delete(key));
    return value;
  }
  forget(key: string): void {
    this.entries.delete(key);
  }
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw s3Error('badRequest', 'InvalidURI', "Couldn't parse the specified URI.");
  }
};

/**
 * Finds the bucket and key of a request (virtual-hosted style `<bucket>.<domain>` or path style)
 * and who sends it (AWS SigV4 with identity's EC2 credentials, or nobody).
 */
export class RequestContext {
  private readonly verifier: SigV4Verifier;
  private readonly v2: SigV2Verifier;
  private readonly credentials: TtlCache<Awaited<ReturnType<IdentityClient['findEc2Credential']>>>;
  private readonly contexts: TtlCache<AuthContext>;

  constructor(
    private readonly identity: () => IdentityClient,
    private readonly domain: string,
    cacheMs: number,
  ) {
    this.credentials = new TtlCache(cacheMs);
    this.contexts = new TtlCache(cacheMs);
    const resolve = async (access: string) => {
      const found = await this.credentials.get(access, () => this.identity().findEc2Credential(access));
      // An unknown key is asked again next time: it may be created in the meantime.
      if (!found) this.credentials.forget(access);
      return found;
    };
    this.verifier = new SigV4Verifier(resolve);
    this.v2 = new SigV2Verifier(resolve);
  }

  async resolve(req: FastifyRequest): Promise<S3Request> {
    const url = req.raw.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const pairs = queryPairs(rawQuery);
    const query = new Map(pairs);
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    let bucket: string | undefined;
    let key: string | undefined;
    const virtual = this.domain && host.endsWith(`.${this.domain}`);
    if (virtual) {
      bucket = host.slice(0, -(this.domain.length + 1));
      key = decode(path.slice(1));
    } else {
      const i = path.indexOf('/', 1);
      bucket = decode(i < 0 ? path.slice(1) : path.slice(1, i));
      key = i < 0 ? '' : decode(path.slice(i + 1));
    }
    const facts = { headers: req.headers, query, sourceIp: req.ip, secure: req.protocol === 'https' };
    const s3: S3Request = { bucket: bucket || undefined, key: key || undefined, query, facts };
    // A CORS preflight is never authenticated (a browser sends it without credentials).
    if (req.method === 'OPTIONS') return s3;
    const signed = { method: req.method, path, query: rawQuery, pairs, headers: req.headers };
    const verified = SigV2Verifier.applies(signed) ? await this.v2.verify(signed, virtual ? bucket : undefined) : await this.verifier.verify(signed);
    if (verified) await this.authenticate(s3, verified);
    return s3;
  }

  /** Authenticates a browser-upload form (POST Object) by the signature of its policy. */
  async authenticateForm(s3: S3Request, policy: string, signed: FormSignature): Promise<void> {
    const verified =
      signed.version === 4
        ? await this.verifier.verifyPolicy(policy, signed.credential, signed.date, signed.signature)
        : await this.v2.verifyPolicy(policy, signed.access, signed.signature);
    await this.authenticate(s3, verified);
  }

  private async authenticate(s3: S3Request, verified: Verified): Promise<void> {
    const { userId, projectId } = verified.credential;
    s3.verified = verified;
    s3.auth = await this.contexts.get(`${userId}/${projectId}`, () => this.identity().contextForUserProject(userId, projectId)).catch(() => {
      throw accessDenied();
    });
  }
}
