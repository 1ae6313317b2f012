import { parseFlavorNameV2, v2ToV1 } from './parse.js';
import { CPU_TYPES, DISK_TYPES, type FlavorName } from './tables.js';

const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** The canonical v2/v3 name of a decomposed flavor. */
export function formatFlavorName(f: FlavorName): string {
  let s = `SCS-${f.cpus}${f.cpuType}${f.cpuInsecure ? 'i' : ''}-${num(f.ram)}${f.ramNoEcc ? 'u' : ''}${f.ramOversubscribed ? 'o' : ''}`;
  if (f.disk) s += `-${f.disk.count !== 1 ? `${f.disk.count}x` : ''}${f.disk.size ?? ''}${f.disk.type ?? ''}`;
  if (f.hypervisor) s += `_${f.hypervisor}`;
  if (f.hwVirt) s += '_hwv';
  // generation 0 means "old or unspecified" and is left out, as the standard recommends
  if (f.cpu) s += `_${f.cpu.vendor}${f.cpu.generation ? f.cpu.generation : ''}${f.cpu.frequency}`;
  if (f.gpu) {
    const g = f.gpu;
    s += `_${g.passThrough ? 'G' : 'g'}${g.vendor}${g.generation ?? ''}`;
    if (g.units !== undefined) s += `-${g.units}${g.unitFrequency}${g.vramGiB !== undefined ? `-${g.vramGiB}${g.vramBandwidth}` : ''}`;
  }
  if (f.infiniband) s += '_ib';
  return s;
}

/**
 * The short name the standard expects clouds to offer next to a detailed one: without
 * hypervisor, `_hwv`, x86 CPU details (ARM and RISC-V keep the vendor, it is the architecture)
 * and GPU frequency markers.
 */
export function shortenFlavorName(f: FlavorName): FlavorName {
  const short: FlavorName = { ...f, hwVirt: false };
  delete short.hypervisor;
  if (f.cpu && (f.cpu.vendor === 'i' || f.cpu.vendor === 'z')) delete short.cpu;
  else if (f.cpu) short.cpu = { vendor: f.cpu.vendor, frequency: '' };
  if (f.gpu) short.gpu = { ...f.gpu, unitFrequency: '', vramBandwidth: '' };
  return short;
}

/** What a flavor with this name must be (scs-0103): sizes and the `scs:` extra specs. */
export interface FlavorSpec {
  name: string;
  vcpus: number;
  /** MiB, as Nova counts. */
  ramMiB: number;
  /** GB of the root disk, 0 when the name has none. */
  disk: number;
  extraSpecs: Record<string, string>;
}

/**
 * The flavor a canonical name describes, with the extra specs scs-0103 requires: `scs:cpu-type`,
 * `scs:diskN-type` per disk, and `scs:name-vN` for every spelling (v1/v2, long/short), longest first.
 */
export function flavorSpec(name: string): FlavorSpec {
  const f = parseFlavorNameV2(name);
  if (!f) throw new Error(`${name} is not an SCS flavor name`);
  const extraSpecs: Record<string, string> = { 'scs:cpu-type': CPU_TYPES[f.cpuType].key };
  if (f.disk) for (let i = 0; i < f.disk.count; i++) extraSpecs[`scs:disk${i}-type`] = DISK_TYPES[f.disk.type ?? 'n'].key;
  const long = formatFlavorName(f);
  const short = formatFlavorName(shortenFlavorName(f));
  const spellings = new Map<string, string>();
  for (const n of [long, short]) {
    spellings.set(v2ToV1(n), 'v1');
    spellings.set(n, 'v2');
  }
  const names = [...spellings].sort((a, b) => b[0].length - a[0].length || a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]));
  names.forEach(([n], i) => (extraSpecs[`scs:name-v${i + 1}`] = n));
  return { name: long, vcpus: f.cpus, ramMiB: Math.round(f.ram * 1024), disk: f.disk?.size ?? 0, extraSpecs };
}

/** Checks a hand-built flavor (the generator's input) by formatting and parsing it back. */
export function generateFlavorName(f: FlavorName): string {
  if (f.gpu && f.gpu.vramGiB !== undefined && f.gpu.units === undefined) throw new Error('GPU VRAM can only be given together with the number of compute units');
  if (f.disk && f.disk.count !== 1 && f.disk.size === undefined) throw new Error('a disk count needs a disk size');
  const name = formatFlavorName(f);
  const back = parseFlavorNameV2(name);
  if (!back || formatFlavorName(back) !== name) throw new Error(`the parts do not make a valid flavor name (${name})`);
  return name;
}
