import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * A declarative image list for `scs images sync`: one entry per image with its source URL and the
 * metadata of SCS standard scs-0102 (property names and allowed values as the standard has them).
 */
export interface ImageSpec {
  name: string;
  /** Where the bytes come from (imported with web-download, or from a mirror folder). */
  url?: string;
  diskFormat: string;
  containerFormat: string;
  visibility: string;
  minDisk: number;
  minRam: number;
  tags: string[];
  /** Free-form image properties (architecture, os_distro, ..., replace_frequency ...). */
  properties: Record<string, string>;
}

/** Properties scs-0102 makes mandatory (min_disk and min_ram are image attributes). */
export const MANDATORY = [
  'architecture',
  'os_distro',
  'os_version',
  'os_purpose',
  'hw_disk_bus',
  'image_build_date',
  'image_original_user',
  'image_source',
  'image_description',
  'replace_frequency',
  'provided_until',
  'uuid_validity',
];
const OS_PURPOSES = ['generic', 'oldgeneric', 'minimal', 'k8snode', 'gpu', 'network', 'custom'];
const FREQUENCIES = ['yearly', 'quarterly', 'monthly', 'weekly', 'daily', 'critical_bug', 'never'];
const DATE = /^\d{4}-\d\d-\d\d$/;

function fail(name: string, msg: string): never {
  throw new Error(`image "${name}": ${msg}`);
}

/** Checks one entry against scs-0102; returns the normalized spec. */
export function toSpec(raw: Record<string, unknown>): ImageSpec {
  const name = typeof raw.name === 'string' && raw.name ? raw.name : fail(String(raw.name), 'needs a name');
  const meta = (raw.meta ?? {}) as Record<string, unknown>;
  if (typeof meta !== 'object' || Array.isArray(meta)) fail(name, "'meta' must be a mapping");
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) properties[k] = String(v);
  for (const k of MANDATORY) if (!properties[k]) fail(name, `scs-0102 requires the property '${k}'`);
  if (!OS_PURPOSES.includes(properties.os_purpose)) fail(name, `os_purpose must be one of ${OS_PURPOSES.join(', ')}`);
  if (!FREQUENCIES.includes(properties.replace_frequency)) fail(name, `replace_frequency must be one of ${FREQUENCIES.join(', ')}`);
  if (!/^\d{4}-\d\d-\d\d( \d\d:\d\d(:\d\d)?)?$/.test(properties.image_build_date)) fail(name, 'image_build_date must be YYYY-MM-DD[ hh:mm[:ss]]');
  if (!['none', 'notice'].includes(properties.provided_until) && !DATE.test(properties.provided_until)) fail(name, 'provided_until must be YYYY-MM-DD, none or notice');
  if (!['none', 'notice', 'forever'].includes(properties.uuid_validity) && !/^last-\d+$/.test(properties.uuid_validity) && !DATE.test(properties.uuid_validity)) {
    fail(name, 'uuid_validity must be none, last-N, YYYY-MM-DD, notice or forever');
  }
  if (properties.hotfix_hours !== undefined && !/^\d+$/.test(properties.hotfix_hours)) fail(name, 'hotfix_hours must be a number of hours');
  const int = (k: string) => {
    const v = raw[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(name, `scs-0102 requires '${k}' as a non-negative integer`);
    return v;
  };
  return {
    name,
    url: typeof raw.url === 'string' ? raw.url : undefined,
    diskFormat: typeof raw.disk_format === 'string' ? raw.disk_format : 'qcow2',
    containerFormat: typeof raw.container_format === 'string' ? raw.container_format : 'bare',
    visibility: typeof raw.visibility === 'string' ? raw.visibility : 'public',
    minDisk: int('min_disk'),
    minRam: int('min_ram'),
    tags: Array.isArray(raw.tags) ? raw.tags.map(String) : [],
    properties,
  };
}

export function loadSpecs(file: string): ImageSpec[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { images?: unknown };
  if (!doc || !Array.isArray(doc.images)) throw new Error(`${file}: expected a top-level 'images' list`);
  return doc.images.map((e) => toSpec(e as Record<string, unknown>));
}

/** Glance's image-create body for a spec: the core fields plus its free-form properties. */
export function createBody(spec: ImageSpec): Record<string, unknown> {
  return {
    name: spec.name,
    disk_format: spec.diskFormat,
    container_format: spec.containerFormat,
    visibility: spec.visibility,
    min_disk: spec.minDisk,
    min_ram: spec.minRam,
    tags: spec.tags,
    ...spec.properties,
  };
}
