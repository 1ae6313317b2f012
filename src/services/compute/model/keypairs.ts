import type { Kysely } from 'kysely';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { AuthContext } from '../../../platform/auth.js';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { ApiError, badRequest, conflict, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { ComputeTables, KeypairRow } from '../store/tables.js';
import type { QuotaService } from './quotas.js';

const SSH_TYPES = ['ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com'];
const NAME = /^[\w\- .@]{1,255}$/;

const colonHex = (buf: Buffer) => buf.toString('hex').match(/../g)!.join(':');

/** Nova's fingerprint: MD5 of the key blob for SSH keys, SHA-1 of the DER certificate for x509. */
export function fingerprint(type: string, publicKey: string): string {
  if (type === 'x509') {
    try {
      return colonHex(createHash('sha1').update(new X509Certificate(publicKey).raw).digest());
    } catch {
      throw badRequest('Keypair data is invalid: failed to generate fingerprint');
    }
  }
  const [kind, b64] = publicKey.trim().split(/\s+/);
  const blob = b64 && /^[A-Za-z0-9+/]+=*$/.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
  // The blob starts with the key type as a length-prefixed string.
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (!SSH_TYPES.includes(kind) || len <= 0 || blob.subarray(4, 4 + len).toString() !== kind) {
    throw badRequest('Keypair data is invalid: failed to generate fingerprint');
  }
  return colonHex(createHash('md5').update(blob).digest());
}

/** A new RSA key pair as Nova generated them before 2.92: OpenSSH public key, PEM (PKCS#1) private key. */
export function generateSshKey(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const mpint = (b64url: string) => {
    const raw = Buffer.from(b64url, 'base64url');
    return raw[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), raw]) : raw;
  };
  // The SSH wire format: length-prefixed strings "ssh-rsa", e, n.
  const sshString = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const blob = Buffer.concat([Buffer.from('ssh-rsa'), mpint(jwk.e!), mpint(jwk.n!)].map(sshString));
  return { publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
}

/** Keypairs belong to a user (not a project); admins may act for another user (2.10). */
export class KeypairService {
  constructor(
    private readonly db: Kysely<ComputeTables>,
    private readonly quotas: QuotaService,
  ) {}

  list(userId: string): Promise<KeypairRow[]> {
    return this.db.selectFrom('compute_keypairs').selectAll().where('user_id', '=', userId).orderBy('name').execute();
  }

  async get(userId: string, name: string): Promise<KeypairRow> {
    const row = await this.db.selectFrom('compute_keypairs').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(`Keypair ${name} not found for user ${userId}`);
    return row;
  }

  async import(auth: AuthContext, userId: string, name: string, type: string, publicKey: string): Promise<KeypairRow> {
    if (!NAME.test(name.trim()) || name.trim() !== name) {
      throw badRequest("Keypair data is invalid: Keypair name contains unsafe characters");
    }
    const count = (await this.list(userId)).length;
    const limit = await this.quotas.limit(auth.projectId ?? '', 'key_pairs');
    if (limit >= 0 && count + 1 > limit) throw new ApiError('overQuota', 'Quota exceeded, too many key pairs.');
    const row: KeypairRow = { id: uuid(), user_id: userId, name, type, public_key: publicKey, fingerprint: fingerprint(type, publicKey), created_at: new Date().toISOString() };
    try {
      await this.db.insertInto('compute_keypairs').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`Key pair '${name}' already exists.`);
      throw e;
    }
    return row;
  }

  async remove(userId: string, name: string): Promise<void> {
    await this.get(userId, name);
    await this.db.deleteFrom('compute_keypairs').where('user_id', '=', userId).where('name', '=', name).execute();
  }
}
