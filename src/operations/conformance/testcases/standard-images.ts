import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Image } from '../cloud-data.js';
import { abort, fail, offenders, pass, type Check, type CheckContext } from '../testcase.js';

/** One entry of the image spec file (standards/scs-0104-images.yaml). */
export interface ImageSpec {
  id: string;
  name: string;
  /** Regular expression matching the names of versioned images (CAPI). */
  name_pattern?: string;
  source: string[];
}

function loadSpecs(ctx: CheckContext): ImageSpec[] {
  const file = ctx.params.image_spec;
  if (!file) throw new Error('the standard has no image_spec parameter');
  const doc = parseYaml(readFileSync(join(ctx.scopeDir, file), 'utf8')) as { images?: ImageSpec[] };
  return doc.images ?? [];
}

function matching(images: Image[], spec: ImageSpec): Image[] {
  if (spec.name_pattern) {
    const re = new RegExp(spec.name_pattern);
    return images.filter((i) => typeof i.name === 'string' && re.test(i.name));
  }
  return images.filter((i) => i.name === spec.name);
}

/** `scs-0104-source-ubuntu-2404` / `scs-0104-image-ubuntu-2404`: the source or presence check of one spec. */
export const standardImage =
  (testcaseId: string): Check =>
  async (ctx) => {
    const m = /^scs-0104-(source|image)-(.+)$/.exec(testcaseId);
    const spec = m && loadSpecs(ctx).find((s) => s.id === m[2]);
    if (!m || !spec) return abort(`no image spec for testcase ${testcaseId}`);
    const found = matching(await ctx.data.images(), spec);
    if (m[1] === 'image') return found.length ? pass(`found ${found.map((i) => i.name).join(', ')}`) : fail(`standard image "${spec.name}" is missing`);
    const wrong = found
      .filter((i) => !spec.source.some((prefix) => String(i.image_source ?? '').startsWith(prefix)))
      .map((i) => `${i.name} (${i.id}): image_source ${JSON.stringify(i.image_source ?? null)} starts with none of ${spec.source.join(', ')}`);
    return offenders(`"${spec.name}" image(s) not from the vendor's source`, wrong, found.length ? undefined : 'no such image offered');
  };
