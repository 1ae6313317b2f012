import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isIPv4, isIPv6 } from 'node:net';
import { badRequest, forbidden, notFound } from '../../../platform/errors.js';
import { allowed, enforce } from '../../../platform/policy.js';
import { boolParam, isObj, optInt, optObj, optString, query, reqString, wrapped, type Obj } from '../../../platform/http/validate.js';
import type { NetworkRequest } from '../../network/client.js';
import type { CreateInput, InjectedFile, ListFilters } from '../model/servers.js';
import type { ServerRow } from '../store/tables.js';
import { computePolicy } from '../policy.js';
import { changesWindow, fieldSince, isAdmin, isUuid, nextLinks, novaBool, paging, renderCtx, since, type ComputeApi } from './common.js';
import { renderServer, renderServerBrief } from './render.js';

const CREATE_KEYS = new Set([
  'name', 'imageRef', 'flavorRef', 'adminPass', 'metadata', 'networks', 'OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6', 'key_name', 'user_data',
  'availability_zone', 'block_device_mapping_v2', 'block_device_mapping', 'min_count', 'max_count', 'return_reservation_id', 'security_groups',
  'config_drive', 'description', 'tags', 'hostname', 'personality', 'trusted_image_certificates', 'host', 'hypervisor_hostname',
]);

/** Base64 as Nova's 'base64' format accepts it (whitespace allowed). */
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

const SORT_KEYS: Record<string, keyof ServerRow> = {
  created_at: 'created_at', updated_at: 'updated_at', display_name: 'name', uuid: 'id', vm_state: 'vm_state', task_state: 'task_state',
  power_state: 'power_state', launched_at: 'launched_at', terminated_at: 'terminated_at', key_name: 'key_name', image_ref: 'image_id',
  instance_type_id: 'flavor_id', availability_zone: 'availability_zone', host: 'host', hostname: 'hostname', locked: 'locked',
  project_id: 'project_id', user_id: 'user_id', launch_index: 'launch_index', access_ip_v4: 'access_ipv4', access_ip_v6: 'access_ipv6',
};

/** `OS-DCF:diskConfig` of create, update, rebuild and resize bodies. */
export function parseDiskConfig(o: Obj): 'AUTO' | 'MANUAL' | undefined {
  const v = optString(o, 'OS-DCF:diskConfig') ?? undefined;
  if (v !== undefined && v !== 'AUTO' && v !== 'MANUAL') throw badRequest(`Invalid input for field/attribute OS-DCF:diskConfig. Value: ${v}. '${v}' is not one of ['AUTO', 'MANUAL']`);
  return v;
}

/** `accessIPv4`/`accessIPv6`: validated, IPv6 in its canonical short form (as Nova stores it). */
function accessIp(o: Obj, field: 'accessIPv4' | 'accessIPv6'): string | undefined {
  const v = optString(o, field, { nullable: true });
  if (v === undefined || v === null || v === '') return v === undefined ? undefined : '';
  if (field === 'accessIPv4' ? !isIPv4(v) : !isIPv6(v)) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${v}. '${v}' is not a '${field === 'accessIPv4' ? 'ipv4' : 'ipv6'}'`);
  return field === 'accessIPv4' ? v : new URL(`http://[${v}]/`).hostname.slice(1, -1);
}

export function stringMap(o: Obj, field: string): Record<string, string> {
  const v = optObj(o, field) ?? {};
  for (const [k, val] of Object.entries(v)) {
    if (k.length < 1 || k.length > 255) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${k}. metadata keys must be 1 to 255 characters`);
    if (typeof val !== 'string' || val.length > 255) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(val)}. metadata values must be strings of at most 255 characters`);
  }
  return v as Record<string, string>;
}

export function validTags(tags: unknown): string[] {
  if (!Array.isArray(tags) || tags.length > 50) throw badRequest('Invalid input for field/attribute tags. A list of at most 50 tags is expected.');
  for (const t of tags) {
    if (typeof t !== 'string' || t.length < 1 || t.length > 60 || t.includes('/') || t.includes(',')) throw badRequest(`Invalid input for field/attribute tags. Value: ${JSON.stringify(t)}.`);
  }
  return [...new Set(tags as string[])];
}

