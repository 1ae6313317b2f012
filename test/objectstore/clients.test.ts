import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { ec2Keys, presign, type S3Keys } from './helpers.js';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';

async function fileSha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

describe('objectstore: real clients (awscli, s3cmd, rclone, boto3, curl)', () => {
  let cloud: TestCloud;
  let keys: S3Keys;
  let dir: string;
  let endpoint: string;
  let awsEnv: Record<string, string>;
  const aws = async (args: string[]) => (await run(AWS, ['--endpoint-url', endpoint, ...args], { env: { ...process.env, ...awsEnv }, maxBuffer: 64 << 20, timeout: 300_000 })).stdout;

  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'objectstore'] });
    endpoint = cloud.urls.objectstore;
    dir = mkdtempSync(join(tmpdir(), 'scs-s3-clients-'));
    keys = await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo');
    writeFileSync(join(dir, 'aws-config'), '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n');
    writeFileSync(join(dir, 'aws-credentials'), `[default]\naws_access_key_id = ${keys.access}\naws_secret_access_key = ${keys.secret}\n`);
    awsEnv = { AWS_CONFIG_FILE: join(dir, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'), AWS_PAGER: '' };
  });
  after(async () => {
    await cloud?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('openstack ec2 credentials create gives keys the object store accepts', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    let cred: { Access?: string; access?: string; Secret?: string; secret?: string };
    try {
      cred = await openstack(cloud.cloudsYaml, 'scs-demo', ['ec2', 'credentials', 'create', '-f', 'json']);
    } catch (e) {
      t.skip(`identity does not offer OS-EC2 credentials yet: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    const access = cred.Access ?? cred.access!;
    const secret = cred.Secret ?? cred.secret!;
    const env = { AWS_ACCESS_KEY_ID: access, AWS_SECRET_ACCESS_KEY: secret, AWS_CONFIG_FILE: join(dir, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    await run(AWS, ['--endpoint-url', endpoint, 's3', 'mb', 's3://from-openstack-keys'], { env: { ...process.env, ...env } });
    const out = (await run(AWS, ['--endpoint-url', endpoint, 's3', 'ls'], { env: { ...process.env, ...env } })).stdout;
    assert.match(out, /from-openstack-keys/);
  });

  it('aws s3 cp of 100 MiB (multipart) round-trips, aws s3 sync and s3api calls work', async (t) => {
    if (!requireTool(t, AWS, 'awscli')) return;
    const big = join(dir, 'big.bin');
    const block = randomBytes(1024 * 1024);
    writeFileSync(big, Buffer.concat(Array.from({ length: 100 }, (_, i) => (i % 2 ? block : block.reverse()))));
    await aws(['s3', 'mb', 's3://awscli']);
    await aws(['s3', 'cp', big, 's3://awscli/big.bin']);
    const head = JSON.parse(await aws(['s3api', 'head-object', '--bucket', 'awscli', '--key', 'big.bin']));
    assert.equal(head.ContentLength, 100 * 1024 * 1024);
    assert.match(head.ETag, /-\d+"$/);
    assert.equal(head.ServerSideEncryption, 'AES256');
    await aws(['s3', 'cp', 's3://awscli/big.bin', join(dir, 'big.back')]);
    assert.equal(await fileSha(join(dir, 'big.back')), await fileSha(big));
    rmSync(join(dir, 'big.back'));

    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(tree, `f${i}.txt`), `file ${i}`);
    writeFileSync(join(tree, 'sub', 'deep file.txt'), 'deep');
    await aws(['s3', 'sync', tree, 's3://awscli/tree']);
    const listed = JSON.parse(await aws(['s3api', 'list-objects-v2', '--bucket', 'awscli', '--prefix', 'tree/']));
    assert.deepEqual(listed.Contents.map((c: { Key: string }) => c.Key), ['tree/f0.txt', 'tree/f1.txt', 'tree/f2.txt', 'tree/f3.txt', 'tree/f4.txt', 'tree/sub/deep file.txt']);
    const again = await aws(['s3', 'sync', tree, 's3://awscli/tree']);
    assert.equal(again.trim(), '', 'a second sync uploads nothing');
    await aws(['s3api', 'put-bucket-versioning', '--bucket', 'awscli', '--versioning-configuration', 'Status=Enabled']);
    assert.equal(JSON.parse(await aws(['s3api', 'get-bucket-versioning', '--bucket', 'awscli'])).Status, 'Enabled');
    await aws(['s3api', 'put-bucket-tagging', '--bucket', 'awscli', '--tagging', 'TagSet=[{Key=team,Value=storage}]']);
    assert.deepEqual(JSON.parse(await aws(['s3api', 'get-bucket-tagging', '--bucket', 'awscli'])).TagSet, [{ Key: 'team', Value: 'storage' }]);
    const url = (await aws(['s3', 'presign', 's3://awscli/tree/f1.txt', '--expires-in', '60'])).trim();
    const curl = await run('curl', ['-sS', '-f', url]);
    assert.equal(curl.stdout, 'file 1');
    await aws(['s3', 'rm', '--recursive', 's3://awscli/tree']);
    assert.equal(JSON.parse(await aws(['s3api', 'list-objects-v2', '--no-paginate', '--bucket', 'awscli', '--prefix', 'tree/'])).KeyCount, 0);
  });

  it('curl fetches a presigned URL and is refused without one', async (t) => {
    if (!requireTool(t, '/usr/bin/curl', 'curl')) return;
    const { send } = await import('./helpers.js');
    await send(endpoint, { method: 'PUT', path: '/curl', keys });
    await send(endpoint, { method: 'PUT', path: '/curl/hello.txt', body: 'hello curl', keys });
    const ok = await run('curl', ['-sS', '-f', presign(endpoint, '/curl/hello.txt', keys)]);
    assert.equal(ok.stdout, 'hello curl');
    const denied = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `${endpoint}/curl/hello.txt`]);
    assert.equal(denied.stdout, '403');
  });

  it('s3cmd makes a bucket, puts, lists, gets and removes', async (t) => {
    if (!requireTool(t, '/usr/bin/s3cmd', 's3cmd')) return;
    const host = new URL(endpoint).host;
    const cfg = join(dir, 's3cfg');
    writeFileSync(cfg, `[default]\naccess_key = ${keys.access}\nsecret_key = ${keys.secret}\nhost_base = ${host}\nhost_bucket = ${host}\nuse_https = False\nsignature_v2 = False\ncheck_ssl_certificate = False\n`);
    const s3cmd = async (...args: string[]) => (await run('/usr/bin/s3cmd', ['-c', cfg, ...args], { timeout: 120_000 })).stdout;
    const file = join(dir, 's3cmd.txt');
    writeFileSync(file, 'via s3cmd\n'.repeat(1000));
    await s3cmd('mb', 's3://s3cmd-bucket');
    await s3cmd('put', file, 's3://s3cmd-bucket/dir/file.txt');
    assert.match(await s3cmd('ls', 's3://s3cmd-bucket/dir/'), /s3cmd-bucket\/dir\/file\.txt/);
    await s3cmd('get', '--force', 's3://s3cmd-bucket/dir/file.txt', join(dir, 's3cmd.back'));
    assert.equal(readFileSync(join(dir, 's3cmd.back'), 'utf8'), readFileSync(file, 'utf8'));
    await s3cmd('del', 's3://s3cmd-bucket/dir/file.txt');
    await s3cmd('rb', 's3://s3cmd-bucket');
    assert.doesNotMatch(await s3cmd('ls'), /s3cmd-bucket/);
  });

  it('rclone copies a tree up, checks it and syncs deletions', async (t) => {
    if (!requireTool(t, '/usr/bin/rclone', 'rclone')) return;
    const cfg = join(dir, 'rclone.conf');
    writeFileSync(cfg, `[scs]\ntype = s3\nprovider = Ceph\naccess_key_id = ${keys.access}\nsecret_access_key = ${keys.secret}\nendpoint = ${endpoint}\nforce_path_style = true\n`);
    // rclone cannot load a CA bundle into its plain-HTTP transport; the endpoint is http anyway.
    const env = { ...process.env, AWS_CA_BUNDLE: '' };
    const rclone = async (...args: string[]) => (await run('/usr/bin/rclone', ['--config', cfg, ...args], { timeout: 120_000, env })).stdout;
    const src = join(dir, 'rclone-src');
    mkdirSync(join(src, 'nested'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha');
    writeFileSync(join(src, 'nested', 'b.bin'), randomBytes(300_000));
    await rclone('mkdir', 'scs:rclone-bucket');
    await rclone('copy', src, 'scs:rclone-bucket/data');
    await rclone('check', src, 'scs:rclone-bucket/data');
    rmSync(join(src, 'a.txt'));
    await rclone('sync', src, 'scs:rclone-bucket/data');
    const files = (await rclone('lsf', '-R', 'scs:rclone-bucket/data')).trim().split('\n').sort();
    assert.deepEqual(files, ['nested/', 'nested/b.bin']);
  });

  it('boto3: bulk puts, paginated listing, multipart transfer, multi-delete, errors', async (t) => {
    if (!requirePythonModule(t, await pythonModuleAvailable('boto3'), 'boto3', 'python3-boto3')) return;
    const result = await python(
      `
import boto3, io, json, os, hashlib
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
s3 = boto3.client('s3', endpoint_url=os.environ['EP'], aws_access_key_id=os.environ['AK'], aws_secret_access_key=os.environ['SK'], region_name='us-east-1')
out = {}
s3.create_bucket(Bucket='boto')
for i in range(120):
    s3.put_object(Bucket='boto', Key='k/%03d' % i, Body=b'x' * i, Metadata={'n': str(i)})
keys = []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket='boto', PaginationConfig={'PageSize': 25}):
    keys += [c['Key'] for c in page.get('Contents', [])]
out['listed'] = len(keys)
out['sorted'] = keys == sorted(keys)
v1 = []
for page in s3.get_paginator('list_objects').paginate(Bucket='boto', PaginationConfig={'PageSize': 50}):
    v1 += [c['Key'] for c in page.get('Contents', [])]
out['listed_v1'] = len(v1)
out['meta'] = s3.head_object(Bucket='boto', Key='k/007')['Metadata']
data = os.urandom(12 * 1024 * 1024)
s3.upload_fileobj(io.BytesIO(data), 'boto', 'multi', Config=TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=5*1024*1024))
buf = io.BytesIO()
s3.download_fileobj('boto', 'multi', buf)
out['multipart_ok'] = hashlib.sha256(buf.getvalue()).hexdigest() == hashlib.sha256(data).hexdigest()
out['multipart_etag'] = s3.head_object(Bucket='boto', Key='multi')['ETag']
res = s3.delete_objects(Bucket='boto', Delete={'Objects': [{'Key': k} for k in keys[:100]]})
out['deleted'] = len(res.get('Deleted', []))
out['left'] = s3.list_objects_v2(Bucket='boto', Prefix='k/')['KeyCount']
try:
    s3.get_object(Bucket='boto', Key='missing')
except ClientError as e:
    out['missing'] = e.response['Error']['Code']
try:
    s3.delete_bucket(Bucket='boto')
except ClientError as e:
    out['not_empty'] = e.response['Error']['Code']
url = s3.generate_presigned_url('get_object', Params={'Bucket': 'boto', 'Key': 'k/119'}, ExpiresIn=60)
import urllib.request
out['presigned_len'] = len(urllib.request.urlopen(url).read())
print(json.dumps(out))
`,
      { EP: endpoint, AK: keys.access, SK: keys.secret },
    );
    assert.deepEqual(result, {
      listed: 120,
      sorted: true,
      listed_v1: 120,
      meta: { n: '7' },
      multipart_ok: true,
      multipart_etag: result.multipart_etag,
      deleted: 100,
      left: 20,
      missing: 'NoSuchKey',
      not_empty: 'BucketNotEmpty',
      presigned_len: 119,
    });
    assert.match(result.multipart_etag, /^"[0-9a-f]{32}-3"$/);
  });
});
