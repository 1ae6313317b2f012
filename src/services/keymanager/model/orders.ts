import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { badRequest, notFound } from '../../../platform/errors.js';
import { nowIso, uuid } from '../../../platform/ids.js';
import type { KeyManagerTables, OrderRow } from '../store/tables.js';
import { utcIso, type Caller } from './common.js';
import type { ContainerService } from './containers.js';
import type { QuotaService } from './quotas.js';
import type { SecretService } from './secrets.js';

export interface OrderMeta {
  name?: string | null;
  algorithm: string;
  bit_length: number;
  mode?: string | null;
  payload_content_type?: string;
  /** As the client sent it (rendered back verbatim). */
  expiration?: string | null;
}

/**
 * Orders make the key manager generate the secret. Generating a symmetric key or an RSA pair
 * takes milliseconds, so the order is fulfilled within the request and is ACTIVE when answered.
 */
export class OrderService {
  constructor(
    private readonly db: Kysely<KeyManagerTables>,
    private readonly secrets: SecretService,
    private readonly containers: ContainerService,
    private readonly quotas: QuotaService,
  ) {}

  async create(caller: Caller, type: 'key' | 'asymmetric', meta: OrderMeta): Promise<OrderRow> {
    await this.quotas.check(caller.projectId, 'orders');
    const common = { name: meta.name, algorithm: meta.algorithm, bitLength: meta.bit_length, mode: meta.mode, expiration: meta.expiration ? utcIso(meta.expiration, 'expiration') : null };
    let secretId: string | null = null;
    let containerId: string | null = null;
    if (type === 'key') {
      if (!['aes', 'des', '3des', 'hmacsha1', 'hmacsha256', 'hmacsha384', 'hmacsha512'].includes(meta.algorithm.toLowerCase())) {
        throw badRequest(`Invalid algorithm '${meta.algorithm}' for a key order.`);
      }
      if (meta.bit_length <= 0 || meta.bit_length % 8 !== 0) throw badRequest("Must be a positive integer that is a multiple of 8: 'bit_length'.");
      const data = randomBytes(meta.bit_length / 8);
      secretId = (await this.secrets.create(caller, { ...common, secretType: 'symmetric', payload: { data, contentType: 'application/octet-stream' } })).id;
    } else {
      if (meta.algorithm.toLowerCase() !== 'rsa') throw badRequest(`Invalid algorithm '${meta.algorithm}' for an asymmetric order: only rsa.`);
      if (![1024, 2048, 3072, 4096].includes(meta.bit_length)) throw badRequest('Invalid bit_length for an rsa order: 1024, 2048, 3072 or 4096.');
      const pair = generateKeyPairSync('rsa', { modulusLength: meta.bit_length });
      const priv = Buffer.from(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      const pub = Buffer.from(pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
      const privRow = await this.secrets.create(caller, { ...common, secretType: 'private', payload: { data: priv, contentType: 'application/octet-stream' } });
      const pubRow = await this.secrets.create(caller, { ...common, secretType: 'public', payload: { data: pub, contentType: 'application/octet-stream' } });
      const container = await this.containers.create(caller, {
        name: meta.name,
        type: 'rsa',
        refs: [
          { name: 'private_key', secret_id: privRow.id },
          { name: 'public_key', secret_id: pubRow.id },
        ],
      });
      containerId = container.id;
    }
    const now = nowIso();
    const row: OrderRow = {
      id: uuid(),
      project_id: caller.projectId,
      creator_id: caller.userId,
      type,
      meta: JSON.stringify(meta),
      status: 'ACTIVE',
      secret_id: secretId,
      container_id: containerId,
      error_status_code: null,
      error_reason: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('km_orders').values(row).execute();
    return row;
  }

  async find(caller: Caller, id: string): Promise<OrderRow> {
    const row = await this.db.selectFrom('km_orders').selectAll().where('id', '=', id).where('project_id', '=', caller.projectId).executeTakeFirst();
    if (!row) throw notFound('Order not found.');
    return row;
  }

  async list(caller: Caller, page: { limit: number; offset: number }): Promise<{ rows: OrderRow[]; total: number }> {
    const base = this.db.selectFrom('km_orders').where('project_id', '=', caller.projectId);
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const rows = await base.selectAll().orderBy('created_at').orderBy('id').limit(page.limit).offset(page.offset).execute();
    return { rows, total: Number(total?.n ?? 0) };
  }

  /** Deleting an order leaves the secret it generated, as in Barbican. */
  async delete(row: OrderRow): Promise<void> {
    await this.db.deleteFrom('km_orders').where('id', '=', row.id).execute();
  }
}
