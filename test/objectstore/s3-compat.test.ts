import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { ec2Keys } from './helpers.js';

/** Behaviour that ceph's s3-tests check and AWS S3 has (regressions found by running them). */
describe('objectstore: S3 compatibility details', () => {
  let cloud: TestCloud;
  let s3: S3Client;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'objectstore'] });
    const keys = await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo');
    s3 = new S3Client({
      endpoint: cloud.urls.objectstore,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: keys.access, secretAccessKey: keys.secret },
    });
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
});
