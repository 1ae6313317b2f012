import { describeFlavor } from './describe.js';
import { flavorSpec, formatFlavorName } from './format.js';
import { parseFlavorName } from './parse.js';

/**
 * Everything about one flavor name, as `scs flavor-name parse` prints it (and a console can show):
 * validity, syntax version, canonical spelling, prose, structure and the scs-0103 spec.
 */
export function explainFlavorName(name: string): Record<string, unknown> {
  try {
    const parsed = parseFlavorName(name);
    if (!parsed) return { name, valid: false, error: 'not an SCS flavor name (no SCS- prefix)' };
    const canonical = formatFlavorName(parsed.flavor);
    return {
      name,
      valid: true,
      syntax: parsed.syntax,
      ...(canonical !== name ? { canonical } : {}),
      description: describeFlavor(parsed.flavor),
      flavor: parsed.flavor,
      spec: flavorSpec(canonical),
    };
  } catch (e) {
    return { name, valid: false, error: (e as Error).message };
  }
}
