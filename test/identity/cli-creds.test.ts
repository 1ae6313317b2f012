import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { openstack, python, pythonModuleAvailable, requirePythonModule, requireTool } from '../helpers/clients.js';

const run = promisify(execFile);

/** openstacksdk with an application credential: what the credential's token sees and may do. */
const SDK_SCRIPT = `
import json, os, openstack
conn = openstack.connect(
    auth_type='v3applicationcredential',
    auth={'auth_url': os.environ['AUTH_URL'], 'application_credential_id': os.environ['AC_ID'],
          'application_credential_secret': os.environ['AC_SECRET']},
    region_name=os.environ['REGION'], identity_api_version='3')
out = {}
conn.authorize()
out['project'] = conn.current_project_id
out['user'] = conn.current_user_id
creds = list(conn.identity.application_credentials(user=conn.current_user_id))
out['names'] = sorted(c.name for c in creds)
ac = conn.identity.get_application_credential(conn.current_user_id, os.environ['AC_ID'])
out['shown'] = [ac.name, ac.unrestricted, sorted(r['name'] for r in ac.roles)]
out['found'] = conn.identity.find_application_credential(conn.current_user_id, 'sdk-child') is None
child = conn.identity.create_application_credential(conn.current_user_id, 'sdk-child', roles=[{'name': 'reader'}])
out['child'] = [child.name, len(child.secret) > 0, sorted(r['name'] for r in child.roles)]
conn.identity.delete_application_credential(conn.current_user_id, child)
out['child_gone'] = conn.identity.find_application_credential(conn.current_user_id, 'sdk-child') is None
cred = conn.identity.create_credential(type='totp', user_id=conn.current_user_id, blob='GEZDGNBVGY3TQOJQ')
out['credential'] = [c.type for c in conn.identity.credentials(user_id=conn.current_user_id) if c.id == cred.id]
conn.identity.delete_credential(cred)
print(json.dumps(out))
`;

