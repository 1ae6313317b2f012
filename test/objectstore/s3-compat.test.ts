import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { ec2Keys, errorCode, sdkClient, sdkFailure, send, sign, type S3Keys } from './helpers.js';

/** Behaviour that ceph's s3-tests check and AWS S3 has (regressions found by running them). */
describe('objectstore: S3 compatibility details', () => {
  let cloud: TestCloud;
  let s3: S3Client;
  let keys: S3Keys;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'objectstore'] });
    keys = await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo');
    s3 = sdkClient(cloud, keys);
  });
  after(async () => {
    s3?.destroy();
    await cloud?.close();
  });

  it('keeps the whitespace of keys in request documents (DeleteObjects of " " and "_ ")', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-space' }));
    for (const Key of [' ', '_ ', ' lead']) await s3.send(new PutObjectCommand({ Bucket: 'compat-space', Key, Body: 'x' }));
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: 'compat-space', Delete: { Objects: [{ Key: ' ' }, { Key: '_ ' }, { Key: ' lead' }] } }));
    assert.deepEqual(res.Deleted!.map((d) => d.Key).sort(), [' ', ' lead', '_ ']);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'compat-space' }))).KeyCount, 0);
  });

  it('reads one part of a multipart object with ?partNumber (GET and HEAD), and a single-part object as part 1', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-parts' }));
    const sizes = [5 * 1024 * 1024, 3];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'compat-parts', Key: 'mp' }));
    const Parts = [];
    for (const [i, size] of sizes.entries()) {
      const up = await s3.send(new UploadPartCommand({ Bucket: 'compat-parts', Key: 'mp', UploadId, PartNumber: i + 1, Body: Buffer.alloc(size, 65 + i) }));
      Parts.push({ ETag: up.ETag, PartNumber: i + 1 });
    }
    assert.equal(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: 'compat-parts', Key: 'mp', PartNumber: 1 }))), 'NoSuchKey');
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'compat-parts', Key: 'mp', UploadId, MultipartUpload: { Parts } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'compat-parts', Key: 'mp', PartNumber: 2 }));
    assert.equal(head.PartsCount, 2);
    assert.equal(head.ContentLength, 3);
    assert.equal(head.ETag, done.ETag);
    const second = await s3.send(new GetObjectCommand({ Bucket: 'compat-parts', Key: 'mp', PartNumber: 2 }));
    assert.equal(second.ContentRange, `bytes ${sizes[0]}-${sizes[0] + 2}/${sizes[0] + 3}`);
    assert.equal(await second.Body!.transformToString(), 'BBB');
    assert.equal(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: 'compat-parts', Key: 'mp', PartNumber: 3 }))), 'InvalidPart');
    assert.equal(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: 'compat-parts', Key: 'mp', PartNumber: 1, Range: 'bytes=0-1' }))), 'InvalidRequest');

    await s3.send(new PutObjectCommand({ Bucket: 'compat-parts', Key: 'single', Body: 'body' }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'compat-parts', Key: 'single', PartNumber: 1 }))).Body!.transformToString(), 'body');
    assert.equal(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: 'compat-parts', Key: 'single', PartNumber: 2 }))), 'InvalidPart');
  });

  it('names the new version of a write only while versioning is enabled', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-versions' }));
    assert.equal((await s3.send(new PutObjectCommand({ Bucket: 'compat-versions', Key: 'k', Body: 'a' }))).VersionId, undefined);
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'compat-versions', VersioningConfiguration: { Status: 'Enabled' } }));
    assert.ok((await s3.send(new PutObjectCommand({ Bucket: 'compat-versions', Key: 'k', Body: 'b' }))).VersionId);
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'compat-versions', VersioningConfiguration: { Status: 'Suspended' } }));
    assert.equal((await s3.send(new PutObjectCommand({ Bucket: 'compat-versions', Key: 'k', Body: 'c' }))).VersionId, undefined);
  });

  it('answers GetObjectAttributes for plain and multipart objects, with part pages and part checksums', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-attrs' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'compat-attrs', Key: 'plain', Body: 'foo', ChecksumAlgorithm: 'SHA256' }));
    const all = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
    const plain = await s3.send(new GetObjectAttributesCommand({ Bucket: 'compat-attrs', Key: 'plain', ObjectAttributes: [...all] }));
    assert.equal(plain.ETag, put.ETag!.replace(/"/g, ''));
    assert.equal(plain.ObjectSize, 3);
    assert.equal(plain.StorageClass, 'STANDARD');
    assert.equal(plain.Checksum?.ChecksumSHA256, put.ChecksumSHA256);
    assert.equal(plain.ObjectParts, undefined);
    assert.equal(plain.VersionId, undefined);

    const part = 5 * 1024 * 1024;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'compat-attrs', Key: 'mp', ChecksumAlgorithm: 'SHA256' }));
    const Parts = [];
    for (let n = 1; n <= 3; n++) {
      const up = await s3.send(new UploadPartCommand({ Bucket: 'compat-attrs', Key: 'mp', UploadId, PartNumber: n, Body: Buffer.alloc(n < 3 ? part : 10, n), ChecksumAlgorithm: 'SHA256' }));
      Parts.push({ ETag: up.ETag, PartNumber: n, ChecksumSHA256: up.ChecksumSHA256 });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'compat-attrs', Key: 'mp', UploadId, MultipartUpload: { Parts } }));
    const page = await s3.send(new GetObjectAttributesCommand({ Bucket: 'compat-attrs', Key: 'mp', ObjectAttributes: ['ObjectParts', 'ObjectSize'], MaxParts: 1, PartNumberMarker: '1' }));
    assert.equal(page.ObjectSize, 2 * part + 10);
    assert.equal(page.ObjectParts?.TotalPartsCount, 3);
    assert.equal(page.ObjectParts?.IsTruncated, true);
    assert.equal(page.ObjectParts?.NextPartNumberMarker, '2');
    assert.deepEqual(page.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumSHA256]), [[2, part, Parts[1].ChecksumSHA256]]);
    assert.equal(await sdkFailure(s3.send(new GetObjectAttributesCommand({ Bucket: 'compat-attrs', Key: 'mp', ObjectAttributes: ['Nonsense' as 'ETag'] }))), 'InvalidArgument');
  });

  it('keeps lifecycle rules in the form they were put, checks them as S3 does, and announces expiry with x-amz-expiration', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-life' }));
    const put = (Rules: object[]) => s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'compat-life', LifecycleConfiguration: { Rules } as never }));
    const rules = [
      { ID: 'logs', Expiration: { Days: 31 }, Prefix: 'logs/', Status: 'Enabled' },
      { ID: 'tagged', Expiration: { Days: 2 }, Filter: { And: { Prefix: 'tmp/', Tags: [{ Key: 'k', Value: 'v' }] } }, Status: 'Enabled' },
    ];
    await put(rules);
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'compat-life' }));
    assert.deepEqual(
      got.Rules!.map((r) => [r.ID, r.Prefix, r.Filter?.And?.Prefix, r.Filter?.And?.Tags]),
      [['logs', 'logs/', undefined, undefined], ['tagged', undefined, 'tmp/', [{ Key: 'k', Value: 'v' }]]],
    );
    for (const bad of [
      [{ ID: 'a'.repeat(256), Expiration: { Days: 1 }, Prefix: '', Status: 'Enabled' }],
      [{ ID: 'same', Expiration: { Days: 1 }, Prefix: 'a', Status: 'Enabled' }, { ID: 'same', Expiration: { Days: 2 }, Prefix: 'b', Status: 'Enabled' }],
      [{ ID: 'zero', Expiration: { Days: 0 }, Prefix: '', Status: 'Enabled' }],
    ]) {
      assert.equal(await sdkFailure(put(bad)), 'InvalidArgument', JSON.stringify(bad).slice(0, 60));
    }

    // A date that is not ISO 8601 at midnight (the SDK itself refuses to send one).
    const badDate = '<LifecycleConfiguration><Rule><ID>d</ID><Prefix></Prefix><Status>Enabled</Status><Expiration><Date>20200101</Date></Expiration></Rule></LifecycleConfiguration>';
    assert.equal(errorCode(await send(cloud.urls.objectstore, { method: 'PUT', path: '/compat-life', query: { lifecycle: '' }, body: badDate, keys })), 'InvalidArgument');

    const logged = await s3.send(new PutObjectCommand({ Bucket: 'compat-life', Key: 'logs/a', Body: 'x' }));
    const expiry = /^expiry-date="([^"]+)", rule-id="logs"$/.exec(logged.Expiration ?? '');
    assert.ok(expiry, logged.Expiration);
    const at = new Date(expiry[1]);
    assert.equal(at.getUTCHours() + at.getUTCMinutes(), 0, 'midnight UTC');
    const days = (at.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 31 && days <= 32, String(days));
    // The tagged rule selects only objects carrying its tag.
    assert.equal((await s3.send(new PutObjectCommand({ Bucket: 'compat-life', Key: 'tmp/a', Body: 'x' }))).Expiration, undefined);
    const tagged = await s3.send(new PutObjectCommand({ Bucket: 'compat-life', Key: 'tmp/b', Body: 'x', Tagging: 'k=v' }));
    assert.match(tagged.Expiration ?? '', /rule-id="tagged"/);
    assert.match((await s3.send(new HeadObjectCommand({ Bucket: 'compat-life', Key: 'tmp/b' }))).Expiration ?? '', /rule-id="tagged"/);
  });

  it('turns Object Lock on for an existing bucket once versioning is enabled, and guards retention modes', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-lock' }));
    const lock = (Days: number) =>
      s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'compat-lock', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days } } } }));
    assert.equal(await sdkFailure(lock(1)), 'InvalidBucketState');
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'compat-lock', VersioningConfiguration: { Status: 'Enabled' } }));
    assert.equal(await sdkFailure(lock(0)), 'InvalidRetentionPeriod');
    await lock(1);

    const until = new Date(Date.now() + 60_000);
    await s3.send(new PutObjectCommand({ Bucket: 'compat-lock', Key: 'gov', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until }));
    await s3.send(new PutObjectCommand({ Bucket: 'compat-lock', Key: 'comp', Body: 'x', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until }));
    const retain = (Key: string, Mode: 'GOVERNANCE' | 'COMPLIANCE', bypass = false) =>
      s3.send(new PutObjectRetentionCommand({ Bucket: 'compat-lock', Key, Retention: { Mode, RetainUntilDate: until }, BypassGovernanceRetention: bypass }));
    assert.equal(await sdkFailure(retain('gov', 'COMPLIANCE')), 'AccessDenied');
    assert.equal(await sdkFailure(retain('comp', 'GOVERNANCE', true)), 'AccessDenied');
    await retain('gov', 'COMPLIANCE', true);
  });

  it('takes an empty Content-Type as none and ignores Expect values other than 100-continue', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-headers' }));
    const base = cloud.urls.objectstore;
    const extras: Array<Record<string, string>> = [{ 'content-type': '' }, { expect: '' }, { expect: 'something-else' }];
    for (const extra of extras) {
      const o = { method: 'PUT', path: '/compat-headers/k', body: 'bar', keys };
      const res = await send(base, { ...o, sendHeaders: { ...sign(base, o), ...extra } });
      assert.equal(res.status, 200, `${JSON.stringify(extra)}: ${res.text}`);
    }
  });

  it('verifies signatures over non-ASCII header values sent as UTF-8 or as latin-1 bytes', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-meta' }));
    const base = cloud.urls.objectstore;
    // A Buffer body: Node then writes header strings as latin-1 bytes, so the second form puts the UTF-8 bytes on the wire.
    const o = { method: 'PUT', path: '/compat-meta/k', body: Buffer.from('bar'), keys, headers: { 'x-amz-meta-greeting': 'Hello Worldé' } };
    const signed = sign(base, o);
    for (const wire of ['Hello Worldé', Buffer.from('Hello Worldé', 'utf8').toString('latin1')]) {
      const res = await send(base, { ...o, sendHeaders: { ...signed, 'x-amz-meta-greeting': wire } });
      assert.equal(res.status, 200, `${JSON.stringify(wire)}: ${res.text}`);
    }
  });

  it('accepts a V2 signature of a path-style bucket request over /bucket/ (as boto3 signs CreateBucket)', async () => {
    const base = cloud.urls.objectstore;
    const date = new Date().toUTCString();
    for (const resource of ['/compat-v2a', '/compat-v2b/']) {
      const signature = createHmac('sha1', keys.secret).update(`PUT\n\n\n${date}\n${resource}`).digest('base64');
      const bucket = resource.replace(/\/$/, '');
      const res = await send(base, { method: 'PUT', path: bucket, sendHeaders: { host: new URL(base).host, date, authorization: `AWS ${keys.access}:${signature}` } });
      assert.equal(res.status, 200, `${resource}: ${res.text}`);
    }
  });

  it('answers a retried CompleteMultipartUpload as the first one, and NoSuchUpload for other part lists', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-retry' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'compat-retry', Key: 'k' }));
    const up = await s3.send(new UploadPartCommand({ Bucket: 'compat-retry', Key: 'k', UploadId, PartNumber: 1, Body: 'only part' }));
    const complete = (ETag: string) => s3.send(new CompleteMultipartUploadCommand({ Bucket: 'compat-retry', Key: 'k', UploadId, MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] } }));
    const first = await complete(up.ETag!);
    const again = await complete(up.ETag!);
    assert.equal(again.ETag, first.ETag);
    assert.equal(await sdkFailure(complete('"00000000000000000000000000000000"')), 'NoSuchUpload');
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'compat-retry', Key: 'k' }))).Body!.transformToString(), 'only part');
  });

  it('checks the composite checksum a completion names, and a part copy range against the source size', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-cksum' }));
    const start = async (Key: string) => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'compat-cksum', Key, ChecksumAlgorithm: 'SHA256' }));
      const part = await s3.send(new UploadPartCommand({ Bucket: 'compat-cksum', Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 65), ChecksumAlgorithm: 'SHA256' }));
      return { UploadId, part };
    };
    const bad = await start('bad');
    const badComplete = new CompleteMultipartUploadCommand({
      Bucket: 'compat-cksum',
      Key: 'bad',
      UploadId: bad.UploadId,
      ChecksumSHA256: 'bad',
      MultipartUpload: { Parts: [{ ETag: bad.part.ETag, ChecksumSHA256: bad.part.ChecksumSHA256, PartNumber: 1 }] },
    });
    assert.equal(await sdkFailure(s3.send(badComplete)), 'BadDigest');
    const good = await start('good');
    // The composite checksum of one part: SHA-256 of the part's SHA-256, suffixed -1.
    const { createHash } = await import('node:crypto');
    const composite = `${createHash('sha256').update(Buffer.from(good.part.ChecksumSHA256!, 'base64')).digest('base64')}-1`;
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'compat-cksum',
        Key: 'good',
        UploadId: good.UploadId,
        ChecksumSHA256: composite,
        MultipartUpload: { Parts: [{ ETag: good.part.ETag, ChecksumSHA256: good.part.ChecksumSHA256, PartNumber: 1 }] },
      }),
    );
    assert.equal(done.ChecksumSHA256, composite);

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'compat-cksum', Key: 'copy' }));
    const copy = (CopySourceRange: string) => s3.send(new UploadPartCopyCommand({ Bucket: 'compat-cksum', Key: 'copy', UploadId, PartNumber: 1, CopySource: 'compat-cksum/good', CopySourceRange }));
    assert.equal(await sdkFailure(copy('bytes=0-4096')), 'InvalidRange');
    assert.equal(await sdkFailure(copy('bytes=9-2')), 'InvalidArgument');
  });

  it('lists tags by key and refuses more than ten as InvalidTag', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-tags' }));
    await s3.send(new PutObjectCommand({ Bucket: 'compat-tags', Key: 'k', Body: 'x', Tagging: 'foo=bar&bar' }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'compat-tags', Key: 'k' }))).TagSet, [{ Key: 'bar', Value: '' }, { Key: 'foo', Value: 'bar' }]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `t${i}`, Value: 'v' }));
    assert.equal(await sdkFailure(s3.send(new PutObjectTaggingCommand({ Bucket: 'compat-tags', Key: 'k', Tagging: { TagSet: eleven } }))), 'InvalidTag');
  });

  it('answers a refused request before asking for its body (no 100 Continue), and says 100 Continue to an allowed one', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-continue' }));
    const u = new URL(cloud.urls.objectstore);
    /** The status line the server answers first to a PUT that waits for 100 Continue. */
    const firstStatus = (headers: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        const sock = connect(Number(u.port), u.hostname, () => {
          const lines = Object.entries({ host: u.host, 'content-length': '3', expect: '100-continue', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
          sock.write(`PUT /compat-continue/k HTTP/1.1\r\n${lines.join('')}\r\n`);
        });
        sock.once('data', (d) => {
          resolve(d.toString().split('\r\n')[0]);
          sock.destroy();
        });
        sock.once('error', reject);
      });
    assert.match(await firstStatus({}), /^HTTP\/1\.1 403/);
    const o = { method: 'PUT', path: '/compat-continue/k', keys, payloadHash: 'UNSIGNED-PAYLOAD' };
    assert.match(await firstStatus(sign(cloud.urls.objectstore, o)), /^HTTP\/1\.1 100/);
  });

  it('stores a body labelled Content-Encoding aws-chunked without chunk framing as it is, dropping the label', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-encoding' }));
    for (const [given, kept] of [['gzip, aws-chunked', 'gzip'], ['aws-chunked', undefined]] as const) {
      await s3.send(new PutObjectCommand({ Bucket: 'compat-encoding', Key: 'k', Body: 'plain', ContentEncoding: given }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'compat-encoding', Key: 'k' }));
      assert.equal(got.ContentEncoding, kept);
      assert.equal(await got.Body!.transformToString(), 'plain');
    }
  });
});
