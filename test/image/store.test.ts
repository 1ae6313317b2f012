import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HashPool } from '../../src/platform/hashing.js';
import { MasterKey } from '../../src/platform/keys.js';
import { LocalImageStore, WriteLimitError } from '../../src/services/image/stores/local.js';

/** `data` in pieces of uneven sizes, as a socket delivers it. */
async function* pieces(data: Buffer): AsyncGenerator<Buffer> {
  const sizes = [1, 65536, 7, 300_000, 1 << 20, 123_457];
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length], data.length - off);
    yield data.subarray(off, off + n);
    off += n;
  }
}

const digest = (alg: string, data: Buffer) => createHash(alg).update(data).digest('hex');

async function readAll(s: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(p);
  return Buffer.concat(parts);
}

describe('image: byte store and hash workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scs-image-store-'));
  const pool = new HashPool(2);
  after(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hash workers give the digests of the whole stream, across ring slots and after an abort', async () => {
    const data = randomBytes(9 * 1024 * 1024 + 12345); // more than the ring holds
    const aborted = pool.start(['md5', 'sha512']);
    await aborted.update(randomBytes(3 << 20));
    aborted.abort();
    // The aborted stream's workers come back to the pool and serve the next stream.
    const h = pool.start(['md5', 'sha512']);
    for await (const p of pieces(data)) await h.update(p);
    assert.deepEqual(await h.digest(), { md5: digest('md5', data), sha512: digest('sha512', data) });
    // More streams than workers: the ones without workers hash inline, with the same results.
    const [a, b] = [pool.start(['md5', 'sha256']), pool.start(['md5', 'sha256'])];
    await Promise.all([a.update(data), b.update(data.subarray(1))]);
    assert.deepEqual(await a.digest(), { md5: digest('md5', data), sha256: digest('sha256', data) });
    assert.deepEqual(await b.digest(), { md5: digest('md5', data.subarray(1)), sha256: digest('sha256', data.subarray(1)) });
  });

  for (const encrypt of [true, false]) {
    it(`writes and reads back multi-chunk data (encryption ${encrypt ? 'on' : 'off'}), ranges included`, async () => {
      const store = new LocalImageStore(join(dir, String(encrypt)), MasterKey.loadOrCreate(dir), encrypt, pool);
      const data = randomBytes(5 * 1024 * 1024 + 99);
      const stored = await store.write('img', 'tok', pieces(data), { expectedSize: data.length });
      assert.equal(stored.size, data.length);
      assert.equal(stored.md5, digest('md5', data));
      assert.equal(stored.sha512, digest('sha512', data));
      assert.equal(stored.key !== null, encrypt);
      assert.deepEqual(readdirSync(store.dir), [stored.file]);
      assert.ok((await readAll(store.read('img', stored))).equals(data));
      const [start, end] = [1024 * 1024 - 3, 3 * 1024 * 1024 + 5];
      assert.ok((await readAll(store.read('img', stored, { start, end }))).equals(data.subarray(start, end + 1)));
    });
  }

  it('a write over its limit leaves no file behind', async () => {
    const store = new LocalImageStore(join(dir, 'limit'), MasterKey.loadOrCreate(dir), true, pool);
    const data = randomBytes(3 * 1024 * 1024);
    await assert.rejects(store.write('img', 'tok', pieces(data), { maxBytes: 2 * 1024 * 1024 }), WriteLimitError);
    await assert.rejects(store.write('img', 'tok2', pieces(data), { expectedSize: data.length + 1 }), WriteLimitError);
    assert.deepEqual(readdirSync(store.dir), []);
  });
});