function parseNetworks(s: Obj, mv: number): NetworkRequest {
  const n = s.networks;
  if (n === undefined) {
    if (mv >= 37) throw badRequest("Invalid input for field/attribute server. Value: {...}. 'networks' is a required property");
    return 'auto';
  }
  if (n === 'auto' || n === 'none') {
    if (mv < 37) throw badRequest(`Invalid input for field/attribute networks. Value: ${n}. '${n}' is not of type 'array'`);
    return n;
  }
  if (!Array.isArray(n)) throw badRequest("Invalid input for field/attribute networks. Expected a list or 'auto'/'none'.");
  return n.map((e) => {
    if (!isObj(e)) throw badRequest('Invalid input for field/attribute networks. Each network must be an object.');
    const out: { uuid?: string; port?: string; fixed_ip?: string; tag?: string } = {};
    for (const k of ['uuid', 'port', 'fixed_ip', 'tag'] as const) {
      const v = optString(e, k, { nullable: true });
      if (v) out[k] = v;
    }
    if (!out.uuid && !out.port) throw badRequest('Bad networks format: network uuid is not in proper format');
    if (out.uuid && !isUuid(out.uuid)) throw badRequest(`Bad networks format: network uuid is not in proper format (${out.uuid})`);
    if (out.port && !isUuid(out.port)) throw badRequest(`Invalid input for field/attribute port. Value: ${out.port}. '${out.port}' is not a 'uuid'`);
    return out;
  });
}

function parseCreate(body: unknown, mv: number): CreateInput {
  const s = wrapped(body, 'server');
  const extra = Object.keys(s).find((k) => !CREATE_KEYS.has(k));
  if (extra) throw badRequest(`Invalid input for field/attribute server. Value: ${JSON.stringify(s)}. Additional properties are not allowed ('${extra}' was unexpected)`);
  const name = reqString(s, 'name', { max: 255 });
  if (name.trim() !== name || !name.trim()) throw badRequest(`Invalid input for field/attribute name. Value: ${name}. '${name}' does not match the name pattern (no leading or trailing whitespace)`);
  const flavorRef = typeof s.flavorRef === 'number' ? String(s.flavorRef) : reqString(s, 'flavorRef', { max: 255 });
  const imageRef = (optString(s, 'imageRef', { max: 255 }) ?? '') as string;
  if (imageRef && !isUuid(imageRef)) throw badRequest(`Invalid input for field/attribute imageRef. Value: ${imageRef}. '${imageRef}' is not a 'uuid'`);
  const userData = optString(s, 'user_data', { max: 1024 * 1024, nullable: true }) ?? undefined;
  if (userData && !BASE64.test(userData)) throw badRequest('Invalid input for field/attribute user_data. Value: (omitted). It is not base64 encoded.');
  const minCount = optInt(s, 'min_count', { min: 1 }) ?? 1;
  const maxCount = optInt(s, 'max_count', { min: 1 }) ?? minCount;
  if (minCount > maxCount) throw badRequest('min_count must be <= max_count');
  const sgs = s.security_groups;
  if (sgs !== undefined && (!Array.isArray(sgs) || !sgs.every((g) => isObj(g) && typeof g.name === 'string'))) throw badRequest('Invalid input for field/attribute security_groups.');
  const bdms = s.block_device_mapping_v2 ?? s.block_device_mapping;
  if (bdms !== undefined && (!Array.isArray(bdms) || !bdms.every(isObj))) throw badRequest('Invalid input for field/attribute block_device_mapping_v2. Value: not a list of objects.');
  const diskConfig = parseDiskConfig(s) ?? 'MANUAL';
  if (s.tags !== undefined) fieldSince(mv, 52, 'tags');
  if (s.description !== undefined) fieldSince(mv, 19, 'description');
  return {
    name,
    imageRef,
    flavorRef,
    keyName: optString(s, 'key_name', { max: 255, nullable: true }) ?? undefined,
    userData,
    metadata: stringMap(s, 'metadata'),
    tags: s.tags === undefined ? [] : validTags(s.tags),
    availabilityZone: optString(s, 'availability_zone', { max: 255, nullable: true }) ?? undefined,
    minCount,
    maxCount,
    adminPass: optString(s, 'adminPass', { max: 255 }) ?? undefined,
    networks: parseNetworks(s, mv),
    networksIfAvailable: s.networks === undefined,
    securityGroups: ((sgs as Array<{ name: string }> | undefined) ?? []).map((g) => g.name),
    blockDevices: (bdms as Obj[] | undefined) ?? [],
    accessIPv4: accessIp(s, 'accessIPv4') ?? '',
    accessIPv6: accessIp(s, 'accessIPv6') ?? '',
    description: optString(s, 'description', { max: 255, nullable: true }) ?? null,
    configDrive: novaBool(s, 'config_drive') ?? false,
    diskConfig,
    hostname: mv >= 90 ? (optString(s, 'hostname', { max: 63 }) ?? undefined) : undefined,
    personality: parsePersonality(s, mv, 'server'),
  };
}

