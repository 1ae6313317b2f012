import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { conditionsHold } from '../../src/services/objectstore/model/conditions.js';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { errorCode, send, twoAccounts, type S3Keys, type SignOptions } from './helpers.js';

const statement = (bucket: string, effect: string, action: string, condition?: object, resource = `arn:aws:s3:::${bucket}/*`) => ({
  Effect: effect,
  Principal: '*',
  Action: action,
  Resource: resource,
  ...(condition ? { Condition: condition } : {}),
});

describe('objectstore: bucket policy conditions', () => {
  let cloud: TestCloud;
  let base: string;
  let keys: S3Keys;
  let other: S3Keys;
  const as = (k: S3Keys | undefined, o: SignOptions) => send(base, { ...o, keys: k });
  const main = (o: SignOptions) => as(keys, o);
  const setPolicy = (bucket: string, statements: object[]) =>
    main({ method: 'PUT', path: `/${bucket}`, query: { policy: '' }, body: JSON.stringify({ Version: '2012-10-17', Statement: statements }) });

  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'objectstore'] });
    base = cloud.urls.objectstore;
    ({ keys, other } = await twoAccounts(cloud, 'cond-other'));
  });
  after(() => cloud.close());

  it('matches request headers as s3:x-amz-* keys, with Null and negated operators', async () => {
    await main({ method: 'PUT', path: '/hdr' });
    const put = await setPolicy('hdr', [
      statement('hdr', 'Allow', 's3:PutObject'),
      statement('hdr', 'Deny', 's3:PutObject', { StringLike: { 's3:x-amz-acl': 'public*' } }),
      statement('hdr', 'Deny', 's3:PutObject', { StringNotEquals: { 's3:x-amz-meta-team': ['blue', 'green'] }, Null: { 's3:x-amz-meta-team': 'false' } }),
    ]);
    assert.equal(put.status, 204);
    assert.equal((await as(other, { method: 'PUT', path: '/hdr/a', body: 'a' })).status, 200);
    assert.equal((await as(other, { method: 'PUT', path: '/hdr/b', body: 'b', headers: { 'x-amz-acl': 'public-read' } })).status, 403);
    assert.equal((await as(other, { method: 'PUT', path: '/hdr/c', body: 'c', headers: { 'x-amz-meta-team': 'green' } })).status, 200);
    assert.equal((await as(other, { method: 'PUT', path: '/hdr/d', body: 'd', headers: { 'x-amz-meta-team': 'red' } })).status, 403);
  });

  it('reads existing and requested object tags', async () => {
    await main({ method: 'PUT', path: '/tags' });
    await main({ method: 'PUT', path: '/tags/pub', body: 'p', headers: { 'x-amz-tagging': 'security=public' } });
    await main({ method: 'PUT', path: '/tags/priv', body: 'q', headers: { 'x-amz-tagging': 'security=private' } });
    await setPolicy('tags', [
      statement('tags', 'Allow', 's3:GetObject', { StringEquals: { 's3:ExistingObjectTag/security': 'public' } }),
      statement('tags', 'Allow', 's3:PutObject', { StringEquals: { 's3:RequestObjectTag/security': 'public' } }),
    ]);
    assert.equal((await as(undefined, { path: '/tags/pub' })).text, 'p');
    assert.equal((await as(undefined, { path: '/tags/priv' })).status, 403);
    assert.equal((await as(other, { method: 'PUT', path: '/tags/new', body: 'n' })).status, 403);
    assert.equal((await as(other, { method: 'PUT', path: '/tags/new', body: 'n', headers: { 'x-amz-tagging': 'security=public' } })).status, 200);
  });

  it('matches source addresses and referers (IfExists holds when the key is absent)', async () => {
    await main({ method: 'PUT', path: '/net' });
    await main({ method: 'PUT', path: '/net/o', body: 'o' });
    await setPolicy('net', [statement('net', 'Allow', 's3:GetObject', { IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] }, StringLikeIfExists: { 'aws:Referer': 'http://www.example.com/*' } })]);
    assert.equal((await as(undefined, { path: '/net/o' })).text, 'o');
    assert.equal((await as(undefined, { path: '/net/o', headers: { referer: 'http://www.example.com/page' } })).text, 'o');
    assert.equal((await as(undefined, { path: '/net/o', headers: { referer: 'http://evil.example/' } })).status, 403);
    // A policy pinned to addresses is not public.
    assert.match((await main({ path: '/net', query: { policyStatus: '' } })).text, /<IsPublic>false<\/IsPublic>/);
    await setPolicy('net', [statement('net', 'Allow', 's3:GetObject', { NotIpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] } })]);
    assert.equal((await as(undefined, { path: '/net/o' })).status, 403);
  });

  it('lets s3:prefix decide between 404 and 403 for missing keys', async () => {
    await main({ method: 'PUT', path: '/pfx' });
    await setPolicy('pfx', [statement('pfx', 'Allow', 's3:ListBucket', { StringLike: { 's3:prefix': 'public/*' } }, 'arn:aws:s3:::pfx')]);
    assert.equal((await as(other, { method: 'HEAD', path: '/pfx/public/missing' })).status, 404);
    assert.equal((await as(other, { method: 'HEAD', path: '/pfx/private/missing' })).status, 403);
    assert.equal((await as(other, { path: '/pfx', query: { prefix: 'public/x' } })).status, 200);
    assert.equal((await as(other, { path: '/pfx' })).status, 403);
  });

  it('refuses conditions it cannot evaluate', async () => {
    await main({ method: 'PUT', path: '/badcond' });
    assert.equal(errorCode(await setPolicy('badcond', [statement('badcond', 'Allow', 's3:GetObject', { StringMaybe: { 'aws:Referer': 'x' } })])), 'MalformedPolicy');
    assert.equal(errorCode(await setPolicy('badcond', [statement('badcond', 'Allow', 's3:GetObject', { StringEquals: 'x' })])), 'MalformedPolicy');
    assert.equal(errorCode(await setPolicy('badcond', [statement('badcond', 'Allow', 's3:GetObject', { NullIfExists: { 'aws:Referer': 'true' } })])), 'MalformedPolicy');
  });

  it('evaluates set operators over multi-valued keys', () => {
    const caller = { facts: { headers: { 'x-amz-tagging': 'a=1&b=2' }, query: new Map(), secure: false } };
    assert.equal(conditionsHold({ 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['a', 'b', 'c'] } }, caller), true);
    assert.equal(conditionsHold({ 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['a'] } }, caller), false);
    assert.equal(conditionsHold({ 'ForAnyValue:StringEquals': { 's3:RequestObjectTagKeys': ['b', 'z'] } }, caller), true);
    assert.equal(conditionsHold({ NumericLessThan: { 's3:max-keys': '10' } }, { facts: { ...caller.facts, query: new Map([['max-keys', '5']]) } }), true);
    assert.equal(conditionsHold({ Bool: { 'aws:SecureTransport': 'true' } }, caller), false);
  });
});
