import type { Kysely } from 'kysely';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { nowIso, uuid } from '../../../platform/ids.js';
import type { ConsumerRow, ContainerRow, KeyManagerTables } from '../store/tables.js';
import type { Acl, Acls } from './acls.js';
import { json, type Caller } from './common.js';
import type { QuotaService } from './quotas.js';
import type { SecretService } from './secrets.js';

export interface SecretRef {
  name: string;
  secret_id: string;
}

/** Which secret names a typed container takes, and which of them it must have. */
const TYPED: Record<string, { allowed: string[]; required: string[] }> = {
  certificate: { allowed: ['certificate', 'private_key', 'private_key_passphrase', 'intermediates'], required: ['certificate'] },
  rsa: { allowed: ['public_key', 'private_key', 'private_key_passphrase'], required: ['public_key', 'private_key'] },
};

const notFoundContainer = () => notFound('Container not found.');

export class ContainerService {
  constructor(
    private readonly db: Kysely<KeyManagerTables>,
    private readonly secrets: SecretService,
    private readonly acls: Acls,
    private readonly quotas: QuotaService,
  ) {}

  async create(caller: Caller, input: { name?: string | null; type: string; refs: SecretRef[] }): Promise<ContainerRow> {
    const names = input.refs.map((r) => r.name);
    const rule = TYPED[input.type];
    if (rule) {
      const wrong = names.filter((n) => !rule.allowed.includes(n));
      if (wrong.length) throw badRequest(`Provided object does not match schema 'Container': only ${rule.allowed.join(', ')} are allowed in a ${input.type} container.`);
      const missing = rule.required.filter((n) => !names.includes(n));
      if (missing.length) throw badRequest(`Provided object does not match schema 'Container': ${missing.join(', ')} must be present.`);
    }
    if (new Set(names).size !== names.length && rule) {
      throw badRequest("Provided object does not match schema 'Container': duplicate secret names.");
    }
    for (const ref of input.refs) {
      try {
        await this.secrets.findInProject(caller, ref.secret_id);
      } catch {
        throw notFound(`Secret provided for '${ref.name}' doesn't exist.`);
      }
    }
    await this.quotas.check(caller.projectId, 'containers');
    const now = nowIso();
    const row: ContainerRow = {
      id: uuid(),
      project_id: caller.projectId,
      creator_id: caller.userId,
      name: input.name ?? null,
      type: input.type,
      secret_refs: JSON.stringify(input.refs),
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('km_containers').values(row).execute();
    return row;
  }

  /** Same visibility as secrets: the project's containers, or one whose read ACL lists the caller. */
  /** A container by id whatever its project: the policy decides (403 for another project's), as in Barbican. */
  async find(id: string): Promise<{ row: ContainerRow; acl?: Acl }> {
    const row = await this.db.selectFrom('km_containers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFoundContainer();
    return { row, acl: await this.acls.get(id) };
  }

  async list(caller: Caller, f: { name?: string; type?: string; limit: number; offset: number }): Promise<{ rows: ContainerRow[]; total: number }> {
    let base = this.db.selectFrom('km_containers').where('project_id', '=', caller.projectId);
    if (f.name !== undefined) base = base.where('name', '=', f.name);
    if (f.type !== undefined) base = base.where('type', '=', f.type);
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const rows = await base.selectAll().orderBy('created_at').orderBy('id').limit(f.limit).offset(f.offset).execute();
    return { rows, total: Number(total?.n ?? 0) };
  }

  refs(row: ContainerRow): SecretRef[] {
    return json<SecretRef[]>(row.secret_refs);
  }

  /** Adds a project secret to a generic container (Barbican's container secrets API). */
  async addSecret(caller: Caller, row: ContainerRow, ref: SecretRef): Promise<void> {
    if (row.type !== 'generic') throw badRequest("Only 'generic' containers can be modified.");
    try {
      await this.secrets.findInProject(caller, ref.secret_id);
    } catch {
      throw notFound("Secret provided doesn't exist.");
    }
    const refs = this.refs(row);
    if (refs.some((r) => r.secret_id === ref.secret_id && r.name === ref.name)) {
      throw conflict('Conflict. A secret with that name and ID is already stored in this container. The same secret can exist in a container as long as the name is unique.');
    }
    await this.replaceRefs(row, [...refs, ref]);
  }

  async removeSecret(row: ContainerRow, ref: SecretRef): Promise<void> {
    const refs = this.refs(row);
    const rest = refs.filter((r) => !(r.secret_id === ref.secret_id && r.name === ref.name));
    if (rest.length === refs.length) throw notFound('Secret provided is not in the container');
    await this.replaceRefs(row, rest);
  }

  /** Compare-and-set on the stored list, so that two concurrent changes cannot drop each other. */
  private async replaceRefs(row: ContainerRow, refs: SecretRef[]): Promise<void> {
    const r = await this.db
      .updateTable('km_containers')
      .set({ secret_refs: JSON.stringify(refs), updated_at: nowIso() })
      .where('id', '=', row.id)
      .where('secret_refs', '=', row.secret_refs)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw conflict('The container was changed concurrently; retry.');
  }

  async delete(row: ContainerRow): Promise<void> {
    await this.db.deleteFrom('km_container_consumers').where('container_id', '=', row.id).execute();
    await this.db.deleteFrom('km_containers').where('id', '=', row.id).execute();
    await this.acls.delete(row.id);
  }

  async consumers(containerId: string, page?: { limit: number; offset: number }): Promise<{ rows: ConsumerRow[]; total: number }> {
    const base = this.db.selectFrom('km_container_consumers').where('container_id', '=', containerId);
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    let q = base.selectAll().orderBy('created_at').orderBy('name').orderBy('url');
    if (page) q = q.limit(page.limit).offset(page.offset);
    return { rows: await q.execute(), total: Number(total?.n ?? 0) };
  }

  /** Registering the same consumer twice is not an error (Barbican keeps one). */
  async addConsumer(row: ContainerRow, name: string, url: string): Promise<void> {
    const exists = await this.db
      .selectFrom('km_container_consumers')
      .select('name')
      .where('container_id', '=', row.id)
      .where('name', '=', name)
      .where('url', '=', url)
      .executeTakeFirst();
    if (exists) return;
    await this.quotas.check(row.project_id, 'consumers');
    try {
      await this.db.insertInto('km_container_consumers').values({ container_id: row.id, name, url, created_at: nowIso() }).execute();
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
  }

  async removeConsumer(row: ContainerRow, name: string, url: string): Promise<void> {
    const r = await this.db
      .deleteFrom('km_container_consumers')
      .where('container_id', '=', row.id)
      .where('name', '=', name)
      .where('url', '=', url)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('Consumer not found.');
  }
}
