import type { Image } from '../cloud-data.js';
import { offenders, type Check } from '../testcase.js';

// Value sets of scs-0102. `undefined` in a list means the property may be left out.
const ARCHITECTURES = ['x86_64', 'aarch64', 'risc-v'];
const HW_DISK_BUSES = ['virtio', 'scsi', undefined];
const HYPERVISOR_TYPES = ['qemu', 'kvm', 'xen', 'hyper-v', 'esxi', undefined];
const HW_RNG_MODELS = ['virtio', undefined];
const OS_PURPOSES = ['generic', 'oldgeneric', 'minimal', 'k8snode', 'gpu', 'network', 'custom'];
const DAY = 24 * 3600 * 1000;
/** Replacement intervals, rounded up a little as SCS's harness does. */
const FREQUENCY_MS: Record<string, number> = { never: 0, critical_bug: 0, yearly: 365 * DAY, quarterly: 92 * DAY, monthly: 31 * DAY, weekly: 7 * 25 * 3600 * 1000, daily: 25 * 3600 * 1000 };
const OUTDATED_MARKERS = ['old', 'prev'];

// Date formats the standard accepts: strict ISO with Z (also for created_at), and the shorter forms.
const STRICT = [/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/];
const DATES = [...STRICT, /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/, /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/, /^(\d{4})-(\d{2})-(\d{2})$/];
const MARKER_DATES = [/^(\d{4})-(\d{2})-(\d{2})$/, /^(\d{4})(\d{2})(\d{2})$/];

/** Milliseconds since the epoch (UTC), or 0 when `s` matches none of `formats` or is no real date. */
export function parseDate(s: unknown, formats = DATES): number {
  if (typeof s !== 'string') return 0;
  for (const re of formats) {
    const m = re.exec(s);
    if (!m) continue;
    const [y, mo, d, h = 0, mi = 0, se = 0] = m.slice(1).map(Number);
    const t = Date.UTC(y, mo - 1, d, h, mi, se);
    const back = new Date(t);
    if (back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && se < 60) return t;
  }
  return 0;
}

const label = (img: Image) => `${img.name ?? '(unnamed)'} (${img.id})`;
const isUrl = (s: unknown) => typeof s === 'string' && /^(https?|ftps?):\/\//.test(s);

/** A testcase that checks one rule on every public/community image. */
const everyImage =
  (problem: string, bad: (img: Image, now: number) => string | boolean | undefined): Check =>
  async (ctx) => {
    const lines: string[] = [];
    for (const img of await ctx.data.images()) {
      const why = bad(img, ctx.now.getTime());
      if (why) lines.push(`${label(img)}${typeof why === 'string' ? `: ${why}` : ''}`);
    }
    return offenders(`image(s): ${problem}`, lines);
  };

const notIn = (key: string, allowed: unknown[]) => (img: Image) => (allowed.includes(img[key]) ? undefined : `${key}=${JSON.stringify(img[key] ?? null)}`);

