import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { ec2Keys, sdkClient, sdkFailure } from './helpers.js';

const MIB5 = 5 * 1024 * 1024;
const BODIES = ['A', 'B', 'C'].map((c) => Buffer.alloc(MIB5, c));

/** Known values (the same ones Ceph's s3-tests use): each 5 MiB part of 'A', 'B', 'C', and all three. */
const VECTORS: Array<{ algorithm: 'CRC32' | 'CRC32C' | 'CRC64NVME'; parts: string[]; whole: string }> = [
  { algorithm: 'CRC32', parts: ['JRTCyQ==', 'QoZTGg==', 'YAgjqw=='], whole: 'WgDhBQ==' },
  { algorithm: 'CRC32C', parts: ['MDaLrw==', 'TH4EZg==', 'Z7mBIQ=='], whole: 'xU+Krw==' },
  { algorithm: 'CRC64NVME', parts: ['L/E4WYn8v98=', 'xW1l19VobYM=', 'cK5MnNaWrW4='], whole: 'i+6LR0y3eFo=' },
];

const field = (a: string) => `Checksum${a}` as 'ChecksumCRC32';

/** CRC64NVME checksums and FULL_OBJECT multipart checksums, as S3 has them since 2025. */
describe('objectstore: CRC64NVME and full-object checksums', () => {
  let cloud: TestCloud;
  let s3: S3Client;
  const Bucket = 'full-object';
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'objectstore'] });
    s3 = sdkClient(cloud, await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo'));
    await s3.send(new CreateBucketCommand({ Bucket }));
  });
  after(async () => {
    s3?.destroy();
    await cloud?.close();
  });

  it('stores, verifies and returns a CRC64NVME checksum of a single PUT', async () => {
    const Body = Buffer.alloc(1024, 'A');
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'crc64', Body, ChecksumAlgorithm: 'CRC64NVME', ChecksumCRC64NVME: 'Qeh8oXvGiSo=' }));
    assert.equal(put.ChecksumCRC64NVME, 'Qeh8oXvGiSo=');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'crc64' }))).ChecksumCRC64NVME, undefined);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'crc64', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC64NVME, 'Qeh8oXvGiSo=');
    assert.equal(head.ChecksumType, 'FULL_OBJECT');
    const wrong = s3.send(new PutObjectCommand({ Bucket, Key: 'crc64', Body, ChecksumAlgorithm: 'CRC64NVME', ChecksumCRC64NVME: 'AAAAAAAAAAA=' }));
    assert.equal(await sdkFailure(wrong), 'BadDigest');
    // The SDK's own CRC64NVME of a body it streams (the checksum travels as a trailer).
    await s3.send(new PutObjectCommand({ Bucket, Key: 'crc64-sdk', Body: Buffer.alloc(70000, 'z'), ChecksumAlgorithm: 'CRC64NVME' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'crc64-sdk', ChecksumMode: 'ENABLED' }));
    assert.equal((await got.Body!.transformToByteArray()).length, 70000);
    assert.ok(got.ChecksumCRC64NVME);
  });

  for (const v of VECTORS) {
    it(`completes a FULL_OBJECT ${v.algorithm} upload with the CRC of the whole object`, async () => {
      const Key = `full-${v.algorithm}`;
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: v.algorithm, ChecksumType: 'FULL_OBJECT' }));
      assert.equal(created.ChecksumAlgorithm, v.algorithm);
      assert.equal(created.ChecksumType, 'FULL_OBJECT');
      const UploadId = created.UploadId!;
      const parts: CompletedPart[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: BODIES[i], ChecksumAlgorithm: v.algorithm, [field(v.algorithm)]: v.parts[i] }));
        assert.equal(r[field(v.algorithm)], v.parts[i]);
        parts.push({ PartNumber: i + 1, ETag: r.ETag, [field(v.algorithm)]: v.parts[i] });
      }
      const listed = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
      assert.equal(listed.ChecksumType, 'FULL_OBJECT');
      assert.deepEqual(listed.Parts!.map((p) => p[field(v.algorithm)]), v.parts);
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key }));
      assert.equal(uploads.Uploads![0].ChecksumType, 'FULL_OBJECT');
      const complete = (extra: Record<string, unknown>) =>
        s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts }, ChecksumType: 'FULL_OBJECT', ...extra }));
      assert.equal(await sdkFailure(complete({ [field(v.algorithm)]: v.parts[0] })), 'BadDigest');
      assert.equal(await sdkFailure(complete({ MpuObjectSize: 3 * MIB5 + 1 })), 'InvalidRequest');
      const done = await complete({ [field(v.algorithm)]: v.whole, MpuObjectSize: 3 * MIB5 });
      assert.equal(done.ChecksumType, 'FULL_OBJECT');
      assert.equal(done[field(v.algorithm)], v.whole);

      const head = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      assert.equal(head.ChecksumType, 'FULL_OBJECT');
      assert.equal(head[field(v.algorithm)], v.whole);
      const attrs = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['Checksum'] }));
      assert.equal(attrs.Checksum?.ChecksumType, 'FULL_OBJECT');
      assert.equal(attrs.Checksum?.[field(v.algorithm)], v.whole);
      const second = await s3.send(new HeadObjectCommand({ Bucket, Key, PartNumber: 2, ChecksumMode: 'ENABLED' }));
      assert.equal(second.ChecksumType, 'FULL_OBJECT');
      assert.equal(second[field(v.algorithm)], v.parts[1]);
    });
  }

  it('reports COMPOSITE for part reads of a composite upload', async () => {
    const Key = 'composite-sha1';
    const { UploadId, ChecksumType } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'SHA1' }));
    assert.equal(ChecksumType, 'COMPOSITE');
    const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(100, 'x'), ChecksumAlgorithm: 'SHA1' }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumSHA1: part.ChecksumSHA1 }] } }));
    assert.equal(done.ChecksumType, 'COMPOSITE');
    assert.match(done.ChecksumSHA1!, /-1$/);
    const first = await s3.send(new HeadObjectCommand({ Bucket, Key, PartNumber: 1, ChecksumMode: 'ENABLED' }));
    assert.equal(first.ChecksumType, 'COMPOSITE');
    assert.equal(first.ChecksumSHA1, part.ChecksumSHA1);
  });

  it('refuses checksum types an algorithm cannot have, and a type without an algorithm', async () => {
    const create = (ChecksumAlgorithm: ChecksumAlgorithm | undefined, ChecksumType: 'COMPOSITE' | 'FULL_OBJECT' | undefined) =>
      s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'refused', ChecksumAlgorithm, ChecksumType }));
    assert.equal(await sdkFailure(create('SHA256', 'FULL_OBJECT')), 'InvalidRequest');
    assert.equal(await sdkFailure(create('CRC64NVME', 'COMPOSITE')), 'InvalidRequest');
    assert.equal(await sdkFailure(create(undefined, 'FULL_OBJECT')), 'InvalidRequest');
    const byDefault = await create('CRC64NVME', undefined);
    assert.equal(byDefault.ChecksumType, 'FULL_OBJECT');
    const mismatch = s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key: 'refused', UploadId: byDefault.UploadId, ChecksumType: 'COMPOSITE', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } }),
    );
    assert.equal(await sdkFailure(mismatch), 'InvalidRequest');
  });
});
