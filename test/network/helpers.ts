import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

/** A cloud with identity and network, plus helpers that speak Neutron's v2.0 API. */
export interface NetCloud {
  cloud: TestCloud;
  admin: string;
  demo: string;
  /** A second project (`other`) with a member user, for isolation checks. */
  other: string;
  otherProjectId: string;
  demoProjectId: string;
  url(path: string): string;
  call(method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
}

export async function startNetCloud(): Promise<NetCloud> {
  const cloud = await startTestCloud({ only: ['identity', 'network'] });
  const admin = await cloud.adminToken();
  const demo = await cloud.demoToken();
  const id = (p: string) => `${cloud.urls.identity}/v3${p}`;
  const proj = await api(id('/projects'), { method: 'POST', token: admin, body: { project: { name: 'other', domain_id: 'default' } } });
  const user = await api(id('/users'), { method: 'POST', token: admin, body: { user: { name: 'other', password: 'other-secret-1', domain_id: 'default', default_project_id: proj.body.project.id } } });
  const roles = await api(id('/roles?name=member'), { token: admin });
  await api(id(`/projects/${proj.body.project.id}/users/${user.body.user.id}/roles/${roles.body.roles[0].id}`), { method: 'PUT', token: admin });
  const other = await cloud.login('other', 'other-secret-1', 'other');
  const demoProject = await api(id('/auth/tokens'), { token: admin, headers: { 'x-subject-token': demo } });
  const url = (path: string) => `${cloud.urls.network}${path}`;
  return {
    cloud,
    admin,
    demo,
    other,
    otherProjectId: proj.body.project.id,
    demoProjectId: demoProject.body.token.project.id,
    url,
    call: (method, path, token, body, headers) => api(url(path), { method, token, body, headers }),
  };
}
