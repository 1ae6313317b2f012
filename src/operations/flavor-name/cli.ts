import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { explainFlavorName } from './explain.js';
import { generateFlavorName } from './format.js';
import type { CpuFrequency, CpuType, CpuVendor, DiskType, FlavorName, GpuMarker, GpuVendor, Hypervisor } from './tables.js';

interface GenerateOptions {
  cpus: string;
  cpuType: string;
  insecure?: boolean;
  ram: string;
  noEcc?: boolean;
  ramOversubscribed?: boolean;
  disk?: string;
  diskCount?: string;
  diskType?: string;
  hypervisor?: string;
  hwv?: boolean;
  cpuVendor?: string;
  cpuGen?: string;
  cpuFreq?: string;
  gpu?: string;
  gpuVendor?: string;
  gpuGen?: string;
  gpuUnits?: string;
  gpuFreq?: string;
  gpuVram?: string;
  gpuVramBw?: string;
  ib?: boolean;
}

const int = (v: string | undefined, what: string) => {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v)) throw new Error(`${what} must be a whole number, not ${v}`);
  return Number(v);
};

/** The flavor the generate options describe (validation happens when it is formatted). */
export function flavorFromOptions(o: GenerateOptions): FlavorName {
  const f: FlavorName = {
    cpus: int(o.cpus, '--cpus')!,
    cpuType: o.cpuType as CpuType,
    cpuInsecure: !!o.insecure,
    ram: Number(o.ram),
    ramNoEcc: !!o.noEcc,
    ramOversubscribed: !!o.ramOversubscribed,
    hwVirt: !!o.hwv,
    infiniband: !!o.ib,
  };
  if (o.disk !== undefined || o.diskType !== undefined || o.diskCount !== undefined) {
    f.disk = { count: int(o.diskCount, '--disk-count') ?? 1, ...(o.disk !== undefined ? { size: int(o.disk, '--disk') } : {}), ...(o.diskType ? { type: o.diskType as DiskType } : {}) };
  }
  if (o.hypervisor) f.hypervisor = o.hypervisor as Hypervisor;
  if (o.cpuVendor) f.cpu = { vendor: o.cpuVendor as CpuVendor, ...(o.cpuGen !== undefined ? { generation: int(o.cpuGen, '--cpu-gen') } : {}), frequency: (o.cpuFreq ?? '') as CpuFrequency };
  if (o.gpu) {
    if (o.gpu !== 'G' && o.gpu !== 'g') throw new Error('--gpu is G (pass-through) or g (virtual)');
    f.gpu = {
      passThrough: o.gpu === 'G',
      vendor: (o.gpuVendor ?? 'N') as GpuVendor,
      ...(o.gpuGen ? { generation: o.gpuGen } : {}),
      ...(o.gpuUnits !== undefined ? { units: int(o.gpuUnits, '--gpu-units') } : {}),
      unitFrequency: (o.gpuFreq ?? '') as GpuMarker,
      ...(o.gpuVram !== undefined ? { vramGiB: int(o.gpuVram, '--gpu-vram') } : {}),
      vramBandwidth: (o.gpuVramBw ?? '') as GpuMarker,
    };
  }
  return f;
}

export function registerFlavorNameCommands(program: Command): void {
  const cmd = program.command('flavor-name').description('SCS flavor names (scs-0100 v3): parse, explain and generate');
  cmd
    .command('parse')
    .description('parse flavor names; prints structure (json/yaml) or one line of prose per name')
    .argument('<names...>')
    .option('--format <fmt>', 'text | json | yaml', 'text')
    .action((names: string[], o: { format: string }) => {
      const results = names.map(explainFlavorName);
      if (o.format === 'json') console.log(JSON.stringify(results.length === 1 ? results[0] : results, null, 2));
      else if (o.format === 'yaml') console.log(toYaml(results.length === 1 ? results[0] : results).trimEnd());
      else for (const r of results) console.log(r.valid ? `${r.name}: ${r.description}${r.syntax === 'v1' ? ' [legacy v1 syntax]' : ''}` : `${r.name}: INVALID: ${r.error}`);
      if (results.some((r) => !r.valid)) process.exitCode = 1;
    });
  cmd
    .command('generate')
    .description('build the canonical flavor name from its properties')
    .requiredOption('--cpus <n>', 'number of vCPUs')
    .option('--cpu-type <L|V|T|C>', 'L crowded, V shared, T dedicated thread, C dedicated core', 'V')
    .option('--insecure', 'CPU without SMT/microcode mitigations (i)')
    .requiredOption('--ram <GiB>', 'RAM in GiB (multiple of 0.5)')
    .option('--no-ecc', 'RAM without ECC (u)')
    .option('--ram-oversubscribed', 'oversubscribed RAM (o)')
    .option('--disk <GB>', 'root disk size in GB (omit with --disk-type for a cloud-sized disk)')
    .option('--disk-count <n>', 'number of such disks')
    .option('--disk-type <n|h|s|p>', 'network, local HDD, local SSD, local NVMe')
    .option('--hypervisor <kvm|chy|xen|vmw|hyv|bms>')
    .option('--hwv', 'hardware (nested) virtualization')
    .option('--cpu-vendor <i|z|a|r>', 'Intel, AMD, ARM, RISC-V')
    .option('--cpu-gen <n>', 'CPU generation (see scs-0100)')
    .option('--cpu-freq <h|hh|hhh>', 'all-core frequency marker')
    .option('--gpu <G|g>', 'pass-through (G) or virtual (g) GPU')
    .option('--gpu-vendor <N|A|I>', 'Nvidia, AMD, Intel', 'N')
    .option('--gpu-gen <gen>', 'GPU generation letter or number')
    .option('--gpu-units <n>', 'SMs / CUs / EUs')
    .option('--gpu-freq <h|hh>', 'high-frequency compute units')
    .option('--gpu-vram <GiB>', 'video memory')
    .option('--gpu-vram-bw <h|hh>', 'high-bandwidth memory')
    .option('--ib', 'InfiniBand')
    .option('--format <fmt>', 'name | json | yaml', 'name')
    .action((o: GenerateOptions & { ecc?: boolean; format: string }) => {
      const name = generateFlavorName(flavorFromOptions({ ...o, noEcc: o.ecc === false }));
      if (o.format === 'name') console.log(name);
      else {
        const r = explainFlavorName(name);
        console.log(o.format === 'json' ? JSON.stringify(r, null, 2) : toYaml(r).trimEnd());
      }
    });
}
