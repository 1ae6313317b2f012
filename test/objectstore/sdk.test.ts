import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { ec2Keys, sdkClient, sdkFailure, type S3Keys } from './helpers.js';

const MiB = 1024 * 1024;

describe('objectstore: @aws-sdk/client-s3', () => {
  let cloud: TestCloud;
  let keys: S3Keys;
  let s3: S3Client;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'objectstore'] });
    keys = await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo');
    s3 = sdkClient(cloud, keys);
  });
  after(async () => {
    s3?.destroy();
    await cloud?.close();
  });

  it('creates buckets, lists them and refuses duplicates and bad names', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-basic' }));
    const list = await s3.send(new ListBucketsCommand({}));
    assert.ok(list.Buckets!.some((b) => b.Name === 'sdk-basic'));
    // Creating one's own bucket again succeeds as in us-east-1 and Ceph, unless it asks for another ACL.
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-basic' }));
    assert.equal(await sdkFailure(s3.send(new CreateBucketCommand({ Bucket: 'sdk-basic', ACL: 'public-read' }))), 'BucketAlreadyExists');
    assert.equal(await sdkFailure(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' }))), 'InvalidBucketName');
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: 'sdk-basic' }));
    assert.equal(loc.LocationConstraint, 'RegionOne');
  });

  it('puts, heads, gets and ranges objects with metadata, checksums and encryption', async () => {
    const body = Buffer.alloc(200_000, 7);
    body.write('head', 0);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'sdk-basic',
        Key: 'dir/obj.bin',
        Body: body,
        ContentType: 'application/x-test',
        Metadata: { color: 'blue' },
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    assert.match(put.ETag!, /^"[0-9a-f]{32}"$/);
    assert.equal(put.ServerSideEncryption, 'AES256');
    assert.ok(put.ChecksumSHA256);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-basic', Key: 'dir/obj.bin' }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ContentType, 'application/x-test');
    assert.deepEqual(head.Metadata, { color: 'blue' });
    assert.equal(head.CacheControl, 'max-age=60');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-basic', Key: 'dir/obj.bin', ChecksumMode: 'ENABLED' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
    assert.equal(got.ChecksumSHA256, put.ChecksumSHA256);
    // A range across an encryption chunk boundary.
    const range = await s3.send(new GetObjectCommand({ Bucket: 'sdk-basic', Key: 'dir/obj.bin', Range: 'bytes=65530-65545' }));
    assert.equal(range.ContentRange, `bytes 65530-65545/${body.length}`);
    assert.ok(Buffer.from(await range.Body!.transformToByteArray()).equals(body.subarray(65530, 65546)));
    assert.equal(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: 'sdk-basic', Key: 'dir/obj.bin', Range: 'bytes=300000-' }))), 'InvalidRange');
    assert.equal(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: 'sdk-basic', Key: 'nope' }))), 'NoSuchKey');
  });

  it('streams a body of unknown length (aws-chunked with a trailing checksum)', async () => {
    const chunks = [Buffer.alloc(100_000, 1), Buffer.alloc(50_000, 2)];
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-basic', Key: 'stream.bin', Body: Readable.from(chunks), ContentLength: 150_000 }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-basic', Key: 'stream.bin' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(chunks)));
  });

  it('lists v1 and v2 with prefixes, delimiters and pages', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-list' }));
    const keysToPut = ['a/1', 'a/2', 'b/1', 'c', 'd', 'e f+g'];
    for (const Key of keysToPut) await s3.send(new PutObjectCommand({ Bucket: 'sdk-list', Key, Body: Key }));
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', Delimiter: '/' }));
    assert.deepEqual(v2.CommonPrefixes!.map((p) => p.Prefix), ['a/', 'b/']);
    assert.deepEqual(v2.Contents!.map((c) => c.Key), ['c', 'd', 'e f+g']);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
    } while (token);
    assert.deepEqual(seen, [...keysToPut].sort());
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'sdk-list', Prefix: 'a/', Marker: 'a/1' }));
    assert.deepEqual(v1.Contents!.map((c) => c.Key), ['a/2']);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', StartAfter: 'c', Delimiter: '/' }));
    assert.deepEqual(after.Contents!.map((c) => c.Key), ['d', 'e f+g']);
  });

  it('uploads multipart (with part copy), lists parts and uploads, and completes with md5-of-md5s', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-mp' }));
    const partA = Buffer.alloc(5 * MiB, 'a');
    const partB = Buffer.from('tail');
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-mp', Key: 'src', Body: Buffer.alloc(1000, 'c') }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-mp', Key: 'big', ContentType: 'text/x-big' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'sdk-mp', Key: 'big', UploadId, PartNumber: 1, Body: partA }));
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: 'sdk-mp', Key: 'big', UploadId, PartNumber: 2, CopySource: 'sdk-mp/src', CopySourceRange: 'bytes=0-99' }));
    const p3 = await s3.send(new UploadPartCommand({ Bucket: 'sdk-mp', Key: 'big', UploadId, PartNumber: 3, Body: partB }));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'sdk-mp' }));
    assert.deepEqual(uploads.Uploads!.map((u) => u.UploadId), [UploadId]);
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'sdk-mp', Key: 'big', UploadId }));
    assert.deepEqual(parts.Parts!.map((p) => p.Size), [5 * MiB, 100, 4]);
    // A small part that is not the last one is refused.
    assert.equal(
      await sdkFailure(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sdk-mp', Key: 'big', UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: p2.CopyPartResult!.ETag }, { PartNumber: 3, ETag: p3.ETag }] } }))),
      'EntityTooSmall',
    );
    assert.equal(
      await sdkFailure(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sdk-mp', Key: 'big', UploadId, MultipartUpload: { Parts: [{ PartNumber: 3, ETag: p3.ETag }, { PartNumber: 1, ETag: p1.ETag }] } }))),
      'InvalidPartOrder',
    );
    assert.equal(
      await sdkFailure(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sdk-mp', Key: 'big', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }] } }))),
      'InvalidPart',
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'sdk-mp',
        Key: 'big',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 3, ETag: p3.ETag }] },
      }),
    );
    assert.match(done.ETag!, /^"[0-9a-f]{32}-2"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-mp', Key: 'big', Range: `bytes=${5 * MiB - 2}-` }));
    assert.equal(await got.Body!.transformToString(), 'aatail');
    assert.equal(got.ContentType, 'text/x-big');
    const { UploadId: other } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-mp', Key: 'gone' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'sdk-mp', Key: 'gone', UploadId: other }));
    assert.equal(await sdkFailure(s3.send(new ListPartsCommand({ Bucket: 'sdk-mp', Key: 'gone', UploadId: other }))), 'NoSuchUpload');
  });

  it('keeps versions, delete markers and copies with metadata directives', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-ver' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'sdk-ver', VersioningConfiguration: { Status: 'Enabled' } }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'sdk-ver' }))).Status, 'Enabled');
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'sdk-ver', Key: 'k', Body: 'one' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'sdk-ver', Key: 'k', Body: 'two' }));
    assert.notEqual(v1.VersionId, v2.VersionId);
    const del = await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-ver', Key: 'k' }));
    assert.equal(del.DeleteMarker, true);
    assert.equal(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: 'sdk-ver', Key: 'k' }))), 'NoSuchKey');
    const old = await s3.send(new GetObjectCommand({ Bucket: 'sdk-ver', Key: 'k', VersionId: v1.VersionId }));
    assert.equal(await old.Body!.transformToString(), 'one');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'sdk-ver' }));
    assert.deepEqual(versions.Versions!.map((v) => v.VersionId), [v2.VersionId, v1.VersionId]);
    assert.equal(versions.DeleteMarkers!.length, 1);
    assert.equal(versions.DeleteMarkers![0].IsLatest, true);
    // Removing the delete marker brings the newest version back.
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-ver', Key: 'k', VersionId: del.VersionId }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'sdk-ver', Key: 'k' }))).Body!.transformToString(), 'two');

    await s3.send(new PutObjectCommand({ Bucket: 'sdk-ver', Key: 'meta', Body: 'm', Metadata: { a: '1' }, ContentType: 'text/a' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'sdk-ver', Key: 'copy', CopySource: 'sdk-ver/meta' }));
    const copied = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-ver', Key: 'copy' }));
    assert.deepEqual(copied.Metadata, { a: '1' });
    await s3.send(new CopyObjectCommand({ Bucket: 'sdk-ver', Key: 'copy2', CopySource: 'sdk-ver/meta', MetadataDirective: 'REPLACE', Metadata: { b: '2' }, ContentType: 'text/b' }));
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-ver', Key: 'copy2' }));
    assert.deepEqual(replaced.Metadata, { b: '2' });
    assert.equal(replaced.ContentType, 'text/b');
    assert.equal(await sdkFailure(s3.send(new CopyObjectCommand({ Bucket: 'sdk-ver', Key: 'copy3', CopySource: 'sdk-ver/meta', CopySourceIfMatch: '"nope"' }))), 'PreconditionFailed');
  });

  it('tags objects, multi-deletes and refuses to delete a non-empty bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-del' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-del', Key: 'x', Body: 'x', Tagging: 'a=1&b=2' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-del', Key: 'y', Body: 'y' }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'sdk-del', Key: 'x' }))).TagSet, [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }]);
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'sdk-del', Key: 'y', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'sdk-del', Key: 'y' }))).TagSet, [{ Key: 'k', Value: 'v' }]);
    assert.equal(await sdkFailure(s3.send(new DeleteBucketCommand({ Bucket: 'sdk-del' }))), 'BucketNotEmpty');
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: 'sdk-del', Delete: { Objects: [{ Key: 'x' }, { Key: 'y' }, { Key: 'never' }] } }));
    assert.deepEqual(res.Deleted!.map((d) => d.Key).sort(), ['never', 'x', 'y']);
    await s3.send(new DeleteBucketCommand({ Bucket: 'sdk-del' }));
    assert.equal(await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: 'sdk-del', Key: 'x' }))), 'NotFound');
  });
});
