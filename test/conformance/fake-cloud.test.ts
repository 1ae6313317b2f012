import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flavorSpec } from '../../src/operations/flavor-name/format.js';
import { formatReport, reportDocument, summaryTable } from '../../src/operations/conformance/report.js';
import { runConformance, type RunResult } from '../../src/operations/conformance/runner.js';
import { loadScope } from '../../src/operations/conformance/scope.js';
import { goodCloudData, image, startFakeOpenStack, type FakeData } from './fake-openstack.js';

const scope = loadScope('iaas');
const NOW = new Date('2026-11-24T12:00:00Z');

/** Runs v5.1 (or some testcases of it) against a fake cloud built from `change(goodCloudData())`. */
async function run(change: (d: FakeData) => void = () => {}, only?: string[]): Promise<{ result: RunResult; leftovers: string[] }> {
  const data = goodCloudData();
  change(data);
  const fake = await startFakeOpenStack(data);
  try {
    const result = await runConformance({ cloud: fake.cloud(), scope, version: 'v5.1', now: NOW, only, waitTimeoutMs: 5000, guestTimeoutMs: 300 });
    return { result, leftovers: fake.leftovers() };
  } finally {
    await fake.close();
  }
}

const verdicts = (r: RunResult) => Object.fromEntries(r.results.map((t) => [t.id, t.verdict]));
const byId = (r: RunResult, id: string) => r.results.find((t) => t.id === id)!;

