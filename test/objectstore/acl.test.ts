import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { objectstoreMigrations } from '../../src/services/objectstore/store/migrations.js';
import { cannedGrants, storedGrants } from '../../src/services/objectstore/model/acl.js';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { errorCode, send, twoAccounts, type S3Keys, type SignOptions } from './helpers.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

/** An AccessControlPolicy document: the owner's full control plus the given grants. */
function policyXml(owner: string, grants: Array<{ id?: string; uri?: string; email?: string; permission: string }>): string {
  const grantee = (g: { id?: string; uri?: string; email?: string }) =>
    g.id !== undefined
      ? `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${g.id}</ID></Grantee>`
      : g.uri !== undefined
        ? `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>${g.uri}</URI></Grantee>`
        : `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail"><EmailAddress>${g.email}</EmailAddress></Grantee>`;
  const list = grants.map((g) => `<Grant>${grantee(g)}<Permission>${g.permission}</Permission></Grant>`).join('');
  return `<AccessControlPolicy><Owner><ID>${owner}</ID></Owner><AccessControlList>${list}</AccessControlList></AccessControlPolicy>`;
}

const ownerIds = (xml: string) => [...xml.matchAll(/<Owner><ID>([^<]+)<\/ID>/g)].map((m) => m[1]);

