/**
 * The vocabulary of SCS flavor names (scs-0100 v3): every letter and its meaning. The grammar
 * (parse.ts), the generator (format.ts) and the prose renderer (describe.ts) read these tables,
 * so a new CPU generation or GPU family is one line here.
 */

export const CPU_TYPES = {
  L: { key: 'crowded-core', prose: 'heavily oversubscribed vCPU' },
  V: { key: 'shared-core', prose: 'shared vCPU' },
  T: { key: 'dedicated-thread', prose: 'dedicated SMT thread' },
  C: { key: 'dedicated-core', prose: 'dedicated core' },
} as const;
export type CpuType = keyof typeof CPU_TYPES;

export const DISK_TYPES = {
  n: { key: 'network', prose: 'network disk' },
  h: { key: 'hdd', prose: 'local HDD' },
  s: { key: 'ssd', prose: 'local SSD' },
  p: { key: 'nvme', prose: 'local NVMe' },
} as const;
export type DiskType = keyof typeof DISK_TYPES;

export const HYPERVISORS = {
  kvm: 'KVM',
  chy: 'Cloud Hypervisor',
  xen: 'Xen',
  vmw: 'VMware',
  hyv: 'Hyper-V',
  bms: 'bare metal',
} as const;
export type Hypervisor = keyof typeof HYPERVISORS;

/** CPU vendors with their generations (0 = older or unspecified). */
export const CPU_VENDORS: Record<string, { name: string; generations: Record<number, string> }> = {
  i: { name: 'Intel', generations: { 0: 'pre-Skylake', 1: 'Skylake', 2: 'Cascade Lake', 3: 'Ice Lake', 4: 'Sapphire Rapids', 5: 'Sierra Forest', 6: 'Granite Rapids' } },
  z: { name: 'AMD', generations: { 0: 'pre-Zen', 1: 'Zen 1', 2: 'Zen 2', 3: 'Zen 3', 4: 'Zen 4', 5: 'Zen 5', 6: 'Zen 6' } },
  a: { name: 'ARM', generations: { 0: 'pre-A76', 1: 'A76/Neoverse N1', 2: 'A78/X1/Neoverse V1', 3: 'A71x/Neoverse N2/V2', 4: 'AmpereOne', 5: 'A72x/Neoverse N3/V3' } },
  r: { name: 'RISC-V', generations: { 0: 'unspecified' } },
};
export type CpuVendor = 'i' | 'z' | 'a' | 'r';

/** All-core frequency markers of the CPU extension. */
export const CPU_FREQUENCIES = { '': '', h: '>2.75 GHz all-core', hh: '>3.25 GHz all-core', hhh: '>3.75 GHz all-core' } as const;
export type CpuFrequency = keyof typeof CPU_FREQUENCIES;

export const GPU_VENDORS: Record<string, { name: string; units: string; generations: Record<string, string> }> = {
  N: {
    name: 'Nvidia',
    units: 'SMs',
    generations: { f: 'Fermi', k: 'Kepler', m: 'Maxwell', p: 'Pascal', v: 'Volta', t: 'Turing', a: 'Ampere', l: 'Ada Lovelace', g: 'Grace Hopper', b: 'Blackwell', u: 'Blackwell Ultra' },
  },
  A: {
    name: 'AMD',
    units: 'CUs',
    generations: { '0.4': 'GCN 4 (Polaris)', '0.5': 'GCN 5 (Vega)', '1': 'CDNA 1', '1.1': 'RDNA 1', '2': 'CDNA 2', '2.1': 'RDNA 2', '3': 'CDNA 3', '3.1': 'RDNA 3', '3.5': 'RDNA 3.5', '4': 'CDNA 4', '4.1': 'RDNA 4', '5.1': 'RDNA 5' },
  },
  I: {
    name: 'Intel',
    units: 'EUs',
    generations: { '0.9': 'Gen9 (Skylake)', '0.95': 'Gen9.5 (Kaby Lake)', '1': 'Xe 1 (DG1)', '2': 'Xe 2', '3': 'Arc (DG2)', '4': 'Battlemage' },
  },
};
export type GpuVendor = 'N' | 'A' | 'I';

/** Frequency/bandwidth markers of the GPU extension (`h`, `hh`). */
export const GPU_MARKERS = ['', 'h', 'hh'] as const;
export type GpuMarker = (typeof GPU_MARKERS)[number];

/** A flavor name, decomposed. Optional parts are absent when the name leaves them out. */
export interface FlavorName {
  cpus: number;
  cpuType: CpuType;
  /** `i`: insecure SMT or microcode. */
  cpuInsecure: boolean;
  /** GiB, a multiple of 0.5. */
  ram: number;
  /** `u`: no ECC. */
  ramNoEcc: boolean;
  /** `o`: oversubscribed memory. */
  ramOversubscribed: boolean;
  /**
   * Root disk: absent when the name has no disk part (boot from volume); `size` absent when the
   * cloud sizes it (`-` or `-n`); `type` absent when the cloud chooses it.
   */
  disk?: { count: number; size?: number; type?: DiskType };
  hypervisor?: Hypervisor;
  hwVirt: boolean;
  cpu?: { vendor: CpuVendor; generation?: number; frequency: CpuFrequency };
  gpu?: {
    /** `G` pass-through, `g` virtual GPU. */
    passThrough: boolean;
    vendor: GpuVendor;
    generation?: string;
    units?: number;
    unitFrequency: GpuMarker;
    vramGiB?: number;
    vramBandwidth: GpuMarker;
  };
  infiniband: boolean;
}
