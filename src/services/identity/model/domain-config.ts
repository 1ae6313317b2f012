import { ApiError, notFound } from '../../../platform/errors.js';
import { isObj } from '../../../platform/http/validate.js';
import type { MasterKey } from '../../../platform/keys.js';
import type { ProjectStore } from '../store/projects.js';
import type { DomainConfigRow, IdentityDb } from '../store/tables.js';
import { DEFAULT_DOMAIN } from './bootstrap.js';

/** `{group: {option: value}}`, the body of every domain configuration request and response. */
export type DomainConfig = Record<string, Record<string, unknown>>;

/**
 * Keystone's defaults of the options a domain may set (its `[identity]` and `[ldap]` options that
 * the domain-specific drivers read); the keys are the options Keystone allows to be stored.
 */
const DEFAULTS: DomainConfig = {
  identity: { driver: 'sql', list_limit: null },
  ldap: {
    url: 'ldap://localhost',
    user: null,
    suffix: 'cn=example,cn=com',
    query_scope: 'one',
    page_size: 0,
    alias_dereferencing: 'default',
    debug_level: null,
    chase_referrals: null,
    user_tree_dn: null,
    user_filter: null,
    user_objectclass: 'inetOrgPerson',
    user_id_attribute: 'cn',
    user_name_attribute: 'sn',
    user_mail_attribute: 'mail',
    user_description_attribute: 'description',
    user_pass_attribute: 'userPassword',
    user_enabled_attribute: 'enabled',
    user_enabled_invert: false,
    user_enabled_mask: 0,
    user_enabled_default: 'True',
    user_attribute_ignore: ['default_project_id'],
    user_default_project_id_attribute: null,
    user_enabled_emulation: false,
    user_enabled_emulation_dn: null,
    user_enabled_emulation_use_group_config: false,
    user_additional_attribute_mapping: [],
    group_tree_dn: null,
    group_filter: null,
    group_objectclass: 'groupOfNames',
    group_id_attribute: 'cn',
    group_name_attribute: 'ou',
    group_members_are_ids: false,
    group_member_attribute: 'member',
    group_desc_attribute: 'description',
    group_attribute_ignore: [],
    group_additional_attribute_mapping: [],
    tls_cacertfile: null,
    tls_cacertdir: null,
    use_tls: false,
    tls_req_cert: 'demand',
    use_pool: true,
    pool_size: 10,
    pool_retry_max: 3,
    pool_retry_delay: 0.1,
    pool_connection_timeout: -1,
    pool_connection_lifetime: 600,
    use_auth_pool: true,
    auth_pool_size: 100,
    auth_pool_connection_lifetime: 60,
  },
};
/** Stored but never returned (Keystone's sensitive options); wrapped by the master key here. */
const SENSITIVE: Record<string, string[]> = { identity: [], ldap: ['password'] };
/** The security compliance options any token may read (of the default domain only). */
export const SECURITY_COMPLIANCE = 'security_compliance';
const READABLE_COMPLIANCE: Record<string, unknown> = { password_regex: null, password_regex_description: null };

/** Keystone's InvalidDomainConfig is a 403 with this message. */
const invalid = (reason: string) => new ApiError('forbidden', `Invalid domain specific configuration: ${reason}.`);
const missing = (domainId: string, what: string) => notFound(`Could not find ${what} in domain configuration for domain ${domainId}.`);
const what = (group?: string, option?: string) => (option ? `option ${option} in group ${group}` : group ? `group ${group}` : 'any options');

const isSensitive = (group: string, option: string) => SENSITIVE[group]?.includes(option) ?? false;

function assertGroupAndOption(group?: string, option?: string): void {
  if (group === undefined) return;
  if (!(group in DEFAULTS)) throw invalid(`Group ${group} is not supported for domain specific configurations`);
  if (option !== undefined && !(option in DEFAULTS[group]) && !isSensitive(group, option)) {
    throw invalid(`Option ${option} in group ${group} is not supported for domain specific configurations`);
  }
}

