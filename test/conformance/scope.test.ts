import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultVersion, loadScope, parseScope, planVersion, ScopeError, versionState } from '../../src/operations/conformance/scope.js';
import { checkFor } from '../../src/operations/conformance/testcases/index.js';
import { loadCloud } from '../../src/operations/http/clouds.js';
import { authRequestBody, joinUrl } from '../../src/operations/http/session.js';

describe('SCS-compatible IaaS scope data', () => {
  const scope = loadScope('iaas');

  it('loads with its versions and states', () => {
    assert.equal(scope.name, 'SCS-compatible IaaS');
    assert.equal(scope.uuid, '50393e6f-2ae1-4c5c-a62c-3b75f2abef3f');
    assert.deepEqual([...scope.versions.keys()].sort(), ['next', 'v5.1']);
    assert.equal(versionState(scope, 'v5.1', '2026-11-24'), 'effective');
    assert.equal(versionState(scope, 'next', '2026-11-24'), 'draft');
    assert.equal(versionState(scope, 'v5.1', '2024-01-01'), undefined);
    assert.equal(defaultVersion(scope, '2026-11-24'), 'v5.1');
    assert.throws(() => defaultVersion(scope, '2020-01-01'), /no version .* is effective/);
  });

  it('plans v5.1: 15 mandatory standard flavors, the mandatory image, levels per standard', () => {
    const plan = planVersion(scope, 'v5.1');
    const level = (id: string) => plan.find((t) => t.id === id)?.level;
    assert.equal(plan.filter((t) => t.id.startsWith('scs-0103') && t.level === 'mandatory').length, 15);
    assert.equal(plan.filter((t) => t.id.startsWith('scs-0103') && t.level === 'recommended').length, 16);
    assert.equal(level('scs-0104-image-ubuntu-2404'), 'mandatory');
    assert.equal(level('scs-0102-prop-os_purpose'), 'recommended');
    assert.equal(planVersion(scope, 'next').find((t) => t.id === 'scs-0102-prop-os_purpose')?.level, 'mandatory');
    assert.equal(level('scs-0123-service-s3'), 'mandatory');
    assert.throws(() => planVersion(scope, 'v9'), /has no version v9/);
  });

  it('every testcase of every version has an implementation', () => {
    for (const v of scope.versions.keys()) for (const t of planVersion(scope, v)) assert.ok(checkFor(t.id), t.id);
  });

  it('rejects invalid scope data, naming every problem', () => {
    const doc = {
      name: 'x',
      uuid: 'nope',
      url: 'u',
      testcases: [{ id: 'a', description: 'A' }, { id: 'a' }],
      standards: [{ id: 's', name: 'S', url: 'u', mandatory: ['a', 'b'] }],
      versions: [{ version: 'v1', standards: ['s', 't'], stabilized_at: 'soon' }],
      timeline: [{ date: '2024-01-01', versions: { v1: 'effective', v2: 'bogus' } }],
    };
    assert.throws(
      () => parseScope(doc, '.'),
      (e: unknown) =>
        e instanceof ScopeError &&
        ['uuid is missing', 'testcase a is defined twice', 'unknown mandatory testcase b', 'unknown standard t', 'stabilized_at is not a date', 'unknown version v2', 'unknown state bogus'].every((p) => e.message.includes(p)),
    );
    assert.throws(() => loadScope('nope'), /no such file/);
  });
});

describe('OpenStack HTTP client basics', () => {
  it('reads clouds.yaml (with secure.yaml) from the first file that defines the cloud', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scs-clouds-'));
    try {
      writeFileSync(join(dir, 'clouds.yaml'), 'clouds:\n  mine:\n    auth: { auth_url: "https://keystone.example.com", username: u, project_name: p }\n    region_name: R1\n');
      writeFileSync(join(dir, 'secure.yaml'), 'clouds:\n  mine:\n    auth: { password: s3cret }\n');
      const c = loadCloud('mine', [join(dir, 'missing.yaml'), join(dir, 'clouds.yaml')]);
      assert.equal(c.auth.password, 's3cret');
      assert.equal(c.region_name, 'R1');
      assert.throws(() => loadCloud('other', [join(dir, 'clouds.yaml')]), /cloud other is not defined/);
      assert.throws(() => loadCloud('x', [join(dir, 'none.yaml')]), /no clouds.yaml found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds password and application credential auth requests', () => {
    assert.deepEqual(authRequestBody({ auth_url: 'x', username: 'u', password: 'p', project_name: 'demo', user_domain_name: 'Default', project_domain_id: 'default' }), {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'u', domain: { name: 'Default' }, password: 'p' } } },
        scope: { project: { name: 'demo', domain: { id: 'default' } } },
      },
    });
    assert.deepEqual(authRequestBody({ auth_url: 'x', application_credential_id: 'ac', application_credential_secret: 's' }, 'v3applicationcredential'), {
      auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac', secret: 's' } } },
    });
    assert.throws(() => authRequestBody({ auth_url: 'x', username: 'u' }), /password/);
  });

  it('joins endpoints and paths without repeating the version', () => {
    assert.equal(joinUrl('http://h:8774/v2.1', '/v2.1/flavors/detail'), 'http://h:8774/v2.1/flavors/detail');
    assert.equal(joinUrl('http://h:8774/v2.1', '/flavors/detail', { limit: 5 }), 'http://h:8774/v2.1/flavors/detail?limit=5');
    assert.equal(joinUrl('http://h:9292', '/v2/images?marker=abc'), 'http://h:9292/v2/images?marker=abc');
  });
});
