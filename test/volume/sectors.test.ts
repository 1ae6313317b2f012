import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SECTOR, decryptSectors, encryptSectors } from '../../src/services/volume/drivers/sectors.js';

/** OpenSSL's aes-256-xts of one sector at a time, the tweak being the sector number: what dm-crypt's aes-xts-plain64 stores. */
function perSector(key: Buffer, first: number, data: Buffer, encrypt: boolean): Buffer {
  const out = Buffer.alloc(data.length);
  const algorithm = key.length === 64 ? 'aes-256-xts' : 'aes-128-xts';
  for (let off = 0; off < data.length; off += SECTOR) {
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64LE(BigInt(first + off / SECTOR));
    const c = encrypt ? createCipheriv(algorithm, key, iv) : createDecipheriv(algorithm, key, iv);
    Buffer.concat([c.update(data.subarray(off, off + SECTOR)), c.final()]).copy(out, off);
  }
  return out;
}

test('sectors sealed in bulk are byte for byte OpenSSL aes-256-xts per sector, so volumes written either way read back', () => {
  const key = randomBytes(64);
  for (const first of [0, 1, 4095, 2 ** 32 + 5]) {
    // An unaligned view, as stream chunks often are.
    const plain = randomBytes(SECTOR * 19 + 1).subarray(1);
    const sealed = encryptSectors(key, first, plain);
    assert.ok(sealed.equals(perSector(key, first, plain, true)), `sector ${first}`);
    assert.ok(decryptSectors(key, first, sealed).equals(plain));
    assert.ok(decryptSectors(key, first, perSector(key, first, plain, true)).equals(plain));
  }
});

test('a hole (a zero sector on disk) reads as zeros between sealed sectors', () => {
  const key = randomBytes(64);
  const plain = randomBytes(SECTOR * 5);
  plain.fill(0, SECTOR, 3 * SECTOR);
  const stored = encryptSectors(key, 10, plain);
  stored.fill(0, SECTOR, 3 * SECTOR);
  assert.ok(decryptSectors(key, 10, stored).equals(plain));
});

test('a 256-bit key (a type with key_size 256) is OpenSSL aes-128-xts per sector; other sizes are refused', () => {
  const key = randomBytes(32);
  const plain = randomBytes(SECTOR * 3);
  const sealed = encryptSectors(key, 7, plain);
  assert.ok(sealed.equals(perSector(key, 7, plain, true)));
  assert.ok(decryptSectors(key, 7, sealed).equals(plain));
  assert.throws(() => encryptSectors(randomBytes(16), 0, plain), /XTS key/);
});