function assertConfig(config: unknown): asserts config is DomainConfig {
  if (!isObj(config) || Object.keys(config).length === 0) throw invalid('No options specified');
  for (const [group, options] of Object.entries(config)) {
    if (!isObj(options) || Object.keys(options).length === 0) {
      throw invalid(`The value of group ${group} specified in the config should be a dictionary of options`);
    }
    for (const option of Object.keys(options)) assertGroupAndOption(group, option);
  }
}

/** One option per row; the answer to `option` alone is `{option: value}`, otherwise grouped. */
function toConfig(rows: DomainConfigRow[], option?: string): Record<string, unknown> {
  if (option !== undefined) return rows.length ? { [option]: JSON.parse(rows[0].value) } : {};
  const config: DomainConfig = {};
  for (const r of rows) (config[r.group_name] ??= {})[r.option_name] = JSON.parse(r.value);
  return config;
}

/**
 * Domain-specific configuration (Keystone's `/v3/domains/{id}/config`): the `identity` and `ldap`
 * options a domain's own identity driver would read. They are stored and served with Keystone's
 * rules; this cloud has only the SQL identity backend, so nothing acts on them.
 */
export class DomainConfigs {
  constructor(
    private readonly db: IdentityDb,
    private readonly projects: ProjectStore,
    private readonly masterKey: MasterKey,
  ) {}

  private async assertDomain(domainId: string): Promise<void> {
    if (!(await this.projects.getDomain(domainId))) throw notFound(`Could not find domain: ${domainId}.`);
  }

  private rows(domainId: string, opts: { group?: string; option?: string; sensitive?: boolean } = {}): Promise<DomainConfigRow[]> {
    let q = this.db.selectFrom('id_domain_config').selectAll().where('domain_id', '=', domainId);
    if (opts.group !== undefined) q = q.where('group_name', '=', opts.group);
    if (opts.option !== undefined) q = q.where('option_name', '=', opts.option);
    if (opts.sensitive !== undefined) q = q.where('sensitive', '=', opts.sensitive ? 1 : 0);
    return q.orderBy('group_name').orderBy('option_name').execute();
  }

  private row(domainId: string, group: string, option: string, value: unknown): DomainConfigRow {
    const json = JSON.stringify(value ?? null);
    const sensitive = isSensitive(group, option);
    const stored = sensitive ? this.masterKey.wrap(Buffer.from(json), `domain-config:${domainId}:${group}:${option}`) : json;
    return { domain_id: domainId, group_name: group, option_name: option, value: stored, sensitive: sensitive ? 1 : 0 };
  }

