import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** One flavor of a declarative list (config/scs-flavors-*.yaml). */
export interface FlavorSpecEntry {
  name: string;
  vcpus: number;
  /** MiB. */
  ram: number;
  /** GB; 0 = no root disk (boot from volume). */
  disk: number;
  public: boolean;
  extra_specs: Record<string, string>;
  description?: string;
}

export function loadFlavorSpecs(file: string): FlavorSpecEntry[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { flavors?: unknown } | null;
  if (!doc || !Array.isArray(doc.flavors)) throw new Error(`${file}: expected a top-level 'flavors' list`);
  return doc.flavors.map((f, i) => {
    const e = f as Partial<FlavorSpecEntry>;
    const where = `${file}: flavor #${i + 1}`;
    if (typeof e.name !== 'string' || !e.name) throw new Error(`${where}: 'name' is required`);
    for (const k of ['vcpus', 'ram', 'disk'] as const) {
      if (typeof e[k] !== 'number' || !Number.isInteger(e[k]) || e[k]! < (k === 'disk' ? 0 : 1)) throw new Error(`${where} (${e.name}): '${k}' must be a whole number`);
    }
    const specs = e.extra_specs ?? {};
    if (typeof specs !== 'object' || Object.values(specs).some((v) => typeof v !== 'string')) throw new Error(`${where} (${e.name}): 'extra_specs' must map strings to strings`);
    return { name: e.name, vcpus: e.vcpus!, ram: e.ram!, disk: e.disk!, public: e.public !== false, extra_specs: specs, description: e.description };
  });
}

/** What a sync needs from a cloud: the local flavor service or a remote Nova API. */
export interface FlavorTarget {
  find(name: string): Promise<{ id: string; vcpus: number; ram: number; disk: number; is_public: boolean; extra_specs: Record<string, string> } | undefined>;
  create(spec: FlavorSpecEntry): Promise<string>;
  remove(id: string): Promise<void>;
  setExtraSpecs(id: string, specs: Record<string, string>): Promise<void>;
}

export interface FlavorSyncResult {
  name: string;
  id: string;
  action: 'created' | 'updated' | 'replaced' | 'unchanged';
}

/**
 * Makes the cloud's flavors match the list: missing ones are created, extra specs are added or
 * corrected, and a flavor whose size differs is replaced (Nova flavors are immutable).
 */
export async function syncFlavors(target: FlavorTarget, specs: FlavorSpecEntry[]): Promise<FlavorSyncResult[]> {
  const out: FlavorSyncResult[] = [];
  for (const spec of specs) {
    const have = await target.find(spec.name);
    if (!have) {
      const id = await target.create(spec);
      await target.setExtraSpecs(id, spec.extra_specs);
      out.push({ name: spec.name, id, action: 'created' });
      continue;
    }
    if (have.vcpus !== spec.vcpus || have.ram !== spec.ram || have.disk !== spec.disk || have.is_public !== spec.public) {
      await target.remove(have.id);
      const id = await target.create(spec);
      await target.setExtraSpecs(id, spec.extra_specs);
      out.push({ name: spec.name, id, action: 'replaced' });
      continue;
    }
    const wrong = Object.entries(spec.extra_specs).filter(([k, v]) => have.extra_specs[k] !== v);
    if (wrong.length) await target.setExtraSpecs(have.id, Object.fromEntries(wrong));
    out.push({ name: spec.name, id: have.id, action: wrong.length ? 'updated' : 'unchanged' });
  }
  return out;
}
