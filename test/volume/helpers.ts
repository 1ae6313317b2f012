import { api } from '../helpers/cloud.js';

export { addTenant } from '../helpers/cloud.js';

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
