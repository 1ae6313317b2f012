import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isoNaive } from '../../../platform/ids.js';
import { isObj, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { Aggregate } from '../model/aggregates.js';
import { computePolicy } from '../policy.js';
import type { ComputeApi } from './common.js';

function render(a: Aggregate, mv: number, full = true) {
  return {
    id: a.row.id,
    name: a.row.name,
    availability_zone: a.metadata.availability_zone ?? null,
    ...(full ? { hosts: a.hosts, metadata: a.metadata } : {}),
    created_at: isoNaive(a.row.created_at),
    updated_at: a.row.updated_at ? isoNaive(a.row.updated_at) : null,
    deleted_at: null,
    deleted: false,
    ...(mv >= 41 ? { uuid: a.row.uuid } : {}),
  };
}

/** A name as Nova's schema wants it: 1..255 characters without leading or trailing blanks. */
function name(o: Obj, field: string, nullable: boolean): string | null | undefined {
  const v = o[field];
  if (v === undefined || (v === null && nullable)) return v as null | undefined;
  if (typeof v !== 'string' || v.length < 1 || v.length > 255 || v.trim() !== v) {
    throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. It must be a string of 1 to 255 characters without leading or trailing whitespace.`);
  }
  return v;
}

function onlyKeys(o: Obj, allowed: string[], what: string): void {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra) throw badRequest(`Invalid input for field/attribute ${what}. Additional properties are not allowed ('${extra}' was unexpected)`);
}

export function registerAggregateRoutes(app: FastifyInstance, api: ComputeApi): void {
  const aggregates = api.model.aggregates;
  const admin = (req: FastifyRequest) => enforce(computePolicy, 'aggregate', req.auth);

  app.get('/v2.1/os-aggregates', async (req) => {
    admin(req);
    return { aggregates: (await aggregates.list()).map((a) => render(a, req.mv)) };
  });
  app.post('/v2.1/os-aggregates', async (req) => {
    admin(req);
    const b = wrapped(req.body, 'aggregate');
    onlyKeys(b, ['name', 'availability_zone'], 'aggregate');
    const n = name(b, 'name', false);
    if (n === undefined) throw badRequest("Invalid input for field/attribute aggregate. 'name' is a required property");
    return { aggregate: render(await aggregates.create(n!, name(b, 'availability_zone', true) ?? null), req.mv, false) };
  });
  app.get<{ Params: { id: string } }>('/v2.1/os-aggregates/:id', async (req) => {
    admin(req);
    return { aggregate: render(await aggregates.get(req.params.id), req.mv) };
  });
  app.put<{ Params: { id: string } }>('/v2.1/os-aggregates/:id', async (req) => {
    admin(req);
    const b = wrapped(req.body, 'aggregate');
    onlyKeys(b, ['name', 'availability_zone'], 'aggregate');
    if (!Object.keys(b).length) throw badRequest('Invalid input for field/attribute aggregate. It should have at least 1 property.');
    const a = await aggregates.get(req.params.id);
    const n = name(b, 'name', false);
    return { aggregate: render(await aggregates.update(a, { ...(n ? { name: n } : {}), zone: name(b, 'availability_zone', true) }), req.mv) };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/os-aggregates/:id', async (req, reply) => {
    admin(req);
    await aggregates.remove(await aggregates.get(req.params.id));
    reply.code(200);
    return '';
  });
  app.post<{ Params: { id: string } }>('/v2.1/os-aggregates/:id/action', async (req) => {
    admin(req);
    if (!isObj(req.body) || Object.keys(req.body).length !== 1) throw badRequest('Malformed request body');
    const [action, arg] = Object.entries(req.body)[0];
    if (!isObj(arg)) throw badRequest(`Invalid input for field/attribute ${action}. It is not of type 'object'`);
    const a = await aggregates.get(req.params.id);
    if (action === 'add_host' || action === 'remove_host') {
      onlyKeys(arg, ['host'], action);
      const host = name(arg, 'host', false);
      if (!host) throw badRequest(`Invalid input for field/attribute ${action}. 'host' is a required property`);
      return { aggregate: render(action === 'add_host' ? await aggregates.addHost(a, host) : await aggregates.removeHost(a, host), req.mv) };
    }
    if (action === 'set_metadata') {
      onlyKeys(arg, ['metadata'], action);
      if (!isObj(arg.metadata)) throw badRequest("Invalid input for field/attribute set_metadata. 'metadata' is a required property");
      for (const [k, v] of Object.entries(arg.metadata)) {
        if (k.length < 1 || k.length > 255 || (v !== null && (typeof v !== 'string' || v.length > 255))) throw badRequest(`Invalid input for field/attribute metadata. Value: ${k}.`);
      }
      return { aggregate: render(await aggregates.setMetadata(a, arg.metadata as Record<string, string | null>), req.mv) };
    }
    throw badRequest(`There is no such action: ${action}`);
  });
}
