import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { python, pythonModuleAvailable, requirePythonModule } from '../helpers/clients.js';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { ec2Keys, errorCode, presign, send, signingKey, type S3Keys } from './helpers.js';

type Fields = Array<[string, string]>;
interface FileField {
  name?: string;
  filename?: string;
  body: string | Buffer;
}

const amzDate = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
const b64 = (doc: unknown) => Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)).toString('base64');

/** Form fields of a policy signed with V2: the base64 HMAC-SHA1 of the base64 document. */
function signedV2(keys: S3Keys, doc: unknown): Fields {
  const policy = b64(doc);
  return [
    ['AWSAccessKeyId', keys.access],
    ['policy', policy],
    ['signature', createHmac('sha1', keys.secret).update(policy).digest('base64')],
  ];
}

/** The SigV4 fields a policy names as conditions, and the form fields that sign it. */
function v4Fields(keys: S3Keys) {
  const now = new Date();
  const scope = `${amzDate(now).slice(0, 8)}/us-east-1/s3/aws4_request`;
  const fields: Fields = [
    ['x-amz-algorithm', 'AWS4-HMAC-SHA256'],
    ['x-amz-credential', `${keys.access}/${scope}`],
    ['x-amz-date', amzDate(now)],
  ];
  const sign = (doc: unknown): Fields => {
    const policy = b64(doc);
    return [...fields, ['policy', policy], ['x-amz-signature', createHmac('sha256', signingKey(keys.secret, scope)).update(policy).digest('hex')]];
  };
  return { conditions: fields.map(([k, v]) => ({ [k]: v })), sign };
}

