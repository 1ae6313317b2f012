import type { L7PolicySpec, L7RuleSpec } from './driver.js';

/** What L7 rules look at in a request. */
export interface RequestView {
  url: string;
  /** A field's value by lower-case name. */
  header(name: string): string | undefined;
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The request value a rule looks at (undefined when the request has none). */
function subject(rule: L7RuleSpec, req: RequestView): string | undefined {
  const path = req.url.split('?')[0];
  switch (rule.type) {
    case 'HOST_NAME':
      return req.header('host')?.replace(/:\d+$/, '');
    case 'PATH':
      return path;
    case 'FILE_TYPE': {
      const dot = path.lastIndexOf('.');
      return dot > path.lastIndexOf('/') ? path.slice(dot + 1) : undefined;
    }
    case 'HEADER':
      return req.header((rule.key ?? '').toLowerCase());
    case 'COOKIE':
      return cookie(req.header('cookie'), rule.key ?? '');
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

const matches = (rule: L7RuleSpec, req: RequestView) => {
  const v = subject(rule, req);
  return (v !== undefined && compare(rule, v)) !== rule.invert;
};

/** The first policy (in position order) whose rules all match; a policy without rules never applies. */
export function matchPolicy(policies: L7PolicySpec[], req: RequestView): L7PolicySpec | undefined {
  return policies.find((p) => p.rules.length > 0 && p.rules.every((r) => matches(r, req)));
}
