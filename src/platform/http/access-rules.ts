import type { AccessRule } from '../auth.js';

const compiled = new Map<string, RegExp>();

/**
 * Keystone's access-rule path templates, as keystonemiddleware reads them: `*` matches within one
 * path segment, `**` across segments, `{name}` one segment; everything else literally.
 */
function pathRegex(template: string): RegExp {
  let re = compiled.get(template);
  if (!re) {
    const body = template
      .split(/(\{[^}]*\}|\*\*|\*)/)
      .map((part) => (part === '**' ? '.*' : part === '*' || /^\{[^}]*\}$/.test(part) ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`);
    // Templates come from stored credentials; keep the cache bounded all the same.
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(template, re);
  }
  return re;
}

/** True when one of the rules allows the request (service type, method and path all match). */
export function allowedByAccessRules(rules: AccessRule[], serviceType: string, method: string, path: string): boolean {
  return rules.some((r) => r.service === serviceType && r.method.toUpperCase() === method.toUpperCase() && pathRegex(r.path).test(path));
}
