import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { boolParam, isObj, optString, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import type { GroupRow } from '../store/tables.js';
import { authorize, body, filtersOf, listScope, nextLinks, page, params, q, sortOf, v3Route, type ApiDeps } from './common.js';
import { groupSnapshotView, groupView } from './render.js';
import { atLeast } from './versions.js';

/** Cinder's microversions: groups, group snapshots and create-from-src, their reset_status actions, the volume list. */
const GROUP_VOLUME = 13;
const GROUP_SNAPSHOTS = 14;
const GROUP_SNAPSHOT_RESET_STATUS = 19;
const GROUP_VOLUME_RESET_STATUS = 20;
const GROUP_VOLUME_LIST = 25;
const GROUP_REPLICATION = 38;
const REPLICATION_ACTIONS = ['enable_replication', 'disable_replication', 'failover_replication', 'list_replication_targets'];

const requireVersion = (req: FastifyRequest, minor: number) => {
  if (!atLeast(req, minor)) throw notFound('The resource could not be found.');
};
const name = (o: Obj, field = 'name') => optString(o, field, { max: 255, nullable: true })?.trim();
/** Cinder's `add_volumes`/`remove_volumes`: comma separated volume ids. */
const idList = (o: Obj, field: string) => (optString(o, field, { max: 255, nullable: true }) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
/** `true`/`false` in a body, as Cinder's boolean parameter type accepts them. */
const flag = (v: unknown, field: string): boolean => {
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return boolParam(v) ?? false;
  throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. Not a boolean.`);
};
const oneAction = (req: FastifyRequest): [string, Obj] => {
  const b = body(req);
  const [action] = Object.keys(b);
  if (Object.keys(b).length !== 1 || !isObj(b[action])) throw badRequest('Malformed request body.');
  return [action, b[action] as Obj];
};

/** Generic volume groups (3.13+) and group snapshots (3.14+). */
export function registerGroupRoutes(app: FastifyInstance, d: ApiDeps): void {
  const findGroup = async (req: FastifyRequest, action: string) => {
    requireVersion(req, GROUP_VOLUME);
    const auth = authorize(req, 'group:get_all');
    const g = await d.groups.find(auth, params(req).id);
    authorize(req, action, g);
    return { auth, g };
  };
  const render = async (req: FastifyRequest, g: GroupRow) => {
    const listVolume = atLeast(req, GROUP_VOLUME_LIST) && boolParam(q(req).list_volume);
    return groupView(req, g, listVolume ? (await d.groups.members(g.id)).map((v) => v.id) : undefined);
  };
  const list = (detail: boolean) => async (req: FastifyRequest) => {
    requireVersion(req, GROUP_VOLUME);
    const query = q(req);
    const { auth, all } = listScope(req, 'group:get_all');
    const rows = await d.groups.list(auth, { allTenants: all, filters: filtersOf(query), sort: sortOf(query) });
    const { items, next } = page(rows, query);
    const links = nextLinks(req, d.baseUrl(), next);
    const groups = detail ? await Promise.all(items.map((g) => render(req, g))) : items.map((g) => ({ id: g.id, name: g.name }));
    return { groups, ...(links ? { groups_links: links } : {}) };
  };
  v3Route(app, 'GET', '/groups', list(false));
  v3Route(app, 'GET', '/groups/detail', list(true));
  v3Route(app, 'GET', '/groups/:id', async (req) => ({ group: await render(req, (await findGroup(req, 'group:get')).g) }));

  v3Route(app, 'POST', '/groups', async (req, reply) => {
    requireVersion(req, GROUP_VOLUME);
    const auth = authorize(req, 'group:create');
    const g = wrapped(body(req), 'group');
    const volumeTypes = g.volume_types;
    if (!Array.isArray(volumeTypes) || !volumeTypes.length || !volumeTypes.every((t) => typeof t === 'string' && t.length <= 255) || new Set(volumeTypes).size !== volumeTypes.length) {
      throw badRequest(`Invalid input for field/attribute volume_types. Value: ${JSON.stringify(volumeTypes)}. A non-empty list of distinct volume type names or ids is required.`);
    }
    const row = await d.groups.create(auth, {
      name: name(g),
      description: name(g, 'description'),
      groupType: reqString(g, 'group_type', { max: 255 }),
      volumeTypes: volumeTypes as string[],
      availabilityZone: optString(g, 'availability_zone', { max: 255, nullable: true }),
    });
    reply.code(202);
    return { group: { id: row.id, name: row.name } };
  });
  v3Route(app, 'PUT', '/groups/:id', async (req, reply) => {
    const { auth, g } = await findGroup(req, 'group:update');
    const f = wrapped(body(req), 'group');
    if (!['name', 'description', 'add_volumes', 'remove_volumes'].some((k) => k in f)) throw badRequest('Invalid input received: one of name, description, add_volumes and remove_volumes is required.');
    await d.groups.update(auth, g.id, { name: name(f), description: name(f, 'description'), addVolumes: idList(f, 'add_volumes'), removeVolumes: idList(f, 'remove_volumes') });
    reply.code(202);
    return '';
  });
  v3Route(app, 'POST', '/groups/action', async (req, reply) => {
    requireVersion(req, GROUP_SNAPSHOTS);
    const auth = authorize(req, 'group:create');
    const [action, f] = oneAction(req);
    if (action !== 'create-from-src') throw badRequest(`There is no such action: ${action}`);
    const groupSnapshotId = optString(f, 'group_snapshot_id') ?? undefined;
    const sourceGroupId = optString(f, 'source_group_id') ?? undefined;
    if (!groupSnapshotId === !sourceGroupId) throw badRequest('Invalid input received: exactly one of group_snapshot_id and source_group_id is required.');
    const row = await d.groups.createFromSource(auth, { name: name(f), description: name(f, 'description'), groupSnapshotId, sourceGroupId });
    reply.code(202);
    return { group: { id: row.id, name: row.name } };
  });
  v3Route(app, 'POST', '/groups/:id/action', async (req, reply) => {
    requireVersion(req, GROUP_VOLUME);
    const [action, f] = oneAction(req);
    if (action === 'delete') {
      const { auth, g } = await findGroup(req, 'group:delete');
      await d.groups.remove(auth, g.id, flag(f['delete-volumes'], 'delete-volumes'));
    } else if (action === 'reset_status' && atLeast(req, GROUP_VOLUME_RESET_STATUS)) {
      const { auth, g } = await findGroup(req, 'group:reset_status');
      await d.groups.resetStatus(auth, g.id, reqString(f, 'status').toLowerCase());
    } else if (REPLICATION_ACTIONS.includes(action) && atLeast(req, GROUP_REPLICATION)) {
      // No group type here has replication: Cinder's answer for a group that is not replicated.
      const { g } = await findGroup(req, `group:${action}`);
      throw badRequest(`Invalid group type: Group ${g.id} is not a replication group type.`);
    } else {
      throw badRequest(`There is no such action: ${action}`);
    }
    reply.code(202);
    return '';
  });

  const findSnapshot = async (req: FastifyRequest, action: string) => {
    requireVersion(req, GROUP_SNAPSHOTS);
    const auth = authorize(req, 'group:get_all_group_snapshots');
    const s = await d.groupSnapshots.find(auth, params(req).id);
    authorize(req, action, s);
    return { auth, s };
  };
  const listSnapshots = (detail: boolean) => async (req: FastifyRequest) => {
    requireVersion(req, GROUP_SNAPSHOTS);
    const query = q(req);
    const { auth, all } = listScope(req, 'group:get_all_group_snapshots');
    const rows = await d.groupSnapshots.list(auth, { allTenants: all, filters: filtersOf(query), sort: sortOf(query) });
    const { items, next } = page(rows, query);
    const links = nextLinks(req, d.baseUrl(), next);
    return { group_snapshots: items.map((s) => (detail ? groupSnapshotView(req, s) : { id: s.id, name: s.name })), ...(links ? { group_snapshots_links: links } : {}) };
  };
  v3Route(app, 'GET', '/group_snapshots', listSnapshots(false));
  v3Route(app, 'GET', '/group_snapshots/detail', listSnapshots(true));
  v3Route(app, 'GET', '/group_snapshots/:id', async (req) => ({ group_snapshot: groupSnapshotView(req, (await findSnapshot(req, 'group:get_group_snapshot')).s) }));
  v3Route(app, 'POST', '/group_snapshots', async (req, reply) => {
    requireVersion(req, GROUP_SNAPSHOTS);
    const auth = authorize(req, 'group:create_group_snapshot');
    const f = wrapped(body(req), 'group_snapshot');
    const row = await d.groupSnapshots.create(auth, { groupId: reqString(f, 'group_id', { max: 255 }), name: name(f), description: name(f, 'description') });
    reply.code(202);
    return { group_snapshot: { id: row.id, name: row.name, group_type_id: row.group_type_id } };
  });
  v3Route(app, 'DELETE', '/group_snapshots/:id', async (req, reply) => {
    const { auth, s } = await findSnapshot(req, 'group:delete_group_snapshot');
    await d.groupSnapshots.remove(auth, s.id);
    reply.code(202);
    return '';
  });
  v3Route(app, 'POST', '/group_snapshots/:id/action', async (req, reply) => {
    requireVersion(req, GROUP_SNAPSHOTS);
    const [action, f] = oneAction(req);
    if (action !== 'reset_status' || !atLeast(req, GROUP_SNAPSHOT_RESET_STATUS)) throw badRequest(`There is no such action: ${action}`);
    const { auth, s } = await findSnapshot(req, 'group:reset_group_snapshot_status');
    await d.groupSnapshots.resetStatus(auth, s.id, reqString(f, 'status').toLowerCase());
    reply.code(202);
    return '';
  });
}
