import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, forbidden, notFound, unauthorized } from '../../../platform/errors.js';
import { fromDbBool } from '../../../platform/db/database.js';
import type { Principal, ScopeRequest } from '../model/auth.js';
import type { IdentityDeps } from './deps.js';
import { collectionLinks, renderToken } from './render.js';
import { renderDomain, renderProject } from './projects.js';

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Resolves `auth.scope` to a project, domain or the system; 401 where Keystone answers 401. */
async function resolveScope(d: IdentityDeps, scope: unknown, principal: Principal): Promise<ScopeRequest> {
  const defaultProjectId = principal.appCred || principal.parent ? null : principal.user.default_project_id;
  if (scope === undefined || scope === 'unscoped') {
    if (scope === undefined && defaultProjectId) {
      const p = await d.projects.getProject(defaultProjectId);
      if (p && fromDbBool(p.enabled)) return { kind: 'project', project: p };
    }
    return { kind: 'unscoped' };
  }
  const s = obj(scope);
  if (!s) throw badRequest("Invalid input for field 'scope': expected an object.");
  const domainOf = async (ref: Record<string, unknown> | undefined) => {
    if (!ref) throw badRequest("Invalid input for field 'scope/domain': expected an object.");
    const dom =
      typeof ref.id === 'string' ? await d.projects.getDomain(ref.id) : typeof ref.name === 'string' ? await d.projects.getDomainByName(ref.name) : undefined;
    if (!dom) throw unauthorized('Could not find domain: ' + String(ref.id ?? ref.name) + '.');
    if (!fromDbBool(dom.enabled)) throw unauthorized(`Domain ${dom.id} is disabled.`);
    return dom;
  };
  if (s.project !== undefined) {
    const ref = obj(s.project);
    if (!ref) throw badRequest("Invalid input for field 'scope/project': expected an object.");
    let project;
    if (typeof ref.id === 'string') project = await d.projects.getProject(ref.id);
    else if (typeof ref.name === 'string') project = await d.projects.getProjectByName((await domainOf(obj(ref.domain))).id, ref.name);
    else throw badRequest("Invalid input for field 'scope/project': needs id or name.");
    if (!project) throw unauthorized('Could not find project: ' + String(ref.id ?? ref.name) + '.');
    return { kind: 'project', project };
  }
  if (s.domain !== undefined) {
    const dom = await domainOf(obj(s.domain));
    return { kind: 'domain', domainId: dom.id, domainName: dom.name };
  }
  if (s['OS-TRUST:trust'] !== undefined) {
    const ref = obj(s['OS-TRUST:trust']);
    if (typeof ref?.id !== 'string') throw badRequest("Invalid input for field 'scope/OS-TRUST:trust': expected an object with an id.");
    return d.trusts.scopeFor(principal, ref.id);
  }
  if (s.system !== undefined) {
    if (obj(s.system)?.all !== true) throw badRequest("Invalid input for field 'scope/system': expected {\"all\": true}.");
    return { kind: 'system' };
  }
  throw badRequest("Invalid input for field 'scope': expected project, domain, OS-TRUST:trust or system.");
}

const flag = (req: FastifyRequest, name: string): boolean => {
  const v = (req.query as Record<string, string | undefined>)[name];
  return v !== undefined && v.toLowerCase() !== 'false' && v !== '0';
};

export function registerAuthRoutes(app: FastifyInstance, d: IdentityDeps): void {
  /** The groups a federated caller's token carries: their assignments count like memberships. */
  const federatedGroups = (req: FastifyRequest) => d.tokens.validatePayload(req.auth.token).federation?.groups.map((g) => g.id) ?? [];

  app.post('/v3/auth/tokens', { config: { public: true } }, async (req, reply) => {
    const auth = obj(obj(req.body)?.auth);
    if (!auth) throw badRequest("Invalid input for field 'auth': expected an object.");
    const identity = obj(auth.identity);
    if (!identity) throw badRequest("Invalid input for field 'auth/identity': expected an object.");
    const principal = await d.tokens.identify(identity, req.ip);
    const scope = await resolveScope(d, auth.scope, principal);
    const { token, payload } = await d.tokens.issue(principal, scope);
    reply.code(201).header('x-subject-token', token);
    return renderToken(payload, flag(req, 'nocatalog') ? undefined : d.catalog.get(payload.project?.id), d.serviceProviders.enabled());
  });

  /** The token named by X-Subject-Token; Keystone answers an invalid one with 404. */
  const subject = (req: FastifyRequest) => {
    const t = req.headers['x-subject-token'];
    if (typeof t !== 'string' || !t) throw unauthorized();
    let payload;
    try {
      payload = d.tokens.validatePayload(t, { allowExpired: flag(req, 'allow_expired') });
    } catch {
      throw notFound(`Could not find token: ${t}.`);
    }
    const caller = req.auth;
    // The subject of a trust token is its trustee, also when it impersonates the trustor (Keystone).
    const subjectUser = payload.trust?.trusteeId ?? payload.userId;
    const mayCheck = caller.roles.includes('admin') || caller.roles.includes('service') || caller.userId === subjectUser;
    if (!mayCheck) throw forbidden('You are not authorized to perform the requested action: identity:validate_token.');
    return payload;
  };

  // HEAD is answered by Fastify from this route, without the body.
  app.get('/v3/auth/tokens', async (req, reply) => {
    const payload = subject(req);
    reply.header('x-subject-token', req.headers['x-subject-token']);
    return renderToken(payload, flag(req, 'nocatalog') ? undefined : d.catalog.get(payload.project?.id), d.serviceProviders.enabled());
  });

  app.delete('/v3/auth/tokens', async (req, reply) => {
    const payload = subject(req);
    await d.revocations.revoke({ audit_id: payload.auditIds[0] });
    reply.code(204);
  });

  app.get('/v3/auth/catalog', async (req) => {
    if (!req.auth.projectId && !req.auth.domainId && !req.auth.system) {
      throw forbidden('The authenticated token has no scope; a scoped token is required for the catalog.');
    }
    return { catalog: d.catalog.get(req.auth.projectId), links: collectionLinks(d.baseUrl(), req) };
  });

  app.get('/v3/auth/projects', async (req) => {
    const projects = (await d.resolver.projectsOf(req.auth.userId, federatedGroups(req))).filter((p) => fromDbBool(p.enabled));
    return { projects: projects.map((p) => renderProject(d.baseUrl(), p)), links: collectionLinks(d.baseUrl(), req) };
  });

  app.get('/v3/auth/domains', async (req) => {
    const ids = await d.resolver.domainIdsOf(req.auth.userId, federatedGroups(req));
    const domains = (await d.projects.listDomains({ ids })).filter((x) => fromDbBool(x.enabled));
    return { domains: domains.map((x) => renderDomain(d.baseUrl(), x)), links: collectionLinks(d.baseUrl(), req) };
  });

  app.get('/v3/auth/system', async (req) => {
    const roles = await d.resolver.onSystem(req.auth.userId, federatedGroups(req));
    return { system: roles.length ? [{ all: true }] : [], links: collectionLinks(d.baseUrl(), req) };
  });
}

