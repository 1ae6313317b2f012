import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { requireTool } from '../helpers/clients.js';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { ec2Keys, errorCode, secondProject, send, type S3Keys } from './helpers.js';

const PART = 5 * 1024 * 1024;
const AWS = '/usr/bin/aws';
const run = promisify(execFile);

function customer(seed: number) {
  const key = Buffer.alloc(32, seed);
  return {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': key.toString('base64'),
    'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(key).digest('base64'),
  };
}
const asCopySource = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.replace('x-amz-', 'x-amz-copy-source-'), v]));

describe('objectstore: SSE-KMS with key manager secrets, SSE-S3 and SSE-C across copies and uploads', () => {
  let cloud: TestCloud;
  let base: string;
  let keys: S3Keys;
  let other: S3Keys;
  let key1: string;
  let key2: string;
  let href2: string;
  let shortKey: string;
  let othersKey: string;
  let demoToken: string;

  const req = (method: string, path: string, o: { body?: string | Buffer; headers?: Record<string, string>; query?: Record<string, string>; as?: S3Keys } = {}) =>
    send(base, { method, path, body: o.body, headers: o.headers, query: o.query, keys: o.as ?? keys });
  const kms = (id: string) => ({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': id });

  async function secret(token: string, bytes: number): Promise<{ id: string; ref: string }> {
    const res = await api(`${cloud.urls.keymanager}/v1/secrets`, {
      method: 'POST',
      token,
      body: { name: 'sse', secret_type: 'symmetric', algorithm: 'aes', bit_length: bytes * 8, mode: 'cbc', payload: randomBytes(bytes).toString('base64'), payload_content_type: 'application/octet-stream', payload_content_encoding: 'base64' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const ref = res.body.secret_ref as string;
    return { id: ref.split('/').pop()!, ref };
  }

  const blobFiles = () => {
    const root = join(cloud.dataDir, 'objectstore', 'blobs');
    return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => join(root, d, f)));
  };

  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'keymanager', 'objectstore'] });
    base = cloud.urls.objectstore;
    keys = await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo');
    demoToken = await cloud.demoToken();
    key1 = (await secret(demoToken, 32)).id;
    ({ id: key2, ref: href2 } = await secret(demoToken, 32));
    shortKey = (await secret(demoToken, 16)).id;
    const b = await secondProject(cloud, 'kms-other');
    other = await ec2Keys(cloud, b.user, b.password, b.project);
    othersKey = (await secret(await cloud.login(b.user, b.password, b.project), 32)).id;
    for (const bucket of ['kms', 'kmsdest', 'kmsdefault']) assert.equal((await req('PUT', `/${bucket}`)).status, 200);
  });
  after(() => cloud.close());

  it('stores an object under a key manager secret and reports the key on PUT, GET and HEAD', async () => {
    const put = await req('PUT', '/kms/doc', { body: 'KMS-PLAINTEXT-MARKER'.repeat(50), headers: kms(key1) });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.headers['x-amz-server-side-encryption'], 'aws:kms');
    assert.equal(put.headers['x-amz-server-side-encryption-aws-kms-key-id'], key1);
    assert.ok(!blobFiles().some((f) => readFileSync(f).includes('KMS-PLAINTEXT-MARKER')));
    for (const method of ['GET', 'HEAD']) {
      const res = await req(method, '/kms/doc');
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-amz-server-side-encryption'], 'aws:kms');
      assert.equal(res.headers['x-amz-server-side-encryption-aws-kms-key-id'], key1);
    }
    assert.equal((await req('GET', '/kms/doc', { headers: { range: 'bytes=20-39' } })).text, 'KMS-PLAINTEXT-MARKER');
    // Reads name no encryption: the object knows its own.
    for (const headers of [kms(key1), { 'x-amz-server-side-encryption': 'AES256' }]) {
      const res = await req('HEAD', '/kms/doc', { headers });
      assert.equal(res.status, 400);
      assert.equal(errorCode(await req('GET', '/kms/doc', { headers })), 'InvalidArgument');
    }
    // A secret href names the key as well as its id, and is reported as given.
    const byHref = await req('PUT', '/kms/href', { body: 'by href', headers: kms(href2) });
    assert.equal(byHref.headers['x-amz-server-side-encryption-aws-kms-key-id'], href2);
    assert.equal((await req('GET', '/kms/href')).text, 'by href');
    const arn = `arn:aws:kms:RegionOne:${keys.projectId}:key/${key2}`;
    assert.equal((await req('PUT', '/kms/arn', { body: 'by arn', headers: kms(arn) })).headers['x-amz-server-side-encryption-aws-kms-key-id'], arn);
    assert.equal((await req('GET', '/kms/arn')).text, 'by arn');
  });

  it('refuses conflicting or incomplete encryption headers and keys that are missing, short or not readable', async () => {
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ 'x-amz-server-side-encryption': 'aws:kms' }, 400, 'InvalidArgument'],
      [{ 'x-amz-server-side-encryption-aws-kms-key-id': key1 }, 400, 'InvalidArgument'],
      [{ 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-aws-kms-key-id': key1 }, 400, 'InvalidArgument'],
      [{ ...kms(key1), ...customer(1) }, 400, 'InvalidArgument'],
      [{ 'x-amz-server-side-encryption': 'AES256', ...customer(1) }, 400, 'InvalidArgument'],
      [{ 'x-amz-server-side-encryption': 'aes:kms' }, 400, 'InvalidArgument'],
      [{ 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': customer(1)['x-amz-server-side-encryption-customer-key'] }, 400, 'InvalidArgument'],
      [kms('00000000-0000-4000-8000-000000000000'), 400, 'KMS.NotFoundException'],
      [kms('testkey-1'), 400, 'KMS.NotFoundException'],
      [kms(shortKey), 400, 'KMS.InvalidKeyUsageException'],
      [kms(othersKey), 403, 'AccessDenied'],
    ];
    for (const [headers, status, code] of cases) {
      const res = await req('PUT', '/kms/refused', { body: 'x', headers });
      assert.equal(res.status, status, JSON.stringify(headers));
      assert.equal(errorCode(res), code, JSON.stringify(headers));
    }
    assert.equal((await req('HEAD', '/kms/refused')).status, 404);
    assert.ok(!(await req('GET', '/kms/doc')).text.includes(key1), 'no key material or ids in bodies');
  });

  it('applies an aws:kms bucket default and reports SSE-S3 when it is asked for', async () => {
    const config = (alg: string, id?: string) =>
      `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${alg}</SSEAlgorithm>${id ? `<KMSMasterKeyID>${id}</KMSMasterKeyID>` : ''}</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`;
    const putConfig = (body: string) => req('PUT', '/kmsdefault', { query: { encryption: '' }, body });
    assert.equal(errorCode(await putConfig(config('aws:kms'))), 'InvalidArgument');
    assert.equal(errorCode(await putConfig(config('aws:kms', '00000000-0000-4000-8000-000000000000'))), 'KMS.NotFoundException');
    assert.equal(errorCode(await putConfig(config('AES256', key1))), 'InvalidArgument');
    assert.equal(errorCode(await putConfig(config('aws:fancy'))), 'MalformedXML');
    assert.equal((await putConfig(config('aws:kms', key1))).status, 200);
    const got = await req('GET', '/kmsdefault', { query: { encryption: '' } });
    assert.match(got.text, new RegExp(`<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>${key1}</KMSMasterKeyID>`));

    const plain = await req('PUT', '/kmsdefault/a', { body: 'default key' });
    assert.equal(plain.headers['x-amz-server-side-encryption'], 'aws:kms');
    assert.equal(plain.headers['x-amz-server-side-encryption-aws-kms-key-id'], key1);
    const noId = await req('PUT', '/kmsdefault/b', { body: 'default key', headers: { 'x-amz-server-side-encryption': 'aws:kms' } });
    assert.equal(noId.headers['x-amz-server-side-encryption-aws-kms-key-id'], key1);
    const own = await req('PUT', '/kmsdefault/c', { body: 'own key', headers: kms(key2) });
    assert.equal(own.headers['x-amz-server-side-encryption-aws-kms-key-id'], key2);
    const s3 = await req('PUT', '/kmsdefault/d', { body: 'sse-s3', headers: { 'x-amz-server-side-encryption': 'AES256' } });
    assert.equal(s3.headers['x-amz-server-side-encryption'], 'AES256');
    assert.equal(s3.headers['x-amz-server-side-encryption-aws-kms-key-id'], undefined);

    assert.equal((await req('DELETE', '/kmsdefault', { query: { encryption: '' } })).status, 204);
    assert.equal(errorCode(await req('GET', '/kmsdefault', { query: { encryption: '' } })), 'ServerSideEncryptionConfigurationNotFoundError');
    assert.equal((await req('PUT', '/kmsdefault/clear', { body: 'clear' })).headers['x-amz-server-side-encryption'], undefined);
    const asked = await req('PUT', '/kmsdefault/asked', { body: 'SSE-S3-MARKER'.repeat(20), headers: { 'x-amz-server-side-encryption': 'AES256' } });
    assert.equal(asked.headers['x-amz-server-side-encryption'], 'AES256');
    assert.equal((await req('HEAD', '/kmsdefault/asked')).headers['x-amz-server-side-encryption'], 'AES256');
    assert.ok(!blobFiles().some((f) => readFileSync(f).includes('SSE-S3-MARKER')));
    assert.equal((await req('GET', '/kmsdefault/a')).text, 'default key');
  });

  it('copies between SSE-KMS, SSE-S3 and SSE-C', async () => {
    const sources: Record<string, Record<string, string>> = { kms: kms(key1), s3: { 'x-amz-server-side-encryption': 'AES256' }, c: customer(1) };
    const dests: Record<string, [Record<string, string>, Record<string, string>]> = {
      kms: [kms(key2), { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': key2 }],
      s3: [{ 'x-amz-server-side-encryption': 'AES256' }, { 'x-amz-server-side-encryption': 'AES256' }],
      c: [customer(2), { 'x-amz-server-side-encryption-customer-key-md5': customer(2)['x-amz-server-side-encryption-customer-key-md5'] }],
    };
    for (const [from, put] of Object.entries(sources)) {
      const body = `copied from ${from}`;
      assert.equal((await req('PUT', `/kms/src-${from}`, { body, headers: put })).status, 200);
      const sourceRead = from === 'c' ? asCopySource(put) : {};
      for (const [to, [headers, expect]] of Object.entries(dests)) {
        const copy = await req('PUT', `/kmsdest/${from}-${to}`, { headers: { 'x-amz-copy-source': `/kms/src-${from}`, ...headers, ...sourceRead } });
        assert.equal(copy.status, 200, `${from} -> ${to}: ${copy.text}`);
        const got = await req('GET', `/kmsdest/${from}-${to}`, { headers: to === 'c' ? headers : {} });
        assert.equal(got.text, body, `${from} -> ${to}`);
        for (const [h, v] of Object.entries(expect)) {
          assert.equal(copy.headers[h], v, `${from} -> ${to}: ${h}`);
          assert.equal(got.headers[h], v, `${from} -> ${to}: ${h}`);
        }
      }
    }
    // The source of an SSE-C copy needs its key; a KMS source needs none from the client.
    assert.equal((await req('PUT', '/kmsdest/nokey', { headers: { 'x-amz-copy-source': '/kms/src-c' } })).status, 400);
  });

  it('runs multipart uploads (parts and part copies) under SSE-KMS and SSE-C', async () => {
    const create = await req('POST', '/kmsdest/mp', { query: { uploads: '' }, headers: kms(key2) });
    assert.equal(create.headers['x-amz-server-side-encryption'], 'aws:kms');
    assert.equal(create.headers['x-amz-server-side-encryption-aws-kms-key-id'], key2);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.text)![1];
    const big = Buffer.alloc(PART, 'k');
    assert.equal((await req('PUT', '/kms/big', { body: big, headers: customer(3) })).status, 200);
    const copied = await req('PUT', '/kmsdest/mp', { query: { partNumber: '1', uploadId }, headers: { 'x-amz-copy-source': '/kms/big', ...asCopySource(customer(3)) } });
    assert.equal(copied.status, 200, copied.text);
    assert.equal(copied.headers['x-amz-server-side-encryption-aws-kms-key-id'], key2);
    const part = await req('PUT', '/kmsdest/mp', { query: { partNumber: '2', uploadId }, body: 'tail' });
    assert.equal(part.headers['x-amz-server-side-encryption'], 'aws:kms');
    const etag = (r: typeof part) => /<ETag>([^<]+)<\/ETag>/.exec(r.text)?.[1] ?? String(r.headers.etag);
    const parts = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag(copied)}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${etag(part)}</ETag></Part></CompleteMultipartUpload>`;
    const done = await req('POST', '/kmsdest/mp', { query: { uploadId }, body: parts });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.headers['x-amz-server-side-encryption-aws-kms-key-id'], key2);
    const got = await req('GET', '/kmsdest/mp');
    assert.equal(got.headers['x-amz-server-side-encryption-aws-kms-key-id'], key2);
    assert.ok(got.body.equals(Buffer.concat([big, Buffer.from('tail')])));

    // SSE-C: every part carries the key; completing needs it again only with a checksum algorithm.
    const c = customer(4);
    const ssecUpload = async (key: string, headers: Record<string, string>) => {
      const created = await req('POST', key, { query: { uploads: '' }, headers: { ...c, ...headers } });
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text)![1];
      assert.equal((await req('PUT', key, { query: { partNumber: '1', uploadId }, body: 'only' })).status, 400);
      const only = await req('PUT', key, { query: { partNumber: '1', uploadId }, body: 'only', headers: c });
      assert.equal(only.headers['x-amz-server-side-encryption-customer-key-md5'], c['x-amz-server-side-encryption-customer-key-md5']);
      const list = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${only.headers.etag}</ETag></Part></CompleteMultipartUpload>`;
      return (headers: Record<string, string> = {}) => req('POST', key, { query: { uploadId }, body: list, headers });
    };
    const plainComplete = await ssecUpload('/kmsdest/mpc', {});
    assert.equal((await plainComplete(customer(5))).status, 400);
    assert.equal((await plainComplete()).status, 200);
    assert.equal((await req('GET', '/kmsdest/mpc', { headers: c })).text, 'only');
    const summedComplete = await ssecUpload('/kmsdest/mpc-crc', { 'x-amz-checksum-algorithm': 'CRC32' });
    assert.equal((await summedComplete()).status, 400);
    assert.equal((await summedComplete(customer(5))).status, 400);
    assert.equal((await summedComplete(c)).status, 200);
    assert.equal((await req('GET', '/kmsdest/mpc-crc', { headers: c })).text, 'only');
  });

  it('takes multipart SSE-KMS and SSE-C uploads from awscli (aws s3 cp --sse aws:kms, --sse-c)', async (t) => {
    if (!requireTool(t, AWS, 'awscli')) return;
    const dir = mkdtempSync(join(tmpdir(), 'scs-sse-aws-'));
    try {
      writeFileSync(join(dir, 'config'), '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n');
      writeFileSync(join(dir, 'credentials'), `[default]\naws_access_key_id = ${keys.access}\naws_secret_access_key = ${keys.secret}\n`);
      const env = { ...process.env, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_PAGER: '' };
      const aws = async (args: string[]) => (await run(AWS, ['--endpoint-url', base, ...args], { env, timeout: 300_000 })).stdout;
      const file = join(dir, 'big.bin');
      const data = randomBytes(9 * 1024 * 1024); // above awscli's 8 MiB multipart threshold
      writeFileSync(file, data);
      writeFileSync(join(dir, 'ssec.key'), randomBytes(32));
      const ssec = ['--sse-c', 'AES256', '--sse-c-key', `fileb://${join(dir, 'ssec.key')}`];
      await aws(['s3', 'cp', file, 's3://kmsdest/cli-kms', '--sse', 'aws:kms', '--sse-kms-key-id', key2]);
      const head = JSON.parse(await aws(['s3api', 'head-object', '--bucket', 'kmsdest', '--key', 'cli-kms']));
      assert.equal(head.ServerSideEncryption, 'aws:kms');
      assert.equal(head.SSEKMSKeyId, key2);
      assert.match(head.ETag, /-2"$/);
      await aws(['s3', 'cp', file, 's3://kmsdest/cli-ssec', ...ssec]);
      for (const [key, extra] of [['cli-kms', []], ['cli-ssec', ssec]] as const) {
        await aws(['s3', 'cp', `s3://kmsdest/${key}`, join(dir, 'back.bin'), ...extra]);
        assert.ok(readFileSync(join(dir, 'back.bin')).equals(data), key);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets another project read an SSE-KMS object only while the key manager lets it read the key', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${other.projectId}:root`] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::kms/*'] }],
    });
    assert.equal((await req('PUT', '/kms', { query: { policy: '' }, body: policy })).status, 204);
    assert.equal((await req('GET', '/kms/src-s3', { as: other })).status, 200);
    const denied = await req('GET', '/kms/doc', { as: other });
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied), 'AccessDenied');
    // Metadata needs no right to decrypt.
    const head = await req('HEAD', '/kms/doc', { as: other });
    assert.equal(head.status, 200);
    assert.equal(head.headers['x-amz-server-side-encryption-aws-kms-key-id'], key1);
    const acl = await api(`${cloud.urls.keymanager}/v1/secrets/${key1}/acl`, { method: 'PUT', token: demoToken, body: { read: { users: [other.userId], 'project-access': true } } });
    assert.equal(acl.status, 200, JSON.stringify(acl.body));
    assert.equal((await req('GET', '/kms/doc', { as: other })).text, 'KMS-PLAINTEXT-MARKER'.repeat(50));

    // Without its key an object cannot be read by anyone.
    assert.equal((await api(`${cloud.urls.keymanager}/v1/secrets/${key1}`, { method: 'DELETE', token: demoToken })).status, 204);
    assert.equal(errorCode(await req('GET', '/kms/doc')), 'AccessDenied');
    assert.equal(errorCode(await req('PUT', '/kms/again', { body: 'x', headers: kms(key1) })), 'KMS.NotFoundException');
  });
});