/** `personality` of create and rebuild bodies: files to inject, until 2.57 removed it. */
export function parsePersonality(o: Obj, mv: number, body: string): InjectedFile[] | undefined {
  const p = o.personality;
  if (p === undefined) return undefined;
  if (mv >= 57) throw badRequest(`Invalid input for field/attribute ${body}. Additional properties are not allowed ('personality' was unexpected)`);
  if (!Array.isArray(p)) throw badRequest(`Invalid input for field/attribute personality. Value: ${JSON.stringify(p)}. ${JSON.stringify(p)} is not of type 'array'`);
  return p.map((f) => {
    if (!isObj(f)) throw badRequest(`Invalid input for field/attribute personality. Value: ${JSON.stringify(f)}. It is not of type 'object'`);
    const extra = Object.keys(f).find((k) => k !== 'path' && k !== 'contents');
    if (extra) throw badRequest(`Invalid input for field/attribute personality. Additional properties are not allowed ('${extra}' was unexpected)`);
    const path = reqString(f, 'path');
    const contents = reqString(f, 'contents', { min: 0 });
    if (!BASE64.test(contents)) throw badRequest(`Invalid input for field/attribute contents. Value: ${contents}. '${contents}' is not a 'base64'`);
    return { path, contents };
  });
}

function parseFilters(q: Record<string, string>, admin: boolean, allTenantsAllowed: boolean, projectId: string | undefined, mv: number, detail: boolean): ListFilters {
  const allTenants = q.all_tenants !== undefined && (q.all_tenants === '' || boolParam(q.all_tenants) !== false);
  if (allTenants && !allTenantsAllowed) throw forbidden(`Policy doesn't allow os_compute_api:servers:${detail ? 'detail' : 'index'}:get_all_tenants to be performed.`);
  const keys = (q.sort_key ?? '').split(',').filter(Boolean);
  const dirs = (q.sort_dir ?? '').split(',').filter(Boolean);
  const sort = keys.map((k, i) => {
    const key = SORT_KEYS[k];
    if (!key || (k === 'host' && !admin)) throw badRequest(`Invalid input for query parameters sort_key. Value: ${k}.`);
    const dir = (dirs[i] ?? dirs[0] ?? 'desc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid input for query parameters sort_dir. Value: ${dir}. '${dir}' is not one of ['asc', 'desc']`);
    return { key, dir: dir as 'asc' | 'desc' };
  });
  const list = (name: string) => (q[name] ? q[name].split(',').filter(Boolean) : undefined);
  const { changesSince, changesBefore } = changesWindow(q, mv, true);
  return {
    ...paging(q),
    projectId: allTenants ? (q.project_id ?? q.tenant_id) : admin && q.project_id ? q.project_id : projectId ?? '',
    userId: admin ? q.user_id : undefined,
    status: q.status,
    nameRegex: q.name,
    flavorId: q.flavor,
    imageId: q.image,
    ip: q.ip,
    ip6: mv >= 5 || admin ? q.ip6 : undefined,
    host: admin ? q.host : undefined,
    availabilityZone: q.availability_zone,
    reservationId: q.reservation_id,
    locked: mv >= 73 && q.locked !== undefined ? boolParam(q.locked) : undefined,
    // Nova: `deleted=true` lists only deleted servers, for admins (others' filter is dropped).
    onlyDeleted: admin && q.deleted !== undefined ? boolParam(q.deleted) : undefined,
    changesSince,
    changesBefore,
    tags: mv >= 26 ? list('tags') : undefined,
    tagsAny: mv >= 26 ? list('tags-any') : undefined,
    notTags: mv >= 26 ? list('not-tags') : undefined,
    notTagsAny: mv >= 26 ? list('not-tags-any') : undefined,
    sort: sort.length ? sort : [{ key: 'created_at', dir: 'desc' }],
  };
}

export function registerServerRoutes(app: FastifyInstance, api: ComputeApi): void {
  const listing = (detail: boolean) => async (req: FastifyRequest) => {
    enforce(computePolicy, 'server:list', req.auth);
    const q = query(req.query);
    const f = parseFilters(q, isAdmin(req), allowed(computePolicy, 'server:list:all_tenants', req.auth), req.auth.projectId, req.mv, detail);
    const { views, more } = await api.servers.list(f);
    const c = renderCtx(api, req);
    const links = nextLinks(api.baseUrl(), detail ? 'servers/detail' : 'servers', q, views.at(-1)?.row.id, more);
    return { servers: views.map((v) => (detail ? renderServer(v, c) : renderServerBrief(v, c))), ...(links ? { servers_links: links } : {}) };
  };
  app.get('/v2.1/servers', listing(false));
  app.get('/v2.1/servers/detail', listing(true));

  app.post('/v2.1/servers', async (req, reply) => {
    enforce(computePolicy, 'server:create', req.auth);
    const input = parseCreate(req.body, req.mv);
    if (input.availabilityZone?.includes(':')) enforce(computePolicy, 'server:create:forced_host', req.auth);
    const outer = req.body as Obj;
    const hints = optObj(outer, 'os:scheduler_hints') ?? optObj(outer, 'OS-SCH-HNT:scheduler_hints');
    if (hints?.group !== undefined) {
      if (typeof hints.group !== 'string' || !isUuid(hints.group)) throw badRequest(`Invalid input for field/attribute group. Value: ${JSON.stringify(hints.group)}. It is not a 'uuid'`);
      input.groupId = hints.group;
    }
    input.sameHost = serverIdsHint(hints, 'same_host');
    input.differentHost = serverIdsHint(hints, 'different_host');
    const server = wrapped(req.body, 'server');
    const created = await api.servers.create(req.auth, input, req.id);
    reply.code(202);
    if (server.return_reservation_id === true || server.return_reservation_id === 'True') return { reservation_id: created.reservationId };
    const id = created.ids[0];
    reply.header('location', `${api.baseUrl()}/v2.1/servers/${id}`);
    return {
      server: {
        id,
        links: [
          { rel: 'self', href: `${api.baseUrl()}/v2.1/servers/${id}` },
          { rel: 'bookmark', href: `${api.baseUrl()}/servers/${id}` },
        ],
        'OS-DCF:diskConfig': input.diskConfig,
        security_groups: (input.securityGroups.length ? input.securityGroups : ['default']).map((name) => ({ name })),
        adminPass: created.adminPass,
      },
    };
  });

  app.get<{ Params: { id: string } }>('/v2.1/servers/:id', async (req) => {
    const v = await api.servers.view(req.auth, req.params.id);
    enforce(computePolicy, 'server:show', req.auth, { project_id: v.row.project_id });
    return { server: renderServer(v, renderCtx(api, req)) };
  });

  app.put<{ Params: { id: string } }>('/v2.1/servers/:id', async (req) => {
    const s = wrapped(req.body, 'server');
    const allowed = ['name', 'accessIPv4', 'accessIPv6', 'OS-DCF:diskConfig', ...(req.mv >= 19 ? ['description'] : []), ...(req.mv >= 90 ? ['hostname'] : [])];
    const extra = Object.keys(s).find((k) => !allowed.includes(k));
    if (extra) throw badRequest(`Invalid input for field/attribute server. Additional properties are not allowed ('${extra}' was unexpected)`);
    const row = await api.servers.find(req.auth, req.params.id);
    enforce(computePolicy, 'server:update', req.auth, { project_id: row.project_id });
    const name = optString(s, 'name', { max: 255, min: 1 }) ?? undefined;
    const v = await api.servers.update(req.auth, row.id, {
      name,
      description: optString(s, 'description', { max: 255, nullable: true }),
      accessIPv4: accessIp(s, 'accessIPv4'),
      accessIPv6: accessIp(s, 'accessIPv6'),
      hostname: optString(s, 'hostname', { max: 63, min: 1 }) ?? undefined,
      diskConfig: parseDiskConfig(s),
    });
    return { server: renderServer(v, renderCtx(api, req), true) };
  });

  app.delete<{ Params: { id: string } }>('/v2.1/servers/:id', async (req, reply) => {
    const row = await api.servers.find(req.auth, req.params.id);
    enforce(computePolicy, 'server:delete', req.auth, { project_id: row.project_id });
    await api.servers.remove(req.auth, row.id, req.id);
    reply.code(204);
  });

  // Metadata
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/metadata', async (req) => ({ metadata: JSON.parse((await api.servers.find(req.auth, req.params.id)).metadata) }));
  const setMeta = (replace: boolean) => async (req: FastifyRequest<{ Params: { id: string } }>) => {
    if (!isObj(req.body) || !isObj(req.body.metadata)) throw badRequest("Invalid input for field/attribute metadata. 'metadata' is a required property");
    return { metadata: await api.servers.setMetadata(req.auth, req.params.id, stringMap(req.body, 'metadata'), replace) };
  };
  app.post('/v2.1/servers/:id/metadata', setMeta(false));
  app.put('/v2.1/servers/:id/metadata', setMeta(true));
  app.get<{ Params: { id: string; key: string } }>('/v2.1/servers/:id/metadata/:key', async (req) => {
    const meta = JSON.parse((await api.servers.find(req.auth, req.params.id)).metadata) as Record<string, string>;
    if (!(req.params.key in meta)) throw notFound('Metadata item was not found');
    return { meta: { [req.params.key]: meta[req.params.key] } };
  });
  app.put<{ Params: { id: string; key: string } }>('/v2.1/servers/:id/metadata/:key', async (req) => {
    const meta = isObj(req.body) ? stringMap(req.body, 'meta') : {};
    const keys = Object.keys(meta);
    if (keys.length !== 1) throw badRequest('Request body contains too many items');
    if (keys[0] !== req.params.key) throw badRequest('Request body and URI mismatch');
    await api.servers.setMetadata(req.auth, req.params.id, meta, false);
    return { meta };
  });
  app.delete<{ Params: { id: string; key: string } }>('/v2.1/servers/:id/metadata/:key', async (req, reply) => {
    await api.servers.deleteMetadata(req.auth, req.params.id, req.params.key);
    reply.code(204);
  });

  // Tags (2.26)
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/tags', async (req) => {
    since(req, 26);
    const row = await api.servers.find(req.auth, req.params.id);
    return { tags: (await api.model.servers.tags([row.id])).get(row.id) ?? [] };
  });
  app.put<{ Params: { id: string } }>('/v2.1/servers/:id/tags', async (req) => {
    since(req, 26);
    const tags = validTags(isObj(req.body) ? req.body.tags : undefined);
    const row = await api.servers.find(req.auth, req.params.id);
    api.servers.checkLock(req.auth, row);
    await api.model.servers.setTags(row.id, tags);
    return { tags: tags.sort() };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/servers/:id/tags', async (req, reply) => {
    since(req, 26);
    const row = await api.servers.find(req.auth, req.params.id);
    await api.model.servers.setTags(row.id, []);
    reply.code(204);
  });
  app.get<{ Params: { id: string; tag: string } }>('/v2.1/servers/:id/tags/:tag', async (req, reply) => {
    since(req, 26);
    const row = await api.servers.find(req.auth, req.params.id);
    if (!((await api.model.servers.tags([row.id])).get(row.id) ?? []).includes(req.params.tag)) throw notFound(`Tag ${req.params.tag} could not be found.`);
    reply.code(204);
  });
  app.put<{ Params: { id: string; tag: string } }>('/v2.1/servers/:id/tags/:tag', async (req, reply) => {
    since(req, 26);
    validTags([req.params.tag]);
    const row = await api.servers.find(req.auth, req.params.id);
    const have = (await api.model.servers.tags([row.id])).get(row.id) ?? [];
    if (!have.includes(req.params.tag) && have.length >= 50) throw badRequest('The number of tags exceeded the per-server limit 50');
    await api.model.servers.addTag(row.id, req.params.tag);
    reply.code(have.includes(req.params.tag) ? 204 : 201).header('location', `${api.baseUrl()}/v2.1/servers/${row.id}/tags/${req.params.tag}`);
  });
  app.delete<{ Params: { id: string; tag: string } }>('/v2.1/servers/:id/tags/:tag', async (req, reply) => {
    since(req, 26);
    const row = await api.servers.find(req.auth, req.params.id);
    if (!(await api.model.servers.removeTag(row.id, req.params.tag))) throw notFound(`Tag ${req.params.tag} could not be found.`);
    reply.code(204);
  });
}

/** `same_host` / `different_host`: a server uuid or a list of them (Nova's hint schema). */
function serverIdsHint(hints: Obj | undefined, name: string): string[] | undefined {
  const v = hints?.[name];
  if (v === undefined) return undefined;
  const ids = Array.isArray(v) ? v : [v];
  const bad = ids.find((x) => typeof x !== 'string' || !isUuid(x));
  if (bad !== undefined) throw badRequest(`Invalid input for field/attribute ${name}. Value: ${JSON.stringify(v)}. ${JSON.stringify(bad)} is not a 'uuid'`);
  return ids as string[];
}
