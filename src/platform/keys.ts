import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ALG = 'aes-256-gcm';
const IV = 12;
const TAG = 16;

/** AES-256-GCM: iv | ciphertext | tag. `aad` binds the ciphertext to its context. */
export function seal(key: Buffer, plain: Buffer, aad?: Buffer): Buffer {
  const iv = randomBytes(IV);
  const c = createCipheriv(ALG, key, iv);
  if (aad) c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]);
}

/** Inverse of `seal`; throws when the data or the AAD were tampered with. */
export function open(key: Buffer, sealed: Buffer, aad?: Buffer): Buffer {
  if (sealed.length < IV + TAG) throw new Error('sealed data too short');
  const d = createDecipheriv(ALG, key, sealed.subarray(0, IV));
  if (aad) d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  return Buffer.concat([d.update(sealed.subarray(IV, sealed.length - TAG)), d.final()]);
}

function writeSecretFile(path: string, data: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
  chmodSync(path, 0o600);
}

/**
 * A rotating key repository laid out like Keystone's fernet keys: files named by integers,
 * `0` is the staged key (next primary), the highest number is the primary that encrypts,
 * every key decrypts. Rotation promotes the staged key and drops the oldest beyond `maxActive`.
 */
export class KeyRepository {
  private keys = new Map<number, Buffer>();

  constructor(
    private readonly dir: string,
    private readonly maxActive = 3,
  ) {}

  /** Loads the keys, creating a staged and a primary key on first use. */
  load(): this {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (this.indexes().length === 0) {
      writeSecretFile(join(this.dir, '0'), randomBytes(32).toString('base64'));
      writeSecretFile(join(this.dir, '1'), randomBytes(32).toString('base64'));
    }
    this.keys = new Map(this.indexes().map((i) => [i, Buffer.from(readFileSync(join(this.dir, String(i)), 'utf8').trim(), 'base64')]));
    return this;
  }

  private indexes(): number[] {
    return readdirSync(this.dir)
      .filter((f) => /^\d+$/.test(f))
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** The id and key that encrypt new data. */
  primary(): { id: number; key: Buffer } {
    const id = Math.max(...this.keys.keys());
    return { id, key: this.keys.get(id)! };
  }

  get(id: number): Buffer | undefined {
    return this.keys.get(id);
  }

  /** Keys in the order to try when a key id is unknown: primary first. */
  all(): Buffer[] {
    return [...this.keys.entries()].sort((a, b) => b[0] - a[0]).map(([, k]) => k);
  }

  rotate(): { primary: number; removed: number[] } {
    const idx = this.indexes();
    const next = Math.max(...idx) + 1;
    renameSync(join(this.dir, '0'), join(this.dir, String(next)));
    writeSecretFile(join(this.dir, '0'), randomBytes(32).toString('base64'));
    const removed: number[] = [];
    const active = this.indexes().filter((i) => i !== 0);
    // staged + primary + secondaries must fit in maxActive.
    while (active.length + 1 > this.maxActive && active.length > 1) {
      const oldest = active.shift()!;
      unlinkSync(join(this.dir, String(oldest)));
      removed.push(oldest);
    }
    this.load();
    return { primary: next, removed };
  }
}

/**
 * The master key of the data folder. It never encrypts data itself: it wraps the data keys that do
 * (envelope encryption), so rotating it only rewraps small keys.
 */
export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  static loadOrCreate(dataDir: string): MasterKey {
    const dir = join(dataDir, 'keys');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'master.key');
    if (!existsSync(file)) writeSecretFile(file, randomBytes(32).toString('base64'));
    return new MasterKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  /** A fresh random data key and its wrapped form to store beside the data. */
  newDataKey(context: string): { key: Buffer; wrapped: string } {
    const key = randomBytes(32);
    return { key, wrapped: this.wrap(key, context) };
  }

  wrap(secret: Buffer, context: string): string {
    return seal(this.key, secret, Buffer.from(context)).toString('base64');
  }

  unwrap(wrapped: string, context: string): Buffer {
    return open(this.key, Buffer.from(wrapped, 'base64'), Buffer.from(context));
  }
}
