import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../../../platform/errors.js';
import { isoNaive } from '../../../platform/ids.js';
import { optBool, optString, reqString, wrapped } from '../../../platform/http/validate.js';
import type { TransferRow } from '../store/tables.js';
import { authorize, body, listScope, params, v3Route, type ApiDeps } from './common.js';
import { atLeast } from './versions.js';

/**
 * Volume transfers under both of Cinder's URLs: `/os-volume-transfer` (the original extension) and
 * `/volume-transfers` (3.55+, with `no_snapshots`; 3.57 adds the project and acceptance fields).
 */
export function registerTransferRoutes(app: FastifyInstance, d: ApiDeps): void {
  for (const [path, modern] of [['/os-volume-transfer', false], ['/volume-transfers', true]] as const) {
    const gate = (req: FastifyRequest) => {
      if (modern && !atLeast(req, 55)) throw notFound('The resource could not be found.');
    };
    const view = (req: FastifyRequest, t: TransferRow, detail: boolean) => {
      const links = [
        { rel: 'self', href: `${d.baseUrl()}/v3/${t.project_id}${path}/${t.id}` },
        { rel: 'bookmark', href: `${d.baseUrl()}/${t.project_id}${path}/${t.id}` },
      ];
      return {
        id: t.id,
        name: t.name,
        volume_id: t.volume_id,
        links,
        ...(detail ? { created_at: isoNaive(t.created_at) } : {}),
        ...(detail && modern ? { no_snapshots: !!t.no_snapshots } : {}),
        ...(detail && modern && atLeast(req, 57) ? { source_project_id: t.project_id, destination_project_id: null, accepted: false } : {}),
      };
    };
    const list = (detail: boolean) => async (req: FastifyRequest) => {
      gate(req);
      const { auth, all } = listScope(req, 'volume:get_all_transfers');
      return { transfers: (await d.transfers.list(auth, { allTenants: all })).map((t) => view(req, t, detail)) };
    };
    v3Route(app, 'GET', path, list(false));
    v3Route(app, 'GET', `${path}/detail`, list(true));
    v3Route(app, 'POST', path, async (req, reply) => {
      gate(req);
      const auth = authorize(req, 'volume:create_transfer');
      const t = wrapped(body(req), 'transfer');
      const { row, authKey } = await d.transfers.create(auth, {
        volumeId: reqString(t, 'volume_id'),
        name: optString(t, 'name', { max: 255, nullable: true }) ?? null,
        noSnapshots: (modern && optBool(t, 'no_snapshots')) || false,
      });
      reply.code(202);
      return { transfer: { ...view(req, row, true), auth_key: authKey } };
    });
    v3Route(app, 'GET', `${path}/:id`, async (req) => {
      gate(req);
      const auth = authorize(req, 'volume:get_all_transfers');
      const t = await d.transfers.find(auth, params(req).id);
      authorize(req, 'volume:get_transfer', t);
      return { transfer: view(req, t, true) };
    });
    v3Route(app, 'DELETE', `${path}/:id`, async (req, reply) => {
      gate(req);
      const auth = authorize(req, 'volume:get_all_transfers');
      const t = await d.transfers.find(auth, params(req).id);
      authorize(req, 'volume:delete_transfer', t);
      await d.transfers.remove(auth, t.id);
      reply.code(202);
      return '';
    });
    v3Route(app, 'POST', `${path}/:id/accept`, async (req, reply) => {
      gate(req);
      const auth = authorize(req, 'volume:accept_transfer');
      const a = wrapped(body(req), 'accept');
      const { row } = await d.transfers.accept(auth, params(req).id, reqString(a, 'auth_key'));
      reply.code(202);
      return { transfer: view(req, row, false) };
    });
  }
}
