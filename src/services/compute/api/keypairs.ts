import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { optString, query, reqString, wrapped } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { generateSshKey } from '../model/keypairs.js';
import { generateX509Key } from '../model/x509-keypair.js';
import { computePolicy } from '../policy.js';
import { nextLinks, paging, type ComputeApi } from './common.js';
import { renderKeypair } from './render.js';

/** The user a keypair request acts for: the caller, or (admins, 2.10) the `user_id` given. */
function owner(req: FastifyRequest, given: string | undefined): string {
  if (!given || req.mv < 10 || given === req.auth.userId) return req.auth.userId;
  enforce(computePolicy, 'keypair:other_user', req.auth);
  return given;
}

export function registerKeypairRoutes(app: FastifyInstance, api: ComputeApi): void {
  const keypairs = api.model.keypairs;
  app.get('/v2.1/os-keypairs', async (req) => {
    const q = query(req.query);
    const user = owner(req, q.user_id);
    let list = await keypairs.list(user);
    let more = false;
    if (req.mv >= 35) {
      const { limit, marker } = paging(q);
      let start = 0;
      if (marker) {
        start = list.findIndex((k) => k.name === marker) + 1;
        if (start === 0) throw badRequest(`marker [${marker}] not found`);
      }
      more = start + limit < list.length;
      list = list.slice(start, start + limit);
    }
    const links = nextLinks(api.baseUrl(), 'os-keypairs', q, list.at(-1)?.name, more);
    return { keypairs: list.map((k) => ({ keypair: renderKeypair(k, req.mv, false) })), ...(links ? { keypairs_links: links } : {}) };
  });
  app.post('/v2.1/os-keypairs', async (req, reply) => {
    const k = wrapped(req.body, 'keypair');
    const name = reqString(k, 'name', { max: 255 });
    const type = (req.mv >= 2 ? optString(k, 'type') : undefined) ?? 'ssh';
    if (type !== 'ssh' && type !== 'x509') throw badRequest(`Invalid input for field/attribute type. Value: ${type}. '${type}' is not one of ['ssh', 'x509']`);
    let publicKey = optString(k, 'public_key', { max: 65535 });
    // Nova generates an SSH key pair when none is given, until 2.92 made public_key required.
    let generated: string | undefined;
    const user = owner(req, optString(k, 'user_id') ?? undefined);
    if (!publicKey) {
      if (req.mv >= 92) throw badRequest("Invalid input for field/attribute keypair. 'public_key' is a required property");
      const key = type === 'x509' ? generateX509Key(user) : generateSshKey();
      publicKey = key.publicKey;
      generated = key.privateKey;
    }
    const row = await keypairs.import(req.auth, user, name, type, publicKey);
    reply.code(req.mv >= 2 ? 201 : 200);
    return { keypair: { ...renderKeypair(row, req.mv, false), user_id: row.user_id, ...(generated ? { private_key: generated } : {}) } };
  });
  app.get<{ Params: { name: string } }>('/v2.1/os-keypairs/:name', async (req) => {
    const user = owner(req, query(req.query).user_id);
    return { keypair: renderKeypair(await keypairs.get(user, req.params.name), req.mv, true) };
  });
  app.delete<{ Params: { name: string } }>('/v2.1/os-keypairs/:name', async (req, reply) => {
    const user = owner(req, query(req.query).user_id);
    await keypairs.remove(user, req.params.name);
    reply.code(req.mv >= 2 ? 204 : 202);
  });
}
