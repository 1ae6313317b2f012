import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { requireTool } from '../helpers/clients.js';

const run = promisify(execFile);
const REDIRECT = 'https://client.example/cb';

/** The people behind the provider's clients: client_credentials tokens carry their claims. */
const PEOPLE: Record<string, Record<string, unknown>> = {
  'alice-app': { preferred_username: 'alice', email: 'alice@example.org', groups: ['devs', 'unmapped'] },
  'root-app': { preferred_username: 'root', email: 'root@admin.example', groups: ['ops'] },
  'blocked-app': { preferred_username: 'eve', email: 'eve@example.org', groups: ['blocked'] },
};

/**
 * A real OpenID Connect provider (npm oidc-provider) on 127.0.0.1. Access tokens come from its
 * client_credentials grant as JWTs for the resource `https://keystone.test/` (audience
 * `keystone`; the resource `https://other.test/` yields audience `other`). Id tokens come from the
 * authorization-code flow of client `web`, driven through the provider's own login and consent
 * pages.
 */
async function startProvider(): Promise<{
  issuer: string;
  server: Server;
  token(client: string, resource?: string): Promise<string>;
  idToken(login: string): Promise<string>;
}> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] },
    clients: [
      ...Object.keys(PEOPLE).map((id) => ({ client_id: id, client_secret: `${id}-secret`, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] })),
      { client_id: 'web', client_secret: 'web-secret', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], response_types: ['code'] },
    ],
    claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email'], groups: ['groups'] },
    // Put the scopes' claims into the id token itself (the mapping reads them from there).
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, ...PEOPLE[`${id}-app`] }) }),
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'https://keystone.test/',
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'openid',
          audience: resource === 'https://other.test/' ? 'other' : 'keystone',
          accessTokenFormat: 'jwt',
        }),
      },
    },
    ttl: { ClientCredentials: 600 },
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) => PEOPLE[token.clientId ?? ''],
  });
  server.on('request', provider.callback());
  return {
    issuer,
    server,
    async token(client, resource) {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'openid', ...(resource ? { resource } : {}) }).toString(),
      });
      const body = (await res.json()) as { access_token?: string };
      assert.equal(res.status, 200, JSON.stringify(body));
      return body.access_token!;
    },
    async idToken(login) {
      const jar = new Map<string, string>();
      const go = async (url: string, form?: Record<string, string>) => {
        const res = await fetch(new URL(url, issuer), {
          method: form ? 'POST' : 'GET',
          redirect: 'manual',
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          body: form ? new URLSearchParams(form).toString() : undefined,
        });
        for (const c of res.headers.getSetCookie()) {
          const pair = c.split(';')[0];
          jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
        }
        return res;
      };
      const verifier = randomBytes(32).toString('base64url');
      const query = new URLSearchParams({
        client_id: 'web',
        response_type: 'code',
        scope: 'openid profile email groups',
        redirect_uri: REDIRECT,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        state: 'st',
        nonce: 'nonce',
      });
      let location = (await go(`/auth?${query}`)).headers.get('location')!;
      // login page, then consent page, each resuming the authorization request
      for (let step = 0; step < 8 && !location.startsWith(REDIRECT); step++) {
        if (location.includes('/interaction/')) {
          const page = await (await go(location)).text();
          const prompt: Record<string, string> = page.includes('name="login"') ? { prompt: 'login', login, password: 'any' } : { prompt: 'consent' };
          location = (await go(location, prompt)).headers.get('location')!;
        } else location = (await go(location)).headers.get('location')!;
      }
      const code = new URL(location).searchParams.get('code')!;
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('web:web-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
      });
      const body = (await res.json()) as { id_token?: string };
      assert.equal(res.status, 200, JSON.stringify(body));
      return body.id_token!;
    },
  };
}

