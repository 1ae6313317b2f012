import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml, stringify } from 'yaml';
import { hexId, nowIso } from '../../src/platform/ids.js';
import { PasswordHasher } from '../../src/services/identity/model/passwords.js';
import { ProjectStore } from '../../src/services/identity/store/projects.js';
import { RoleStore } from '../../src/services/identity/store/roles.js';
import type { IdentityTables } from '../../src/services/identity/store/tables.js';
import { UserStore } from '../../src/services/identity/store/users.js';
import { api, type TestCloud } from '../helpers/cloud.js';

/**
 * A second tenant for isolation tests: a project with one member user (identity has no user API
 * yet, so the rows go in through identity's stores), added to the cloud's clouds.yaml as `NAME`.
 */
export async function addTenant(cloud: TestCloud, name: string): Promise<{ projectId: string; token: () => Promise<string> }> {
  const db = cloud.ctx.db.typed<IdentityTables>();
  const projects = new ProjectStore(db);
  const users = new UserStore(db);
  const roles = new RoleStore(db);
  const now = nowIso();
  const projectId = hexId();
  await projects.insertProject({ id: projectId, name, domain_id: 'default', parent_id: null, description: '', enabled: 1, tags: '[]', options: '{}', extra: '{}', created_at: now });
  const password = randomBytes(12).toString('hex');
  const userId = hexId();
  await users.insertUser({
    id: userId,
    name,
    domain_id: 'default',
    enabled: 1,
    password_hash: await new PasswordHasher(4).hash(password),
    password_created_at: now,
    password_expires_at: null,
    default_project_id: projectId,
    description: null,
    email: null,
    options: '{}',
    extra: '{}',
    federated: null,
    failed_auth_count: 0,
    failed_auth_at: null,
    created_at: now,
  });
  const member = await roles.getRoleByName('member');
  await roles.addAssignment({ type: 'UserProject', actor_id: userId, target_id: projectId, role_id: member!.id, inherited: 0 });
  const doc = parseYaml(readFileSync(cloud.cloudsYaml, 'utf8')) as { clouds: Record<string, { auth: Record<string, string> }> };
  doc.clouds[name] = { ...doc.clouds['scs-demo'], auth: { ...doc.clouds['scs-demo'].auth, username: name, password, project_name: name } };
  writeFileSync(cloud.cloudsYaml, stringify(doc));
  let token: string | undefined;
  return { projectId, token: async () => (token ??= await cloud.login(name, password, name)) };
}

export const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

/** Creates an image and returns its id (JSON body as the API takes it). */
export async function createImage(base: string, token: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await api(`${base}/v2/images`, { method: 'POST', token, body: { name: 'img', disk_format: 'raw', container_format: 'bare', ...body } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function upload(base: string, token: string, id: string, data: Buffer): Promise<Response> {
  return fetch(`${base}/v2/images/${id}/file`, { method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' }, body: new Blob([new Uint8Array(data)]) });
}
