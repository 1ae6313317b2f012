import { join } from 'node:path';
import { section } from '../../platform/config.js';
import { fromDbBool } from '../../platform/db/database.js';
import { unauthorized } from '../../platform/errors.js';
import { createServiceApp, exposeMetrics } from '../../platform/http/app.js';
import { KeyRepository } from '../../platform/keys.js';
import type { ServiceModule } from '../../platform/service.js';
import type { Clients } from '../registry.js';
import { registerAppCredentialRoutes } from './api/appcreds.js';
import { registerAssignmentRoutes } from './api/assignments.js';
import { registerAuthRoutes } from './api/auth.js';
import { registerCatalogRoutes } from './api/catalog.js';
import { registerConsumerRoutes } from './api/consumers.js';
import { registerCredentialRoutes } from './api/credentials.js';
import { registerDomainConfigRoutes } from './api/domain-config.js';
import { registerEndpointFilterRoutes } from './api/endpoint-filter.js';
import { registerEndpointPolicyRoutes } from './api/endpoint-policy.js';
import type { IdentityDeps } from './api/deps.js';
import { keystoneFault } from './api/faults.js';
import { registerFederationRoutes } from './api/federation.js';
import { registerGroupRoutes } from './api/groups.js';
import { registerLimitRoutes } from './api/limits.js';
import { registerPolicyRoutes } from './api/policies.js';
import { registerProjectRoutes } from './api/projects.js';
import { registerRoleRoutes } from './api/roles.js';
import { registerS3TokenRoutes } from './api/s3tokens.js';
import { registerServiceProviderRoutes } from './api/service-providers.js';
import { registerTrustRoutes } from './api/trusts.js';
import { registerUserRoutes } from './api/users.js';
import { registerVersionRoutes } from './api/versions.js';
import type { IdentityClient } from './client.js';
import { DEFAULT_SETTINGS, TokenService, toAuthContext, type IdentitySettings } from './model/auth.js';
import { AppCredentials } from './model/appcreds.js';
import { bootstrap, writeCloudsYaml } from './model/bootstrap.js';
import { Catalog } from './model/catalog.js';
import { Consumers } from './model/consumers.js';
import { Credentials } from './model/credentials.js';
import { DomainConfigs } from './model/domain-config.js';
import { EndpointFilter } from './model/endpoint-filter.js';
import { EndpointPolicy } from './model/endpoint-policy.js';
import { Federation } from './model/federation.js';
import { UnifiedLimits } from './model/limits.js';
import { appCredentialMethod, passwordMethod, tokenMethod } from './model/methods.js';
import { OidcVerifier } from './model/oidc.js';
import { PasswordHasher } from './model/passwords.js';
import { Policies } from './model/policies.js';
import { RevocationList } from './model/revocations.js';
import { RoleResolver } from './model/roles.js';
import { ServiceProviders } from './model/service-providers.js';
import { TokenCodec } from './model/tokens.js';
import { Trusts } from './model/trusts.js';
import { CatalogStore } from './store/catalog.js';
import { identityMigrations } from './store/migrations.js';
import { ProjectStore } from './store/projects.js';
import { RoleStore } from './store/roles.js';
import type { IdentityTables } from './store/tables.js';
import { UserStore } from './store/users.js';

export { ec2CredentialId } from './model/credentials.js';

