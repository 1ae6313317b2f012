import { isObj, type Obj } from '../../../platform/http/validate.js';
import { invalid } from './context.js';
import type { DhcpOpt } from './types.js';

/** One requested option; `opt_value` null asks to remove it (on update). */
type Requested = { opt_name: string; opt_value: string | null; ip_version: 4 | 6 };

/** Validates `extra_dhcp_opts` as Neutron (extra_dhcp_opt): name required, value a string or null, ip_version 4 or 6. */
function requested(body: Obj): Requested[] | undefined {
  const v = body.extra_dhcp_opts;
  if (v === undefined || v === null) return v === null ? [] : undefined;
  if (!Array.isArray(v)) throw invalid('extra_dhcp_opts', v, 'is not a list');
  return v.map((o) => {
    if (!isObj(o)) throw invalid('extra_dhcp_opts', o, 'is not a dictionary');
    const extra = Object.keys(o).filter((k) => !['opt_name', 'opt_value', 'ip_version', 'id'].includes(k));
    if (extra.length) throw invalid('extra_dhcp_opts', o, `has unexpected keys ${extra.join(', ')}`);
    if (typeof o.opt_name !== 'string' || o.opt_name.trim() === '') throw invalid('extra_dhcp_opts', o, 'needs a non-empty opt_name');
    if (o.opt_value !== null && (typeof o.opt_value !== 'string' || o.opt_value === '')) throw invalid('extra_dhcp_opts', o, 'needs opt_value, a non-empty string or null');
    const version = o.ip_version === undefined || o.ip_version === null ? 4 : Number(o.ip_version);
    if (version !== 4 && version !== 6) throw invalid('extra_dhcp_opts', o, 'has an ip_version other than 4 or 6');
    return { opt_name: o.opt_name, opt_value: o.opt_value, ip_version: version };
  });
}

/**
 * The options after a create (`current` empty) or an update: an option is keyed by name and IP
 * version; a new value replaces the old one, null removes it, options not named stay.
 */
export function extraDhcpOpts(body: Obj, current: DhcpOpt[]): DhcpOpt[] | undefined {
  const req = requested(body);
  if (!req) return undefined;
  const out = [...current];
  for (const o of req) {
    const at = out.findIndex((x) => x.opt_name === o.opt_name && x.ip_version === o.ip_version);
    if (o.opt_value === null) {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = { ...o, opt_value: o.opt_value };
    else out.push({ ...o, opt_value: o.opt_value });
  }
  return out;
}
