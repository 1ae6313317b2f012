import { api, type TestCloud } from '../helpers/cloud.js';

export { addTenant } from '../volume/helpers.js';

/** Stores a secret through the API and returns its id (asserting the 201). */
export async function storeSecret(cloud: TestCloud, token: string, body: Record<string, unknown>): Promise<string> {
  const r = await api(`${cloud.urls.keymanager}/v1/secrets`, { method: 'POST', token, body });
  if (r.status !== 201) throw new Error(`secret create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body.secret_ref as string).split('/').pop()!;
}

/** Raw request (payload bytes, own Content-Type/Accept). */
export async function raw(url: string, opts: { method?: string; token: string; headers?: Record<string, string>; body?: Buffer | string }) {
  const res = await fetch(url, { method: opts.method ?? 'GET', headers: { 'x-auth-token': opts.token, ...(opts.headers ?? {}) }, body: typeof opts.body === 'string' || opts.body === undefined ? opts.body : new Uint8Array(opts.body) });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A system-scoped token of the cloud admin (Barbican's project quotas are for the system admin). */
export async function systemAdminToken(cloud: TestCloud): Promise<string> {
  const body = { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: cloud.passwords.admin } } }, scope: { system: { all: true } } } };
  const r = await fetch(`${cloud.urls.identity}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status !== 201) throw new Error(`system token failed: ${r.status} ${await r.text()}`);
  return r.headers.get('x-subject-token')!;
}