describe('conformance suite against a fake OpenStack', () => {
  it('a compliant cloud passes every automated testcase; entropy ABORTs with its reason; nothing is left behind', async () => {
    const { result, leftovers } = await run();
    const notPassed = result.results.filter((t) => t.verdict !== 'PASS');
    assert.deepEqual(
      notPassed.map((t) => t.id),
      ['scs-0101-entropy-avail', 'scs-0101-fips-test'],
      summaryTable(result),
    );
    for (const t of notPassed) assert.match(t.reason!, /needs a booted guest: server Debian 12 \/ SCS-1V-4-10 is ACTIVE but printed no test results on its serial console/);
    assert.equal(result.passed, false, 'entropy is mandatory and was not established');
    assert.deepEqual(leftovers, []);
    assert.equal(result.results.length, scope.testcases.size);
  });

  it('a flavor SCS-4V-16 with 2 vCPUs fails the semantics check and the standard flavor check', async () => {
    const { result } = await run((d) => (d.flavors.find((f) => f.name === 'SCS-4V-16')!.vcpus = 2), ['scs-0100-syntax-check', 'scs-0100-semantics-check', 'scs-0103-flavor-4v-16', 'scs-0103-flavor-2v-8']);
    assert.deepEqual(verdicts(result), { 'scs-0100-syntax-check': 'PASS', 'scs-0100-semantics-check': 'FAIL', 'scs-0103-flavor-4v-16': 'FAIL', 'scs-0103-flavor-2v-8': 'PASS' });
    assert.match(byId(result, 'scs-0100-semantics-check').details![0], /SCS-4V-16: name promises 4 vCPUs, flavor has 2/);
    assert.match(byId(result, 'scs-0103-flavor-4v-16').details![0], /vcpus is 2, must be 4/);
  });

  it('a missing mandatory flavor fails its testcase; wrong extra specs fail too', async () => {
    const { result } = await run(
      (d) => {
        d.flavors = d.flavors.filter((f) => f.name !== 'SCS-2V-4-20s');
        d.flavors.find((f) => f.name === 'SCS-1L-1')!.extra_specs['scs:cpu-type'] = 'shared-core';
      },
      ['scs-0103-flavor-2v-4-20s', 'scs-0103-flavor-1l-1', 'scs-0103-flavor-4v-16-100s'],
    );
    assert.deepEqual(verdicts(result), { 'scs-0103-flavor-2v-4-20s': 'FAIL', 'scs-0103-flavor-1l-1': 'FAIL', 'scs-0103-flavor-4v-16-100s': 'PASS' });
    assert.match(byId(result, 'scs-0103-flavor-2v-4-20s').reason!, /SCS-2V-4-20s is missing/);
    assert.deepEqual(byId(result, 'scs-0103-flavor-1l-1').details, ['scs:cpu-type is "shared-core", must be "crowded-core"']);
  });

  it('an invalid SCS flavor name fails the syntax check; a v1 name is tolerated with a note', async () => {
    const { result } = await run((d) => {
      d.flavors.push({ id: 'x1', name: 'SCS-2iT-4', vcpus: 2, ram: 4096, disk: 0, extra_specs: {} });
      d.flavors.push({ id: 'x2', name: 'SCS-2V:4:10', vcpus: 2, ram: 4096, disk: 10, extra_specs: {} });
      d.flavors.push({ id: 'x3', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, extra_specs: {} });
    }, ['scs-0100-syntax-check']);
    const t = byId(result, 'scs-0100-syntax-check');
    assert.equal(t.verdict, 'FAIL');
    assert.equal(t.details!.length, 1);
    assert.match(t.details![0], /SCS-2iT-4/);
    const { result: ok } = await run((d) => d.flavors.push({ id: 'x2', name: 'SCS-2V:4:10', vcpus: 2, ram: 4096, disk: 10, extra_specs: {} }), ['scs-0100-syntax-check']);
    assert.equal(ok.results[0].verdict, 'PASS');
    assert.deepEqual(ok.results[0].details, ['SCS-2V:4:10: legacy v1 syntax (tolerated)']);
  });

  it('an image missing image_source fails the metadata and the standard image source checks', async () => {
    const { result } = await run((d) => delete d.images[0].image_source, ['scs-0102-prop-image_source', 'scs-0104-source-ubuntu-2404', 'scs-0104-image-ubuntu-2404', 'scs-0102-prop-architecture']);
    assert.deepEqual(verdicts(result), { 'scs-0102-prop-architecture': 'PASS', 'scs-0102-prop-image_source': 'FAIL', 'scs-0104-source-ubuntu-2404': 'FAIL', 'scs-0104-image-ubuntu-2404': 'PASS' });
    assert.match(byId(result, 'scs-0102-prop-image_source').details![0], /Ubuntu 24.04 .*image_source=null/);
  });

  it('an image from the wrong source, a missing standard image, and bad build dates fail', async () => {
    const { result } = await run(
      (d) => {
        d.images[0].image_source = 'https://mirror.example.com/noble.img';
        d.images[1].name = 'Debian 12 custom';
        d.images[2].image_build_date = '2026-11-02'; // after created_at
        d.images.push(image('Future 1', 'private', { image_build_date: '2027-01-01', created_at: '2026-11-01T10:00:00Z' }));
      },
      ['scs-0104-source-ubuntu-2404', 'scs-0104-image-debian-12', 'scs-0102-prop-image_build_date'],
    );
    assert.deepEqual(verdicts(result), { 'scs-0102-prop-image_build_date': 'FAIL', 'scs-0104-source-ubuntu-2404': 'FAIL', 'scs-0104-image-debian-12': 'FAIL' });
    const dates = byId(result, 'scs-0102-prop-image_build_date').details!.join('\n');
    assert.match(dates, /ubuntu-capi-image.*after created_at/);
    assert.match(dates, /Future 1.*in the future/);
  });

  it('reads every page of flavors and images, hidden images included', async () => {
    const { result } = await run(
      (d) => {
        d.flavors.push({ id: 'last', name: 'SCS-2V-4-20s_z9', vcpus: 2, ram: 4096, disk: 20, extra_specs: {} });
        d.images.push(image('Old 1', 'private'), image('Old 2', 'private', { os_hidden: true }), image('Old 3', 'private', { os_hidden: true, image_description: '' }));
      },
      ['scs-0100-syntax-check', 'scs-0102-prop-image_description'],
    );
    assert.match(byId(result, 'scs-0100-syntax-check').details![0], /SCS-2V-4-20s_z9: unknown AMD CPU generation 9/);
    assert.match(byId(result, 'scs-0102-prop-image_description').details![0], /^Old 3 /);
  });

  it('works with a Nova older than microversion 2.61 (extra specs fetched per flavor)', async () => {
    const { result } = await run((d) => (d.oldNova = true), ['scs-0103-flavor-2v-4-20s', 'scs-0100-semantics-check']);
    assert.deepEqual(verdicts(result), { 'scs-0100-semantics-check': 'PASS', 'scs-0103-flavor-2v-4-20s': 'PASS' });
  });

  it('image recency: an outdated visible image without replacement fails; a renamed one with a current replacement passes', async () => {
    const stale = { replace_frequency: 'monthly', provided_until: '2027-06-01', image_build_date: '2026-01-01', created_at: '2026-01-02T00:00:00Z' };
    const { result } = await run((d) => d.images.push(image('Rocky 9', 'private', stale)), ['scs-0102-image-recency']);
    assert.equal(result.results[0].verdict, 'FAIL');
    assert.match(result.results[0].details![0], /Rocky 9 .*without a current replacement/);
    const { result: ok } = await run((d) => d.images.push(image('Ubuntu 24.04 20260101', 'https://cloud-images.ubuntu.com/noble/x.img', stale)), ['scs-0102-image-recency']);
    assert.equal(ok.results[0].verdict, 'PASS');
  });

  it('a default security group that allows ingress from anywhere fails scs-0115', async () => {
    const { result } = await run((d) =>
      d.defaultRules!.push({ direction: 'ingress', ethertype: 'IPv4', remote_group_id: null, remote_ip_prefix: '0.0.0.0/0', used_in_default_sg: true, used_in_non_default_sg: false }),
    ['scs-0115-default-rules']);
    assert.equal(result.results[0].verdict, 'FAIL');
    assert.deepEqual(result.results[0].details, ['ingress rule allowed: ingress IPv4 from 0.0.0.0/0 (default groups)']);
  });

  it('without the default rules API scs-0115 judges a fresh security group and removes it', async () => {
    const { result, leftovers } = await run((d) => {
      d.defaultRules = undefined;
      d.newGroupRules = [{ direction: 'egress', ethertype: 'IPv4' }];
    }, ['scs-0115-default-rules']);
    assert.equal(result.results[0].verdict, 'FAIL');
    assert.deepEqual(result.results[0].details, ['no unrestricted IPv6 egress rule for new groups']);
    assert.deepEqual(leftovers, []);
  });

  it('a catalog without S3 fails scs-0123-service-s3; without load balancer its testcase fails', async () => {
    const { result } = await run((d) => (d.catalogTypes = d.catalogTypes.filter((t) => t !== 'object-store-s3' && t !== 'load-balancer')), ['scs-0123-service-s3', 'scs-0123-service-load-balancer', 'scs-0123-service-compute']);
    assert.deepEqual(verdicts(result), { 'scs-0123-service-compute': 'PASS', 'scs-0123-service-load-balancer': 'FAIL', 'scs-0123-service-s3': 'FAIL' });
    assert.match(byId(result, 'scs-0123-service-s3').reason!, /no service of type object-store-s3 or s3/);
  });

  it('volume backup fails when the backup goes to error, and everything created is cleaned up', async () => {
    const { result, leftovers } = await run((d) => (d.backupOutcome = 'error'), ['scs-0117-test-backup']);
    assert.equal(result.results[0].verdict, 'FAIL');
    assert.match(result.results[0].reason!, /backup .* went to status error/);
    assert.deepEqual(leftovers, []);
  });

  it('missing block storage: backup FAILs (the standard requires it), volume type checks ABORT with the reason', async () => {
    const { result } = await run((d) => (d.catalogTypes = d.catalogTypes.filter((t) => t !== 'block-storage')), ['scs-0117-test-backup', 'scs-0114-syntax-check']);
    assert.deepEqual(verdicts(result), { 'scs-0114-syntax-check': 'ABORT', 'scs-0117-test-backup': 'FAIL' });
    assert.match(byId(result, 'scs-0114-syntax-check').reason!, /no block-storage \/ volumev3 \/ volume service/);
  });

  it('bad volume type aspect lists fail the syntax check', async () => {
    const { result } = await run((d) => d.volumeTypes.push({ id: 'v9', name: 'fast', description: '[scs:replicated, encrypted, fast] nvme' }), ['scs-0114-syntax-check']);
    assert.equal(result.results[0].verdict, 'FAIL');
    assert.deepEqual(result.results[0].details, ['fast: aspects not sorted', 'fast: unknown aspects fast']);
  });

  it('key manager: absent passes the permission check but fails presence (recommended)', async () => {
    const { result } = await run((d) => (d.catalogTypes = d.catalogTypes.filter((t) => t !== 'key-manager')), ['scs-0116-permissions', 'scs-0116-presence']);
    assert.deepEqual(verdicts(result), { 'scs-0116-presence': 'FAIL', 'scs-0116-permissions': 'PASS' });
    assert.equal(byId(result, 'scs-0116-presence').level, 'recommended');
  });

  it('refuses a token with the admin or manager role: every testcase ABORTs', async () => {
    const { result } = await run((d) => (d.roles = ['admin', 'member', 'reader']), ['scs-0123-service-compute', 'scs-0100-syntax-check']);
    for (const t of result.results) {
      assert.equal(t.verdict, 'ABORT');
      assert.match(t.reason!, /privileged token \(roles admin\)/);
    }
  });

  it('writes reports in the SCS shape, as YAML, JSON and JUnit', async () => {
    const { result } = await run((d) => (d.catalogTypes = d.catalogTypes.filter((t) => t !== 'object-store-s3')), ['scs-0123-service-s3', 'scs-0123-service-image']);
    const doc = reportDocument(result) as any;
    assert.equal(doc.spec.uuid, scope.uuid);
    assert.equal(doc.subject, 'fake');
    assert.equal(doc.reference_date, '2026-11-24');
    assert.equal(doc.versions['v5.1'].state, 'effective');
    assert.equal(doc.versions['v5.1'].result, 'FAIL');
    assert.deepEqual(doc.versions['v5.1'].testcases['scs-0123-service-s3'].result, -1);
    assert.deepEqual(Object.values(doc.run.invocations as Record<string, any>)[0].results, { 'scs-0123-service-image': 1, 'scs-0123-service-s3': -1 });
    assert.match(formatReport(result, 'yaml'), /^---\nspec:\n {2}uuid: 50393e6f/);
    assert.equal(JSON.parse(formatReport(result, 'json')).checked_at, NOW.toISOString());
    const junit = formatReport(result, 'junit');
    assert.match(junit, /<testsuite name="SCS-compatible IaaS v5.1" tests="2" failures="1" errors="0"/);
    assert.match(junit, /<testcase classname="scs-0123-v1.mandatory" name="scs-0123-service-s3" [^>]*><failure message="the catalog has no service of type object-store-s3 or s3">/);
  });

  it('scs-0101 judges what a real guest prints on its console, and removes server, router and network', async () => {
    const console = (entropy: string, failures: number) =>
      ['[  1.0] booting', `[ 20.1] cloud-init[500]: _scs-test-entropy-avail: ${entropy}`, `_scs-test-fips-test: rngtest: FIPS 140-2 successes: ${1000 - failures}`, `_scs-test-fips-test: rngtest: FIPS 140-2 failures: ${failures}`, 'Cloud-init v. 24 finished _scs-test-end'].join('\n');
    const ids = ['scs-0101-entropy-avail', 'scs-0101-fips-test'];
    const good = await run((d) => (d.consoleOutput = console('256', 1)), ids);
    assert.deepEqual(verdicts(good.result), { 'scs-0101-entropy-avail': 'PASS', 'scs-0101-fips-test': 'PASS' });
    assert.deepEqual(good.leftovers, []);
    const bad = await run((d) => (d.consoleOutput = console('128', 9)), ids);
    assert.deepEqual(verdicts(bad.result), { 'scs-0101-entropy-avail': 'FAIL', 'scs-0101-fips-test': 'FAIL' });
    assert.match(byId(bad.result, 'scs-0101-fips-test').reason!, /9 FIPS 140-2 failures/);
    const noRngtest = await run((d) => (d.consoleOutput = '_scs-test-entropy-avail: 256\n_scs-test-end'), ids);
    assert.deepEqual(verdicts(noRngtest.result), { 'scs-0101-entropy-avail': 'PASS', 'scs-0101-fips-test': 'ABORT' });
  });

  it('the fake cloud is built from the flavor specs the standard implies', () => {
    assert.deepEqual(flavorSpec('SCS-2V-4-20s').extraSpecs, { 'scs:cpu-type': 'shared-core', 'scs:disk0-type': 'ssd', 'scs:name-v1': 'SCS-2V:4:20s', 'scs:name-v2': 'SCS-2V-4-20s' });
  });
});