  /** Stores the options (replacing all of the domain's first when `replace`), in one transaction. */
  private async write(domainId: string, config: DomainConfig, replace: boolean): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (replace) await tx.deleteFrom('id_domain_config').where('domain_id', '=', domainId).execute();
      for (const [group, options] of Object.entries(config)) {
        for (const [option, value] of Object.entries(options)) {
          const r = this.row(domainId, group, option, value);
          await tx
            .insertInto('id_domain_config')
            .values(r)
            .onConflict((oc) => oc.columns(['domain_id', 'group_name', 'option_name']).doUpdateSet({ value: r.value }))
            .execute();
        }
      }
    });
  }

  /** Replaces the whole configuration; `created` is false when the domain had one (200, not 201). */
  async create(domainId: string, config: unknown): Promise<{ config: Record<string, unknown>; created: boolean }> {
    await this.assertDomain(domainId);
    assertConfig(config);
    const created = (await this.rows(domainId)).length === 0;
    await this.write(domainId, config, true);
    return { config: toConfig(await this.rows(domainId, { sensitive: false })), created };
  }

  /** The stored options (sensitive ones never), all, of a group or one option; 404 when none. */
  async get(domainId: string, group?: string, option?: string): Promise<Record<string, unknown>> {
    assertGroupAndOption(group, option);
    await this.assertDomain(domainId);
    const rows = await this.rows(domainId, { group, option, sensitive: false });
    if (!rows.length) throw missing(domainId, what(group, option));
    return toConfig(rows, option);
  }

  /**
   * Merges options into the configuration. Through a group (or option) path the body must name
   * exactly that group (or option), which must already be set; answers the whole configuration.
   */
  async update(domainId: string, body: unknown, group?: string, option?: string): Promise<Record<string, unknown>> {
    await this.assertDomain(domainId);
    const config = group !== undefined && option !== undefined ? { [group]: body } : body;
    assertConfig(config);
    assertGroupAndOption(group, option);
    if (group !== undefined) {
      const keys = Object.keys(config);
      if (keys.length !== 1 || (option !== undefined && Object.keys(config[keys[0]]).length !== 1)) {
        throw invalid(
          option !== undefined
            ? `Trying to update option ${option} in group ${group}, so that, and only that, option must be specified  in the config`
            : `Trying to update group ${group}, so that, and only that, group must be specified in the config`,
        );
      }
      if (!(group in config)) throw invalid(`request to update group ${group}, but config provided contains group ${keys[0]} instead`);
      if (option !== undefined && !(option in config[group])) {
        const other = Object.keys(config[group])[0];
        throw invalid(`Trying to update option ${option} in group ${group}, but config provided contains option ${other} instead`);
      }
      if (!(await this.rows(domainId, { group, option })).length) throw missing(domainId, what(group, option));
    }
    await this.write(domainId, config, false);
    return this.get(domainId);
  }

  /** Deletes all options, a group or one option; a named group or option must be set. */
  async delete(domainId: string, group?: string, option?: string): Promise<void> {
    assertGroupAndOption(group, option);
    await this.assertDomain(domainId);
    if (group !== undefined) {
      if (!(await this.rows(domainId, { group })).length) throw missing(domainId, what(group));
      if (option !== undefined && !(await this.rows(domainId, { group, option })).length) throw missing(domainId, what(group, option));
    }
    let q = this.db.deleteFrom('id_domain_config').where('domain_id', '=', domainId);
    if (group !== undefined) q = q.where('group_name', '=', group);
    if (option !== undefined) q = q.where('option_name', '=', option);
    await q.execute();
  }

  /** Keystone's defaults of the storable options (sensitive ones excluded). */
  defaults(group?: string, option?: string): Record<string, unknown> {
    assertGroupAndOption(group, option);
    if (group === undefined) return structuredClone(DEFAULTS);
    if (option === undefined) return { [group]: structuredClone(DEFAULTS[group]) };
    if (!(option in DEFAULTS[group])) throw invalid(`Reading the default for option ${option} in group ${group} is not supported`);
    return { [option]: structuredClone(DEFAULTS[group][option]) };
  }

  /**
   * The password rules a client may show before a password change (default domain only). This
   * cloud enforces no password pattern, so both are null, as Keystone's defaults.
   */
  securityCompliance(domainId: string, option?: string): Record<string, unknown> {
    if (domainId !== DEFAULT_DOMAIN) {
      throw invalid('Reading security compliance information for any domain other than the default domain is not allowed or supported');
    }
    if (option === undefined) return { [SECURITY_COMPLIANCE]: { ...READABLE_COMPLIANCE } };
    if (!(option in READABLE_COMPLIANCE)) {
      throw invalid('Reading security compliance values other than password_regex and password_regex_description is not allowed');
    }
    return { [option]: READABLE_COMPLIANCE[option] };
  }

  /** Part of deleting a domain, as Keystone drops its configuration. */
  async deleteAll(domainId: string): Promise<void> {
    await this.db.deleteFrom('id_domain_config').where('domain_id', '=', domainId).execute();
  }
}
