import type { IncomingMessage } from 'node:http';
import type { L7PolicySpec, L7RuleSpec } from './driver.js';

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The request value a rule looks at (undefined when the request has none). */
function subject(rule: L7RuleSpec, req: IncomingMessage): string | undefined {
  const path = (req.url ?? '/').split('?')[0];
  switch (rule.type) {
    case 'HOST_NAME':
      return req.headers.host?.replace(/:\d+$/, '');
    case 'PATH':
      return path;
    case 'FILE_TYPE': {
      const dot = path.lastIndexOf('.');
      return dot > path.lastIndexOf('/') ? path.slice(dot + 1) : undefined;
    }
    case 'HEADER': {
      const v = req.headers[(rule.key ?? '').toLowerCase()];
      return Array.isArray(v) ? v.join(', ') : v;
    }
    case 'COOKIE':
      return cookie(req.headers.cookie, rule.key ?? '');
  }
  return undefined;
}

function compare(rule: L7RuleSpec, v: string): boolean {
  switch (rule.compareType) {
    case 'REGEX':
      return new RegExp(rule.value).test(v);
    case 'STARTS_WITH':
      return v.startsWith(rule.value);
    case 'ENDS_WITH':
      return v.endsWith(rule.value);
    case 'CONTAINS':
      return v.includes(rule.value);
    default:
      return v === rule.value;
  }
}

const matches = (rule: L7RuleSpec, req: IncomingMessage) => {
  const v = subject(rule, req);
  return (v !== undefined && compare(rule, v)) !== rule.invert;
};

/** The first policy (in position order) whose rules all match; a policy without rules never applies. */
export function matchPolicy(policies: L7PolicySpec[], req: IncomingMessage): L7PolicySpec | undefined {
  return policies.find((p) => p.rules.length > 0 && p.rules.every((r) => matches(r, req)));
}
