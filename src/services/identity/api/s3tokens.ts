import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { badRequest, notFound, unauthorized } from '../../../platform/errors.js';
import { fromDbBool } from '../../../platform/db/database.js';
import { isObj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { identityPolicy } from '../policy.js';
import type { IdentityDeps } from './deps.js';
import { renderToken } from './render.js';

const hmac = (key: Buffer | string, msg: Buffer | string, algo = 'sha256') => createHmac(algo, key).update(msg).digest();

/**
 * The signature S3 would expect for `stringToSign` with `secret`: SigV4 (the string starts with
 * `AWS4-HMAC-SHA256`, its scope names s3, iam or sts) or SigV2 (base64 HMAC-SHA1).
 */
function expectedSignature(stringToSign: Buffer, secret: string): string {
  if (stringToSign.subarray(0, 4).toString() !== 'AWS4') return hmac(secret, stringToSign, 'sha1').toString('base64');
  const lines = stringToSign.toString('utf8').split('\n');
  const scope = lines[2]?.split('/') ?? [];
  if (lines.length !== 4 || lines[0] !== 'AWS4-HMAC-SHA256' || scope.length !== 4 || scope[3] !== 'aws4_request' || !['s3', 'iam', 'sts'].includes(scope[2])) {
    throw unauthorized('Invalid EC2 signature.');
  }
  const key = scope.reduce<Buffer>((k, part) => hmac(k, part), Buffer.from(`AWS4${secret}`));
  return hmac(key, stringToSign).toString('hex');
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `POST /v3/s3tokens`: an S3 gateway (Ceph's RGW, swift3) asks whether a request signed with an
 * EC2 credential is genuine; the answer is the token body of the credential's user and project.
 */
export function registerS3TokenRoutes(app: FastifyInstance, d: IdentityDeps): void {
  app.post('/v3/s3tokens', async (req) => {
    enforce(identityPolicy, 'identity:s3tokens_validate', req.auth, {});
    const body = isObj(req.body) ? req.body : undefined;
    if (!body) throw badRequest('request must include a request body');
    const creds = [body.credentials, body.credential, body.ec2Credentials].find(isObj) ?? {};
    if (typeof creds.access !== 'string') throw unauthorized('EC2 Signature not supplied');
    if (typeof creds.token !== 'string' || typeof creds.signature !== 'string') throw unauthorized('EC2 Signature not supplied');
    const cred = await d.credentials.findEc2(creds.access);
    if (!cred) throw notFound('EC2 access key not found.');
    if (!sameString(creds.signature, expectedSignature(Buffer.from(creds.token, 'base64url'), cred.secret))) {
      throw unauthorized('Credential signature mismatch');
    }
    const user = await d.users.getUser(cred.userId);
    const project = await d.projects.getProject(cred.projectId);
    if (!user || !fromDbBool(user.enabled) || !project || !fromDbBool(project.enabled)) throw unauthorized();
    const domain = await d.projects.getDomain(user.domain_id);
    const { payload } = await d.tokens.issue({ user, userDomainName: domain?.name ?? user.domain_id, methods: ['ec2credential'] }, { kind: 'project', project });
    return renderToken(payload, d.catalog.get(payload.project?.id), d.serviceProviders.enabled());
  });
}