const identity: ServiceModule<Clients> = {
  name: 'identity',
  migrations: identityMigrations,
  catalog: [{ type: 'identity', name: 'keystone', path: '/v3' }],

  async create(ctx) {
    const settings = section<IdentitySettings>(ctx.config, 'identity', DEFAULT_SETTINGS);
    const db = ctx.db.typed<IdentityTables>();
    const projects = new ProjectStore(db);
    const users = new UserStore(db);
    const roles = new RoleStore(db);
    const catalogStore = new CatalogStore(db);
    const keys = new KeyRepository(join(ctx.config.dataDir, 'keys', 'token'), settings.maxActiveKeys).load();
    const revocations = new RevocationList(db, ctx.events, (settings.tokenExpiration + settings.allowExpiredWindow) * 1000);
    const resolver = new RoleResolver(roles, users, projects);
    const hasher = new PasswordHasher(settings.passwordHashRounds);
    const tokens = new TokenService(new TokenCodec(keys), revocations, resolver, projects, settings);
    const catalog = new Catalog(catalogStore, ctx.events, ctx.config.region);

    tokens.registerMethod('password', passwordMethod({ users, projects, hasher, settings }));
    tokens.registerMethod('token', tokenMethod({ tokens, users, projects }));
    tokens.registerMethod('application_credential', appCredentialMethod({ db, users, projects, hasher }));
    const federation = new Federation(db, projects, users, revocations, new OidcVerifier());
    tokens.registerMethod('openid', federation.openidMethod());

    const policies = new Policies(db);
    const deps: IdentityDeps = {
      config: ctx.config,
      settings,
      db,
      events: ctx.events,
      metrics: ctx.metrics,
      masterKey: ctx.masterKey,
      projects,
      users,
      roles,
      catalogStore,
      resolver,
      hasher,
      tokens,
      revocations,
      catalog,
      appCreds: new AppCredentials(db, roles, resolver, hasher, revocations),
      credentials: new Credentials(db, ctx.masterKey),
      federation,
      trusts: new Trusts(db, roles, resolver, users, projects, revocations),
      endpointFilter: new EndpointFilter(catalogStore, projects, catalog),
      policies,
      endpointPolicy: new EndpointPolicy(db, catalogStore, policies),
      limits: new UnifiedLimits(db, catalogStore, projects),
      consumers: new Consumers(db, ctx.masterKey),
      domainConfigs: new DomainConfigs(db, projects, ctx.masterKey),
      serviceProviders: new ServiceProviders(db, ctx.events),
      baseUrl: () => ctx.urls.identity,
    };

    const app = createServiceApp({
      service: 'identity',
      log: ctx.log,
      metrics: ctx.metrics,
      renderFault: keystoneFault(deps.baseUrl),
      tokens,
      serviceType: 'identity',
    });
    exposeMetrics(app, ctx.metrics);
    registerVersionRoutes(app, deps);
    registerAuthRoutes(app, deps);
    registerProjectRoutes(app, deps);
    registerUserRoutes(app, deps);
    registerGroupRoutes(app, deps);
    registerRoleRoutes(app, deps);
    registerAssignmentRoutes(app, deps);
    registerCatalogRoutes(app, deps);
    registerAppCredentialRoutes(app, deps);
    registerCredentialRoutes(app, deps);
    registerFederationRoutes(app, deps);
    registerTrustRoutes(app, deps);
    registerEndpointFilterRoutes(app, deps);
    registerPolicyRoutes(app, deps);
    registerEndpointPolicyRoutes(app, deps);
    registerLimitRoutes(app, deps);
    registerConsumerRoutes(app, deps);
    registerS3TokenRoutes(app, deps);
    registerDomainConfigRoutes(app, deps);
    registerServiceProviderRoutes(app, deps);

    await revocations.load();
    await catalog.reload();
    await deps.serviceProviders.reload();

    const client: IdentityClient = {
      validate: (token, opts) => tokens.validate(token, opts),
      ensureEndpoints: (entries) => catalog.ensure(entries),
      findEc2Credential: (access) => deps.credentials.findEc2(access),
      async contextForUserProject(userId, projectId) {
        const [user, project] = await Promise.all([users.getUser(userId), projects.getProject(projectId)]);
        if (!user || !fromDbBool(user.enabled) || !project || !fromDbBool(project.enabled)) throw unauthorized();
        const [userDomain, projectDomain, effective] = await Promise.all([
          projects.getDomain(user.domain_id),
          projects.getDomain(project.domain_id),
          resolver.onProject(userId, project),
        ]);
        if (!userDomain || !projectDomain || effective.length === 0) throw unauthorized();
        const now = Date.now();
        return toAuthContext('', {
          userId,
          userName: user.name,
          userDomain: [userDomain.id, userDomain.name],
          methods: ['ec2credential'],
          project: { id: project.id, name: project.name, domain: [projectDomain.id, projectDomain.name] },
          roles: effective.map((r) => [r.id, r.name]),
          issuedAt: now,
          expiresAt: now,
          auditIds: [],
        });
      },
      async projectExists(projectId) {
        return !!(await projects.getProject(projectId));
      },
    };

    // Pick up keys rotated by `scs keys rotate` (possibly in another process); a read racing a
    // rotation keeps the previous keys until the next round. 0 turns the reload off.
    const keyReload =
      settings.keyReloadInterval > 0
        ? setInterval(() => {
            try {
              keys.load();
            } catch (err) {
              ctx.log.warn({ err }, 'token key reload failed; keeping the loaded keys');
            }
          }, settings.keyReloadInterval * 1000).unref()
        : undefined;

    const notices: string[] = [];
    return {
      app,
      client,
      notices,
      async stop() {
        clearInterval(keyReload);
      },
      async start() {
        const result = await bootstrap({ projects, users, roles, hasher });
        const file = writeCloudsYaml(ctx.config.dataDir, `${ctx.urls.identity}/v3`, ctx.config.region, result.created);
        if (result.created) {
          notices.push(
            `Bootstrap done. Admin: user "admin", password "${result.created.adminPassword}" (project admin, domain Default).`,
            `Demo member: user "demo", password "${result.created.demoPassword}" (project demo).`,
          );
        }
        notices.push(`clouds.yaml written to ${file} (clouds scs-admin and scs-demo).`);
      },
    };
  },
};

export default identity;