describe('objectstore: ACLs, ownership controls and the public access block', () => {
  let cloud: TestCloud;
  let base: string;
  let keys: S3Keys;
  let other: S3Keys;
  const as = (k: S3Keys | undefined, o: SignOptions) => send(base, { ...o, keys: k });
  const main = (o: SignOptions) => as(keys, o);

  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'objectstore'] });
    base = cloud.urls.objectstore;
    ({ keys, other } = await twoAccounts(cloud, 'acl-other'));
  });
  after(() => cloud.close());

  it('reports the project as the canonical owner of buckets, objects, versions and uploads', async () => {
    await main({ method: 'PUT', path: '/owned' });
    await main({ method: 'PUT', path: '/owned', query: { versioning: '' }, body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
    await main({ method: 'PUT', path: '/owned/k', body: 'v' });
    const acl = await main({ path: '/owned/k', query: { acl: '' } });
    assert.deepEqual(ownerIds(acl.text), [keys.projectId]);
    assert.match(acl.text, new RegExp(`<ID>${keys.projectId}</ID><DisplayName>${keys.projectId}</DisplayName></Grantee><Permission>FULL_CONTROL`));
    assert.deepEqual(ownerIds((await main({ path: '/owned' })).text), [keys.projectId]);
    assert.deepEqual(ownerIds((await main({ path: '/owned', query: { versions: '' } })).text), [keys.projectId]);
    assert.deepEqual(ownerIds((await main({ path: '/' })).text), [keys.projectId]);
    const up = await main({ method: 'POST', path: '/owned/mp', query: { uploads: '' } });
    const uploadId = /<UploadId>([^<]+)</.exec(up.text)![1];
    const parts = await main({ path: '/owned/mp', query: { uploadId } });
    assert.match(parts.text, new RegExp(`<Initiator><ID>${keys.projectId}</ID>.*<Owner><ID>${keys.projectId}</ID>`));
  });

  it('checks x-amz-expected-bucket-owner against the owning project', async () => {
    assert.equal((await main({ path: '/owned', headers: { 'x-amz-expected-bucket-owner': keys.projectId } })).status, 200);
    const wrong = await main({ path: '/owned/k', headers: { 'x-amz-expected-bucket-owner': other.projectId } });
    assert.equal(wrong.status, 403);
    assert.equal(errorCode(wrong), 'AccessDenied');
    const copy = await main({ method: 'PUT', path: '/owned/c', headers: { 'x-amz-copy-source': '/owned/k', 'x-amz-source-expected-bucket-owner': other.projectId } });
    assert.equal(errorCode(copy), 'AccessDenied');
  });

  it('keeps an ACL per object version and enforces it for anonymous callers and other projects', async () => {
    await main({ method: 'PUT', path: '/objacl' });
    await main({ method: 'PUT', path: '/objacl/open', body: 'open', headers: { 'x-amz-acl': 'public-read' } });
    await main({ method: 'PUT', path: '/objacl/closed', body: 'closed' });
    assert.equal((await as(undefined, { path: '/objacl/open' })).text, 'open');
    assert.equal((await as(undefined, { method: 'HEAD', path: '/objacl/open' })).status, 200);
    assert.equal(errorCode(await as(undefined, { path: '/objacl/closed' })), 'AccessDenied');
    assert.equal((await as(other, { path: '/objacl/open' })).text, 'open');
    assert.equal((await as(other, { path: '/objacl' })).status, 403); // the bucket stays private
    // A grant header to another project's canonical id.
    await main({ method: 'PUT', path: '/objacl/shared', body: 'shared', headers: { 'x-amz-grant-read': `id="${other.projectId}"` } });
    assert.equal((await as(other, { path: '/objacl/shared' })).text, 'shared');
    assert.equal((await as(undefined, { path: '/objacl/shared' })).status, 403);
    assert.equal((await as(other, { path: '/objacl/shared', query: { acl: '' } })).status, 403); // READ is not READ_ACP
    // PutObjectAcl with a document: authenticated users read, anonymous callers don't.
    const doc = policyXml(keys.projectId, [{ id: keys.projectId, permission: 'FULL_CONTROL' }, { uri: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers', permission: 'READ' }]);
    assert.equal((await main({ method: 'PUT', path: '/objacl/closed', query: { acl: '' }, body: doc })).status, 200);
    assert.equal((await as(other, { path: '/objacl/closed' })).text, 'closed');
    assert.equal((await as(undefined, { path: '/objacl/closed' })).status, 403);
    // Canned ACL by header replaces it.
    assert.equal((await main({ method: 'PUT', path: '/objacl/closed', query: { acl: '' }, headers: { 'x-amz-acl': 'private' } })).status, 200);
    assert.equal((await as(other, { path: '/objacl/closed' })).status, 403);
    // A copy takes the ACL its request names, not the source's.
    await main({ method: 'PUT', path: '/objacl/copy', headers: { 'x-amz-copy-source': '/objacl/closed', 'x-amz-acl': 'public-read' } });
    assert.equal((await as(undefined, { path: '/objacl/copy' })).text, 'closed');
    // A multipart upload keeps the ACL given at creation.
    const up = await main({ method: 'POST', path: '/objacl/mp', query: { uploads: '' }, headers: { 'x-amz-acl': 'public-read' } });
    const uploadId = /<UploadId>([^<]+)</.exec(up.text)![1];
    const part = await main({ method: 'PUT', path: '/objacl/mp', query: { uploadId, partNumber: '1' }, body: 'mp' });
    const done = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.etag}</ETag></Part></CompleteMultipartUpload>`;
    assert.equal((await main({ method: 'POST', path: '/objacl/mp', query: { uploadId }, body: done })).status, 200);
    assert.equal((await as(undefined, { path: '/objacl/mp' })).text, 'mp');
  });

  it('keeps ACLs apart between versions', async () => {
    await main({ method: 'PUT', path: '/objacl', query: { versioning: '' }, body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
    const v1 = (await main({ method: 'PUT', path: '/objacl/v', body: 'one', headers: { 'x-amz-acl': 'public-read' } })).headers['x-amz-version-id'] as string;
    await main({ method: 'PUT', path: '/objacl/v', body: 'two' });
    assert.equal((await as(undefined, { path: '/objacl/v' })).status, 403);
    assert.equal((await as(undefined, { path: '/objacl/v', query: { versionId: v1 } })).text, 'one');
    const acl = await main({ path: '/objacl/v', query: { acl: '', versionId: v1 } });
    assert.match(acl.text, new RegExp(`<URI>${ALL_USERS}</URI></Grantee><Permission>READ`));
  });

  it('lets bucket grants open writing and the ACL itself; objects written by another project are owned by it', async () => {
    await main({ method: 'PUT', path: '/shared', headers: { 'x-amz-acl': 'public-read-write' } });
    assert.equal((await as(other, { method: 'PUT', path: '/shared/theirs', body: 'x' })).status, 200);
    assert.deepEqual(ownerIds((await as(other, { path: '/shared/theirs', query: { acl: '' } })).text), [other.projectId]);
    assert.equal((await as(other, { path: '/shared' })).status, 200);
    assert.equal((await as(other, { path: '/shared', query: { acl: '' } })).status, 403);
    await main({ method: 'PUT', path: '/shared', query: { acl: '' }, headers: { 'x-amz-grant-read-acp': `id="${other.projectId}"` } });
    assert.equal((await as(other, { path: '/shared', query: { acl: '' } })).status, 200);
    assert.equal((await as(other, { path: '/shared' })).status, 403); // READ_ACP alone does not list
    assert.equal((await as(other, { method: 'PUT', path: '/shared', query: { acl: '' }, headers: { 'x-amz-acl': 'public-read' } })).status, 403);
    await main({ method: 'PUT', path: '/shared', query: { acl: '' }, headers: { 'x-amz-grant-write-acp': `id="${other.projectId}"` } });
    assert.equal((await as(other, { method: 'PUT', path: '/shared', query: { acl: '' }, headers: { 'x-amz-acl': 'public-read' } })).status, 200);
  });

  it('refuses grants it cannot resolve and malformed ACLs', async () => {
    await main({ method: 'PUT', path: '/bad' });
    const put = (o: Partial<SignOptions>) => main({ method: 'PUT', path: '/bad', query: { acl: '' }, ...o });
    assert.equal(errorCode(await put({ body: policyXml(keys.projectId, [{ id: 'no-such-project', permission: 'READ' }]) })), 'InvalidArgument');
    assert.equal(errorCode(await put({ body: policyXml(keys.projectId, [{ email: 'nobody@example.com', permission: 'READ' }]) })), 'UnresolvableGrantByEmailAddress');
    assert.equal(errorCode(await put({ body: policyXml(keys.projectId, [{ id: keys.projectId, permission: 'EVERYTHING' }]) })), 'MalformedACLError');
    assert.equal(errorCode(await put({ body: policyXml(keys.projectId, [{ uri: 'http://example.com/group', permission: 'READ' }]) })), 'InvalidArgument');
    assert.equal(errorCode(await put({ body: '<AccessControlPolicy><oops' })), 'MalformedXML');
    assert.equal(errorCode(await put({ headers: { 'x-amz-acl': 'world-writable' } })), 'InvalidArgument');
    assert.equal(errorCode(await put({ headers: { 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${other.projectId}"` } })), 'InvalidRequest');
    assert.equal(errorCode(await put({ headers: { 'x-amz-grant-read': 'nonsense' } })), 'InvalidArgument');
    assert.equal(errorCode(await main({ method: 'PUT', path: '/bad/o', body: 'x', headers: { 'x-amz-grant-read': 'emailAddress="x@example.com"' } })), 'UnresolvableGrantByEmailAddress');
    assert.equal((await main({ path: '/bad/o' })).status, 404); // nothing half-written
    // Revoking every grant keeps the owner in control (the project's roles decide for it).
    assert.equal((await put({ body: policyXml(keys.projectId, []) })).status, 200);
    assert.doesNotMatch((await main({ path: '/bad', query: { acl: '' } })).text, /<Grant>/);
  });

  it('lets an explicit policy Deny win over an ACL grant', async () => {
    await main({ method: 'PUT', path: '/denied', headers: { 'x-amz-acl': 'public-read' } });
    await main({ method: 'PUT', path: '/denied/o', body: 'x', headers: { 'x-amz-acl': 'public-read' } });
    assert.equal((await as(other, { path: '/denied/o' })).status, 200);
    const policy = JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: { AWS: [`arn:aws:iam::${other.projectId}:root`] }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::denied/*' }] });
    assert.equal((await main({ method: 'PUT', path: '/denied', query: { policy: '' }, body: policy })).status, 204);
    assert.equal((await as(other, { path: '/denied/o' })).status, 403);
    assert.equal((await as(undefined, { path: '/denied/o' })).status, 200);
  });

  it('recreating one bucket succeeds with the same ACL and conflicts with another', async () => {
    await main({ method: 'PUT', path: '/again', headers: { 'x-amz-acl': 'public-read' } });
    assert.equal((await main({ method: 'PUT', path: '/again', headers: { 'x-amz-acl': 'public-read' } })).status, 200);
    assert.equal(errorCode(await main({ method: 'PUT', path: '/again' })), 'BucketAlreadyExists');
    assert.equal(errorCode(await as(other, { method: 'PUT', path: '/again', headers: { 'x-amz-acl': 'public-read' } })), 'BucketAlreadyExists');
  });

  it('pages ListBuckets with max-buckets and continuation-token', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await as(other, { method: 'PUT', path: `/${n}` });
    const names = (xml: string) => [...xml.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]);
    const first = await as(other, { path: '/', query: { 'max-buckets': '2', prefix: 'page-' } });
    assert.deepEqual(names(first.text), ['page-a', 'page-b']);
    const token = /<ContinuationToken>([^<]+)</.exec(first.text)![1];
    const second = await as(other, { path: '/', query: { 'max-buckets': '2', prefix: 'page-', 'continuation-token': token } });
    assert.deepEqual(names(second.text), ['page-c']);
    assert.doesNotMatch(second.text, /ContinuationToken/);
    assert.equal(errorCode(await as(other, { path: '/', query: { 'max-buckets': '0' } })), 'InvalidArgument');
  });

  it('applies ownership controls: BucketOwnerEnforced disables ACLs, BucketOwnerPreferred takes bucket-owner-full-control', async () => {
    const controls = (rule: string) => `<OwnershipControls><Rule><ObjectOwnership>${rule}</ObjectOwnership></Rule></OwnershipControls>`;
    await main({ method: 'PUT', path: '/own', headers: { 'x-amz-acl': 'public-read' } });
    assert.equal(errorCode(await main({ path: '/own', query: { ownershipControls: '' } })), 'OwnershipControlsNotFoundError');
    const refused = await main({ method: 'PUT', path: '/own', query: { ownershipControls: '' }, body: controls('BucketOwnerEnforced') });
    assert.equal(refused.status, 400);
    assert.equal(errorCode(refused), 'InvalidBucketAclWithObjectOwnership');
    assert.equal(errorCode(await main({ method: 'PUT', path: '/own', query: { ownershipControls: '' }, body: controls('Whatever') })), 'MalformedXML');
    await main({ method: 'PUT', path: '/own', query: { acl: '' }, headers: { 'x-amz-acl': 'private' } });
    assert.equal((await main({ method: 'PUT', path: '/own', query: { ownershipControls: '' }, body: controls('BucketOwnerEnforced') })).status, 200);
    assert.match((await main({ path: '/own', query: { ownershipControls: '' } })).text, /<ObjectOwnership>BucketOwnerEnforced<\/ObjectOwnership>/);
    const policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${other.projectId}:root`] }, Action: 's3:*', Resource: ['arn:aws:s3:::own', 'arn:aws:s3:::own/*'] }] });
    await main({ method: 'PUT', path: '/own', query: { policy: '' }, body: policy });
    assert.equal((await as(other, { method: 'PUT', path: '/own/a', body: 'x' })).status, 200);
    assert.deepEqual(ownerIds((await as(other, { path: '/own/a', query: { acl: '' } })).text), [keys.projectId]);
    assert.equal(errorCode(await as(other, { method: 'PUT', path: '/own/b', body: 'x', headers: { 'x-amz-acl': 'private' } })), 'AccessControlListNotSupported');
    assert.equal((await as(other, { method: 'PUT', path: '/own/b', body: 'x', headers: { 'x-amz-acl': 'bucket-owner-full-control' } })).status, 200);
    assert.equal(errorCode(await main({ method: 'PUT', path: '/own', query: { acl: '' }, headers: { 'x-amz-acl': 'private' } })), 'AccessControlListNotSupported');
    assert.equal(errorCode(await main({ method: 'PUT', path: '/own/a', query: { acl: '' }, headers: { 'x-amz-acl': 'private' } })), 'AccessControlListNotSupported');

    assert.equal((await main({ method: 'PUT', path: '/own', query: { ownershipControls: '' }, body: controls('BucketOwnerPreferred') })).status, 200);
    await as(other, { method: 'PUT', path: '/own/c', body: 'x', headers: { 'x-amz-acl': 'bucket-owner-full-control' } });
    assert.deepEqual(ownerIds((await main({ path: '/own/c', query: { acl: '' } })).text), [keys.projectId]);
    await as(other, { method: 'PUT', path: '/own/d', body: 'x' });
    assert.deepEqual(ownerIds((await as(other, { path: '/own/d', query: { acl: '' } })).text), [other.projectId]);
    // An object another account owns answers to its ACL, even to the bucket owner.
    assert.equal((await main({ path: '/own/d', query: { acl: '' } })).status, 403);
    assert.equal((await main({ path: '/own/d' })).status, 403);
    assert.equal((await main({ method: 'DELETE', path: '/own/d' })).status, 204);

    assert.equal((await main({ method: 'PUT', path: '/own', query: { ownershipControls: '' }, body: controls('ObjectWriter') })).status, 200);
    await as(other, { method: 'PUT', path: '/own/e', body: 'x', headers: { 'x-amz-acl': 'bucket-owner-full-control' } });
    const e = await main({ path: '/own/e', query: { acl: '' } });
    assert.deepEqual(ownerIds(e.text), [other.projectId]);
    assert.match(e.text, new RegExp(`<ID>${keys.projectId}</ID><DisplayName>${keys.projectId}</DisplayName></Grantee><Permission>FULL_CONTROL`));
    assert.equal((await main({ method: 'DELETE', path: '/own', query: { ownershipControls: '' } })).status, 204);
    assert.equal((await main({ path: '/own', query: { ownershipControls: '' } })).status, 404);
    // Chosen at creation too.
    assert.equal(errorCode(await main({ method: 'PUT', path: '/own2', headers: { 'x-amz-object-ownership': 'BucketOwnerEnforced', 'x-amz-acl': 'public-read' } })), 'InvalidBucketAclWithObjectOwnership');
    assert.equal((await main({ method: 'PUT', path: '/own2', headers: { 'x-amz-object-ownership': 'BucketOwnerEnforced' } })).status, 200);
    assert.match((await main({ path: '/own2', query: { ownershipControls: '' } })).text, /BucketOwnerEnforced/);
  });

  it('honours the public access block and reports the policy status', async () => {
    const block = (flags: Record<string, boolean>) =>
      `<PublicAccessBlockConfiguration>${Object.entries(flags).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</PublicAccessBlockConfiguration>`;
    const isPublic = async () => /<IsPublic>true<\/IsPublic>/.test((await main({ path: '/pab', query: { policyStatus: '' } })).text);
    await main({ method: 'PUT', path: '/pab' });
    await main({ method: 'PUT', path: '/pab/o', body: 'x' });
    assert.equal(errorCode(await main({ path: '/pab', query: { publicAccessBlock: '' } })), 'NoSuchPublicAccessBlockConfiguration');
    assert.equal(await isPublic(), false);

    assert.equal((await main({ method: 'PUT', path: '/pab', query: { publicAccessBlock: '' }, body: block({ BlockPublicAcls: true, BlockPublicPolicy: true }) })).status, 200);
    assert.match((await main({ path: '/pab', query: { publicAccessBlock: '' } })).text, /<BlockPublicAcls>true<\/BlockPublicAcls><IgnorePublicAcls>false<\/IgnorePublicAcls><BlockPublicPolicy>true<\/BlockPublicPolicy><RestrictPublicBuckets>false/);
    assert.equal((await main({ method: 'PUT', path: '/pab', query: { acl: '' }, headers: { 'x-amz-acl': 'public-read' } })).status, 403);
    assert.equal((await main({ method: 'PUT', path: '/pab/p', body: 'x', headers: { 'x-amz-acl': 'authenticated-read' } })).status, 403);
    assert.equal((await main({ path: '/pab/p' })).status, 404);
    assert.equal((await main({ method: 'PUT', path: '/pab/p', body: 'x', headers: { 'x-amz-acl': 'private' } })).status, 200);
    const publicPolicy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pab/*' }] });
    assert.equal((await main({ method: 'PUT', path: '/pab', query: { policy: '' }, body: publicPolicy })).status, 403);

    // Without the block: the public policy opens the objects and makes the bucket public.
    assert.equal((await main({ method: 'DELETE', path: '/pab', query: { publicAccessBlock: '' } })).status, 204);
    assert.equal((await main({ method: 'PUT', path: '/pab', query: { policy: '' }, body: publicPolicy })).status, 204);
    assert.equal(await isPublic(), true);
    assert.equal((await as(undefined, { path: '/pab/o' })).text, 'x');
    await main({ method: 'PUT', path: '/pab', query: { publicAccessBlock: '' }, body: block({ RestrictPublicBuckets: true }) });
    assert.equal((await as(undefined, { path: '/pab/o' })).status, 403);
    assert.equal((await main({ path: '/pab/o' })).text, 'x');

    // IgnorePublicAcls: public grants stop counting.
    await main({ method: 'DELETE', path: '/pab', query: { policy: '' } });
    await main({ method: 'PUT', path: '/pab/q', body: 'q', headers: { 'x-amz-acl': 'public-read' } });
    assert.equal((await as(other, { path: '/pab/q' })).text, 'q');
    await main({ method: 'PUT', path: '/pab', query: { acl: '' }, headers: { 'x-amz-acl': 'authenticated-read' } });
    assert.equal(await isPublic(), true);
    await main({ method: 'PUT', path: '/pab', query: { publicAccessBlock: '' }, body: block({ IgnorePublicAcls: true }) });
    assert.equal((await as(other, { path: '/pab/q' })).status, 403);
    assert.equal((await as(other, { path: '/pab' })).status, 403);
    assert.equal(await isPublic(), false);
  });

  it('expands canned ACLs and stored ACLs', () => {
    assert.deepEqual(storedGrants(null, 'p1'), [{ id: 'p1', permission: 'FULL_CONTROL' }]);
    assert.deepEqual(cannedGrants('bucket-owner-read', 'writer', 'owner'), [
      { id: 'writer', permission: 'FULL_CONTROL' },
      { id: 'owner', permission: 'READ' },
    ]);
  });

  it('migrates stored objects and uploads to canonical owners: the project of their bucket', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    const [init, owners] = objectstoreMigrations;
    await init.up(db, 'sqlite');
    const bucket = { name: 'old', project_id: 'p1', owner_user_id: 'u1', region: 'r', created_at: 't', versioning: '', object_lock: 0, acl: 'public-read', encrypt: 0 };
    await db.insertInto('s3_buckets').values(bucket).execute();
    const object = { id: 'o1', bucket: 'old', key: 'k', version_id: 'null', is_latest: 1, delete_marker: 0, size: 1, etag: '""', last_modified: 't', owner_user_id: 'u1' };
    await db.insertInto('s3_objects').values({ ...object, headers: '{}', meta: '{}', tags: '{}', segments: '[]', encrypted: 0, parts_count: 0, legal_hold: 0 }).execute();
    await db.insertInto('s3_uploads').values({ upload_id: 'up', bucket: 'old', key: 'k', initiated: 't', owner_user_id: 'u1', attrs: '{}', encrypt: 0 }).execute();
    await owners.up(db, 'sqlite');
    const row = await db.selectFrom('s3_objects').select(['owner_id', 'acl']).executeTakeFirstOrThrow();
    assert.deepEqual(row, { owner_id: 'p1', acl: null });
    assert.equal((await db.selectFrom('s3_uploads').select('owner_id').executeTakeFirstOrThrow()).owner_id, 'p1');
    const b = await db.selectFrom('s3_buckets').select(['acl', 'ownership', 'public_access_block']).executeTakeFirstOrThrow();
    assert.deepEqual(storedGrants(b.acl, 'p1'), cannedGrants('public-read', 'p1'));
    assert.equal(b.ownership, null);
    await db.destroy();
  });
});
