import { createHash, createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { api, type TestCloud } from '../helpers/cloud.js';

export interface S3Keys {
  access: string;
  secret: string;
  userId: string;
  projectId: string;
}

/** The user id and project id behind a password login. */
async function whoAmI(cloud: TestCloud, user: string, password: string, project: string) {
  const res = await api(`${cloud.urls.identity}/v3/auth/tokens`, {
    method: 'POST',
    body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    },
  });
  if (res.status !== 201) throw new Error(`login failed: ${res.status}`);
  return { token: res.headers.get('x-subject-token')!, userId: res.body.token.user.id as string, projectId: res.body.token.project.id as string };
}

/** EC2 credentials for a user on a project, created through identity's OS-EC2 API. */
export async function ec2Keys(cloud: TestCloud, user: string, password: string, project: string): Promise<S3Keys> {
  const me = await whoAmI(cloud, user, password, project);
  const res = await api(`${cloud.urls.identity}/v3/users/${me.userId}/credentials/OS-EC2`, { method: 'POST', token: me.token, body: { tenant_id: me.projectId } });
  if (res.status !== 201) throw new Error(`OS-EC2 credential create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { access: res.body.credential.access, secret: res.body.credential.secret, userId: me.userId, projectId: me.projectId };
}

/** A fresh project with a member user (for cross-project checks). */
export async function secondProject(cloud: TestCloud, name: string): Promise<{ user: string; password: string; project: string }> {
  const token = await cloud.adminToken();
  const base = `${cloud.urls.identity}/v3`;
  const project = await api(`${base}/projects`, { method: 'POST', token, body: { project: { name, domain_id: 'default' } } });
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const user = await api(`${base}/users`, { method: 'POST', token, body: { user: { name: `${name}-user`, domain_id: 'default', password, default_project_id: project.body.project.id } } });
  const roles = await api(`${base}/roles?name=member`, { token });
  const grant = await api(`${base}/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roles.body.roles[0].id}`, { method: 'PUT', token });
  if (grant.status !== 204) throw new Error(`grant failed: ${grant.status}`);
  return { user: `${name}-user`, password, project: name };
}

/** The demo project's keys and a second project's (for cross-account checks). */
export async function twoAccounts(cloud: TestCloud, otherName: string): Promise<{ keys: S3Keys; other: S3Keys }> {
  const keys = await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo');
  const b = await secondProject(cloud, otherName);
  return { keys, other: await ec2Keys(cloud, b.user, b.password, b.project) };
}

/** An AWS SDK client of the test cloud's object store (path-style addressing). */
export function sdkClient(cloud: TestCloud, keys: S3Keys): S3Client {
  return new S3Client({
    endpoint: cloud.urls.objectstore,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: keys.access, secretAccessKey: keys.secret },
  });
}

/** Runs an SDK command and returns the S3 error code it fails with. */
export async function sdkFailure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return e.name;
    throw e;
  }
  throw new Error('expected an S3 error');
}

const sha256 = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest();
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SignOptions {
  method?: string;
  /** Path already percent-encoded, e.g. `/bucket/a%20b`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  keys?: S3Keys;
  /** The signed payload hash (default: SHA-256 of the body). */
  payloadHash?: string;
  date?: Date;
  region?: string;
}

function amzDate(d: Date) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
}

function canonicalQuery(q: Record<string, string>) {
  return Object.entries(q)
    .map(([k, v]) => [enc(k), enc(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** A small independent SigV4 signer: returns the headers to send. */
export function sign(base: string, o: SignOptions): Record<string, string> {
  const u = new URL(base);
  const date = o.date ?? new Date();
  const region = o.region ?? 'us-east-1';
  const headers: Record<string, string> = { host: u.host, ...(o.headers ?? {}) };
  if (!o.keys) return headers;
  headers['x-amz-date'] = amzDate(date);
  headers['x-amz-content-sha256'] = o.payloadHash ?? sha256(o.body ?? '');
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const scope = `${amzDate(date).slice(0, 8)}/${region}/s3/aws4_request`;
  const canonical = [o.method ?? 'GET', o.path, canonicalQuery(o.query ?? {}), names.map((h) => `${h}:${String(lower[h]).trim()}\n`).join(''), names.join(';'), headers['x-amz-content-sha256']].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', headers['x-amz-date'], scope, sha256(canonical)].join('\n');
  const key = signingKey(o.keys.secret, scope);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${o.keys.access}/${scope}, SignedHeaders=${names.join(';')}, Signature=${hmac(key, toSign).toString('hex')}`;
  return headers;
}

export function signingKey(secret: string, scope: string): Buffer {
  const [date, region, service] = scope.split('/');
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** A presigned GET URL for `path`. */
export function presign(base: string, path: string, keys: S3Keys, expires = 300, date = new Date()): string {
  const u = new URL(base);
  const scope = `${amzDate(date).slice(0, 8)}/us-east-1/s3/aws4_request`;
  const q: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${keys.access}/${scope}`,
    'X-Amz-Date': amzDate(date),
    'X-Amz-Expires': String(expires),
    'X-Amz-SignedHeaders': 'host',
  };
  const canonical = ['GET', path, canonicalQuery(q), `host:${u.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', q['X-Amz-Date'], scope, sha256(canonical)].join('\n');
  const sig = hmac(signingKey(keys.secret, scope), toSign).toString('hex');
  return `${base}${path}?${canonicalQuery(q)}&X-Amz-Signature=${sig}`;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** Sends a request with exact headers (Host included) over node:http. */
export function send(base: string, o: SignOptions & { rawBody?: Buffer | string; sendHeaders?: Record<string, string> }): Promise<RawResponse> {
  const u = new URL(base);
  const headers = o.sendHeaders ?? sign(base, o);
  const qs = o.query && Object.keys(o.query).length ? `?${canonicalQuery(o.query)}` : '';
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: o.method ?? 'GET', path: o.path + qs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    const payload = o.rawBody ?? o.body;
    if (payload !== undefined) req.end(payload);
    else req.end();
  });
}

/** `<Code>` of an S3 error body. */
export const errorCode = (r: RawResponse) => /<Code>([^<]+)<\/Code>/.exec(r.text)?.[1];

/** Encodes a body as signed aws-chunked (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), given the seed signature. */
export function signedChunks(data: Buffer, chunkSize: number, keys: S3Keys, headers: Record<string, string>, tamper = false): Buffer {
  const seed = /Signature=([0-9a-f]+)/.exec(headers.authorization)![1];
  const scope = /Credential=[^/]+\/([^,]+)/.exec(headers.authorization)![1];
  const key = signingKey(keys.secret, scope);
  const out: Buffer[] = [];
  let prev = seed;
  const emptyHash = sha256('');
  for (let off = 0; ; off += chunkSize) {
    const chunk = data.subarray(off, Math.min(off + chunkSize, data.length));
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', headers['x-amz-date'], scope, prev, emptyHash, sha256(chunk)].join('\n');
    prev = hmac(key, toSign).toString('hex');
    const sig = tamper && off === 0 ? prev.replace(/^./, (c) => (c === '0' ? '1' : '0')) : prev;
    out.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`), chunk, Buffer.from('\r\n'));
    if (chunk.length === 0) break;
  }
  return Buffer.concat(out);
}

/** Encodes a body as unsigned aws-chunked with one trailer line. */
export function unsignedChunks(data: Buffer, chunkSize: number, trailer: string): Buffer {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += chunkSize) {
    const chunk = data.subarray(off, off + chunkSize);
    out.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`0\r\n${trailer}\r\n\r\n`));
  return Buffer.concat(out);
}
