import { createHash, randomBytes } from 'node:crypto';
import { badRequest, notFound } from '../../../platform/errors.js';
import { hexId, nowIso } from '../../../platform/ids.js';
import type { MasterKey } from '../../../platform/keys.js';
import { isObj } from '../../../platform/http/validate.js';
import type { CredentialRow, IdentityDb } from '../store/tables.js';

/** Keystone stores an EC2 credential under the SHA-256 of its access key. */
export const ec2CredentialId = (access: string) => createHash('sha256').update(access).digest('hex');

/** A credential with its blob opened (the JSON string the API shows). */
export interface Credential {
  id: string;
  userId: string;
  projectId: string | null;
  type: string;
  blob: string;
}

/** Blob keys of an `ec2` credential that bind it to a delegation; Keystone refuses to change them. */
const SCOPE_KEYS = ['trust_id', 'app_cred_id', 'access_token_id', 'access_id'];

/** Keystone's message for a missing field, a 400. */
const expecting = (attr: string, target: string) =>
  badRequest(
    `Expecting to find ${attr} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );

/** The access key of an EC2 blob; 400 unless the blob is JSON with a string `access`. */
function ec2Access(blob: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(blob);
  } catch {
    throw badRequest('Invalid blob in credential');
  }
  if (!isObj(parsed) || typeof parsed.access !== 'string' || !parsed.access) throw expecting('access', 'blob');
  return parsed.access;
}

/**
 * Credentials (`ec2`, `totp`, `cert`, ...). The blob is wrapped by the master key, bound to the
 * credential id, because EC2 secrets must be readable again to check request signatures.
 */
export class Credentials {
  constructor(
    private readonly db: IdentityDb,
    private readonly masterKey: MasterKey,
  ) {}

  private open(row: CredentialRow): Credential {
    const blob = this.masterKey.unwrap(row.encrypted_blob, `credential:${row.id}`).toString('utf8');
    return { id: row.id, userId: row.user_id, projectId: row.project_id, type: row.type, blob };
  }

  private seal(id: string, blob: string): string {
    return this.masterKey.wrap(Buffer.from(blob, 'utf8'), `credential:${id}`);
  }

  /** Creates a credential; an `ec2` one needs a project and gets the id Keystone gives it. */
  async create(c: Omit<Credential, 'id'>): Promise<Credential> {
    let id = hexId();
    if (c.type === 'ec2') {
      id = ec2CredentialId(ec2Access(c.blob));
      if (!c.projectId) throw expecting('project_id', 'credential');
    }
    await this.db
      .insertInto('id_credentials')
      .values({ id, user_id: c.userId, project_id: c.projectId, type: c.type, encrypted_blob: this.seal(id, c.blob), extra: '{}', created_at: nowIso() })
      .execute();
    return { ...c, id };
  }

  /** A fresh EC2 key pair for the user on the project (random hex access and secret, as Keystone). */
  createEc2(userId: string, projectId: string): Promise<Credential> {
    const blob = JSON.stringify({ access: randomBytes(16).toString('hex'), secret: randomBytes(16).toString('hex'), trust_id: null });
    return this.create({ userId, projectId, type: 'ec2', blob });
  }

  async get(id: string): Promise<Credential | undefined> {
    const row = await this.db.selectFrom('id_credentials').selectAll().where('id', '=', id).executeTakeFirst();
    return row && this.open(row);
  }

  async require(id: string): Promise<Credential> {
    const c = await this.get(id);
    if (!c) throw notFound(`Could not find credential: ${id}.`);
    return c;
  }

  async list(f: { userId?: string; type?: string }): Promise<Credential[]> {
    let q = this.db.selectFrom('id_credentials').selectAll().orderBy('created_at').orderBy('id');
    if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
    if (f.type !== undefined) q = q.where('type', '=', f.type);
    return (await q.execute()).map((r) => this.open(r));
  }

  /**
   * Updates fields. As in Keystone an `ec2` blob may get a new access key (the id stays the hash of
   * the first one, so EC2 requests find it by neither key afterwards) but not new scope keys.
   */
  async update(id: string, patch: Partial<Omit<Credential, 'id'>>): Promise<Credential> {
    const cur = await this.require(id);
    const next = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    if (next.type === 'ec2') {
      ec2Access(next.blob);
      if (cur.type === 'ec2') {
        const [before, after] = [JSON.parse(cur.blob) as Record<string, unknown>, JSON.parse(next.blob) as Record<string, unknown>];
        const changed = SCOPE_KEYS.find((k) => (before[k] ?? null) !== (after[k] ?? null));
        if (changed) throw badRequest(`${changed} can not be updated for credential`);
      }
      if (!next.projectId) throw expecting('project_id', 'credential');
    }
    await this.db
      .updateTable('id_credentials')
      .set({ user_id: next.userId, project_id: next.projectId, type: next.type, encrypted_blob: this.seal(id, next.blob) })
      .where('id', '=', id)
      .execute();
    return next;
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('id_credentials').where('id', '=', id).execute();
  }

  /** The EC2 credential of an access key, with its secret; undefined when there is none. */
  async findEc2(access: string): Promise<{ access: string; secret: string; userId: string; projectId: string } | undefined> {
    const c = await this.get(ec2CredentialId(access));
    if (!c || c.type !== 'ec2' || !c.projectId) return undefined;
    const blob = JSON.parse(c.blob) as { access?: unknown; secret?: unknown };
    if (blob.access !== access || typeof blob.secret !== 'string') return undefined;
    return { access, secret: blob.secret, userId: c.userId, projectId: c.projectId };
  }
}
