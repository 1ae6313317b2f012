import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isObj } from '../../../platform/http/validate.js';
import type { ImageDeps } from './deps.js';
import { renderMember } from './render.js';

type Params = { id: string; member: string };

export function registerMemberRoutes(app: FastifyInstance, d: ImageDeps): void {
  app.get<{ Params: { id: string } }>('/v2/images/:id/members', async (req) => {
    const members = await d.members.list(req.auth, req.params.id);
    return { members: members.map(renderMember), schema: '/v2/schemas/members' };
  });

  app.post<{ Params: { id: string } }>('/v2/images/:id/members', async (req) => {
    const b = req.body;
    if (b === undefined) throw badRequest('Body expected in request.');
    if (!isObj(b)) throw badRequest('Expected a member in the form: {"member": "image_id"}');
    if (!('member' in b)) throw badRequest('Member to be added not specified');
    if (typeof b.member !== 'string' || b.member === '') throw badRequest("Member can't be empty");
    if (b.member.length > 255) throw badRequest('Member id is longer than 255 characters.');
    return renderMember(await d.members.add(req.auth, req.params.id, b.member));
  });

  app.get<{ Params: Params }>('/v2/images/:id/members/:member', async (req) =>
    renderMember(await d.members.get(req.auth, req.params.id, req.params.member)),
  );

  app.put<{ Params: Params }>('/v2/images/:id/members/:member', async (req) => {
    const b = req.body;
    if (b === undefined) throw badRequest('Body expected in request.');
    if (!isObj(b)) throw badRequest('Expected a status in the form: {"status": "status"}');
    if (!('status' in b)) throw badRequest('Status not specified');
    return renderMember(await d.members.update(req.auth, req.params.id, req.params.member, b.status));
  });

  app.delete<{ Params: Params }>('/v2/images/:id/members/:member', async (req, reply) => {
    await d.members.remove(req.auth, req.params.id, req.params.member);
    reply.code(204);
  });
}