describe('identity: OIDC federation (OS-FEDERATION)', () => {
  let cloud: TestCloud;
  let base: string;
  let admin: string;
  let op: Awaited<ReturnType<typeof startProvider>>;
  let idpDomain: string;
  before(async () => {
    op = await startProvider();
    cloud = await startTestCloud({ only: ['identity'] });
    base = `${cloud.urls.identity}/v3`;
    admin = await cloud.adminToken();
  });
  after(async () => {
    await cloud.close();
    op.server.closeAllConnections();
    await new Promise((resolve) => op.server.close(resolve));
  });

  const put = (path: string, body: unknown) => api(`${base}/OS-FEDERATION/${path}`, { method: 'PUT', token: admin, body });
  const openid = (accessToken: string, extra: Record<string, unknown> = {}) =>
    api(`${base}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['openid'], openid: { identity_provider: 'myidp', protocol: 'openid', access_token: accessToken } }, ...extra } },
    });
  const rescope = (token: string, project: string) =>
    api(`${base}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['token'], token: { id: token } }, scope: { project: { name: project, domain: { id: 'default' } } } } },
    });

  it('manages identity providers, mappings and protocols', async () => {
    const roles = (await api(`${base}/roles`, { token: admin })).body.roles as Array<{ id: string; name: string }>;
    const roleId = (n: string) => roles.find((r) => r.name === n)!.id;
    const projects = (await api(`${base}/projects`, { token: admin })).body.projects as Array<{ id: string; name: string }>;
    const devs = (await api(`${base}/groups`, { method: 'POST', token: admin, body: { group: { name: 'devs', domain_id: 'default' } } })).body.group;
    const admins = (await api(`${base}/groups`, { method: 'POST', token: admin, body: { group: { name: 'fed-admins', domain_id: 'default' } } })).body.group;
    const demo = projects.find((p) => p.name === 'demo')!.id;
    const adminProject = projects.find((p) => p.name === 'admin')!.id;
    assert.equal((await api(`${base}/projects/${demo}/groups/${devs.id}/roles/${roleId('member')}`, { method: 'PUT', token: admin })).status, 204);
    assert.equal((await api(`${base}/projects/${adminProject}/groups/${admins.id}/roles/${roleId('reader')}`, { method: 'PUT', token: admin })).status, 204);

    const off = await put('identity_providers/off-by-default', { identity_provider: {} });
    assert.equal(off.body.identity_provider.enabled, false, 'disabled unless asked, as in Keystone');
    const idp = await put('identity_providers/myidp', { identity_provider: { enabled: true, remote_ids: [op.issuer], description: 'test OP', oidc: { audience: ['keystone', 'web'] } } });
    assert.equal(idp.status, 201);
    const i = idp.body.identity_provider;
    assert.equal(i.enabled, true);
    assert.deepEqual(i.remote_ids, [op.issuer]);
    assert.match(i.links.protocols, /\/v3\/OS-FEDERATION\/identity_providers\/myidp\/protocols$/);
    idpDomain = i.domain_id;
    const domain = await api(`${base}/domains/${idpDomain}`, { token: admin });
    assert.equal(domain.status, 200);
    assert.match(domain.body.domain.description, /myidp/);

    assert.equal((await put('identity_providers/myidp', { identity_provider: {} })).status, 409);
    assert.equal((await put('identity_providers/copycat', { identity_provider: { remote_ids: [op.issuer] } })).status, 409);
    assert.equal((await put('identity_providers/bad', { identity_provider: { domain_id: 'nope' } })).status, 404);
    assert.equal((await put('identity_providers/bad', { identity_provider: { enabled: 'yes' } })).status, 400);
    assert.equal((await put('identity_providers/bad', { identity_provider: { oidc: { issuer: 'ftp://x' } } })).status, 400);

    const rules = [
      {
        local: [{ user: { name: '{0}', email: '{1}' } }],
        remote: [{ type: 'preferred_username' }, { type: 'email' }, { type: 'OIDC-groups', not_any_of: ['blocked'] }],
      },
      { local: [{ groups: '{0}', domain: { name: 'Default' } }], remote: [{ type: 'groups', whitelist: ['devs'] }] },
      { local: [{ group: { id: admins.id } }], remote: [{ type: 'email', any_one_of: ['@admin\\.example$'], regex: true }] },
    ];
    assert.equal((await put('mappings/bad', { mapping: { rules: [{ local: [] }] } })).status, 400);
    // Keystone's schema allows an empty `local` (keystone_tempest_plugin's mapping persona tests use one).
    assert.equal((await put('mappings/maps-nothing', { mapping: { rules: [{ local: [], remote: [{ type: 'x' }] }] } })).status, 201);
    assert.equal((await api(`${base}/OS-FEDERATION/mappings/maps-nothing`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await put('mappings/bad', { mapping: { rules: [{ local: [{ user: { name: 'x' } }], remote: [{ type: 'a', any_one_of: ['('], regex: true }] }] } })).status, 400);
    const mapping = await put('mappings/oidc-map', { mapping: { rules } });
    assert.equal(mapping.status, 201);
    assert.deepEqual(mapping.body.mapping.rules, rules);
    // An unknown mapping is bad input for Keystone (keystone_tempest_plugin's unknown_mapping test).
    const unknown = await put('identity_providers/myidp/protocols/openid', { protocol: { mapping_id: 'missing' } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.message, 'Invalid mapping id: missing');
    const protocol = await put('identity_providers/myidp/protocols/openid', { protocol: { mapping_id: 'oidc-map' } });
    assert.equal(protocol.status, 201);
    assert.equal(protocol.body.protocol.mapping_id, 'oidc-map');
    assert.match(protocol.body.protocol.links.identity_provider, /identity_providers\/myidp$/);

    const listed = await api(`${base}/OS-FEDERATION/identity_providers?enabled=true`, { token: admin });
    assert.deepEqual(listed.body.identity_providers.map((x: { id: string }) => x.id), ['myidp']);
    assert.equal((await api(`${base}/OS-FEDERATION/identity_providers/myidp/protocols`, { token: admin })).body.protocols.length, 1);
    assert.equal((await api(`${base}/OS-FEDERATION/mappings`, { token: admin })).body.mappings.length, 1);
    const patched = await api(`${base}/OS-FEDERATION/identity_providers/myidp`, { method: 'PATCH', token: admin, body: { identity_provider: { description: 'changed' } } });
    assert.equal(patched.body.identity_provider.description, 'changed');
    assert.equal((await api(`${base}/OS-FEDERATION/identity_providers/myidp`, { method: 'PATCH', token: admin, body: { identity_provider: { domain_id: 'default' } } })).status, 400);
    const demoToken = await cloud.demoToken();
    assert.equal((await api(`${base}/OS-FEDERATION/identity_providers`, { token: demoToken })).status, 403);
    assert.equal((await api(`${base}/OS-FEDERATION/mappings/nope`, { token: admin })).status, 404);
  });

  it('logs a user in with the openid method: shadow user, mapped groups, their roles after rescoping', async () => {
    const res = await openid(await op.token('alice-app'));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const t = res.body.token;
    assert.deepEqual(t.methods, ['openid']);
    assert.equal(t.user.name, 'alice');
    assert.equal(t.user.domain.id, idpDomain);
    assert.equal(t.user['OS-FEDERATION'].identity_provider.id, 'myidp');
    assert.equal(t.user['OS-FEDERATION'].protocol.id, 'openid');
    assert.equal(t.user['OS-FEDERATION'].groups.length, 1);
    assert.equal(t.project, undefined);

    const unscoped = res.headers.get('x-subject-token')!;
    const projects = await api(`${base}/auth/projects`, { token: unscoped });
    assert.deepEqual(projects.body.projects.map((p: { name: string }) => p.name), ['demo']);
    const scoped = await rescope(unscoped, 'demo');
    assert.equal(scoped.status, 201);
    assert.deepEqual(scoped.body.token.roles.map((r: { name: string }) => r.name).sort(), ['member', 'reader']);
    assert.equal(scoped.body.token.user['OS-FEDERATION'].groups.length, 1);
    assert.equal((await rescope(unscoped, 'admin')).status, 401);

    // The shadow user lives in the provider's domain; a second login finds the same user.
    const users = await api(`${base}/users?domain_id=${idpDomain}`, { token: admin });
    assert.deepEqual(users.body.users.map((u: { name: string }) => u.name), ['alice']);
    const again = await openid(await op.token('alice-app'));
    assert.equal(again.body.token.user.id, t.user.id);
  });

  it('accepts an id token from the authorization-code flow', async () => {
    const idToken = await op.idToken('alice');
    assert.equal(JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString('utf8')).aud, 'web');
    const res = await api(`${base}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['openid'], openid: { identity_provider: 'myidp', id_token: idToken } } } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.token.user.name, 'alice');
    assert.equal(res.body.token.user['OS-FEDERATION'].groups.length, 1);
  });

  it('maps groups by regex on another claim', async () => {
    const res = await openid(await op.token('root-app'));
    assert.equal(res.status, 201);
    const scoped = await rescope(res.headers.get('x-subject-token')!, 'admin');
    assert.equal(scoped.status, 201);
    assert.deepEqual(scoped.body.token.roles.map((r: { name: string }) => r.name), ['reader']);
  });

  it('gives an unscoped token for a bearer token on the OS-FEDERATION auth URL', async () => {
    const token = await op.token('alice-app');
    for (const url of [`${base}/auth/OS-FEDERATION/identity_providers/myidp/protocols/openid/auth`, `${base}/OS-FEDERATION/identity_providers/myidp/protocols/openid/auth`]) {
      const res = await api(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 201);
      assert.ok(res.headers.get('x-subject-token'));
      assert.equal(res.body.token.user.name, 'alice');
    }
    const viaGet = await api(`${base}/auth/OS-FEDERATION/identity_providers/myidp/protocols/openid/auth`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(viaGet.status, 201);
    assert.equal((await api(`${base}/auth/OS-FEDERATION/identity_providers/myidp/protocols/openid/auth`, { method: 'POST' })).status, 401);
    assert.equal((await api(`${base}/auth/OS-FEDERATION/identity_providers/nope/protocols/openid/auth`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status, 404);
  });

  it('refuses tokens signed by another key, for another audience, or that no rule maps', async () => {
    const claims = JSON.parse(Buffer.from((await op.token('alice-app')).split('.')[1], 'base64url').toString('utf8'));
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
    const res = await openid(forged);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.title, 'Unauthorized');

    assert.equal((await openid(await op.token('alice-app', 'https://other.test/'))).status, 401);
    assert.equal((await openid('not-a-jwt')).status, 401);
    const unmapped = await openid(await op.token('blocked-app'));
    assert.equal(unmapped.status, 400);
    assert.match(unmapped.body.error.message, /Could not map any federated user properties/);
    const noToken = await api(`${base}/auth/tokens`, { method: 'POST', body: { auth: { identity: { methods: ['openid'], openid: { identity_provider: 'myidp' } } } } });
    assert.equal(noToken.status, 400);
  });

  it('answers malformed, mistyped, oversize and unknown-id requests with a Keystone 4xx', async () => {
    const fault = (res: { status: number; body: any }, status: number, what: string) => {
      assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'title'], what);
    };
    const f = `${base}/OS-FEDERATION`;
    const routes: Array<[string, string, string]> = [
      ['PUT', `${f}/identity_providers/newidp`, 'identity_provider'],
      ['PATCH', `${f}/identity_providers/myidp`, 'identity_provider'],
      ['PUT', `${f}/mappings/newmap`, 'mapping'],
      ['PATCH', `${f}/mappings/oidc-map`, 'mapping'],
      ['PUT', `${f}/identity_providers/myidp/protocols/newproto`, 'protocol'],
      ['PATCH', `${f}/identity_providers/myidp/protocols/openid`, 'protocol'],
    ];
    for (const [method, url, key] of routes) {
      fault(await api(url, { method, token: admin, raw: '{"broken' }), 400, `${method} ${url} malformed`);
      fault(await api(url, { method, token: admin, body: [] }), 400, `${method} ${url} array`);
      fault(await api(url, { method, token: admin, body: { [key]: 7 } }), 400, `${method} ${url} wrapper`);
      const typed = { [key]: { enabled: 'no', remote_ids: 'x', rules: 'x', mapping_id: 5, oidc: { audience: 5 } } };
      fault(await api(url, { method, token: admin, body: typed }), 400, `${method} ${url} types`);
      fault(await api(url, { method, token: admin, raw: JSON.stringify({ [key]: { description: 'x'.repeat(2 * 1024 * 1024) } }) }), 413, `${method} ${url} oversize`);
    }
    for (const url of [`${f}/identity_providers/nope`, `${f}/mappings/nope`, `${f}/identity_providers/myidp/protocols/nope`, `${f}/identity_providers/nope/protocols`]) {
      fault(await api(url, { token: admin }), 404, `GET ${url}`);
      if (!url.endsWith('/protocols')) fault(await api(url, { method: 'DELETE', token: admin }), 404, `DELETE ${url}`);
    }
    fault(await api(`${f}/identity_providers/${'x'.repeat(65)}`, { token: admin }), 400, 'overlong id');
    fault(await openid('a.b.c', {}), 401, 'garbage JWT');
  });

  it('logs in with the openstack CLI through the OIDC client-credentials flow', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const { stdout } = await run(
      'openstack',
      [
        '--os-auth-type', 'v3oidcclientcredentials',
        '--os-auth-url', base,
        '--os-identity-provider', 'myidp',
        '--os-protocol', 'openid',
        '--os-client-id', 'alice-app',
        '--os-client-secret', 'alice-app-secret',
        '--os-discovery-endpoint', `${op.issuer}/.well-known/openid-configuration`,
        '--os-openid-scope', 'openid',
        '--os-project-name', 'demo',
        '--os-project-domain-id', 'default',
        '--os-region-name', cloud.config.region,
        'token', 'issue', '-f', 'json',
      ],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PYTHONWARNINGS: 'ignore' }, timeout: 120_000 },
    );
    const token = JSON.parse(stdout);
    assert.ok(token.id);
    assert.equal(token.project_id, (await api(`${base}/projects?name=demo`, { token: admin })).body.projects[0].id);
  });

  it('disabling the provider refuses logins and revokes its users; deleting removes them', async () => {
    const unscoped = (await openid(await op.token('alice-app'))).headers.get('x-subject-token')!;
    const disabled = await api(`${base}/OS-FEDERATION/identity_providers/myidp`, { method: 'PATCH', token: admin, body: { identity_provider: { enabled: false } } });
    assert.equal(disabled.body.identity_provider.enabled, false);
    assert.equal((await api(`${base}/auth/projects`, { token: unscoped })).status, 401);
    assert.equal((await openid(await op.token('alice-app'))).status, 403);

    assert.equal((await api(`${base}/OS-FEDERATION/identity_providers/myidp`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await api(`${base}/OS-FEDERATION/identity_providers/myidp`, { token: admin })).status, 404);
    assert.deepEqual((await api(`${base}/users?domain_id=${idpDomain}`, { token: admin })).body.users, []);
    assert.equal((await api(`${base}/OS-FEDERATION/mappings/oidc-map`, { method: 'DELETE', token: admin })).status, 204);
  });
});
