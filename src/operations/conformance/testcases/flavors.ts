import { flavorSpec } from '../../flavor-name/format.js';
import { FlavorNameError, parseFlavorName, type ParsedFlavorName } from '../../flavor-name/parse.js';
import type { Flavor } from '../cloud-data.js';
import { abort, fail, offenders, pass, type Check, type CheckContext } from '../testcase.js';

interface ScsFlavor {
  flavor: Flavor;
  parsed?: ParsedFlavorName;
  error?: string;
}

async function scsFlavors(ctx: CheckContext): Promise<ScsFlavor[]> {
  return (await ctx.data.flavors())
    .filter((f) => f.name?.startsWith('SCS-'))
    .map((flavor) => {
      try {
        return { flavor, parsed: parseFlavorName(flavor.name) };
      } catch (e) {
        if (e instanceof FlavorNameError) return { flavor, error: e.message };
        throw e;
      }
    });
}

/** scs-0100-syntax-check: every `SCS-` name parses (legacy v1 names are tolerated with a note). */
export const flavorSyntax: Check = async (ctx) => {
  const all = await scsFlavors(ctx);
  const legacy = all.filter((f) => f.parsed?.syntax === 'v1').map((f) => `${f.flavor.name}: legacy v1 syntax (tolerated)`);
  const bad = all.filter((f) => f.error).map((f) => f.error!);
  if (bad.length) return offenders('flavor name(s) break the scs-0100 grammar', bad);
  return pass(`${all.length} SCS flavor names parse`, legacy);
};

/** MiB as GiB rounded to a tenth, the way SCS's harness compares RAM. */
const gib = (mib: number) => Math.floor((mib + 51) / 102.4) / 10;

/** scs-0100-semantics-check: no SCS flavor promises more vCPUs, RAM or disk than it has. */
export const flavorSemantics: Check = async (ctx) => {
  const problems: string[] = [];
  for (const { flavor, parsed } of await scsFlavors(ctx)) {
    if (!parsed) continue; // the syntax check reports it
    const f = parsed.flavor;
    if (flavor.vcpus < f.cpus) problems.push(`${flavor.name}: name promises ${f.cpus} vCPUs, flavor has ${flavor.vcpus}`);
    if (gib(flavor.ram) < f.ram) problems.push(`${flavor.name}: name promises ${f.ram} GiB RAM, flavor has ${gib(flavor.ram)} GiB (${flavor.ram} MiB)`);
    const disk = f.disk?.size ?? 0;
    if (flavor.disk < disk) problems.push(`${flavor.name}: name promises ${disk} GB disk, flavor has ${flavor.disk} GB`);
  }
  return offenders('flavor(s) promise more than they provide', problems);
};

/** `scs-0103-flavor-2v-4-20s` → `SCS-2V-4-20s` */
export function standardFlavorName(testcaseId: string): string {
  const rest = testcaseId.replace(/^scs-0103-flavor-/, '');
  return `SCS-${rest.replace(/^(\d+)([lvtc])/, (_, n: string, t: string) => n + t.toUpperCase())}`;
}

/**
 * scs-0103-flavor-*: the standard flavor exists (found by its `scs:name-v2` extra spec, else by
 * name) with exactly the vCPUs, RAM, disk and `scs:` extra specs its name implies.
 */
export const standardFlavor =
  (testcaseId: string): Check =>
  async (ctx) => {
    const name = standardFlavorName(testcaseId);
    let spec;
    try {
      spec = flavorSpec(name);
    } catch (e) {
      return abort(`testcase ${testcaseId} does not name a valid flavor: ${(e as Error).message}`);
    }
    const flavors = await ctx.data.flavors();
    const flavor = flavors.find((f) => f.extra_specs?.['scs:name-v2'] === spec.name) ?? flavors.find((f) => f.name === spec.name);
    if (!flavor) return fail(`standard flavor ${spec.name} is missing`);
    const wrong: string[] = [];
    const compare = (key: string, actual: unknown, expected: unknown) => {
      if (actual !== expected) wrong.push(`${key} is ${actual === undefined ? 'missing' : JSON.stringify(actual)}, must be ${JSON.stringify(expected)}`);
    };
    compare('vcpus', flavor.vcpus, spec.vcpus);
    compare('ram', flavor.ram, spec.ramMiB);
    compare('disk', flavor.disk, spec.disk);
    for (const [key, value] of Object.entries(spec.extraSpecs)) compare(key, flavor.extra_specs?.[key], value);
    return wrong.length ? fail(`flavor ${flavor.name} does not match ${spec.name}`, wrong) : pass();
  };
