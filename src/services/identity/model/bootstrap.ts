import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { nowIso, hexId } from '../../../platform/ids.js';
import type { ProjectStore } from '../store/projects.js';
import type { RoleStore } from '../store/roles.js';
import type { UserStore } from '../store/users.js';
import type { PasswordHasher } from './passwords.js';

export const DEFAULT_DOMAIN = 'default';
/** Personas in implication order: each implies the next (Keystone's default role hierarchy). */
const ROLE_CHAIN = ['admin', 'manager', 'member', 'reader'];
// Roles other services' upstream policies name (Octavia's and Barbican's legacy roles), so that
// tools that grant them (tempest plugins, operators' scripts) find them.
const EXTRA_ROLES = [
  'service',
  'load-balancer_member',
  'load-balancer_observer',
  'load-balancer_global_observer',
  'load-balancer_admin',
  'load-balancer_quota_admin',
  'creator',
  'observer',
  'audit',
  'key-manager:service-admin',
];

export interface BootstrapResult {
  /** Set only on the very first start: the generated passwords, printed once. */
  created?: { adminPassword: string; demoPassword: string };
}

/**
 * First start: domain Default, projects admin, service and demo, users admin and demo with
 * generated passwords, the personas admin → manager → member → reader. Idempotent: a later start
 * finds the admin user and changes nothing.
 */
export async function bootstrap(deps: { projects: ProjectStore; users: UserStore; roles: RoleStore; hasher: PasswordHasher }): Promise<BootstrapResult> {
  const { projects, users, roles, hasher } = deps;
  if (await users.getUserByName(DEFAULT_DOMAIN, 'admin').catch(() => undefined)) return {};
  const now = nowIso();
  if (!(await projects.getDomain(DEFAULT_DOMAIN))) {
    await projects.insertDomain({ id: DEFAULT_DOMAIN, name: 'Default', description: 'The default domain', enabled: 1, tags: '[]', options: '{}', extra: '{}', created_at: now });
  }
  const roleIds: Record<string, string> = {};
  for (const name of [...ROLE_CHAIN, ...EXTRA_ROLES]) {
    const existing = await roles.getRoleByName(name);
    roleIds[name] = existing?.id ?? hexId();
    if (!existing) await roles.insertRole({ id: roleIds[name], name, domain_id: '', description: null, options: '{}', extra: '{}' });
  }
  for (let i = 0; i + 1 < ROLE_CHAIN.length; i++) await roles.addImplied(roleIds[ROLE_CHAIN[i]], roleIds[ROLE_CHAIN[i + 1]]);

  const project = async (name: string, description: string) => {
    const existing = await projects.getProjectByName(DEFAULT_DOMAIN, name);
    if (existing) return existing.id;
    const id = hexId();
    await projects.insertProject({ id, name, domain_id: DEFAULT_DOMAIN, parent_id: null, description, enabled: 1, tags: '[]', options: '{}', extra: '{}', created_at: now });
    return id;
  };
  const adminProject = await project('admin', 'Bootstrap project for initializing the cloud.');
  await project('service', 'Project of the cloud services.');
  const demoProject = await project('demo', 'Demo project of a plain member.');

  const user = async (name: string, password: string, defaultProject: string) => {
    const id = hexId();
    await users.insertUser({
      id,
      name,
      domain_id: DEFAULT_DOMAIN,
      enabled: 1,
      password_hash: await hasher.hash(password),
      password_created_at: now,
      password_expires_at: null,
      default_project_id: defaultProject,
      description: null,
      email: null,
      options: '{}',
      extra: '{}',
      federated: null,
      failed_auth_count: 0,
      failed_auth_at: null,
      created_at: now,
    });
    return id;
  };
  const adminPassword = randomBytes(18).toString('base64url');
  const demoPassword = randomBytes(18).toString('base64url');
  const adminId = await user('admin', adminPassword, adminProject);
  const demoId = await user('demo', demoPassword, demoProject);
  await roles.addAssignment({ type: 'UserProject', actor_id: adminId, target_id: adminProject, role_id: roleIds.admin, inherited: 0 });
  await roles.addAssignment({ type: 'UserDomain', actor_id: adminId, target_id: DEFAULT_DOMAIN, role_id: roleIds.admin, inherited: 0 });
  await roles.addAssignment({ type: 'UserSystem', actor_id: adminId, target_id: 'all', role_id: roleIds.admin, inherited: 0 });
  await roles.addAssignment({ type: 'UserProject', actor_id: demoId, target_id: demoProject, role_id: roleIds.member, inherited: 0 });
  return { created: { adminPassword, demoPassword } };
}

/**
 * Writes `clouds.yaml` (clouds scs-admin and scs-demo) into the data folder. Passwords are known
 * only on the first start, so later starts update the auth URL and keep the rest.
 */
export function writeCloudsYaml(dataDir: string, authUrl: string, region: string, created?: BootstrapResult['created']): string {
  const file = join(dataDir, 'clouds.yaml');
  type Clouds = { clouds: Record<string, { auth: Record<string, string>; [k: string]: unknown }> };
  const current: Clouds = existsSync(file) ? ((parseYaml(readFileSync(file, 'utf8')) as Clouds) ?? { clouds: {} }) : { clouds: {} };
  const cloud = (username: string, project: string, password?: string) => ({
    auth: {
      auth_url: authUrl,
      username,
      password: password ?? current.clouds[`scs-${username}`]?.auth.password ?? '',
      project_name: project,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
    },
    region_name: region,
    interface: 'public',
    identity_api_version: 3,
  });
  current.clouds ??= {};
  if (created || current.clouds['scs-admin']) current.clouds['scs-admin'] = cloud('admin', 'admin', created?.adminPassword);
  if (created || current.clouds['scs-demo']) current.clouds['scs-demo'] = cloud('demo', 'demo', created?.demoPassword);
  writeFileSync(file, stringifyYaml(current), { mode: 0o600 });
  return file;
}
