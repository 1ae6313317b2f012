import { CPU_FREQUENCIES, CPU_TYPES, CPU_VENDORS, DISK_TYPES, GPU_VENDORS, HYPERVISORS, type FlavorName } from './tables.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line of prose for a flavor, e.g. "2 shared vCPUs, 4 GiB RAM, 20 GB local SSD". */
export function describeFlavor(f: FlavorName): string {
  const parts: string[] = [];
  let cpu = plural(f.cpus, CPU_TYPES[f.cpuType].prose);
  const cpuNotes: string[] = [];
  if (f.cpu) {
    const vendor = CPU_VENDORS[f.cpu.vendor];
    cpuNotes.push([vendor.name, f.cpu.generation !== undefined ? vendor.generations[f.cpu.generation] : ''].filter(Boolean).join(' '));
    if (f.cpu.frequency) cpuNotes.push(CPU_FREQUENCIES[f.cpu.frequency]);
  }
  if (f.cpuInsecure) cpuNotes.push('insecure: SMT or microcode mitigations missing');
  if (cpuNotes.length) cpu += ` (${cpuNotes.join(', ')})`;
  parts.push(cpu);

  const ramNotes = [f.ramNoEcc ? 'no ECC' : '', f.ramOversubscribed ? 'oversubscribed' : ''].filter(Boolean);
  parts.push(`${f.ram} GiB RAM${ramNotes.length ? ` (${ramNotes.join(', ')})` : ''}`);

  if (!f.disk) parts.push('no root disk (boot from a volume)');
  else {
    const kind = f.disk.type ? DISK_TYPES[f.disk.type].prose : 'disk';
    const count = f.disk.count > 1 ? `${f.disk.count}x ` : '';
    parts.push(f.disk.size !== undefined ? `${count}${f.disk.size} GB ${kind}` : `${kind} sized by the cloud to fit the image`);
  }
  if (f.hypervisor) parts.push(f.hypervisor === 'bms' ? 'bare metal' : `on ${HYPERVISORS[f.hypervisor]}`);
  if (f.hwVirt) parts.push('hardware (nested) virtualization');
  if (f.gpu) {
    const v = GPU_VENDORS[f.gpu.vendor];
    let gpu = `${f.gpu.passThrough ? 'pass-through GPU' : 'virtual GPU'} ${v.name}${f.gpu.generation ? ` ${v.generations[f.gpu.generation]}` : ''}`;
    const notes: string[] = [];
    if (f.gpu.units !== undefined) notes.push(`${f.gpu.units} ${f.gpu.unitFrequency ? 'high-frequency ' : ''}${v.units}`);
    if (f.gpu.vramGiB !== undefined) notes.push(`${f.gpu.vramGiB} GiB ${f.gpu.vramBandwidth ? 'high-bandwidth ' : ''}VRAM`);
    if (notes.length) gpu += ` (${notes.join(', ')})`;
    parts.push(gpu);
  }
  if (f.infiniband) parts.push('InfiniBand');
  return parts.join(', ');
}