describe('identity: application and EC2 credentials through real clients', () => {
  let cloud: TestCloud;
  let authUrl: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity'] });
    authUrl = `${cloud.urls.identity}/v3`;
  });
  after(() => cloud.close());

  /**
   * The CLI with an application credential and no clouds.yaml entry, as a CI job would run it. The
   * secret goes with `=`: a generated one may start with `-`.
   */
  const withAppCred = async (id: string, secret: string, args: string[]) => {
    const { stdout } = await run(
      'openstack',
      ['--os-auth-type', 'v3applicationcredential', '--os-auth-url', authUrl, '--os-application-credential-id', id, `--os-application-credential-secret=${secret}`, '--os-region-name', cloud.config.region, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PYTHONWARNINGS: 'ignore' }, timeout: 120_000 },
    );
    return JSON.parse(stdout);
  };

  it('creates an application credential with the CLI and logs in with it', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const created = await openstack(cloud.cloudsYaml, 'scs-demo', ['application', 'credential', 'create', 'cli-cred', '--unrestricted', '--description', 'from the CLI', '-f', 'json']);
    assert.equal(created.name, 'cli-cred');
    assert.ok(created.secret);
    assert.equal(created.unrestricted, true);

    const token = await withAppCred(created.id, created.secret, ['token', 'issue', '-f', 'json']);
    assert.equal(token.project_id, created.project_id);
    assert.ok(token.id);

    const listed = await openstack(cloud.cloudsYaml, 'scs-demo', ['application', 'credential', 'list', '-f', 'json']);
    assert.ok(listed.some((c: { Name: string }) => c.Name === 'cli-cred'));
    const shown = await openstack(cloud.cloudsYaml, 'scs-demo', ['application', 'credential', 'show', 'cli-cred', '-f', 'json']);
    assert.equal(shown.id, created.id);

    // openstacksdk with the same credential.
    if (!requirePythonModule(t, await pythonModuleAvailable('openstack'), 'openstack', 'python3-openstacksdk')) return;
    const out = await python(SDK_SCRIPT, { AUTH_URL: authUrl, AC_ID: created.id, AC_SECRET: created.secret, REGION: cloud.config.region });
    assert.equal(out.project, created.project_id);
    assert.ok(out.names.includes('cli-cred'));
    assert.deepEqual(out.shown, ['cli-cred', true, ['member', 'reader']]);
    assert.equal(out.found, true);
    assert.deepEqual(out.child, ['sdk-child', true, ['reader']]);
    assert.equal(out.child_gone, true);
    assert.deepEqual(out.credential, ['totp']);

    await openstack(cloud.cloudsYaml, 'scs-demo', ['application', 'credential', 'delete', 'cli-cred']);
    await assert.rejects(withAppCred(created.id, created.secret, ['token', 'issue', '-f', 'json']));
  });

  it('restricts roles and refuses a restricted credential to create another', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const expires = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19);
    const created = await openstack(cloud.cloudsYaml, 'scs-demo', ['application', 'credential', 'create', 'reader-cred', '--role', 'reader', '--expiration', expires, '-f', 'json']);
    assert.equal(created.unrestricted, false);
    const token = await withAppCred(created.id, created.secret, ['token', 'issue', '-f', 'json']);
    assert.ok(Date.parse(token.expires) <= Date.parse(`${expires}Z`), `token expires ${token.expires}, credential ${expires}`);
    await assert.rejects(withAppCred(created.id, created.secret, ['application', 'credential', 'create', 'nested', '-f', 'json']), /403|not allowed/);
  });

  it('creates a credential with access rules that bound what its tokens may call', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const rules = JSON.stringify([{ service: 'identity', method: 'GET', path: '/v3/users/*/application_credentials/*' }]);
    const created = await openstack(cloud.cloudsYaml, 'scs-demo', ['application', 'credential', 'create', 'ruled', '--access-rules', rules, '-f', 'json']);
    const listed = await openstack(cloud.cloudsYaml, 'scs-demo', ['access', 'rule', 'list', '-f', 'json']);
    assert.ok(listed.some((r: { Path: string; Method: string }) => r.Path === '/v3/users/*/application_credentials/*' && r.Method === 'GET'));
    const shown = await withAppCred(created.id, created.secret, ['application', 'credential', 'show', created.id, '-f', 'json']);
    assert.equal(shown.name, 'ruled');
    await assert.rejects(withAppCred(created.id, created.secret, ['application', 'credential', 'list', '-f', 'json']), /401|access rules|authentication/i);
  });

  it('manages EC2 credentials and lists credentials with the CLI', async (t) => {
    if (!requireTool(t, '/usr/bin/openstack', 'python3-openstackclient')) return;
    const ec2 = await openstack(cloud.cloudsYaml, 'scs-demo', ['ec2', 'credentials', 'create', '-f', 'json']);
    assert.match(ec2.access, /^[0-9a-f]{32}$/);
    assert.ok(ec2.secret);
    const found = await cloud.clients.identity.findEc2Credential(ec2.access);
    assert.equal(found?.secret, ec2.secret);

    const list = await openstack(cloud.cloudsYaml, 'scs-demo', ['ec2', 'credentials', 'list', '-f', 'json']);
    assert.ok(list.some((c: { Access: string }) => c.Access === ec2.access));
    const shown = await openstack(cloud.cloudsYaml, 'scs-demo', ['ec2', 'credentials', 'show', ec2.access, '-f', 'json']);
    assert.equal(shown.secret, ec2.secret);

    const creds = await openstack(cloud.cloudsYaml, 'scs-demo', ['credential', 'list', '-f', 'json']);
    assert.ok(creds.some((c: { Type: string; Data: string }) => c.Type === 'ec2' && c.Data.includes(ec2.access)));

    await openstack(cloud.cloudsYaml, 'scs-demo', ['ec2', 'credentials', 'delete', ec2.access]);
    const after = await openstack(cloud.cloudsYaml, 'scs-demo', ['ec2', 'credentials', 'list', '-f', 'json']);
    assert.ok(!after.some((c: { Access: string }) => c.Access === ec2.access));
  });
});
