import {
  CPU_FREQUENCIES,
  CPU_VENDORS,
  GPU_MARKERS,
  GPU_VENDORS,
  type CpuFrequency,
  type CpuType,
  type CpuVendor,
  type DiskType,
  type FlavorName,
  type GpuMarker,
  type GpuVendor,
  type Hypervisor,
} from './tables.js';

/** A name that starts with `SCS-` but breaks the grammar; `position` is where parsing stopped. */
export class FlavorNameError extends Error {
  constructor(
    readonly flavorName: string,
    readonly position: number,
    reason: string,
  ) {
    super(`${flavorName}: ${reason}${position >= 0 ? ` (at "${flavorName.slice(position) || 'end'}")` : ''}`);
  }
}

export interface ParsedFlavorName {
  name: string;
  flavor: FlavorName;
  /** `v1` for the legacy `:`/`-` delimiters, which the standard still tolerates with a warning. */
  syntax: 'v2' | 'v1';
}

// Sticky patterns of each part, applied in the order the standard prescribes. Numbers are
// canonical: no leading zeros.
const NUM = '(?:0|[1-9][0-9]*)';
const POS = '[1-9][0-9]*';
const MAIN = new RegExp(`(${POS})([LVTC])(i?)-(${NUM}(?:\\.[0-9]+)?)(u?)(o?)`, 'y');
const DISK = new RegExp(`-(?:(?:(${POS})x)?(${POS}))?([nhsp]?)`, 'y');
const HYPERVISOR = /_(kvm|chy|xen|vmw|hyv|bms)(?=_|$)/y;
const HWVIRT = /_hwv(?=_|$)/y;
// the lookahead keeps `_ib` from reading as an Intel CPU
const CPU = /_([izar])([0-9]*)(h*)(?=_|$)/y;
const GPU = /_([gG])([NAI])([^_h-]*)(?:-([0-9]+)(h*)(?:-([0-9]+)(h*))?)?(?=_|$)/y;
const IB = /_ib$/y;

function exec(re: RegExp, s: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(s);
}

/**
 * Parses a v2/v3 flavor name (`SCS-2V-4-20s_kvm_z3h`). Returns undefined for names without the
 * `SCS-` prefix (not an SCS flavor), throws FlavorNameError for SCS names that break the grammar.
 */
export function parseFlavorNameV2(name: string): FlavorName | undefined {
  if (!name.startsWith('SCS-')) return undefined;
  let pos = 4;
  const fail = (reason: string, at = pos): never => {
    throw new FlavorNameError(name, at, reason);
  };
  const main = exec(MAIN, name, pos);
  if (!main) fail('expected <cpus><L|V|T|C>[i]-<RAM GiB>[u][o] after SCS-');
  const [, cpus, cpuType, insec, ramText, noEcc, over] = main!;
  const ram = Number(ramText);
  if (!(ram > 0) || ram * 2 !== Math.trunc(ram * 2)) fail(`RAM ${ramText} GiB is not a positive multiple of 0.5`, pos + cpus.length + cpuType.length + insec.length + 1);
  const flavor: FlavorName = {
    cpus: Number(cpus),
    cpuType: cpuType as CpuType,
    cpuInsecure: insec === 'i',
    ram,
    ramNoEcc: noEcc === 'u',
    ramOversubscribed: over === 'o',
    hwVirt: false,
    infiniband: false,
  };
  pos += main![0].length;

  const disk = exec(DISK, name, pos);
  if (disk) {
    const [, count, size, type] = disk;
    flavor.disk = { count: count ? Number(count) : 1, ...(size ? { size: Number(size) } : {}), ...(type ? { type: type as DiskType } : {}) };
    pos += disk[0].length;
  }
  const hyp = exec(HYPERVISOR, name, pos);
  if (hyp) {
    flavor.hypervisor = hyp[1] as Hypervisor;
    pos += hyp[0].length;
  }
  const hwv = exec(HWVIRT, name, pos);
  if (hwv) {
    flavor.hwVirt = true;
    pos += hwv[0].length;
  }
  const cpu = exec(CPU, name, pos);
  if (cpu) {
    const [, vendor, gen, freq] = cpu;
    if (gen && !/^(0|[1-9][0-9]*)$/.test(gen)) fail(`CPU generation ${gen} has a leading zero`);
    if (gen && !(Number(gen) in CPU_VENDORS[vendor].generations)) fail(`unknown ${CPU_VENDORS[vendor].name} CPU generation ${gen}`);
    if (!(freq in CPU_FREQUENCIES)) fail(`CPU frequency marker ${freq} is longer than hhh`);
    flavor.cpu = { vendor: vendor as CpuVendor, ...(gen ? { generation: Number(gen) } : {}), frequency: freq as CpuFrequency };
    pos += cpu[0].length;
  }
  const gpu = exec(GPU, name, pos);
  if (gpu) {
    const [, kind, vendor, gen, units, unitFreq = '', vram, vramBw = ''] = gpu;
    const v = GPU_VENDORS[vendor];
    if (gen && !(gen in v.generations)) fail(`unknown ${v.name} GPU generation ${gen}`);
    if (units !== undefined && !/^[1-9][0-9]*$/.test(units)) fail(`GPU ${v.units} count ${units} is not a positive number`);
    if (vram !== undefined && !/^[1-9][0-9]*$/.test(vram)) fail(`GPU VRAM ${vram} GiB is not a positive number`);
    if (!GPU_MARKERS.includes(unitFreq as GpuMarker) || !GPU_MARKERS.includes(vramBw as GpuMarker)) fail('GPU markers allow at most hh');
    flavor.gpu = {
      passThrough: kind === 'G',
      vendor: vendor as GpuVendor,
      ...(gen ? { generation: gen } : {}),
      ...(units ? { units: Number(units) } : {}),
      unitFrequency: unitFreq as GpuMarker,
      ...(vram ? { vramGiB: Number(vram) } : {}),
      vramBandwidth: vramBw as GpuMarker,
    };
    pos += gpu[0].length;
  }
  const ib = exec(IB, name, pos);
  if (ib) {
    flavor.infiniband = true;
    pos += ib[0].length;
  }
  if (pos !== name.length) {
    fail(name[pos] === '_' ? 'unknown, misplaced or malformed extension (order: _hyp _hwv _cpu _gpu _ib)' : 'unexpected characters');
  }
  return flavor;
}

/** The v2 spelling of a v1 name (`SCS-2V:4:20s-z3` → `SCS-2V-4-20s_z3`). */
export const v1ToV2 = (name: string) => name.replace(/-/g, '_').replace(/:/g, '-').replace(/^SCS_/, 'SCS-');
/** The v1 spelling of a v2 name. */
export const v2ToV1 = (name: string) => name.replace(/-/g, ':').replace(/_/g, '-').replace(/^SCS:/, 'SCS-');

/**
 * Parses any SCS flavor name as the conformance check does: v2/v3 syntax, or the legacy v1
 * syntax (tolerated, flagged). Undefined for names without the `SCS-` prefix.
 */
export function parseFlavorName(name: string): ParsedFlavorName | undefined {
  try {
    const flavor = parseFlavorNameV2(name);
    return flavor && { name, flavor, syntax: 'v2' };
  } catch (e) {
    if (name.includes(':')) {
      try {
        const flavor = parseFlavorNameV2(v1ToV2(name));
        if (flavor) return { name, flavor, syntax: 'v1' };
      } catch {
        // not v1 either: report the v2 error
      }
    }
    throw e;
  }
}
