import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { boolParam, wrapped } from '../../../platform/http/validate.js';
import type { QosSpecs } from '../model/qos.js';
import { authorize, body, metadataOf, params, q, v3Route, type ApiDeps } from './common.js';

/** QoS specs (`/qos-specs`, admin): create, list, show, set and unset keys, associations with types, delete. */
export function registerQosRoutes(app: FastifyInstance, d: ApiDeps): void {
  const view = (s: QosSpecs) => ({ id: s.row.id, name: s.row.name, consumer: s.row.consumer, specs: s.specs });
  const links = (req: FastifyRequest, s: QosSpecs) => {
    const project = (req.params as Record<string, string>).project_id ?? req.auth.projectId;
    return [
      { rel: 'self', href: `${d.baseUrl()}/v3/${project}/qos-specs/${s.row.id}` },
      { rel: 'bookmark', href: `${d.baseUrl()}/${project}/qos-specs/${s.row.id}` },
    ];
  };
  const typeId = (req: FastifyRequest) => {
    const id = q(req).vol_type_id;
    if (!id) throw badRequest('Invalid input received: vol_type_id is required.');
    return id;
  };

  v3Route(app, 'GET', '/qos-specs', async (req) => {
    authorize(req, 'volume_extension:qos_specs_manage:get_all');
    return { qos_specs: (await d.qos.list()).map(view) };
  });
  v3Route(app, 'POST', '/qos-specs', async (req) => {
    authorize(req, 'volume_extension:qos_specs_manage:create');
    const { name, consumer, ...specs } = wrapped(body(req), 'qos_specs');
    if (typeof name !== 'string' || !name.trim() || name.length > 255) throw badRequest('Invalid input received: Please specify a name for QoS specs.');
    if (consumer !== undefined && typeof consumer !== 'string') throw badRequest('Invalid input received: consumer must be a string.');
    const created = await d.qos.create(name.trim(), consumer ?? 'back-end', metadataOf(specs, 'qos_specs'));
    return { qos_specs: view(created), links: links(req, created) };
  });
  v3Route(app, 'GET', '/qos-specs/:id', async (req) => {
    authorize(req, 'volume_extension:qos_specs_manage:get');
    const s = await d.qos.find(params(req).id);
    return { qos_specs: view(s), links: links(req, s) };
  });
  v3Route(app, 'PUT', '/qos-specs/:id', async (req) => {
    authorize(req, 'volume_extension:qos_specs_manage:update');
    const keys = metadataOf(body(req).qos_specs, 'qos_specs');
    await d.qos.setKeys(params(req).id, keys);
    return { qos_specs: keys };
  });
  v3Route(app, 'PUT', '/qos-specs/:id/delete_keys', async (req, reply) => {
    authorize(req, 'volume_extension:qos_specs_manage:update');
    const keys = body(req).keys;
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw badRequest('Malformed request body: keys must be a list of strings.');
    await d.qos.unsetKeys(params(req).id, keys);
    reply.code(202);
    return '';
  });
  v3Route(app, 'DELETE', '/qos-specs/:id', async (req, reply) => {
    authorize(req, 'volume_extension:qos_specs_manage:delete');
    await d.qos.remove(params(req).id, boolParam(q(req).force) ?? false);
    reply.code(202);
    return '';
  });
  v3Route(app, 'GET', '/qos-specs/:id/associations', async (req) => {
    authorize(req, 'volume_extension:qos_specs_manage:get');
    return { qos_associations: (await d.qos.associations(params(req).id)).map((t) => ({ association_type: 'volume_type', name: t.name, id: t.id })) };
  });
  // Cinder changes associations with GETs; so do its clients.
  for (const [path, run] of [
    ['associate', (id: string, req: FastifyRequest) => d.qos.associate(id, typeId(req))],
    ['disassociate', (id: string, req: FastifyRequest) => d.qos.disassociate(id, typeId(req))],
    ['disassociate_all', (id: string) => d.qos.disassociateAll(id)],
  ] as const) {
    v3Route(app, 'GET', `/qos-specs/:id/${path}`, async (req, reply) => {
      authorize(req, 'volume_extension:qos_specs_manage:update');
      await run(params(req).id, req);
      reply.code(202);
      return '';
    });
  }
}
