import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { MasterKey } from '../../src/platform/keys.js';
import { AwsChunkedDecoder } from '../../src/services/objectstore/api/chunked.js';
import { SigV4Verifier } from '../../src/services/objectstore/api/sigv4.js';
import { crc32c } from '../../src/services/objectstore/model/checksums.js';
import { CHUNK } from '../../src/services/objectstore/model/encryption.js';
import { Engine } from '../../src/services/objectstore/model/engine.js';
import { BlobStore } from '../../src/services/objectstore/store/blobs.js';

const collect = async (r: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

// The worked examples of the AWS Signature Version 4 documentation for S3.
const AWS_EXAMPLE = { access: 'AKIAIOSFODNN7EXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', userId: 'u', projectId: 'p' };
const at20130524 = () => Date.UTC(2013, 4, 24, 0, 0, 0);

describe('objectstore: engine, signatures and chunk decoding (units)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scs-s3-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies the AWS documentation example of a signed GET with a Range header', async () => {
    const v = new SigV4Verifier(async (a) => (a === AWS_EXAMPLE.access ? AWS_EXAMPLE : undefined), at20130524);
    const headers = {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-amz-date': '20130524T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    };
    const ok = await v.verify({ method: 'GET', path: '/test.txt', query: '', headers });
    assert.equal(ok?.credential.userId, 'u');
    await assert.rejects(v.verify({ method: 'GET', path: '/test.txt', query: '', headers: { ...headers, range: 'bytes=0-10' } }), { code: 'SignatureDoesNotMatch' });
    const late = new SigV4Verifier(async () => AWS_EXAMPLE, () => at20130524() + 16 * 60_000);
    await assert.rejects(late.verify({ method: 'GET', path: '/test.txt', query: '', headers }), { code: 'RequestTimeTooSkewed' });
  });

  it('decodes the AWS documentation example of a signed aws-chunked upload', async () => {
    const v = new SigV4Verifier(async () => AWS_EXAMPLE, at20130524);
    const headers = {
      host: 's3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560',
      'content-length': '66824',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    };
    const verified = await v.verify({ method: 'PUT', path: '/examplebucket/chunkObject.txt', query: '', headers });
    assert.equal(verified?.payload.kind, 'streaming');
    const chain = verified!.payload.kind === 'streaming' ? verified!.payload.chain : undefined;
    const body = Buffer.concat([
      Buffer.from('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n'),
      Buffer.alloc(65536, 'a'),
      Buffer.from('\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n'),
      Buffer.alloc(1024, 'a'),
      Buffer.from('\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n'),
    ]);
    assert.equal(body.length, 66824);
    // Fed in awkward pieces, so chunk headers straddle reads.
    const pieces = [body.subarray(0, 7), body.subarray(7, 70_000), body.subarray(70_000, 66_700), body.subarray(66_700)];
    const out = await collect(Readable.from(pieces.filter((p) => p.length)).pipe(new AwsChunkedDecoder(chain, false, 66560)));
    assert.ok(out.equals(Buffer.alloc(66560, 'a')));
    const tampered = Buffer.from(body);
    tampered[200] = 'b'.charCodeAt(0);
    await assert.rejects(collect(Readable.from([tampered]).pipe(new AwsChunkedDecoder(chain, false, 66560))), { code: 'SignatureDoesNotMatch' });
    await assert.rejects(collect(Readable.from([body.subarray(0, 40_000)]).pipe(new AwsChunkedDecoder(chain, false, 66560))), { code: 'IncompleteBody' });
  });

  it('computes CRC-32C (Castagnoli) check values', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.from('56789'), crc32c(Buffer.from('1234'))), 0xe3069283);
  });

  it('encrypts in chunks, decrypts any range, and detects tampering', async () => {
    const blobs = new BlobStore(join(dir, 'engine'));
    await blobs.init();
    const engine = new Engine(blobs, MasterKey.loadOrCreate(dir));
    const data = randomBytes(3 * CHUNK + 123);
    const ing = await engine.ingest(Readable.from([data]), [], { size: data.length }, true);
    await blobs.place(ing.pending);
    for (const [s, e] of [[0, data.length - 1], [CHUNK - 1, CHUNK], [5, 9], [2 * CHUNK, 3 * CHUNK + 122], [3 * CHUNK + 122, 3 * CHUNK + 122]]) {
      assert.ok((await collect(engine.read([ing.segment], s, e))).equals(data.subarray(s, e + 1)), `range ${s}-${e}`);
    }
    // Two segments (a multipart object) read as one.
    const ing2 = await engine.ingest(Readable.from([Buffer.from('tail')]), [], {}, true);
    await blobs.place(ing2.pending);
    const both = await collect(engine.read([ing.segment, ing2.segment], data.length - 2, data.length + 3));
    assert.ok(both.equals(Buffer.concat([data.subarray(-2), Buffer.from('tail')])));
    // Chunks are bound to their blob: the same bytes under another blob id do not decrypt.
    const swapped = { ...ing.segment, blob: ing2.segment.blob };
    await assert.rejects(async () => collect(engine.read([swapped], 0, 10)));
  });

  it('hashes large bodies on worker threads with the same digests, and reads them back across file reads', async () => {
    const blobs = new BlobStore(join(dir, 'large'));
    await blobs.init();
    const engine = new Engine(blobs, MasterKey.loadOrCreate(dir));
    after(() => engine.close());
    const data = randomBytes(40 * CHUNK + 5);
    const pieces = [data.subarray(0, 1000), data.subarray(1000, 3 * CHUNK), data.subarray(3 * CHUNK)];
    const sha256Hex = createHash('sha256').update(data).digest('hex');
    const ing = await engine.ingest(Readable.from(pieces), [], { size: data.length, sha256Hex, md5Base64: createHash('md5').update(data).digest('base64') }, true);
    assert.ok(ing.digests.md5.equals(createHash('md5').update(data).digest()));
    assert.equal(ing.digests.sha256!.toString('hex'), sha256Hex);
    await blobs.place(ing.pending);
    for (const [s, e] of [[0, data.length - 1], [16 * CHUNK - 3, 17 * CHUNK + 2], [39 * CHUNK, 40 * CHUNK + 4]]) {
      assert.ok((await collect(engine.read([ing.segment], s, e))).equals(data.subarray(s, e + 1)), `range ${s}-${e}`);
    }
    await assert.rejects(engine.ingest(Readable.from(pieces), [], { size: data.length, sha256Hex: '00'.repeat(32) }, true), { code: 'XAmzContentSHA256Mismatch' });
    assert.deepEqual(readdirSync(join(dir, 'large', 'tmp')), []);
  });

  it('flushes long bodies in the background before the final sync, and keeps cached data keys bound to their blob', async () => {
    const blobs = new BlobStore(join(dir, 'flush'));
    await blobs.init();
    const engine = new Engine(blobs, MasterKey.loadOrCreate(dir));
    after(() => engine.close());
    // 40 MiB: two background flushes (every 16 MiB) while the body still streams.
    const block = randomBytes(1 << 20);
    const blocks = Array.from({ length: 40 }, (_, i) => Buffer.concat([Buffer.from([i]), block.subarray(1)]));
    const data = Buffer.concat(blocks);
    const ing = await engine.ingest(Readable.from(blocks), [], { size: data.length }, true);
    assert.ok(ing.digests.md5.equals(createHash('md5').update(data).digest()));
    await blobs.place(ing.pending);
    assert.ok((await collect(engine.read([ing.segment], 0, data.length - 1))).equals(data));
    assert.ok((await engine.readSmall([ing.segment], 39 << 20, (39 << 20) + 9))!.equals(data.subarray(39 << 20, (39 << 20) + 10)));
    // The data key of a small blob, once unwrapped and cached, opens nothing but that blob.
    const small = await engine.ingest(Readable.from([Buffer.from('small')]), [], {}, true);
    await blobs.place(small.pending);
    assert.equal((await engine.readSmall([small.segment], 0, 4))!.toString(), 'small');
    await assert.rejects(engine.readSmall([{ ...ing.segment, size: 5, key: small.segment.key }], 0, 4));
    await assert.rejects(engine.readSmall([{ ...small.segment, key: ing.segment.key }], 0, 4));
  });

  it('sweeps temp files and unreferenced blobs, sparing young and referenced ones', async () => {
    const root = join(dir, 'sweep');
    const blobs = new BlobStore(root);
    await blobs.init();
    const old = new Date(Date.now() - 2 * 3600_000);
    const mk = (p: string, age?: Date) => {
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, 'x');
      if (age) utimesSync(p, age, age);
    };
    mk(join(root, 'tmp', 'stale'), old);
    mk(join(root, 'tmp', 'inflight'));
    mk(join(root, 'blobs', 'aa', 'aaorphan'), old);
    mk(join(root, 'blobs', 'aa', 'aakept'), old);
    mk(join(root, 'blobs', 'aa', 'aayoung'));
    assert.equal(await blobs.sweep(new Set(['aakept']), 3600_000), 2);
    assert.deepEqual(readdirSync(join(root, 'tmp')), ['inflight']);
    assert.deepEqual(readdirSync(join(root, 'blobs', 'aa')).sort(), ['aakept', 'aayoung']);
    assert.ok(!existsSync(join(root, 'blobs', 'aa', 'aaorphan')));
  });
});
