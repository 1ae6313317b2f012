import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { flavorFromOptions } from '../../src/operations/flavor-name/cli.js';
import { explainFlavorName } from '../../src/operations/flavor-name/explain.js';
import { describeFlavor } from '../../src/operations/flavor-name/describe.js';
import { flavorSpec, formatFlavorName, generateFlavorName, shortenFlavorName } from '../../src/operations/flavor-name/format.js';
import { FlavorNameError, parseFlavorName, parseFlavorNameV2, v1ToV2, v2ToV1 } from '../../src/operations/flavor-name/parse.js';

// Names the standard (scs-0100 v3) shows as valid, plus the mandatory and recommended flavors.
const VALID = [
  'SCS-2C-4-10n', 'SCS-2T-4-10n', 'SCS-2V-4-10n', 'SCS-2L-4-10n', 'SCS-2Li-4-10n',
  'SCS-2C-4-10n', 'SCS-2C-3.5-10n', 'SCS-2C-4u-10n', 'SCS-2C-4o-10n', 'SCS-2C-4uo-10n',
  'SCS-2C-4-10s', 'SCS-2C-4-10s_bms_z3', 'SCS-2C-4-3x10s', 'SCS-2C-4-3x10s_bms_z3', 'SCS-2C-4-10', 'SCS-2C-4-10_bms_z3',
  'SCS-2C-4-n', 'SCS-2C-4-', 'SCS-2C-4-_bms_z3', 'SCS-2C-4-_bms_z3h_GNa-64_ib', 'SCS-2C-4-_ib', 'SCS-2C-4', 'SCS-2C-4_bms_z3', 'SCS-2C-4-3x10',
  'SCS-2C-4-10n_bms', 'SCS-2C-4-10n_bms_z3h', 'SCS-2C-4-10_kvm_hwv', 'SCS-2C-4-10_hwv', 'SCS-2C-4-10_bms_hwv',
  'SCS-2C-4-10n_z', 'SCS-2C-4-10n_z3', 'SCS-2C-4-10n_z3h', 'SCS-2C-4-10n_z3hh', 'SCS-2C-4-10n_bms_z3hh', 'SCS-2C-4-10n_i6hhh', 'SCS-2C-4-10n_a5', 'SCS-2C-4-10n_r',
  'SCS-16V-64-500s_GNa-14-6h', 'SCS-8Ti-32-50p_i1', 'SCS-1L-1u-5', 'SCS-16T-64-200s_GNa-72-24_ib', 'SCS-4C-16-2x200p_a1', 'SCS-1V-0.5',
  'SCS-16T-64-3x10s_bms_hwv_i3h_GNa-64_ib', 'SCS-4V-16_gA3.1', 'SCS-4V-16_GI0.95-96h', 'SCS-4V-16_GNl-128hh-48hh', 'SCS-2V-4_chy', 'SCS-2V-4_xen', 'SCS-2V-4_vmw', 'SCS-2V-4_hyv',
  'SCS-1V-4', 'SCS-2V-8', 'SCS-4V-16', 'SCS-8V-32', 'SCS-1V-2', 'SCS-2V-4', 'SCS-4V-8', 'SCS-8V-16', 'SCS-16V-32', 'SCS-1V-8', 'SCS-2V-16', 'SCS-4V-32', 'SCS-1L-1', 'SCS-2V-4-20s', 'SCS-4V-16-100s',
];

// Names the standard forbids, or that break its grammar.
const INVALID: Array<[string, RegExp]> = [
  ['SCS-2-4-10n', /expected <cpus>/], // CPU suffix missing
  ['SCS-2iT-4-10n', /expected <cpus>/], // i before the type
  ['SCS-2C-4ou-10n', /unexpected/], // o before u
  ['SCS-2C-4-1.5n', /unexpected/], // disk sizes are whole GB
  ['SCS-2C-4-10_hwv_xen', /misplaced/], // wrong order
  ['SCS-2C-4-10_z3_bms', /misplaced/],
  ['SCS-2C-4-10_ib_z3', /unexpected|misplaced/],
  ['SCS-0V-4', /expected <cpus>/],
  ['SCS-2V-0', /not a positive multiple of 0.5/],
  ['SCS-2V-3.25', /multiple of 0.5/],
  ['SCS-2V-4-0', /unexpected/], // a zero-sized disk is no disk
  ['SCS-2V-4-0x10', /unexpected/],
  ['SCS-2V-4-x10', /unexpected/],
  ['SCS-2V-4-3xs', /unexpected/],
  ['SCS-02V-4', /expected <cpus>/],
  ['SCS-2v-4', /expected <cpus>/], // letters are case-sensitive
  ['SCS-2V-4-10S', /unexpected/],
  ['SCS-2V-4_KVM', /misplaced/],
  ['SCS-2V-4_foo', /misplaced/],
  ['SCS-2V-4_z7', /unknown AMD CPU generation 7/],
  ['SCS-2V-4_i3hhhh', /frequency marker/],
  ['SCS-2V-4_z03', /leading zero/],
  ['SCS-2V-4_GXa', /misplaced/], // unknown GPU vendor
  ['SCS-2V-4_GNz', /unknown Nvidia GPU generation z/],
  ['SCS-2V-4_GA9', /unknown AMD GPU generation 9/],
  ['SCS-2V-4_GNa-64hhh', /at most hh/],
  ['SCS-2V-4_GNa-0', /not a positive number/],
  ['SCS-2V-4_GNa--8', /misplaced/],
  ['SCS-2V-4_ib_ib', /unexpected|misplaced/],
  ['SCS-2V-4 ', /unexpected/],
  ['SCS-', /expected <cpus>/],
];