export const imageMetadataChecks: Record<string, Check> = {
  'scs-0102-prop-architecture': everyImage('architecture missing or not x86_64/aarch64/risc-v', notIn('architecture', ARCHITECTURES)),
  'scs-0102-prop-hash_algo': everyImage('hash algorithm is not sha256/sha512', notIn('os_hash_algo', ['sha256', 'sha512'])),
  'scs-0102-prop-min_disk': everyImage('min_disk missing or smaller than the image', (img) =>
    !img.min_disk ? 'min_disk not set' : img.size && img.min_disk * 1024 ** 3 < img.size ? `min_disk ${img.min_disk} GiB < size ${img.size} bytes` : undefined,
  ),
  'scs-0102-prop-min_ram': everyImage('min_ram not set', (img) => !img.min_ram),
  'scs-0102-prop-os_version': everyImage('os_version not set', (img) => !img.os_version),
  'scs-0102-prop-os_distro': everyImage('os_distro not set', (img) => !img.os_distro),
  'scs-0102-prop-os_purpose': everyImage('os_purpose missing or unknown', notIn('os_purpose', OS_PURPOSES)),
  'scs-0102-prop-hw_disk_bus': everyImage('hw_disk_bus is not virtio/scsi', notIn('hw_disk_bus', HW_DISK_BUSES)),
  'scs-0102-prop-hypervisor_type': everyImage('hypervisor_type unknown', notIn('hypervisor_type', HYPERVISOR_TYPES)),
  'scs-0102-prop-hw_rng_model': everyImage('hw_rng_model is not virtio', notIn('hw_rng_model', HW_RNG_MODELS)),
  'scs-0102-prop-image_build_date': everyImage('image_build_date invalid, in the future or after registration', (img, now) => {
    const built = parseDate(img.image_build_date);
    const registered = parseDate(img.created_at, STRICT);
    if (!built) return `image_build_date ${JSON.stringify(img.image_build_date ?? null)} is not a date`;
    if (built > now) return `image_build_date ${img.image_build_date} is in the future`;
    if (registered && built > registered) return `image_build_date ${img.image_build_date} is after created_at ${img.created_at}`;
    return undefined;
  }),
  'scs-0102-prop-image_original_user': everyImage('image_original_user not set', (img) => !img.image_original_user),
  'scs-0102-prop-image_source': everyImage('image_source is neither a URL nor "private"', (img) =>
    img.image_source === 'private' || isUrl(img.image_source) ? undefined : `image_source=${JSON.stringify(img.image_source ?? null)}`,
  ),
  'scs-0102-prop-image_description': everyImage('image_description not set', (img) => !img.image_description),
  'scs-0102-prop-replace_frequency': everyImage('replace_frequency missing or unknown', (img) =>
    typeof img.replace_frequency === 'string' && img.replace_frequency in FREQUENCY_MS ? undefined : `replace_frequency=${JSON.stringify(img.replace_frequency ?? null)}`,
  ),
  'scs-0102-prop-provided_until': everyImage('provided_until not set', (img) => !img.provided_until),
  'scs-0102-prop-uuid_validity': everyImage('uuid_validity invalid', (img) => {
    const v = img.uuid_validity;
    if (v === undefined || v === null || ['none', 'notice', 'forever'].includes(v) || /^last-\d+$/.test(v) || parseDate(v)) return undefined;
    return `uuid_validity=${JSON.stringify(v)}`;
  }),
  'scs-0102-prop-hotfix_hours': everyImage('hotfix_hours is not a whole number', (img) =>
    !img.hotfix_hours || /^\d+$/.test(String(img.hotfix_hours)) ? undefined : `hotfix_hours=${JSON.stringify(img.hotfix_hours)}`,
  ),
  'scs-0102-image-recency': imageRecency(),
  'scs-0102-os_purpose-uniqueness': async (ctx) => {
    const buckets = new Map<string, string[]>();
    for (const img of await ctx.data.images()) {
      if (img.visibility !== 'public' || img.os_hidden || !img.os_distro || !img.os_version || img.os_purpose !== 'generic') continue;
      const key = `${img.architecture ?? ''}/${img.os_distro}/${img.os_version}`;
      buckets.set(key, [...(buckets.get(key) ?? []), label(img)]);
    }
    const dup = [...buckets].filter(([, imgs]) => imgs.length > 1).map(([key, imgs]) => `${key}: ${imgs.join(', ')}`);
    return offenders('architecture/os_distro/os_version triple(s) with more than one generic image', dup);
  },
};

type Staleness = 'fresh' | 'marked' | 'unmarked' | 'no-valid-until';

/** How an image stands against its replace_frequency (the rules of scs-0102's recency section). */
export function staleness(img: Image, now: number): Staleness {
  const built = parseDate(img.image_build_date) || parseDate(img.created_at, STRICT);
  const interval = FREQUENCY_MS[img.replace_frequency ?? 'never'];
  if (!interval || now <= built + 1.1 * interval) return 'fresh';
  const until = img.provided_until;
  if (until === 'none' || until === 'notice') return 'fresh';
  const untilMs = parseDate(until);
  if (!untilMs) return 'no-valid-until';
  if (now > untilMs) return 'fresh'; // past its end of support: no promise left to break
  if (img.os_hidden) return 'marked';
  const marker = String(img.name ?? '').split(' ').slice(1).pop();
  return marker && (OUTDATED_MARKERS.includes(marker) || parseDate(marker, MARKER_DATES)) ? 'marked' : 'unmarked';
}

function imageRecency(): Check {
  return async (ctx) => {
    const now = ctx.now.getTime();
    const images = await ctx.data.images();
    const byName = new Map(images.map((i) => [i.name, i]));
    const problems: string[] = [];
    const notes: string[] = [];
    for (const img of images) {
      const s = staleness(img, now);
      if (s === 'fresh') continue;
      if (s === 'no-valid-until') {
        problems.push(`${label(img)}: outdated and provided_until ${JSON.stringify(img.provided_until ?? null)} is not a date`);
        continue;
      }
      if (s === 'unmarked') notes.push(`${label(img)}: outdated but neither hidden nor renamed`);
      const name = String(img.name ?? '');
      const base = name.includes(' ') ? name.slice(0, name.lastIndexOf(' ')).trimEnd() : undefined;
      const replacement = base !== undefined ? byName.get(base) : undefined;
      if (!replacement || staleness(replacement, now) !== 'fresh') problems.push(`${label(img)}: outdated (replace_frequency ${img.replace_frequency}) without a current replacement`);
    }
    const outcome = offenders('image(s) outdated', problems);
    return notes.length ? { ...outcome, details: [...(outcome.details ?? []), ...notes] } : outcome;
  };
}
