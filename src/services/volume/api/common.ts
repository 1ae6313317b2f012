import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, notFound } from '../../../platform/errors.js';
import { isObj, query, type Obj } from '../../../platform/http/validate.js';
import { allowed, enforce } from '../../../platform/policy.js';
import type { AttachmentService } from '../model/attachments.js';
import type { BackupService } from '../model/backups.js';
import type { GroupSnapshotService } from '../model/group-snapshots.js';
import type { ManageService } from '../model/manage.js';
import type { GroupTypeService } from '../model/group-types.js';
import type { GroupService } from '../model/groups.js';
import type { VolumeSettings } from '../model/common.js';
import type { MessageService } from '../model/messages.js';
import type { QosService } from '../model/qos.js';
import type { QuotaService } from '../model/quotas.js';
import type { ServiceAdmin } from '../model/services.js';
import type { SnapshotService } from '../model/snapshots.js';
import type { TransferService } from '../model/transfers.js';
import type { TypeService } from '../model/types.js';
import type { VolumeService } from '../model/volumes.js';
import { volumePolicy } from '../policy.js';

/** What the routes work with, built once in plugin.ts. */
export interface ApiDeps {
  volumes: VolumeService;
  types: TypeService;
  snapshots: SnapshotService;
  backups: BackupService;
  attachments: AttachmentService;
  quotas: QuotaService;
  transfers: TransferService;
  qos: QosService;
  services: ServiceAdmin;
  messages: MessageService;
  groupTypes: GroupTypeService;
  groups: GroupService;
  groupSnapshots: GroupSnapshotService;
  manage: ManageService;
  settings: VolumeSettings;
  baseUrl(): string;
}

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Registers a v3 route under both URL forms: `/v3/{project_id}/...` (the classic catalog URL) and
 * `/v3/...` (project from the token, microversion 3.67).
 */
export function v3Route(app: FastifyInstance, method: Method, path: string, handler: Handler): void {
  // `/volumes/` is a show with an empty id in Cinder's router (404), not the list the router's
  // trailing-slash folding would make of it.
  const strict: Handler = (req, reply) => {
    if (req.url.split('?')[0].endsWith('/') && path !== '') throw notFound('The resource could not be found.');
    return handler(req, reply);
  };
  app.route({ method, url: `/v3${path}`, handler: strict });
  app.route({ method, url: `/v3/:project_id${path}`, handler: strict });
}

/** The caller; a project id in the URL must be the token's own (admins may name any). */
export function authOf(req: FastifyRequest): AuthContext {
  const urlProject = (req.params as Record<string, string>).project_id;
  const auth = req.auth;
  if (urlProject && urlProject !== auth.projectId && !auth.roles.includes('admin')) {
    throw badRequest('Malformed request url: the project id in the URL is not the one of the token.');
  }
  return auth;
}

/** `enforce` with Cinder's policy table; creations and listings target the caller's project. */
export function authorize(req: FastifyRequest, action: string, target?: { project_id: string }): AuthContext {
  const auth = authOf(req);
  enforce(volumePolicy, action, auth, { project_id: target ? target.project_id : auth.projectId });
  return auth;
}

export const params = (req: FastifyRequest): Record<string, string> => req.params as Record<string, string>;
export const q = (req: FastifyRequest): Record<string, string> => query(req.query);

/** The body or a 400 in Cinder's format. */
export function body(req: FastifyRequest): Obj {
  if (!isObj(req.body)) throw badRequest('Malformed request body: the body must be a JSON object.');
  return req.body;
}

/** A metadata map: string keys and values of at most 255 characters. */
export function metadataOf(v: unknown, field = 'metadata'): Record<string, string> {
  if (!isObj(v)) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. It is not a dict.`);
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string' || k.length === 0 || k.length > 255 || val.length > 255) throw badRequest(`Invalid input for field/attribute ${field}: keys and values must be strings of 1 to 255 characters.`);
  }
  return v as Record<string, string>;
}

const SORT_KEYS = ['created_at', 'updated_at', 'id', 'name', 'size', 'status', 'availability_zone', 'bootable', 'project_id'];

/** `sort=key:dir,...` or `sort_key`/`sort_dir`, as Cinder accepts them. */
export function sortOf(query: Record<string, string>): Array<[string, 'asc' | 'desc']> {
  const parts = query.sort ? query.sort.split(',') : query.sort_key ? [`${query.sort_key}:${query.sort_dir ?? 'desc'}`] : [];
  return parts.map((p) => {
    const [key, dir = 'desc'] = p.trim().split(':');
    const k = key === 'display_name' ? 'name' : key;
    if (!SORT_KEYS.includes(k)) throw badRequest(`Invalid input received: Invalid sort key ${key}.`);
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid input received: Invalid sort direction ${dir}.`);
    return [k, dir];
  });
}

/** limit/marker paging over sorted rows; `next` is the marker of the following page, if any. */
export function page<R extends { id: string }>(rows: R[], query: Record<string, string>): { items: R[]; next?: string } {
  let start = 0;
  if (query.marker) {
    const at = rows.findIndex((r) => r.id === query.marker);
    // Cinder's MarkerNotFound is a NotFound.
    if (at < 0) throw notFound(`Marker ${query.marker} could not be found.`);
    start = at + 1;
  }
  if (query.offset !== undefined) {
    if (!/^\d+$/.test(query.offset)) throw badRequest('Invalid input received: offset param must be an integer');
    start += Number(query.offset);
  }
  let limit: number | undefined;
  if (query.limit !== undefined) {
    if (!/^\d+$/.test(query.limit)) throw badRequest(`Invalid input received: limit param must be an integer`);
    limit = Number(query.limit);
  }
  const items = limit === undefined ? rows.slice(start) : rows.slice(start, start + limit);
  // As Cinder, a full page links to the next one even when that one turns out empty.
  const full = limit !== undefined && limit > 0 && items.length === limit;
  return { items, next: full ? items[items.length - 1].id : undefined };
}

/** `volumes_links`/`snapshots_links`/`backups_links` with the next page's URL. */
export function nextLinks(req: FastifyRequest, base: string, next: string | undefined): Array<{ rel: string; href: string }> | undefined {
  if (!next) return undefined;
  const url = new URL(req.url, base);
  url.searchParams.set('marker', next);
  return [{ rel: 'next', href: url.toString() }];
}

/** Filters that are not paging, sorting or tenancy options. */
export function filtersOf(query: Record<string, string>): Record<string, string> {
  const skip = ['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'all_tenants', 'with_count', 'offset', 'metadata', 'project_id', 'is_public'];
  return Object.fromEntries(Object.entries(query).filter(([k]) => !skip.includes(k)).map(([k, v]) => [k === 'display_name' ? 'name' : k, v]));
}

/** A listing's caller and whether it spans all projects: `all_tenants` from a non-admin is ignored, not refused, as in Cinder. */
export function listScope(req: FastifyRequest, action: string): { auth: AuthContext; all: boolean } {
  const auth = authorize(req, action);
  const asked = ['1', 'true', 'True', 'yes'].includes(q(req).all_tenants ?? '');
  return { auth, all: asked && allowed(volumePolicy, 'volume:get_all_for_all_tenants', auth, {}) };
}
