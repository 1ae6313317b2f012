import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isoNaive } from '../../../platform/ids.js';
import { query } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { computePolicy } from '../policy.js';
import { nextLinks, paging, type ComputeApi } from './common.js';

/** `GET /os-migrations` (admin): resizes, cold and live migrations, newest first. */
export function registerMigrationRoutes(app: FastifyInstance, api: ComputeApi): void {
  app.get('/v2.1/os-migrations', async (req) => {
    enforce(computePolicy, 'migration', req.auth);
    const q = query(req.query);
    const ips = new Map((await api.model.driver.hosts()).map((h) => [h.host, h.hostIp]));
    let rows = await api.model.migrations.list({
      host: q.host ?? q.source_compute,
      status: q.status,
      serverId: q.instance_uuid,
      type: q.migration_type,
      ...(req.mv >= 80 ? { projectId: q.project_id, userId: q.user_id } : {}),
    });
    let more = false;
    if (req.mv >= 59) {
      if (q['changes-since']) rows = rows.filter((r) => (r.updated_at ?? r.created_at) >= new Date(q['changes-since']).toISOString());
      const { limit, marker } = paging(q);
      let start = 0;
      if (marker) {
        start = rows.findIndex((r) => r.uuid === marker) + 1;
        if (start === 0) throw badRequest(`Marker ${marker} could not be found.`);
      }
      more = start + limit < rows.length;
      rows = rows.slice(start, start + limit);
    }
    const links = req.mv >= 59 ? nextLinks(api.baseUrl(), 'os-migrations', q, rows.at(-1)?.uuid, more) : undefined;
    return {
      migrations: rows.map((r) => ({
        id: r.id,
        status: r.status,
        instance_uuid: r.server_id,
        source_node: r.source_compute,
        source_compute: r.source_compute,
        dest_node: r.dest_compute,
        dest_compute: r.dest_compute,
        dest_host: (r.dest_compute && ips.get(r.dest_compute)) ?? null,
        // Nova's internal integer flavor ids; flavors here have only their public ids.
        old_instance_type_id: null,
        new_instance_type_id: null,
        created_at: isoNaive(r.created_at),
        updated_at: r.updated_at ? isoNaive(r.updated_at) : null,
        ...(req.mv >= 23 ? { migration_type: r.migration_type } : {}),
        ...(req.mv >= 59 ? { uuid: r.uuid } : {}),
        ...(req.mv >= 80 ? { user_id: r.user_id, project_id: r.project_id } : {}),
      })),
      ...(links ? { migrations_links: links } : {}),
    };
  });
}
