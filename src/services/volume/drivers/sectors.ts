import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * Encryption at rest for block devices: AES-256-XTS per 4 KiB sector, the tweak being the
 * sector number (as dm-crypt/LUKS do), so any sector can be read or written on its own. A
 * sector that was never written is a hole in the sparse file and reads as zeros; writing a
 * sector of zeros leaves it a hole, so encrypted volumes stay sparse.
 */
export const SECTOR = 4096;
export const KEY_BYTES = 64;

const ZERO_SECTOR = Buffer.alloc(SECTOR);
const ZERO_RUN = Buffer.alloc(1024 * 1024);

function tweak(sector: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64LE(BigInt(sector));
  return iv;
}

export const isZero = (buf: Buffer): boolean => {
  for (let off = 0; off < buf.length; off += ZERO_RUN.length) {
    const end = Math.min(off + ZERO_RUN.length, buf.length);
    if (!buf.subarray(off, end).equals(ZERO_RUN.subarray(0, end - off))) return false;
  }
  return true;
};

/** Encrypts whole sectors of `plain` starting at sector `first`; zero sectors come back as undefined (holes). */
export function encryptSector(key: Buffer, sector: number, plain: Buffer): Buffer | undefined {
  if (plain.equals(ZERO_SECTOR)) return undefined;
  const c = createCipheriv('aes-256-xts', key, tweak(sector));
  return Buffer.concat([c.update(plain), c.final()]);
}

export function decryptSector(key: Buffer, sector: number, stored: Buffer): Buffer {
  if (stored.equals(ZERO_SECTOR)) return ZERO_SECTOR;
  const d = createDecipheriv('aes-256-xts', key, tweak(sector));
  return Buffer.concat([d.update(stored), d.final()]);
}
