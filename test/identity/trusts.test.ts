import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addTenant, api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

describe('identity: trusts (OS-TRUST) and trust-scoped tokens', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  let trustor: { projectId: string; token: () => Promise<string> };
  let trustorId: string;
  let trusteeId: string;
  let trusteePassword: string;
  const userOf = async (token: string) => (await api(`${base}/auth/tokens`, { token, headers: { 'x-subject-token': token } })).body.token.user.id as string;

  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    base = `${cloud.urls.identity}/v3`;
    admin = await cloud.adminToken();
    trustor = await addTenant(cloud, 'trustor', 'member');
    trustorId = await userOf(await trustor.token());
    trusteePassword = 'trustee-secret-1';
    const u = await api(`${base}/users`, { method: 'POST', token: admin, body: { user: { name: 'trustee', password: trusteePassword, domain_id: 'default' } } });
    trusteeId = u.body.user.id;
  });
  after(() => cloud.close());

  const createTrust = async (extra: Record<string, unknown> = {}, token?: string) =>
    api(`${base}/OS-TRUST/trusts`, {
      method: 'POST',
      token: token ?? (await trustor.token()),
      body: { trust: { trustor_user_id: trustorId, trustee_user_id: trusteeId, project_id: trustor.projectId, impersonation: true, roles: [{ name: 'member' }], ...extra } },
    });
  /** The trustee logs in with its password, scoped to the trust. */
  const trustLogin = (trustId: string) =>
    api(`${base}/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { id: trusteeId, password: trusteePassword } } },
          scope: { 'OS-TRUST:trust': { id: trustId } },
        },
      },
    });

  it('creates, shows, lists and checks the roles of a trust as Keystone renders them', async () => {
    const res = await createTrust({ expires_at: '2099-01-02T03:04:05.123456Z' });
    assert.equal(res.status, 201);
    const t = res.body.trust;
    assert.equal(t.trustor_user_id, trustorId);
    assert.equal(t.trustee_user_id, trusteeId);
    assert.equal(t.project_id, trustor.projectId);
    assert.equal(t.impersonation, true);
    assert.equal(t.expires_at, '2099-01-02T03:04:05.123456Z');
    assert.equal(t.remaining_uses, null);
    assert.deepEqual(t.roles.map((r: { name: string }) => r.name), ['member']);
    assert.match(t.links.self, /\/v3\/OS-TRUST\/trusts\/[0-9a-f]{32}$/);
    assert.match(t.roles_links.self, /\/roles$/);

    const token = await trustor.token();
    assert.equal((await api(`${base}/OS-TRUST/trusts/${t.id}`, { token })).body.trust.id, t.id);
    const listed = await api(`${base}/OS-TRUST/trusts?trustor_user_id=${trustorId}`, { token });
    assert.deepEqual(listed.body.trusts.map((x: { id: string }) => x.id), [t.id]);
    assert.equal(listed.body.trusts[0].roles, undefined);
    const roles = await api(`${base}/OS-TRUST/trusts/${t.id}/roles`, { token });
    assert.equal(roles.body.roles[0].id, t.roles[0].id);
    assert.equal((await api(`${base}/OS-TRUST/trusts/${t.id}/roles/${t.roles[0].id}`, { method: 'HEAD', token })).status, 200);
    const reader = (await api(`${base}/roles?name=reader`, { token: admin })).body.roles[0].id;
    assert.equal((await api(`${base}/OS-TRUST/trusts/${t.id}/roles/${reader}`, { token })).status, 404);
    // Listing every trust is for admins; others must filter on themselves.
    assert.equal((await api(`${base}/OS-TRUST/trusts`, { token })).status, 403);
    assert.equal((await api(`${base}/OS-TRUST/trusts`, { token: admin })).status, 200);
    assert.equal((await api(`${base}/OS-TRUST/trusts?trustor_user_id=${trusteeId}`, { token })).status, 403);
  });

  it('refuses bad trusts: another trustor, an unheld role, a bad expiry, no roles', async () => {
    assert.equal((await createTrust({ trustor_user_id: trusteeId })).status, 403);
    assert.equal((await createTrust({ roles: [{ name: 'admin' }] })).status, 404);
    assert.equal((await createTrust({ expires_at: 'bad.123Z' })).status, 400);
    assert.equal((await createTrust({ roles: [] })).status, 403);
    assert.equal((await createTrust({ impersonation: 'yes' })).status, 400);
    assert.equal((await createTrust({ remaining_uses: 0 })).status, 400);
  });

  it('issues trust-scoped tokens: impersonation, roles, expiry, no rescoping', async () => {
    const t = (await createTrust({ expires_at: '2099-01-01T00:00:00Z' })).body.trust;
    const res = await trustLogin(t.id);
    assert.equal(res.status, 201);
    const tok = res.body.token;
    assert.deepEqual(tok['OS-TRUST:trust'], { id: t.id, trustor_user: { id: trustorId }, trustee_user: { id: trusteeId }, impersonation: true });
    assert.equal(tok.user.id, trustorId, 'impersonation: the token acts as the trustor');
    assert.equal(tok.project.id, trustor.projectId);
    assert.deepEqual(tok.roles.map((r: { name: string }) => r.name).sort(), ['member', 'reader']);
    assert.equal(tok.is_domain, undefined);
    assert.ok(Array.isArray(tok.catalog));

    const plain = (await createTrust({ impersonation: false })).body.trust;
    const own = await trustLogin(plain.id);
    assert.equal(own.body.token.user.id, trusteeId);
    assert.equal(own.body.token['OS-TRUST:trust'].impersonation, false);

    // A trust token cannot make another token, nor manage trusts.
    const trustToken = res.headers.get('x-subject-token')!;
    // Its subject is the trustee, who may validate it although it acts as the trustor.
    const trusteeLogin = await api(`${base}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['password'], password: { user: { id: trusteeId, password: trusteePassword } } } } },
    });
    const trusteeToken = trusteeLogin.headers.get('x-subject-token')!;
    assert.equal((await api(`${base}/auth/tokens`, { token: trusteeToken, headers: { 'x-subject-token': trustToken } })).status, 200);
    // The trustee's own token works as the identity for a trust scope too (keystoneauth's v3.Token with trust_id).
    const viaToken = await api(`${base}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['token'], token: { id: trusteeToken } }, scope: { 'OS-TRUST:trust': { id: t.id } } } },
    });
    assert.equal(viaToken.status, 201);
    assert.equal(viaToken.body.token['OS-TRUST:trust'].id, t.id);
    assert.deepEqual([...viaToken.body.token.methods].sort(), ['password', 'token']);
    const rescope = await api(`${base}/auth/tokens`, { method: 'POST', body: { auth: { identity: { methods: ['token'], token: { id: trustToken } } } } });
    assert.equal(rescope.status, 403);
    assert.equal((await createTrust({}, trustToken)).status, 403);
    // Only the trustee may use the trust.
    const stranger = await api(`${base}/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: cloud.passwords.admin } } },
          scope: { 'OS-TRUST:trust': { id: t.id } },
        },
      },
    });
    assert.equal(stranger.status, 403);
    assert.equal((await trustLogin('0'.repeat(32))).status, 404);
  });

  it('counts remaining uses and revokes its tokens when deleted', async () => {
    const t = (await createTrust({ remaining_uses: 2 })).body.trust;
    const first = await trustLogin(t.id);
    assert.equal(first.status, 201);
    assert.equal((await trustLogin(t.id)).status, 201);
    assert.equal((await trustLogin(t.id)).status, 404, 'used up');

    const other = (await createTrust()).body.trust;
    const token = (await trustLogin(other.id)).headers.get('x-subject-token')!;
    assert.equal((await api(`${base}/auth/tokens`, { token: admin, headers: { 'x-subject-token': token } })).status, 200);
    // The trustee may read the trust but only the trustor deletes it.
    assert.equal((await api(`${base}/OS-TRUST/trusts/${other.id}`, { token })).status, 200);
    assert.equal((await api(`${base}/OS-TRUST/trusts/${other.id}`, { method: 'DELETE', token })).status, 403);
    assert.equal((await api(`${base}/OS-TRUST/trusts/${other.id}`, { method: 'DELETE', token: await trustor.token() })).status, 204);
    assert.equal((await api(`${base}/auth/tokens`, { token: admin, headers: { 'x-subject-token': token } })).status, 404);
    assert.equal((await api(`${base}/OS-TRUST/trusts/${other.id}`, { token: await trustor.token() })).status, 404);
  });

  it('revokes trust tokens when the trustor loses the delegated role', async () => {
    const t = (await createTrust({ impersonation: false })).body.trust;
    const token = (await trustLogin(t.id)).headers.get('x-subject-token')!;
    const member = t.roles[0].id;
    const path = `${base}/projects/${trustor.projectId}/users/${trustorId}/roles/${member}`;
    assert.equal((await api(path, { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(`${base}/auth/tokens`, { token: admin, headers: { 'x-subject-token': token } })).status, 404);
    assert.equal((await trustLogin(t.id)).status, 401, 'no delegated role left');
    assert.equal((await api(path, { method: 'PUT', token: admin })).status, 204);
  });
});
