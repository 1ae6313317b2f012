import assert from 'node:assert/strict';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { addTenant } from '../image/helpers.js';

/** A cloud with identity and network, plus helpers that speak Neutron's v2.0 API. */
export interface NetCloud {
  cloud: TestCloud;
  admin: string;
  demo: string;
  /** A second project (`other`, also a cloud of clouds.yaml) with a member user, for isolation checks. */
  other: string;
  otherProjectId: string;
  demoProjectId: string;
  url(path: string): string;
  call(method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  /** POSTs `{ [key]: body }` to `/v2.0/{path}` (as demo by default), asserts 201 and returns the resource. */
  create(path: string, key: string, body: Record<string, unknown>, token?: string): Promise<any>;
}

/** The `type` of a NeutronError body. */
export const faultType = (r: { body: any }): string | undefined => r.body?.NeutronError?.type;

export async function startNetCloud(): Promise<NetCloud> {
  const cloud = await startTestCloud({ only: ['identity', 'network'] });
  const admin = await cloud.adminToken();
  const demo = await cloud.demoToken();
  const id = (p: string) => `${cloud.urls.identity}/v3${p}`;
  const tenant = await addTenant(cloud, 'other');
  const other = await tenant.token();
  const demoProject = await api(id('/auth/tokens'), { token: admin, headers: { 'x-subject-token': demo } });
  const url = (path: string) => `${cloud.urls.network}${path}`;
  return {
    cloud,
    admin,
    demo,
    other,
    otherProjectId: tenant.projectId,
    demoProjectId: demoProject.body.token.project.id,
    url,
    call: (method, path, token, body, headers) => api(url(path), { method, token, body, headers }),
    async create(path, key, body, token = demo) {
      const r = await api(url(`/v2.0/${path}`), { method: 'POST', token, body: { [key]: body } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body[key];
    },
  };
}
