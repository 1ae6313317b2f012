import { api } from '../helpers/cloud.js';

export { addTenant } from '../helpers/cloud.js';

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
