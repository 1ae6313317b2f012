import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { optString, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { identityPolicy } from '../policy.js';
import { parseJson } from '../store/json.js';
import type { ConsumerRow } from '../store/tables.js';
import type { IdentityDeps } from './deps.js';
import { extraOf } from './projects.js';
import { collectionLinks } from './render.js';

const PREFIX = '/v3/OS-OAUTH1/consumers';

function renderConsumer(base: string, c: ConsumerRow) {
  return { id: c.id, description: c.description, links: { self: `${base}${PREFIX}/${c.id}` }, ...parseJson<Obj>(c.extra, {}) };
}

/** OAuth1 consumers: create (the secret shown once), list, show, update, delete. */
export function registerConsumerRoutes(app: FastifyInstance, d: IdentityDeps): void {
  const base = () => d.baseUrl();
  const id = (req: FastifyRequest) => (req.params as { id: string }).id;

  app.post(PREFIX, async (req, reply) => {
    enforce(identityPolicy, 'identity:create_consumer', req.auth);
    const b = wrapped(req.body, 'consumer');
    const { row, secret } = await d.consumers.create(optString(b, 'description', { nullable: true, max: 65535 }) ?? null, extraOf(b, ['description', 'secret']));
    reply.code(201);
    return { consumer: { ...renderConsumer(base(), row), secret } };
  });

  app.get(PREFIX, async (req) => {
    enforce(identityPolicy, 'identity:list_consumers', req.auth);
    return { consumers: (await d.consumers.list()).map((c) => renderConsumer(base(), c)), links: collectionLinks(base(), req) };
  });

  app.get(`${PREFIX}/:id`, async (req) => {
    enforce(identityPolicy, 'identity:get_consumer', req.auth);
    return { consumer: renderConsumer(base(), await d.consumers.get(id(req))) };
  });

  app.patch(`${PREFIX}/:id`, async (req) => {
    enforce(identityPolicy, 'identity:update_consumer', req.auth);
    const b = wrapped(req.body, 'consumer');
    if (b.secret !== undefined) throw badRequest('Cannot change consumer secret');
    if (b.id !== undefined && b.id !== id(req)) throw badRequest('Cannot change consumer ID');
    if (Object.keys(b).length === 0) throw badRequest("Invalid input for field 'consumer': expected at least one attribute.");
    const row = await d.consumers.update(id(req), { description: optString(b, 'description', { nullable: true, max: 65535 }), extra: extraOf(b, ['description', 'secret']) });
    return { consumer: renderConsumer(base(), row) };
  });

  app.delete(`${PREFIX}/:id`, async (req, reply) => {
    enforce(identityPolicy, 'identity:delete_consumer', req.auth);
    await d.consumers.delete(id(req));
    reply.code(204);
  });
}
