import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32c } from '../../src/services/objectstore/model/checksums.js';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { ec2Keys, errorCode, presign, send, sign, signedChunks, unsignedChunks, type S3Keys } from './helpers.js';

describe('objectstore: S3 API (own SigV4 signer)', () => {
  let cloud: TestCloud;
  let base: string;
  let keys: S3Keys;
  const put = (path: string, body: string | Buffer, headers: Record<string, string> = {}) => send(base, { method: 'PUT', path, body, headers, keys });
  const get = (path: string, headers: Record<string, string> = {}, query?: Record<string, string>) => send(base, { path, headers, keys, query });

  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'objectstore'] });
    base = cloud.urls.objectstore;
    keys = await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo');
    assert.equal((await put('/api', '')).status, 200);
  });
  after(() => cloud.close());

  const blobFiles = () => {
    const root = join(cloud.dataDir, 'objectstore', 'blobs');
    return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => join(root, d, f)));
  };
  const tmpFiles = () => readdirSync(join(cloud.dataDir, 'objectstore', 'tmp'));

  it('answers errors as S3 XML with request ids on every response', async () => {
    const res = await get('/api/missing');
    assert.equal(res.status, 404);
    assert.match(res.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>.+<\/Message><Resource>\/api\/missing<\/Resource><RequestId>[0-9A-F]{16}<\/RequestId><\/Error>$/);
    assert.match(String(res.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
    assert.ok(res.headers['x-amz-id-2']);
    const ok = await get('/');
    assert.equal(ok.status, 200);
    assert.match(String(ok.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
    assert.equal(errorCode(await get('/nobucket/x')), 'NoSuchBucket');
  });

  it('rejects bad signatures, unknown keys and skewed clocks', async () => {
    assert.equal(errorCode(await send(base, { path: '/api', keys: { ...keys, secret: 'wrong' } })), 'SignatureDoesNotMatch');
    assert.equal(errorCode(await send(base, { path: '/api', keys: { ...keys, access: 'AKIDUNKNOWN' } })), 'InvalidAccessKeyId');
    const skewed = await send(base, { path: '/api', keys, date: new Date(Date.now() - 20 * 60_000) });
    assert.equal(skewed.status, 403);
    assert.equal(errorCode(skewed), 'RequestTimeTooSkewed');
    const headers = sign(base, { path: '/api', keys });
    headers.authorization = headers.authorization.replace('Signature=', 'Signature=0');
    assert.equal(errorCode(await send(base, { path: '/api', sendHeaders: headers })), 'SignatureDoesNotMatch');
    assert.equal(errorCode(await send(base, { path: '/api', sendHeaders: { host: new URL(base).host, date: new Date().toUTCString(), authorization: 'AWS AKID:sig' } })), 'InvalidAccessKeyId');
  });

  it('stores nothing when the payload hash, Content-MD5 or checksum does not match', async () => {
    const before = blobFiles().length;
    const r1 = await send(base, { method: 'PUT', path: '/api/sha', body: 'abc', keys, payloadHash: createHash('sha256').update('xyz').digest('hex') });
    assert.equal(errorCode(r1), 'XAmzContentSHA256Mismatch');
    const r2 = await put('/api/md5', 'abc', { 'content-md5': createHash('md5').update('xyz').digest('base64') });
    assert.equal(errorCode(r2), 'BadDigest');
    const r3 = await put('/api/crc', 'abc', { 'x-amz-checksum-crc32': 'AAAAAA==' });
    assert.equal(errorCode(r3), 'BadDigest');
    for (const k of ['sha', 'md5', 'crc']) assert.equal((await get(`/api/${k}`)).status, 404);
    assert.equal(blobFiles().length, before);
    assert.deepEqual(tmpFiles(), []);
  });

  it('stores nothing from a truncated body', async () => {
    const headers = sign(base, { method: 'PUT', path: '/api/cut', keys, payloadHash: 'UNSIGNED-PAYLOAD', headers: { 'content-length': '1000' } });
    const u = new URL(base);
    await new Promise<void>((resolve) => {
      const sock = connect(Number(u.port), u.hostname, () => {
        sock.write(`PUT /api/cut HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n0123456789`);
        setTimeout(() => sock.destroy(), 100);
      });
      sock.on('close', () => resolve());
      sock.on('error', () => undefined);
    });
    for (let i = 0; i < 50 && tmpFiles().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(tmpFiles(), []);
    assert.equal((await get('/api/cut')).status, 404);
  });

  it('accepts signed aws-chunked bodies and refuses a bad chunk signature', async () => {
    const data = Buffer.alloc(70_000, 'z');
    const hdr = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) };
    const headers = sign(base, { method: 'PUT', path: '/api/chunked', keys, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', headers: hdr });
    const res = await send(base, { method: 'PUT', path: '/api/chunked', sendHeaders: headers, rawBody: signedChunks(data, 65536, keys, headers) });
    assert.equal(res.status, 200, res.text);
    const got = await get('/api/chunked');
    assert.ok(got.body.equals(data));
    const h2 = sign(base, { method: 'PUT', path: '/api/chunked-bad', keys, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', headers: hdr });
    const bad = await send(base, { method: 'PUT', path: '/api/chunked-bad', sendHeaders: h2, rawBody: signedChunks(data, 65536, keys, h2, true) });
    assert.equal(errorCode(bad), 'SignatureDoesNotMatch');
    assert.equal((await get('/api/chunked-bad')).status, 404);
  });

  it('verifies trailing checksums of unsigned streaming payloads (crc32c)', async () => {
    const data = Buffer.from('trailing checksum body '.repeat(1000));
    const good = Buffer.alloc(4);
    good.writeUInt32BE(crc32c(data));
    for (const [key, value, status] of [['trail-ok', good.toString('base64'), 200], ['trail-bad', 'AAAAAA==', 400]] as const) {
      const hdr = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length), 'x-amz-trailer': 'x-amz-checksum-crc32c' };
      const res = await send(base, { method: 'PUT', path: `/api/${key}`, keys, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', headers: hdr, rawBody: unsignedChunks(data, 8192, `x-amz-checksum-crc32c:${value}`) });
      assert.equal(res.status, status, res.text);
    }
    const head = await send(base, { method: 'HEAD', path: '/api/trail-ok', keys, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    assert.equal(head.headers['x-amz-checksum-crc32c'], good.toString('base64'));
    assert.equal((await get('/api/trail-bad')).status, 404);
  });

  it('serves presigned URLs until they expire', async () => {
    await put('/api/pre', 'presigned!');
    const ok = await fetch(presign(base, '/api/pre', keys));
    assert.equal(await ok.text(), 'presigned!');
    const old = await fetch(presign(base, '/api/pre', keys, 60, new Date(Date.now() - 3600_000)));
    assert.equal(old.status, 403);
    assert.match(await old.text(), /Request has expired/);
  });

  it('addresses buckets virtual-hosted style', async () => {
    await put('/api/vhost', 'by host');
    const host = `api.s3.localhost:${new URL(base).port}`;
    const headers = sign(base, { path: '/vhost', keys, headers: { host } });
    const res = await send(base, { path: '/vhost', sendHeaders: headers });
    assert.equal(res.text, 'by host');
  });

  it('answers conditional reads and writes', async () => {
    const first = await put('/api/cond', 'v1');
    const etag = String(first.headers.etag);
    assert.equal((await put('/api/cond', 'v2', { 'if-none-match': '*' })).status, 412);
    assert.equal((await get('/api/cond')).text, 'v1');
    assert.equal((await put('/api/cond-new', 'n', { 'if-none-match': '*' })).status, 200);
    assert.equal((await get('/api/cond', { 'if-none-match': etag })).status, 304);
    assert.equal((await get('/api/cond', { 'if-match': '"other"' })).status, 412);
    assert.equal((await get('/api/cond', { 'if-modified-since': new Date(Date.now() + 3600_000).toUTCString() })).status, 304);
    assert.equal((await get('/api/cond', { 'if-unmodified-since': new Date(Date.now() - 3600_000).toUTCString() })).status, 412);
    const range = await get('/api/cond', { range: 'bytes=-1' });
    assert.equal(range.status, 206);
    assert.equal(range.text, '1');
    const bad = await get('/api/cond', { range: 'bytes=5-' });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers['content-range'], 'bytes */2');
  });

  it('answers MalformedXML, InvalidBucketName and BucketAlreadyExists', async () => {
    const res = await send(base, { method: 'PUT', path: '/api', query: { versioning: '' }, body: '<VersioningConfiguration><Status>Enabled', keys });
    assert.equal(errorCode(res), 'MalformedXML');
    const del = await send(base, { method: 'POST', path: '/api', query: { delete: '' }, body: 'not xml', keys });
    assert.equal(errorCode(del), 'MalformedXML');
    assert.equal(errorCode(await put('/ab', '')), 'InvalidBucketName');
    assert.equal(errorCode(await put('/under_score', '')), 'InvalidBucketName');
    const other = await ec2Keys(cloud, 'admin', cloud.passwords.admin, 'admin');
    assert.equal(errorCode(await send(base, { method: 'PUT', path: '/api', keys: other })), 'BucketAlreadyExists');
  });

  it('encrypts at rest by default, stores clear text after opting out, and honours SSE-C', async () => {
    const secret = 'PLAINTEXT-MARKER-'.repeat(100);
    await put('/api/enc', secret);
    assert.ok(!blobFiles().some((f) => readFileSync(f).includes('PLAINTEXT-MARKER')));
    await put('/clear', '');
    assert.equal((await send(base, { method: 'DELETE', path: '/clear', query: { encryption: '' }, keys })).status, 204);
    const plain = await put('/clear/obj', secret);
    assert.equal(plain.headers['x-amz-server-side-encryption'], undefined);
    assert.ok(blobFiles().some((f) => readFileSync(f).includes('PLAINTEXT-MARKER')));
    assert.equal((await get('/clear/obj')).text, secret);

    const key = Buffer.alloc(32, 9);
    const sse = {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': key.toString('base64'),
      'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(key).digest('base64'),
    };
    assert.equal((await put('/clear/ssec', 'customer keyed', sse)).status, 200);
    assert.equal(errorCode(await get('/clear/ssec')), 'InvalidRequest');
    assert.equal((await get('/clear/ssec', sse)).text, 'customer keyed');
    const wrong = Buffer.alloc(32, 1);
    const wrongSse = { ...sse, 'x-amz-server-side-encryption-customer-key': wrong.toString('base64'), 'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(wrong).digest('base64') };
    assert.equal((await get('/clear/ssec', wrongSse)).status, 403);
  });

  it('keeps another project out unless an ACL or policy lets it in', async () => {
    const { secondProject } = await import('./helpers.js');
    const b = await secondProject(cloud, 'tenant-b');
    const other = await ec2Keys(cloud, b.user, b.password, b.project);
    await put('/private', '');
    await put('/private/doc', 'secret');
    const as = (o: Parameters<typeof send>[1]) => send(base, { ...o, keys: other });
    assert.equal(errorCode(await as({ path: '/private/doc' })), 'AccessDenied');
    assert.equal(errorCode(await as({ path: '/private' })), 'AccessDenied');
    assert.equal(errorCode(await as({ method: 'DELETE', path: '/private/doc' })), 'AccessDenied');
    assert.equal(errorCode(await as({ method: 'DELETE', path: '/private' })), 'AccessDenied');
    assert.ok(!(await as({ path: '/' })).text.includes('<Name>private</Name>'));
    assert.equal((await send(base, { path: '/private/doc' })).status, 403); // anonymous

    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${other.projectId}:root`] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::private/*'] }],
    });
    assert.equal((await send(base, { method: 'PUT', path: '/private', query: { policy: '' }, body: policy, keys })).status, 204);
    assert.equal((await as({ path: '/private/doc' })).text, 'secret');
    assert.equal(errorCode(await as({ method: 'DELETE', path: '/private/doc' })), 'AccessDenied');
    assert.equal((await send(base, { path: '/private/doc' })).status, 403);
    const badPolicy = await send(base, { method: 'PUT', path: '/private', query: { policy: '' }, body: '{"Statement":[{"Effect":"Maybe"}]}', keys });
    assert.equal(errorCode(badPolicy), 'MalformedPolicy');

    await send(base, { method: 'PUT', path: '/private', query: { acl: '' }, headers: { 'x-amz-acl': 'public-read' }, keys });
    // A public bucket ACL opens the listing, not the objects: they keep their own ACL.
    assert.equal((await send(base, { path: '/private/doc' })).status, 403);
    assert.equal((await send(base, { path: '/private' })).status, 200);
    assert.equal((await send(base, { method: 'PUT', path: '/private/anon', body: 'x' })).status, 403);
  });

  it('answers CORS preflights from the bucket configuration', async () => {
    const cors = '<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>';
    assert.equal((await send(base, { method: 'PUT', path: '/api', query: { cors: '' }, body: cors, keys })).status, 200);
    const pre = await send(base, { method: 'OPTIONS', path: '/api/x', headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(pre.headers['access-control-max-age'], '600');
    const denied = await send(base, { method: 'OPTIONS', path: '/api/x', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(denied.status, 403);
    const actual = await get('/api/cond', { origin: 'https://app.example' });
    assert.equal(actual.headers['access-control-allow-origin'], 'https://app.example');
    const back = await send(base, { path: '/api', query: { cors: '' }, keys });
    assert.match(back.text, /<AllowedOrigin>https:\/\/app.example<\/AllowedOrigin>/);
  });

  it('runs lifecycle rules: expiration by date, young uploads kept', async () => {
    await put('/life', '');
    await put('/life/logs/old', 'x');
    await put('/life/keep', 'y');
    await send(base, { method: 'POST', path: '/life/logs/upload', query: { uploads: '' }, keys });
    const rules = '<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2020-01-01T00:00:00Z</Date></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>';
    assert.equal((await send(base, { method: 'PUT', path: '/life', query: { lifecycle: '' }, body: rules, keys })).status, 200);
    assert.match((await send(base, { path: '/life', query: { lifecycle: '' }, keys })).text, /<Prefix>logs\/<\/Prefix>/);
    await cloud.ctx.jobs.enqueue('objectstore.lifecycle', {});
    await new Promise((r) => setTimeout(r, 50));
    await cloud.ctx.jobs.drain();
    assert.equal((await get('/life/logs/old')).status, 404);
    assert.equal((await get('/life/keep')).text, 'y');
    assert.match((await send(base, { path: '/life', query: { uploads: '' }, keys })).text, /<Key>logs\/upload<\/Key>/);
  });

  it('enforces object lock retention and legal hold', async () => {
    assert.equal((await put('/locked', '', { 'x-amz-bucket-object-lock-enabled': 'true' })).status, 200);
    const until = new Date(Date.now() + 86400_000).toISOString();
    const v = await put('/locked/doc', 'keep me', { 'x-amz-object-lock-mode': 'COMPLIANCE', 'x-amz-object-lock-retain-until-date': until });
    const versionId = String(v.headers['x-amz-version-id']);
    assert.equal(errorCode(await send(base, { method: 'DELETE', path: '/locked/doc', query: { versionId }, keys })), 'AccessDenied');
    const ret = await send(base, { path: '/locked/doc', query: { retention: '' }, keys });
    assert.match(ret.text, /<Mode>COMPLIANCE<\/Mode>/);
    const h = await put('/locked/held', 'held');
    const hv = String(h.headers['x-amz-version-id']);
    await send(base, { method: 'PUT', path: '/locked/held', query: { 'legal-hold': '' }, body: '<LegalHold><Status>ON</Status></LegalHold>', keys });
    assert.equal(errorCode(await send(base, { method: 'DELETE', path: '/locked/held', query: { versionId: hv }, keys })), 'AccessDenied');
    await send(base, { method: 'PUT', path: '/locked/held', query: { 'legal-hold': '' }, body: '<LegalHold><Status>OFF</Status></LegalHold>', keys });
    assert.equal((await send(base, { method: 'DELETE', path: '/locked/held', query: { versionId: hv }, keys })).status, 204);
    assert.equal(errorCode(await send(base, { method: 'PUT', path: '/api/x', query: { retention: '' }, body: '<Retention/>', keys })), 'NoSuchKey');
    assert.equal(errorCode(await put('/api/lockless', 'x', { 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': until })), 'InvalidRequest');
  });
});
