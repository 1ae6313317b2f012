import type { Kysely, SelectQueryBuilder } from 'kysely';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { nowIso, uuid } from '../../../platform/ids.js';
import type { KeyManagerTables, SecretRow } from '../store/tables.js';
import type { Acl, Acls } from './acls.js';
import { json, type Caller } from './common.js';
import type { ProjectKeys } from './kek.js';
import type { QuotaService } from './quotas.js';

export interface NewSecret {
  name?: string | null;
  secretType: string;
  algorithm?: string | null;
  bitLength?: number | null;
  mode?: string | null;
  expiration?: string | null;
  /** With a payload the secret is complete; without, it waits for `PUT` (two-step create). */
  payload?: { data: Buffer; contentType: string };
}

/** A secret as a caller sees it, with its ACL (needed by the policy checks). */
export interface VisibleSecret {
  row: SecretRow;
  acl?: Acl;
}

/** A date filter `gt:2020-01-01T00:00:00,lt:...` on `created`, `updated` or `expiration`. */
export interface DateFilter {
  column: 'created_at' | 'updated_at' | 'expiration';
  op: '>' | '>=' | '<' | '<=' | '=';
  value: string;
}

export interface SecretFilters {
  name?: string;
  algorithm?: string;
  mode?: string;
  bitLength?: number;
  secretType?: string;
  dates: DateFilter[];
  sort: Array<{ column: keyof SecretRow; desc: boolean }>;
  limit: number;
  offset: number;
}

const notFoundSecret = () => notFound('Secret not found.');

export class SecretService {
  constructor(
    private readonly db: Kysely<KeyManagerTables>,
    private readonly keys: ProjectKeys,
    private readonly acls: Acls,
    private readonly quotas: QuotaService,
  ) {}

  async create(caller: Caller, input: NewSecret): Promise<SecretRow> {
    if (input.expiration && input.expiration <= nowIso()) throw badRequest("'expiration' is before current time");
    await this.quotas.check(caller.projectId, 'secrets');
    const id = uuid();
    const now = nowIso();
    const row: SecretRow = {
      id,
      project_id: caller.projectId,
      creator_id: caller.userId,
      name: input.name ?? null,
      secret_type: input.secretType,
      algorithm: input.algorithm ?? null,
      bit_length: input.bitLength ?? null,
      mode: input.mode ?? null,
      expiration: input.expiration ?? null,
      content_type: input.payload?.contentType ?? null,
      payload: input.payload ? await this.keys.seal(caller.projectId, id, input.payload.data) : null,
      metadata: '{}',
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('km_secrets').values(row).execute();
    return row;
  }

  /**
   * The secret if the caller may know it exists: its project's secret, or one whose read ACL
   * lists the caller. Expired secrets are gone, as in Barbican.
   */
  /**
   * A secret by id whatever its project: as in Barbican, the policy then decides, so another
   * project's secret is 403, not 404.
   */
  async find(id: string): Promise<VisibleSecret> {
    const row = await this.db.selectFrom('km_secrets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (row.expiration && row.expiration <= nowIso())) throw notFoundSecret();
    return { row, acl: await this.acls.get(id) };
  }

  /** A secret of the caller's project (what containers may refer to); 404 otherwise. */
  async findInProject(caller: Caller, id: string): Promise<SecretRow> {
    const { row } = await this.find(id);
    if (row.project_id !== caller.projectId) throw notFoundSecret();
    return row;
  }

  async list(caller: Caller, f: SecretFilters): Promise<{ rows: SecretRow[]; total: number }> {
    const now = nowIso();
    const filtered = <O>(q: SelectQueryBuilder<KeyManagerTables, 'km_secrets', O>) => {
      q = q.where('project_id', '=', caller.projectId).where((eb) => eb.or([eb('expiration', 'is', null), eb('expiration', '>', now)]));
      if (f.name !== undefined) q = q.where('name', '=', f.name);
      if (f.algorithm !== undefined) q = q.where('algorithm', '=', f.algorithm);
      if (f.mode !== undefined) q = q.where('mode', '=', f.mode);
      if (f.bitLength !== undefined) q = q.where('bit_length', '=', f.bitLength);
      if (f.secretType !== undefined) q = q.where('secret_type', '=', f.secretType);
      for (const d of f.dates) q = q.where(d.column, d.op, d.value);
      return q;
    };
    const total = await filtered(this.db.selectFrom('km_secrets').select((eb) => eb.fn.countAll<number>().as('n'))).executeTakeFirst();
    let q = filtered(this.db.selectFrom('km_secrets').selectAll());
    for (const s of f.sort) q = q.orderBy(s.column, s.desc ? 'desc' : 'asc');
    const rows = await q.orderBy('created_at').orderBy('id').limit(f.limit).offset(f.offset).execute();
    return { rows, total: Number(total?.n ?? 0) };
  }

  /** Second step of a two-step create: only a secret without a payload takes one. */
  async putPayload(secret: SecretRow, data: Buffer, contentType: string): Promise<void> {
    const sealed = await this.keys.seal(secret.project_id, secret.id, data);
    const r = await this.db
      .updateTable('km_secrets')
      .set({ payload: sealed, content_type: contentType, updated_at: nowIso() })
      .where('id', '=', secret.id)
      .where('payload', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw conflict('Secret already has data, cannot modify it.');
  }

  async payload(secret: SecretRow): Promise<Buffer> {
    if (secret.payload === null) throw notFound('Secret payload not found.');
    return this.keys.open(secret.project_id, secret.id, secret.payload);
  }

  async delete(secret: SecretRow): Promise<void> {
    await this.db.deleteFrom('km_secrets').where('id', '=', secret.id).execute();
    await this.acls.delete(secret.id);
  }

  metadata(secret: SecretRow): Record<string, string> {
    return json<Record<string, string>>(secret.metadata);
  }

  /** Rewrites the metadata with compare-and-set on the previous document, retrying on a race. */
  async updateMetadata(caller: Caller, id: string, change: (m: Record<string, string>) => Record<string, string>): Promise<Record<string, string>> {
    for (;;) {
      const { row } = await this.find(id);
      const next = change(this.metadata(row));
      const r = await this.db
        .updateTable('km_secrets')
        .set({ metadata: JSON.stringify(next), updated_at: nowIso() })
        .where('id', '=', id)
        .where('metadata', '=', row.metadata)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) return next;
    }
  }
}
