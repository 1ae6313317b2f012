import { createHash } from 'node:crypto';
import { badRequest, conflict, forbidden, notFound, unauthorized } from '../../../platform/errors.js';
import { fromDbBool, isUniqueViolation, toDbBool } from '../../../platform/db/database.js';
import { hexId, nowIso } from '../../../platform/ids.js';
import type { Obj } from '../../../platform/http/validate.js';
import { parseJson } from '../store/json.js';
import type { ProjectStore } from '../store/projects.js';
import type { DomainRow, IdentityDb, IdpRow, MappingRow, ProtocolRow, UserRow } from '../store/tables.js';
import type { UserStore } from '../store/users.js';
import type { Principal } from './auth.js';
import { applyMapping, validateRules, type DomainRef, type MappedGroups, type MappedUser } from './mapping.js';
import type { OidcSettings, OidcVerifier } from './oidc.js';
import type { RevocationList } from './revocations.js';
import type { TokenPayload } from './tokens.js';

export interface IdpInput {
  enabled?: boolean;
  description?: string | null;
  domainId?: string;
  remoteIds?: string[];
  authorizationTtl?: number | null;
  oidc?: OidcSettings;
}

type FederatedGroups = NonNullable<TokenPayload['federation']>['groups'];

/** Where a shadow user came from, in the user's `federated` column (as Keystone lists it). */
type FederatedRef = Array<{ idp_id: string; protocols: Array<{ protocol_id: string; unique_id: string }> }>;

/**
 * OS-FEDERATION: identity providers, mappings and protocols, and the login of a federated user:
 * verify the issuer's token, map its claims, keep a shadow user in the provider's domain and
 * carry the mapped groups in the token (their role assignments count, not stored memberships).
 */
export class Federation {
  constructor(
    private readonly db: IdentityDb,
    private readonly projects: ProjectStore,
    private readonly users: UserStore,
    private readonly revocations: RevocationList,
    private readonly verifier: OidcVerifier,
  ) {}

  // --- identity providers ---