describe('objectstore: POST Object (browser-based uploads)', () => {
  let cloud: TestCloud;
  let base: string;
  let keys: S3Keys;
  const put = (path: string, headers: Record<string, string> = {}) => send(base, { method: 'PUT', path, headers, keys });
  const get = (path: string) => send(base, { path, keys });

  /** Posts a multipart form (fields in order, then the file) as a browser does. */
  const post = (bucket: string, fields: Fields, file: FileField | null = { body: 'bar' }, init: RequestInit = {}) => {
    const form = new FormData();
    for (const [k, v] of fields) form.append(k, v);
    if (file) form.append(file.name ?? 'file', new Blob([typeof file.body === 'string' ? file.body : new Uint8Array(file.body)]), file.filename ?? 'upload.txt');
    return fetch(`${base}/${bucket}`, { method: 'POST', body: form, redirect: 'manual', ...init });
  };
  const code = async (res: Response) => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];
  const tmpFiles = () => readdirSync(join(cloud.dataDir, 'objectstore', 'tmp')).length;

  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'objectstore'] });
    base = cloud.urls.objectstore;
    keys = await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo');
    assert.equal((await put('/forms')).status, 200);
    assert.equal((await put('/open', { 'x-amz-acl': 'public-read-write' })).status, 200);
  });
  after(() => cloud.close());

  it('takes anonymous uploads where the bucket lets everyone write, and refuses them elsewhere', async () => {
    const ok = await post('open', [['key', 'anon.txt'], ['Content-Type', 'text/plain'], ['x-amz-meta-color', 'blue']]);
    assert.equal(ok.status, 204);
    assert.equal(await ok.text(), '');
    assert.equal(ok.headers.get('etag'), `"${createHash('md5').update('bar').digest('hex')}"`);
    assert.equal(ok.headers.get('location'), `${base}/open/anon.txt`);
    const obj = await get('/open/anon.txt');
    assert.equal(obj.text, 'bar');
    assert.equal(obj.headers['content-type'], 'text/plain');
    assert.equal(obj.headers['x-amz-meta-color'], 'blue');
    const denied = await post('forms', [['key', 'anon.txt']]);
    assert.equal(denied.status, 403);
    assert.equal(await code(denied), 'AccessDenied');
    assert.equal((await get('/forms/anon.txt')).status, 404);
  });

  it('uploads with a V2-signed policy: ${filename}, conditions in any case, 201 with a PostResponse, tags', async () => {
    const doc = {
      expiration: inAnHour(),
      conditions: [
        { BuCkEt: 'forms' },
        ['StArTs-WiTh', '$KEY', 'docs/'],
        ['starts-with', '$Content-Type', 'text/'],
        ['eq', '$success_action_status', '201'],
        ['starts-with', '$tagging', ''],
        ['content-length-range', 0, 1024],
      ],
    };
    const tagging = '<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>';
    const res = await post('forms', [['KEY', 'docs/${filename}'], ...signedV2(keys, doc), ['content-type', 'text/markdown'], ['success_action_status', '201'], ['tagging', tagging], ['x-ignore-me', 'anything']], {
      body: '# hello',
      filename: 'readme.md',
    });
    assert.equal(res.status, 201);
    const xml = await res.text();
    assert.match(xml, /<PostResponse><Location>[^<]+\/forms\/docs\/readme\.md<\/Location><Bucket>forms<\/Bucket><Key>docs\/readme\.md<\/Key><ETag>(&quot;|")[0-9a-f]{32}(&quot;|")<\/ETag><\/PostResponse>/);
    const obj = await get('/forms/docs/readme.md');
    assert.equal(obj.text, '# hello');
    assert.equal(obj.headers['content-type'], 'text/markdown');
    assert.equal(obj.headers['x-amz-tagging-count'], '1');
    const tags = await send(base, { path: '/forms/docs/readme.md', query: { tagging: '' }, keys });
    assert.match(tags.text, /<Key>team<\/Key><Value>web<\/Value>/);
  });

  it('uploads with a SigV4-signed policy and redirects to success_action_redirect with bucket, key and ETag', async () => {
    const v4 = v4Fields(keys);
    const target = 'https://app.example/done?step=2';
    const doc = { expiration: inAnHour(), conditions: [{ bucket: 'forms' }, { key: 'v4 file.txt' }, { success_action_redirect: target }, ...v4.conditions] };
    const res = await post('forms', [['key', 'v4 file.txt'], ['success_action_redirect', target], ...v4.sign(doc)]);
    assert.equal(res.status, 303);
    const etag = (await get('/forms/v4%20file.txt')).headers.etag as string;
    assert.equal(res.headers.get('location'), `${target}&bucket=forms&key=v4%20file.txt&etag=${encodeURIComponent(etag)}`);
    const wrong = v4.sign(doc).map(([k, v]): [string, string] => [k, k === 'x-amz-signature' ? v.replace(/^./, (c) => (c === '0' ? '1' : '0')) : v]);
    const bad = await post('forms', [['key', 'v4 file.txt'], ['success_action_redirect', target], ...wrong]);
    assert.equal(bad.status, 403);
    assert.equal(await code(bad), 'SignatureDoesNotMatch');
    const unscoped = v4.sign(doc).map(([k, v]): [string, string] => [k, k === 'x-amz-credential' ? keys.access : v]);
    const malformed = await post('forms', [['key', 'v4 file.txt'], ['success_action_redirect', target], ...unscoped]);
    assert.equal(malformed.status, 400);
    assert.equal(await code(malformed), 'InvalidArgument');
  });

  it('lets bucket policy conditions read the form fields as the headers of a PUT', async () => {
    assert.equal((await put('/sse-only')).status, 200);
    const deny = { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::sse-only/*', Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } } };
    const body = JSON.stringify({ Version: '2012-10-17', Statement: [deny] });
    assert.equal((await send(base, { method: 'PUT', path: '/sse-only', query: { policy: '' }, body, keys })).status, 204);
    const doc = { expiration: inAnHour(), conditions: [{ bucket: 'sse-only' }, { key: 'k' }, ['starts-with', '$x-amz-server-side-encryption', '']] };
    const plain = await post('sse-only', [['key', 'k'], ...signedV2(keys, doc)]);
    assert.equal(plain.status, 403);
    assert.equal(await code(plain), 'AccessDenied');
    const sealed = await post('sse-only', [['key', 'k'], ...signedV2(keys, doc), ['x-amz-server-side-encryption', 'AES256']]);
    assert.equal(sealed.status, 204);
    assert.equal(sealed.headers.get('x-amz-server-side-encryption'), 'AES256');
    // A policy that lets everyone put objects lets anonymous forms in, within its conditions.
    const allow = { Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::sse-only/drop/*' };
    const both = JSON.stringify({ Version: '2012-10-17', Statement: [deny, allow] });
    assert.equal((await send(base, { method: 'PUT', path: '/sse-only', query: { policy: '' }, body: both, keys })).status, 204);
    assert.equal((await post('sse-only', [['key', 'drop/a'], ['x-amz-server-side-encryption', 'AES256']])).status, 204);
    assert.equal((await post('sse-only', [['key', 'drop/b']])).status, 403);
    assert.equal((await post('sse-only', [['key', 'other/c'], ['x-amz-server-side-encryption', 'AES256']])).status, 403);
  });

  it('boto3: generate_presigned_post forms (SigV4 and V2) upload through requests', async (t) => {
    const ok = (await pythonModuleAvailable('boto3')) && (await pythonModuleAvailable('requests'));
    if (!requirePythonModule(t, ok, 'boto3 and requests', 'python3-boto3 python3-requests')) return;
    const result = await python(
      `
import boto3, json, os, requests
from botocore.config import Config
out = {}
for version in ['s3v4', 's3']:
    s3 = boto3.client('s3', endpoint_url=os.environ['EP'], aws_access_key_id=os.environ['AK'], aws_secret_access_key=os.environ['SK'], region_name='us-east-1', config=Config(signature_version=version))
    post = s3.generate_presigned_post('forms', 'boto/' + version + '/\${filename}', Fields={'Content-Type': 'image/png'}, Conditions=[['starts-with', '$Content-Type', 'image/'], ['content-length-range', 1, 100]], ExpiresIn=300)
    r = requests.post(post['url'], data=post['fields'], files={'file': ('pic.png', b'png bytes')})
    got = s3.get_object(Bucket='forms', Key='boto/' + version + '/pic.png')
    too_big = requests.post(post['url'], data=post['fields'], files={'file': ('pic.png', b'x' * 101)})
    out[version] = [r.status_code, got['ContentType'], got['Body'].read().decode(), too_big.status_code]
print(json.dumps(out))
`,
      { EP: base, AK: keys.access, SK: keys.secret },
    );
    assert.deepEqual(result, { s3v4: [204, 'image/png', 'png bytes', 400], s3: [204, 'image/png', 'png bytes', 400] });
  });

  it('sends 100 Continue to a form upload that waits for it', async () => {
    const boundary = 'b0undary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\ncontinued\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nbar\r\n--${boundary}--\r\n`;
    const u = new URL(base);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const headers = { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': Buffer.byteLength(body), expect: '100-continue' };
      const req = request({ host: u.hostname, port: u.port, method: 'POST', path: '/open', headers });
      req.on('continue', () => req.end(body));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
    });
    assert.equal(status, 204);
    assert.equal((await get('/open/continued')).text, 'bar');
  });

  it('refuses forms the policy does not allow, with S3 codes and nothing stored', async () => {
    const conditions = [{ bucket: 'forms' }, ['starts-with', '$key', 'ok/']];
    const attempt = async (doc: unknown, fields: Fields = [], bucket = 'forms', signer = keys) => {
      const res = await post(bucket, [['key', 'ok/denied.txt'], ...signedV2(signer, doc), ...fields]);
      return { status: res.status, code: await code(res) };
    };
    const expired = { expiration: new Date(Date.now() - 1000).toISOString(), conditions };
    assert.deepEqual(await attempt(expired), { status: 403, code: 'AccessDenied' });
    assert.deepEqual(await attempt({ expiration: inAnHour(), conditions: [{ bucket: 'forms' }, ['starts-with', '$key', 'other/']] }), { status: 403, code: 'AccessDenied' });
    // Every field needs a condition: here the metadata, and the bucket (which the URL names).
    assert.deepEqual(await attempt({ expiration: inAnHour(), conditions }, [['x-amz-meta-a', 'b']]), { status: 403, code: 'AccessDenied' });
    assert.deepEqual(await attempt({ expiration: inAnHour(), conditions: [['starts-with', '$key', '']] }), { status: 403, code: 'AccessDenied' });
    // A Content-Type list passes starts-with only when every type in it does.
    const typed = { expiration: inAnHour(), conditions: [...conditions, ['starts-with', '$Content-Type', 'text/']] };
    assert.deepEqual(await attempt(typed, [['Content-Type', 'text/plain, image/png']]), { status: 403, code: 'AccessDenied' });
    assert.deepEqual(await attempt({ expiration: inAnHour(), conditions }, [], 'open'), { status: 403, code: 'AccessDenied' });
    assert.deepEqual(await attempt({ expiration: inAnHour(), conditions }, [], 'forms', { ...keys, secret: 'not-the-secret' }), { status: 403, code: 'SignatureDoesNotMatch' });
    assert.deepEqual(await attempt({ expiration: inAnHour(), conditions }, [], 'forms', { ...keys, access: 'AKIDUNKNOWN' }), { status: 403, code: 'InvalidAccessKeyId' });
    for (const doc of [
      { expiration: '2030-01-01 00:00:00', conditions },
      { conditions },
      { expiration: inAnHour(), CONDITIONS: conditions },
      { expiration: inAnHour(), conditions: [{}] },
      { expiration: inAnHour(), conditions: [...conditions, ['content-length-range', 10]] },
      { expiration: inAnHour(), conditions: [...conditions, ['content-length-range', -1, 10]] },
      '{not json',
    ]) {
      assert.deepEqual(await attempt(doc), { status: 400, code: 'InvalidPolicyDocument' }, JSON.stringify(doc));
    }
    assert.equal((await get('/forms/ok/denied.txt')).status, 404);
  });

  it('enforces content-length-range while streaming and keeps nothing of a refused file', async () => {
    const doc = (min: number, max: number) => ({ expiration: inAnHour(), conditions: [{ bucket: 'forms' }, { key: 'sized' }, ['content-length-range', min, max]] });
    const big = await post('forms', [['key', 'sized'], ...signedV2(keys, doc(0, 1000))], { body: Buffer.alloc(300_000, 7) });
    assert.equal(big.status, 400);
    assert.equal(await code(big), 'EntityTooLarge');
    const small = await post('forms', [['key', 'sized'], ...signedV2(keys, doc(512, 1000))]);
    assert.equal(small.status, 400);
    assert.equal(await code(small), 'EntityTooSmall');
    assert.equal((await get('/forms/sized')).status, 404);
    const fits = await post('forms', [['key', 'sized'], ...signedV2(keys, doc(3, 3))]);
    assert.equal(fits.status, 204);
    assert.equal(tmpFiles(), 0);
  });

  it('streams a multi-megabyte file through the checksummed write path', async () => {
    const data = Buffer.alloc(6 * 1024 * 1024 + 123, 'x');
    const sha = createHash('sha256').update(data).digest('base64');
    const doc = { expiration: inAnHour(), conditions: [{ bucket: 'forms' }, { key: 'large.bin' }] };
    const bad = await post('forms', [['key', 'large.bin'], ...signedV2(keys, doc), ['x-amz-checksum-sha256', createHash('sha256').update('other').digest('base64')]], { body: data });
    assert.equal(bad.status, 400);
    assert.equal(await code(bad), 'BadDigest');
    assert.equal((await get('/forms/large.bin')).status, 404);
    const ok = await post('forms', [['key', 'large.bin'], ...signedV2(keys, doc), ['x-amz-checksum-sha256', sha]], { body: data });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('x-amz-checksum-sha256'), sha);
    const back = await get('/forms/large.bin');
    assert.equal(back.body.length, data.length);
    assert.ok(back.body.equals(data));
  });

  it('answers broken forms with 4xx: no key, no file, not multipart, cut short', async () => {
    const noKey = await post('open', [['acl', 'private']]);
    assert.equal(noKey.status, 400);
    assert.equal(await code(noKey), 'InvalidArgument');
    const noFile = await post('open', [['key', 'nofile']], null);
    assert.equal(noFile.status, 400);
    assert.equal(await code(noFile), 'InvalidArgument');
    const badAcl = await post('open', [['key', 'acl'], ['acl', 'everyone-may']]);
    assert.equal(badAcl.status, 400);
    assert.equal(await code(badAcl), 'InvalidArgument');
    const plain = await fetch(`${base}/open`, { method: 'POST', body: 'key=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(plain.status, 412);
    assert.equal(await code(plain), 'PreconditionFailed');
    const boundary = 'XyZ';
    const cut = `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\ncut.txt\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\npartial data`;
    const host = new URL(base).host;
    const res = await send(base, { method: 'POST', path: '/open', sendHeaders: { host, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(cut.length) }, rawBody: cut });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res), 'MalformedPOSTRequest');
    assert.equal((await get('/open/cut.txt')).status, 404);
    assert.equal(tmpFiles(), 0);
  });

  it('answers a CORS preflight on a presigned URL without checking its signature, and bounds X-Amz-Expires', async () => {
    assert.equal((await send(base, { method: 'PUT', path: '/open/p', body: 'x', keys })).status, 200);
    const url = presign(base, '/open/p', keys, 100_000);
    const options = await fetch(url, { method: 'OPTIONS' });
    assert.equal(options.status, 400);
    assert.equal(await code(options), 'BadRequest');
    assert.equal((await fetch(url)).status, 200);
    const tooLong = await fetch(presign(base, '/open/p', keys, 604_801));
    assert.equal(tooLong.status, 403);
    for (const bad of [presign(base, '/open/p', keys, -5), url.replace(/X-Amz-Expires=\d+&/, '')]) {
      const res = await fetch(bad);
      assert.equal(res.status, 403);
      assert.equal(await code(res), 'AccessDenied');
    }
    const expired = await fetch(presign(base, '/open/p', keys, 60, new Date(Date.now() - 120_000)));
    assert.equal(expired.status, 403);
    assert.equal(await code(expired), 'AccessDenied');
  });
});
