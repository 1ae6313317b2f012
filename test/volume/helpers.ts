import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml, stringify } from 'yaml';
import { api, type TestCloud } from '../helpers/cloud.js';

/** A user through Keystone's API with `role` on a new project (or `existingProject`), also added to clouds.yaml as `name`. */
export async function addTenant(cloud: TestCloud, name: string, role = 'member', existingProject?: string): Promise<{ projectId: string; token: () => Promise<string> }> {
  const admin = await cloud.adminToken();
  const id = cloud.urls.identity;
  const project = existingProject
    ? { body: { project: { id: existingProject, name: (await api(`${id}/v3/projects/${existingProject}`, { token: admin })).body.project.name } } }
    : await api(`${id}/v3/projects`, { method: 'POST', token: admin, body: { project: { name, domain_id: 'default' } } });
  const password = randomBytes(12).toString('hex');
  const user = await api(`${id}/v3/users`, { method: 'POST', token: admin, body: { user: { name, password, domain_id: 'default', default_project_id: project.body.project.id } } });
  const roles = await api(`${id}/v3/roles?name=${role}`, { token: admin });
  const put = await api(`${id}/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roles.body.roles[0].id}`, { method: 'PUT', token: admin });
  if (put.status !== 204) throw new Error(`role assignment failed: ${put.status}`);
  const doc = parseYaml(readFileSync(cloud.cloudsYaml, 'utf8')) as { clouds: Record<string, { auth: Record<string, string> }> };
  doc.clouds[name] = { ...doc.clouds['scs-demo'], auth: { ...doc.clouds['scs-demo'].auth, username: name, password, project_name: project.body.project.name } };
  writeFileSync(cloud.cloudsYaml, stringify(doc));
  let token: string | undefined;
  return { projectId: project.body.project.id, token: async () => (token ??= await cloud.login(name, password, project.body.project.name)) };
}

/** Polls a volume, snapshot or backup until its status is one of `states` (or it is gone, for `gone`). */
export async function waitStatus(base: string, token: string, kind: 'volumes' | 'snapshots' | 'backups', id: string, states: string[]): Promise<any> {
  const key = kind.slice(0, -1);
  for (let i = 0; i < 600; i++) {
    const r = await api(`${base}/v3/${kind}/${id}`, { token });
    if (r.status === 404 && states.includes('gone')) return undefined;
    if (r.status === 200 && states.includes(r.body[key].status)) return r.body[key];
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`${key} ${id} never became ${states.join('/')}`);
}

/** Creates a volume and waits until it is available. */
export async function createVolume(base: string, token: string, volume: Record<string, unknown>, headers: Record<string, string> = {}): Promise<any> {
  const r = await api(`${base}/v3/volumes`, { method: 'POST', token, body: { volume: { size: 1, ...volume } }, headers });
  if (r.status !== 202) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return waitStatus(base, token, 'volumes', r.body.volume.id, ['available', 'error']);
}

export const MV = (v: string) => ({ 'openstack-api-version': `volume ${v}` });