describe('flavor names (scs-0100 v3)', () => {
  for (const name of VALID) {
    it(`parses and regenerates ${name}`, () => {
      const f = parseFlavorNameV2(name)!;
      assert.ok(f);
      // the canonical form differs only where the standard recommends leaving out generation 0
      assert.equal(formatFlavorName(f), name);
    });
  }
  for (const [name, why] of INVALID) {
    it(`rejects ${JSON.stringify(name)}`, () => {
      assert.throws(() => parseFlavorName(name), (e: unknown) => e instanceof FlavorNameError && why.test(e.message));
    });
  }

  it('ignores names without the SCS- prefix', () => {
    assert.equal(parseFlavorName('m1.small'), undefined);
    assert.equal(parseFlavorName('scs-2V-4'), undefined);
  });

  it('decomposes every part', () => {
    assert.deepEqual(parseFlavorNameV2('SCS-16Ti-64uo-3x10s_bms_hwv_i3h_GNa-64h-24hh_ib'), {
      cpus: 16,
      cpuType: 'T',
      cpuInsecure: true,
      ram: 64,
      ramNoEcc: true,
      ramOversubscribed: true,
      disk: { count: 3, size: 10, type: 's' },
      hypervisor: 'bms',
      hwVirt: true,
      cpu: { vendor: 'i', generation: 3, frequency: 'h' },
      gpu: { passThrough: true, vendor: 'N', generation: 'a', units: 64, unitFrequency: 'h', vramGiB: 24, vramBandwidth: 'hh' },
      infiniband: true,
    });
    assert.deepEqual(parseFlavorNameV2('SCS-2C-4-')!.disk, { count: 1 });
    assert.deepEqual(parseFlavorNameV2('SCS-2C-4-n')!.disk, { count: 1, type: 'n' });
    assert.equal(parseFlavorNameV2('SCS-2C-4')!.disk, undefined);
    assert.equal(formatFlavorName(parseFlavorNameV2('SCS-2C-4_i0')!), 'SCS-2C-4_i', 'generation 0 is left out');
  });

  it('tolerates the v1 syntax and converts between v1 and v2', () => {
    assert.equal(v2ToV1('SCS-16T-64-3x10s_bms_hwv_i3h_GNa-64_ib'), 'SCS-16T:64:3x10s-bms-hwv-i3h-GNa:64-ib');
    assert.equal(v1ToV2('SCS-16T:64:3x10s-bms-hwv-i3h-GNa:64-ib'), 'SCS-16T-64-3x10s_bms_hwv_i3h_GNa-64_ib');
    const p = parseFlavorName('SCS-2V:4:10s-z3')!;
    assert.equal(p.syntax, 'v1');
    assert.equal(formatFlavorName(p.flavor), 'SCS-2V-4-10s_z3');
    assert.throws(() => parseFlavorName('SCS-2V:4:10q'), FlavorNameError);
  });

  it('shortens names as the standard recommends', () => {
    const short = (n: string) => formatFlavorName(shortenFlavorName(parseFlavorNameV2(n)!));
    assert.equal(short('SCS-16T-64-3x10s_bms_hwv_i3h_GNa-64h-24h_ib'), 'SCS-16T-64-3x10s_GNa-64-24_ib');
    assert.equal(short('SCS-4C-16-2x200p_a1h'), 'SCS-4C-16-2x200p_a');
  });

  it('derives the scs-0103 flavor spec', () => {
    assert.deepEqual(flavorSpec('SCS-4V-16-100s'), {
      name: 'SCS-4V-16-100s',
      vcpus: 4,
      ramMiB: 16384,
      disk: 100,
      extraSpecs: { 'scs:cpu-type': 'shared-core', 'scs:disk0-type': 'ssd', 'scs:name-v1': 'SCS-4V:16:100s', 'scs:name-v2': 'SCS-4V-16-100s' },
    });
    assert.deepEqual(flavorSpec('SCS-1L-1').extraSpecs, { 'scs:cpu-type': 'crowded-core', 'scs:name-v1': 'SCS-1L:1', 'scs:name-v2': 'SCS-1L-1' });
    assert.equal(flavorSpec('SCS-1V-4-10').extraSpecs['scs:disk0-type'], 'network', 'an unspecified disk type counts as network');
    assert.equal(flavorSpec('SCS-1V-0.5').ramMiB, 512);
    assert.deepEqual(
      Object.entries(flavorSpec('SCS-2C-4-2x10p_kvm_z3').extraSpecs).filter(([k]) => k.startsWith('scs:name')).map(([, v]) => v),
      ['SCS-2C:4:2x10p-kvm-z3', 'SCS-2C-4-2x10p_kvm_z3', 'SCS-2C:4:2x10p', 'SCS-2C-4-2x10p'],
    );
  });

  it('describes flavors in prose', () => {
    const d = (n: string) => describeFlavor(parseFlavorNameV2(n)!);
    assert.equal(d('SCS-2V-4-20s'), '2 shared vCPUs, 4 GiB RAM, 20 GB local SSD');
    assert.equal(d('SCS-1L-1u-5'), '1 heavily oversubscribed vCPU, 1 GiB RAM (no ECC), 5 GB disk');
    assert.equal(d('SCS-2C-4'), '2 dedicated cores, 4 GiB RAM, no root disk (boot from a volume)');
    assert.equal(d('SCS-2C-4-n'), '2 dedicated cores, 4 GiB RAM, network disk sized by the cloud to fit the image');
    assert.equal(
      d('SCS-16Ti-64o-3x10p_bms_hwv_z4hh_GNa-72h-24h_ib'),
      '16 dedicated SMT threads (AMD Zen 4, >3.25 GHz all-core, insecure: SMT or microcode mitigations missing), 64 GiB RAM (oversubscribed), 3x 10 GB local NVMe, bare metal, hardware (nested) virtualization, pass-through GPU Nvidia Ampere (72 high-frequency SMs, 24 GiB high-bandwidth VRAM), InfiniBand',
    );
  });

  it('generates names from properties and refuses impossible ones', () => {
    assert.equal(generateFlavorName(flavorFromOptions({ cpus: '2', cpuType: 'V', ram: '4', disk: '20', diskType: 's' })), 'SCS-2V-4-20s');
    assert.equal(generateFlavorName(flavorFromOptions({ cpus: '4', cpuType: 'C', ram: '16', hypervisor: 'kvm', cpuVendor: 'z', cpuGen: '4', cpuFreq: 'h', gpu: 'g', gpuVendor: 'A', gpuGen: '3.1', gpuUnits: '48', ib: true })), 'SCS-4C-16_kvm_z4h_gA3.1-48_ib');
    assert.equal(generateFlavorName(flavorFromOptions({ cpus: '1', cpuType: 'L', ram: '0.5', diskType: 'n' })), 'SCS-1L-0.5-n');
    assert.throws(() => generateFlavorName(flavorFromOptions({ cpus: '2', cpuType: 'X', ram: '4' })), /valid flavor name|expected/);
    assert.throws(() => generateFlavorName(flavorFromOptions({ cpus: '2', cpuType: 'V', ram: '4.25' })), /multiple of 0.5/);
    assert.throws(() => generateFlavorName(flavorFromOptions({ cpus: '2', cpuType: 'V', ram: '4', cpuVendor: 'i', cpuGen: '9' })), /generation 9/);
    assert.throws(() => generateFlavorName(flavorFromOptions({ cpus: '2', cpuType: 'V', ram: '4', gpu: 'G', gpuVram: '8' })), /VRAM/);
    assert.throws(() => flavorFromOptions({ cpus: '2.5', cpuType: 'V', ram: '4' }), /whole number/);
  });

  it('explains names for the CLI', () => {
    assert.deepEqual(explainFlavorName('SCS-2V:4:20s'), {
      name: 'SCS-2V:4:20s',
      valid: true,
      syntax: 'v1',
      canonical: 'SCS-2V-4-20s',
      description: '2 shared vCPUs, 4 GiB RAM, 20 GB local SSD',
      flavor: parseFlavorNameV2('SCS-2V-4-20s'),
      spec: flavorSpec('SCS-2V-4-20s'),
    });
    assert.equal(explainFlavorName('m1.tiny').valid, false);
  });

  it('scs flavor-name parse and generate work from the command line', async () => {
    const scs = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'flavor-name', ...args]).catch((e: { code: number; stdout: string }) => e);
    const parsed = await scs('parse', '--format', 'json', 'SCS-2V-4-20s', 'SCS-2iT-4');
    assert.equal((parsed as { code?: number }).code, 1, 'an invalid name makes the exit code 1');
    const [ok, bad] = JSON.parse(parsed.stdout);
    assert.equal(ok.description, '2 shared vCPUs, 4 GiB RAM, 20 GB local SSD');
    assert.equal(bad.valid, false);
    const generated = await scs('generate', '--cpus', '8', '--cpu-type', 'C', '--ram', '32', '--disk', '100', '--disk-type', 'p', '--cpu-vendor', 'z', '--cpu-gen', '4', '--no-ecc');
    assert.equal(generated.stdout.trim(), 'SCS-8C-32u-100p_z4');
  });
});