  async getIdp(id: string): Promise<IdpRow> {
    const row = await this.db.selectFrom('id_idps').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Could not find Identity Provider: ${id}.`);
    return row;
  }

  listIdps(f: { id?: string; enabled?: boolean }): Promise<IdpRow[]> {
    let q = this.db.selectFrom('id_idps').selectAll().orderBy('id');
    if (f.id !== undefined) q = q.where('id', '=', f.id);
    if (f.enabled !== undefined) q = q.where('enabled', '=', toDbBool(f.enabled));
    return q.execute();
  }

  /** Remote ids identify one provider only (Keystone answers 409 otherwise). */
  private async assertRemoteIdsFree(remoteIds: string[], except: string): Promise<void> {
    const taken = (await this.listIdps({})).filter((i) => i.id !== except).flatMap((i) => parseJson<string[]>(i.remote_ids, []));
    const clash = remoteIds.find((r) => taken.includes(r));
    if (clash) throw conflict(`Conflict occurred attempting to store identity_provider - Duplicate remote ID: ${clash}.`);
  }

  /** Creates a provider; without a domain, a domain is created for it as Keystone does. */
  async createIdp(id: string, input: IdpInput): Promise<IdpRow> {
    if (await this.db.selectFrom('id_idps').select('id').where('id', '=', id).executeTakeFirst()) {
      throw conflict(`Conflict occurred attempting to store identity_provider - Duplicate entry found with ID ${id}.`);
    }
    await this.assertRemoteIdsFree(input.remoteIds ?? [], id);
    let domainId = input.domainId;
    if (domainId) {
      if (!(await this.projects.getDomain(domainId))) throw notFound(`Could not find domain: ${domainId}.`);
    } else {
      domainId = hexId();
      const domain: DomainRow = {
        id: domainId,
        name: domainId,
        description: `Auto generated federated domain for Identity Provider: ${id}`,
        enabled: 1,
        tags: '[]',
        options: '{}',
        extra: '{}',
        created_at: nowIso(),
      };
      await this.projects.insertDomain(domain);
    }
    const row: IdpRow = {
      id,
      // Disabled unless asked otherwise, as in Keystone.
      enabled: toDbBool(input.enabled ?? false),
      description: input.description ?? null,
      domain_id: domainId,
      remote_ids: JSON.stringify(input.remoteIds ?? []),
      authorization_ttl: input.authorizationTtl ?? null,
      oidc: JSON.stringify(input.oidc ?? {}),
    };
    await this.db.insertInto('id_idps').values(row).execute();
    return row;
  }

  async updateIdp(id: string, input: Omit<IdpInput, 'domainId'>): Promise<IdpRow> {
    const cur = await this.getIdp(id);
    if (input.remoteIds) await this.assertRemoteIdsFree(input.remoteIds, id);
    const patch: Partial<IdpRow> = {};
    if (input.enabled !== undefined) patch.enabled = toDbBool(input.enabled);
    if (input.description !== undefined) patch.description = input.description;
    if (input.remoteIds !== undefined) patch.remote_ids = JSON.stringify(input.remoteIds);
    if (input.authorizationTtl !== undefined) patch.authorization_ttl = input.authorizationTtl;
    if (input.oidc !== undefined) patch.oidc = JSON.stringify(input.oidc);
    if (Object.keys(patch).length) await this.db.updateTable('id_idps').set(patch).where('id', '=', id).execute();
    // Disabling a provider ends the sessions of its users at once.
    if (input.enabled === false && fromDbBool(cur.enabled)) for (const u of await this.shadowUsersOf(id)) await this.revocations.revoke({ user_id: u.id });
    return { ...cur, ...patch };
  }

  /** Deletes the provider, its protocols and its shadow users (whose tokens are revoked). */
  async deleteIdp(id: string): Promise<void> {
    await this.getIdp(id);
    const shadows = await this.shadowUsersOf(id);
    await this.db.deleteFrom('id_protocols').where('idp_id', '=', id).execute();
    await this.db.deleteFrom('id_idps').where('id', '=', id).execute();
    for (const u of shadows) {
      await this.users.deleteUser(u.id);
      await this.revocations.revoke({ user_id: u.id });
    }
  }

  private async shadowUsersOf(idpId: string): Promise<UserRow[]> {
    const rows = await this.db.selectFrom('id_users').selectAll().where('federated', 'is not', null).execute();
    return rows.filter((u) => parseJson<FederatedRef>(u.federated, []).some((f) => f.idp_id === idpId));
  }

  // --- mappings ---

  async getMapping(id: string): Promise<MappingRow> {
    const row = await this.db.selectFrom('id_mappings').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Could not find Mapping: ${id}.`);
    return row;
  }

  listMappings(): Promise<MappingRow[]> {
    return this.db.selectFrom('id_mappings').selectAll().orderBy('id').execute();
  }

  async createMapping(id: string, rules: unknown, schemaVersion = '1.0'): Promise<MappingRow> {
    const row: MappingRow = { id, rules: JSON.stringify(validateRules(rules)), schema_version: schemaVersion };
    try {
      await this.db.insertInto('id_mappings').values(row).execute();
    } catch (e) {
      throw isUniqueViolation(e) ? conflict(`Conflict occurred attempting to store mapping - Duplicate entry found with ID ${id}.`) : e;
    }
    return row;
  }

  async updateMapping(id: string, rules: unknown, schemaVersion?: string): Promise<MappingRow> {
    const cur = await this.getMapping(id);
    const next: MappingRow = { id, rules: JSON.stringify(validateRules(rules)), schema_version: schemaVersion ?? cur.schema_version };
    await this.db.updateTable('id_mappings').set(next).where('id', '=', id).execute();
    return next;
  }

  async deleteMapping(id: string): Promise<void> {
    await this.getMapping(id);
    await this.db.deleteFrom('id_mappings').where('id', '=', id).execute();
  }

  // --- protocols ---

  async getProtocol(idpId: string, id: string): Promise<ProtocolRow> {
    await this.getIdp(idpId);
    const row = await this.db.selectFrom('id_protocols').selectAll().where('idp_id', '=', idpId).where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Could not find federated protocol ${id} for Identity Provider: ${idpId}.`);
    return row;
  }

  async listProtocols(idpId: string): Promise<ProtocolRow[]> {
    await this.getIdp(idpId);
    return this.db.selectFrom('id_protocols').selectAll().where('idp_id', '=', idpId).orderBy('id').execute();
  }

  /** A protocol naming an unknown mapping is bad input (400), as in Keystone, not a missing resource. */
  private async assertMappingExists(id: string): Promise<void> {
    if (!(await this.db.selectFrom('id_mappings').select('id').where('id', '=', id).executeTakeFirst())) throw badRequest(`Invalid mapping id: ${id}`);
  }

  async createProtocol(idpId: string, id: string, mappingId: string, remoteIdAttribute: string | null): Promise<ProtocolRow> {
    await this.getIdp(idpId);
    await this.assertMappingExists(mappingId);
    const row: ProtocolRow = { id, idp_id: idpId, mapping_id: mappingId, remote_id_attribute: remoteIdAttribute };
    try {
      await this.db.insertInto('id_protocols').values(row).execute();
    } catch (e) {
      throw isUniqueViolation(e) ? conflict(`Conflict occurred attempting to store federation_protocol - Duplicate entry found with ID ${id}.`) : e;
    }
    return row;
  }

  async updateProtocol(idpId: string, id: string, patch: { mappingId?: string; remoteIdAttribute?: string | null }): Promise<ProtocolRow> {
    const cur = await this.getProtocol(idpId, id);
    if (patch.mappingId) await this.assertMappingExists(patch.mappingId);
    const next: ProtocolRow = {
      ...cur,
      mapping_id: patch.mappingId ?? cur.mapping_id,
      remote_id_attribute: patch.remoteIdAttribute === undefined ? cur.remote_id_attribute : patch.remoteIdAttribute,
    };
    await this.db.updateTable('id_protocols').set(next).where('idp_id', '=', idpId).where('id', '=', id).execute();
    return next;
  }

  async deleteProtocol(idpId: string, id: string): Promise<void> {
    await this.getProtocol(idpId, id);
    await this.db.deleteFrom('id_protocols').where('idp_id', '=', idpId).where('id', '=', id).execute();
  }

  // --- login ---

  /** Logs a user in with a token of the provider's OpenID Connect issuer (access or id token). */
  async authenticate(idpId: string, protocolId: string, jwt: string): Promise<Principal> {
    const idp = await this.getIdp(idpId);
    if (!fromDbBool(idp.enabled)) throw forbidden(`Identity Provider ${idpId} is disabled.`);
    const protocol = await this.getProtocol(idpId, protocolId);
    const settings = parseJson<OidcSettings>(idp.oidc, {});
    const remoteIds = parseJson<string[]>(idp.remote_ids, []);
    const issuer = settings.issuer ?? remoteIds[0];
    if (!issuer) throw unauthorized(`Identity Provider ${idpId} has no OpenID Connect issuer configured.`);
    // Keystone accepts an assertion only from one of the provider's remote ids.
    if (remoteIds.length && !remoteIds.includes(issuer)) throw unauthorized(`The issuer ${issuer} is not a remote id of Identity Provider ${idpId}.`);
    const claims = await this.verifier.verify(jwt, issuer, settings);

    const mapping = await this.getMapping(protocol.mapping_id);
    const mapped = applyMapping(parseJson<Obj[]>(mapping.rules, []), claims);
    if (!mapped) {
      throw badRequest('Could not map any federated user properties to identity values. Check debug logs or the mapping used for additional details.');
    }
    const { user, domain } = await this.userFor(idp, protocolId, mapped.user);
    const groups = await this.groupsFor(mapped.groups);
    return {
      user,
      userDomainName: domain.name,
      methods: [protocolId],
      federation: { idp: idp.id, protocol: protocolId, groups },
    };
  }

  private async domainOf(ref: DomainRef | undefined, fallback: string): Promise<DomainRow> {
    const domain = ref?.id
      ? await this.projects.getDomain(ref.id)
      : ref?.name
        ? await this.projects.getDomainByName(ref.name)
        : await this.projects.getDomain(fallback);
    if (!domain || !fromDbBool(domain.enabled)) throw unauthorized('The domain of the mapped user is missing or disabled.');
    return domain;
  }

  /** A `local` user must exist; an `ephemeral` one is the provider's shadow user, kept up to date. */
  private async userFor(idp: IdpRow, protocolId: string, mapped: MappedUser): Promise<{ user: UserRow; domain: DomainRow }> {
    const domain = await this.domainOf(mapped.domain, idp.domain_id);
    if (mapped.type === 'local') {
      const user = mapped.id ? await this.users.getUser(mapped.id) : await this.users.getUserByName(domain.id, mapped.name!);
      if (!user || !fromDbBool(user.enabled)) throw unauthorized('The mapped local user does not exist or is disabled.');
      return { user, domain: user.domain_id === domain.id ? domain : await this.domainOf({ id: user.domain_id }, user.domain_id) };
    }
    const uniqueId = mapped.id ?? mapped.name!;
    const id = createHash('sha256').update(`${idp.id}\0${uniqueId}`).digest('hex');
    const name = mapped.name ?? uniqueId;
    const federated: FederatedRef = [{ idp_id: idp.id, protocols: [{ protocol_id: protocolId, unique_id: uniqueId }] }];
    let user = await this.users.getUser(id);
    try {
      if (!user) {
        user = {
          id,
          name,
          domain_id: domain.id,
          enabled: 1,
          password_hash: null,
          password_created_at: null,
          password_expires_at: null,
          default_project_id: null,
          description: null,
          email: mapped.email ?? null,
          options: '{}',
          extra: '{}',
          federated: JSON.stringify(federated),
          failed_auth_count: 0,
          failed_auth_at: null,
          created_at: nowIso(),
        };
        await this.users.insertUser(user);
      } else if (user.name !== name || (mapped.email !== undefined && user.email !== mapped.email)) {
        const patch = { name, email: mapped.email ?? user.email };
        await this.users.updateUser(id, patch);
        user = { ...user, ...patch };
      }
    } catch (e) {
      if (isUniqueViolation(e)) throw unauthorized(`Could not map user: the name ${name} is taken in domain ${domain.name}.`);
      throw e;
    }
    if (!fromDbBool(user.enabled)) throw unauthorized(`User ${id} is disabled.`);
    return { user, domain };
  }

  /** The mapped groups, which must exist (by id, or by name in a domain). */
  private async groupsFor(mapped: MappedGroups): Promise<FederatedGroups> {
    const rows = [];
    for (const id of new Set(mapped.ids)) {
      const g = await this.users.getGroup(id);
      if (!g) throw unauthorized(`Mapped group ${id} not found.`);
      rows.push(g);
    }
    for (const ref of mapped.byName) {
      const domain = ref.domain.id ? await this.projects.getDomain(ref.domain.id) : ref.domain.name ? await this.projects.getDomainByName(ref.domain.name) : undefined;
      const g = domain && (await this.users.getGroupByName(domain.id, ref.name));
      if (!g) throw unauthorized(`Mapped group ${ref.name} not found.`);
      rows.push(g);
    }
    const unique = [...new Map(rows.map((g) => [g.id, g])).values()];
    const domains = new Map<string, string>();
    for (const g of unique) if (!domains.has(g.domain_id)) domains.set(g.domain_id, (await this.projects.getDomain(g.domain_id))?.name ?? '');
    return unique.map((g) => ({ id: g.id, name: g.name, domain: [g.domain_id, domains.get(g.domain_id)!] }));
  }

  /** The `openid` identity method of POST /v3/auth/tokens. */
  openidMethod() {
    return async (body: Record<string, unknown>): Promise<Principal> => {
      const idp = body.identity_provider;
      const protocol = body.protocol ?? 'openid';
      const jwt = body.access_token ?? body.id_token;
      if (typeof idp !== 'string' || !idp) throw badRequest("Invalid input for field 'openid/identity_provider': expected a string.");
      if (typeof protocol !== 'string') throw badRequest("Invalid input for field 'openid/protocol': expected a string.");
      if (typeof jwt !== 'string' || !jwt) throw badRequest("Invalid input for field 'openid': needs access_token or id_token.");
      return this.authenticate(idp, protocol, jwt);
    };
  }
}
