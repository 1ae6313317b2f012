import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { boolParam, isObj, optBool, optString, reqString, wrapped } from '../../../platform/http/validate.js';
import type { BackupRow } from '../store/tables.js';
import { authorize, listScope, body, filtersOf, metadataOf, nextLinks, page, params, q, sortOf, v3Route, type ApiDeps } from './common.js';
import { backupView, summary } from './render.js';
import { atLeast } from './versions.js';

/** Backups (scs-0117): create, list, show, update (3.9), restore to a new or existing volume, delete. */
export function registerBackupRoutes(app: FastifyInstance, d: ApiDeps): void {
  const render = async (req: FastifyRequest, b: BackupRow) => {
    return backupView(req, d.baseUrl(), b, await d.backups.hasDependents(b.id));
  };
  const find = async (req: FastifyRequest, action: string) => {
    const auth = authorize(req, 'backup:get_all');
    const b = await d.backups.find(auth, params(req).id);
    authorize(req, action, b);
    return { auth, b };
  };
  const list = (detail: boolean) => async (req: FastifyRequest) => {
    const query = q(req);
    const { auth, all } = listScope(req, 'backup:get_all');
    const rows = await d.backups.list(auth, { allTenants: all, filters: filtersOf(query), sort: sortOf(query) });
    const { items, next } = page(rows, query);
    const backups = detail ? await Promise.all(items.map((b) => render(req, b))) : items.map(summary(d.baseUrl(), 'backups'));
    const links = nextLinks(req, d.baseUrl(), next);
    const withCount = atLeast(req, 45) && query.with_count !== undefined && boolParam(query.with_count);
    return { backups, ...(links ? { backups_links: links } : {}), ...(withCount ? { count: rows.length } : {}) };
  };
  v3Route(app, 'GET', '/backups', list(false));
  v3Route(app, 'GET', '/backups/detail', list(true));

  v3Route(app, 'POST', '/backups', async (req, reply) => {
    const auth = authorize(req, 'backup:create');
    const b = wrapped(body(req), 'backup');
    const row = await d.backups.create(auth, {
      volumeId: reqString(b, 'volume_id'),
      name: optString(b, 'name', { max: 255, nullable: true }),
      description: optString(b, 'description', { max: 255, nullable: true }),
      incremental: optBool(b, 'incremental') ?? false,
      force: optBool(b, 'force') ?? false,
      snapshotId: optString(b, 'snapshot_id', { nullable: true }) ?? undefined,
      metadata: atLeast(req, 43) && b.metadata !== undefined && b.metadata !== null ? metadataOf(b.metadata) : undefined,
      container: optString(b, 'container', { max: 255, nullable: true }),
    });
    reply.code(202);
    return { backup: { id: row.id, name: row.name, links: summary(d.baseUrl(), 'backups')(row).links } };
  });
  v3Route(app, 'GET', '/backups/:id/export_record', async (req) => {
    const { auth, b } = await find(req, 'backup:backup-export');
    return { 'backup-record': await d.backups.exportRecord(auth, b.id) };
  });
  v3Route(app, 'POST', '/backups/import_record', async (req, reply) => {
    const auth = authorize(req, 'backup:backup-import');
    const r = wrapped(body(req), 'backup-record');
    const row = await d.backups.importRecord(auth, reqString(r, 'backup_service', { max: 255 }), reqString(r, 'backup_url'));
    reply.code(201);
    return { backup: { id: row.id, name: row.name, links: summary(d.baseUrl(), 'backups')(row).links } };
  });
  v3Route(app, 'GET', '/backups/:id', async (req) => ({ backup: await render(req, (await find(req, 'backup:get')).b) }));
  v3Route(app, 'PUT', '/backups/:id', async (req) => {
    if (!atLeast(req, 9)) throw badRequest('Updating a backup needs microversion 3.9 or later.');
    const { auth, b } = await find(req, 'backup:update');
    const f = wrapped(body(req), 'backup');
    const updated = await d.backups.update(auth, b.id, {
      name: optString(f, 'name', { max: 255, nullable: true }),
      description: optString(f, 'description', { max: 255, nullable: true }),
      metadata: atLeast(req, 43) && f.metadata !== undefined ? metadataOf(f.metadata) : undefined,
    });
    // Cinder answers an update with the backup's summary, as a create.
    return { backup: { id: updated.id, name: updated.name, links: summary(d.baseUrl(), 'backups')(updated).links } };
  });
  v3Route(app, 'DELETE', '/backups/:id', async (req, reply) => {
    const { auth, b } = await find(req, 'backup:delete');
    const force = boolParam(q(req).force) ?? false;
    if (force) authorize(req, 'volume_extension:backup_admin_actions:force_delete', b);
    await d.backups.remove(auth, b.id, force);
    reply.code(202);
    return '';
  });
  v3Route(app, 'POST', '/backups/:id/restore', async (req, reply) => {
    const { auth, b } = await find(req, 'backup:restore');
    const r = wrapped(body(req), 'restore');
    const volumeId = optString(r, 'volume_id', { nullable: true }) ?? undefined;
    const name = optString(r, 'name', { max: 255, nullable: true }) ?? undefined;
    if (volumeId && name) throw badRequest('Invalid input received: "name" and "volume_id" cannot be given together.');
    const { volume } = await d.backups.restore(auth, b.id, { volumeId, name });
    reply.code(202);
    return { restore: { backup_id: b.id, volume_id: volume.id, volume_name: volume.name } };
  });
  v3Route(app, 'POST', '/backups/:id/action', async (req, reply) => {
    const bd = body(req);
    const reset = bd['os-reset_status'];
    if (Object.keys(bd).length !== 1 || !isObj(reset)) throw badRequest(`There is no such action: ${Object.keys(bd)[0] ?? ''}`);
    const { auth, b } = await find(req, 'volume_extension:backup_admin_actions:reset_status');
    await d.backups.resetStatus(auth, b.id, reqString(reset, 'status'));
    reply.code(202);
    return '';
  });
}
