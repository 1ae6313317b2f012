import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { addTenant, createImage, upload } from '../image/helpers.js';

/** A cloud with identity, image, network, placement and compute, plus helpers that speak Nova's API. */
export interface ComputeCloud {
  cloud: TestCloud;
  admin: string;
  demo: string;
  /** A second project with a member user (`other`), for isolation checks. */
  other: string;
  otherProjectId: string;
  demoProjectId: string;
  /** A small active public image. */
  imageId: string;
  /** A private flavor-free test flavor with a disk (non-admins cannot boot zero-disk flavors). */
  flavorId: string;
  call(method: string, path: string, token: string, body?: unknown, version?: string): Promise<{ status: number; headers: Headers; body: any }>;
  /** Polls a server until `status` (or ERROR) and returns it. */
  waitFor(id: string, token: string, status: string): Promise<any>;
}

export async function startComputeCloud(opts: { services?: string[]; compute?: Record<string, unknown>; dataDir?: string } = {}): Promise<ComputeCloud> {
  const cloud = await startTestCloud({
    only: opts.services ?? ['identity', 'image', 'network', 'placement', 'compute'],
    services: { compute: { buildDelayMs: 0, actionDelayMs: 0, restartDelayMs: 0, ...opts.compute }, image: { standardImages: '' } },
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  });
  const admin = await cloud.adminToken();
  const demo = await cloud.demoToken();
  const tenant = await addTenant(cloud, 'other');
  const other = await tenant.token();
  const who = await api(`${cloud.urls.identity}/v3/auth/tokens`, { token: admin, headers: { 'x-subject-token': demo } });
  const call = (method: string, path: string, token: string, body?: unknown, version?: string) =>
    api(`${cloud.urls.compute}/v2.1${path}`, { method, token, body, headers: version ? { 'openstack-api-version': `compute ${version}` } : {} });
  let imageId = '';
  if (cloud.urls.image) {
    imageId = await createImage(cloud.urls.image, admin, { name: 'cirros-test', visibility: 'public', min_ram: 64 });
    const res = await upload(cloud.urls.image, admin, imageId, Buffer.from('a tiny test image'));
    if (res.status !== 204) throw new Error(`image upload failed: ${res.status}`);
  }
  const flavor = await call('POST', '/flavors', admin, { flavor: { name: 'test.small', ram: 512, vcpus: 1, disk: 1, id: 'test-small' } });
  if (flavor.status !== 200) throw new Error(`flavor create failed: ${JSON.stringify(flavor.body)}`);
  const waitFor = async (id: string, token: string, status: string) => {
    for (let i = 0; i < 400; i++) {
      const r = await call('GET', `/servers/${id}`, token, undefined, '2.95');
      if (r.body.server?.status === status || r.body.server?.status === 'ERROR') return r.body.server;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`server ${id} never reached ${status}`);
  };
  return { cloud, admin, demo, other, otherProjectId: tenant.projectId, demoProjectId: who.body.token.project.id, imageId, flavorId: 'test-small', call, waitFor };
}

/** The body of a simple server create. */
export const serverBody = (c: ComputeCloud, extra: Record<string, unknown> = {}) => ({
  server: { name: 'vm', imageRef: c.imageId, flavorRef: c.flavorId, networks: 'none', ...extra },
});
