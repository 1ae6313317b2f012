import type { CloudConfig } from '../../../platform/config.js';
import type { EventFeed } from '../../../platform/events.js';
import type { MasterKey } from '../../../platform/keys.js';
import type { Metrics } from '../../../platform/metrics.js';
import type { AppCredentials } from '../model/appcreds.js';
import type { IdentitySettings, TokenService } from '../model/auth.js';
import type { Catalog } from '../model/catalog.js';
import type { Consumers } from '../model/consumers.js';
import type { Credentials } from '../model/credentials.js';
import type { DomainConfigs } from '../model/domain-config.js';
import type { EndpointFilter } from '../model/endpoint-filter.js';
import type { EndpointPolicy } from '../model/endpoint-policy.js';
import type { Federation } from '../model/federation.js';
import type { UnifiedLimits } from '../model/limits.js';
import type { PasswordHasher } from '../model/passwords.js';
import type { Policies } from '../model/policies.js';
import type { RevocationList } from '../model/revocations.js';
import type { RoleResolver } from '../model/roles.js';
import type { ServiceProviders } from '../model/service-providers.js';
import type { Trusts } from '../model/trusts.js';
import type { CatalogStore } from '../store/catalog.js';
import type { ProjectStore } from '../store/projects.js';
import type { RoleStore } from '../store/roles.js';
import type { IdentityDb } from '../store/tables.js';
import type { UserStore } from '../store/users.js';

/** What the identity routes work with, built once in plugin.ts. */
export interface IdentityDeps {
  config: CloudConfig;
  settings: IdentitySettings;
  db: IdentityDb;
  events: EventFeed;
  metrics: Metrics;
  masterKey: MasterKey;
  projects: ProjectStore;
  users: UserStore;
  roles: RoleStore;
  catalogStore: CatalogStore;
  resolver: RoleResolver;
  hasher: PasswordHasher;
  tokens: TokenService;
  revocations: RevocationList;
  catalog: Catalog;
  appCreds: AppCredentials;
  credentials: Credentials;
  federation: Federation;
  trusts: Trusts;
  endpointFilter: EndpointFilter;
  policies: Policies;
  endpointPolicy: EndpointPolicy;
  limits: UnifiedLimits;
  consumers: Consumers;
  domainConfigs: DomainConfigs;
  serviceProviders: ServiceProviders;
  /** `http://host:port` of the identity listener. */
  baseUrl(): string;
}
