import type { Kysely } from 'kysely';
import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { SequenceStore } from '../store/sequences.js';
import type { ServerStore } from '../store/servers.js';
import type { ComputeTables, ServerGroupRow } from '../store/tables.js';
import type { QuotaService } from './quotas.js';
import { groupSequence } from './scheduler.js';

export const POLICIES = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'];

export interface ServerGroup {
  row: ServerGroupRow;
  rules: Record<string, number>;
  members: string[];
}

/** Server groups: a policy the scheduler enforces over the group's members. */
export class ServerGroupService {
  constructor(
    private readonly db: Kysely<ComputeTables>,
    private readonly servers: ServerStore,
    private readonly quotas: QuotaService,
    private readonly sequences: SequenceStore,
  ) {}

  private async view(row: ServerGroupRow): Promise<ServerGroup> {
    return { row, rules: JSON.parse(row.rules) as Record<string, number>, members: (await this.servers.groupMembers(row.id)).map((m) => m.id) };
  }

  async list(auth: AuthContext, allProjects: boolean): Promise<ServerGroup[]> {
    let q = this.db.selectFrom('compute_server_groups').selectAll().orderBy('created_at');
    if (!allProjects) q = q.where('project_id', '=', auth.projectId ?? '');
    return Promise.all((await q.execute()).map((r) => this.view(r)));
  }

  /** A group of the caller's project (admins: any). */
  async find(auth: AuthContext, id: string): Promise<ServerGroup> {
    const row = await this.db.selectFrom('compute_server_groups').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (!auth.roles.includes('admin') && row.project_id !== auth.projectId)) throw notFound(`Instance group ${id} could not be found.`);
    return this.view(row);
  }

  /** The group row by id, whoever owns it (the scheduler's view). */
  get(id: string): Promise<ServerGroupRow | undefined> {
    return this.db.selectFrom('compute_server_groups').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async create(auth: AuthContext, name: string, policy: string, rules: Record<string, number>): Promise<ServerGroup> {
    if (!POLICIES.includes(policy)) throw badRequest(`Invalid input for field/attribute policy. Value: ${policy}. '${policy}' is not one of ${JSON.stringify(POLICIES)}`);
    if (Object.keys(rules).length && policy !== 'anti-affinity') throw badRequest('Only anti-affinity policy supports rules.');
    await this.quotas.check(auth.projectId ?? '', { server_groups: 1 });
    const row: ServerGroupRow = {
      id: uuid(),
      project_id: auth.projectId ?? '',
      user_id: auth.userId,
      name,
      policy,
      rules: JSON.stringify(rules),
      created_at: new Date().toISOString(),
    };
    await this.db.insertInto('compute_server_groups').values(row).execute();
    return this.view(row);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    await this.find(auth, id);
    await this.db.deleteFrom('compute_server_groups').where('id', '=', id).execute();
    await this.sequences.drop(groupSequence(id));
  }

  /** Checks that `count` more servers fit the group's member quota (Nova: 403 at boot). */
  async checkMembers(group: ServerGroup, count: number): Promise<void> {
    const limit = await this.quotas.limit(group.row.project_id, 'server_group_members');
    if (limit >= 0 && group.members.length + count > limit) {
      throw new ApiError('overQuota', 'Quota exceeded, too many servers in group');
    }
  }
}
