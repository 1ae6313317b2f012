import { MissingServiceError } from '../../http/session.js';
import { isNotFound, VOLUME_TYPES } from '../cloud-data.js';
import { fail, offenders, pass, waitFor, type Check, type CheckContext } from '../testcase.js';

const ASPECTS = ['encrypted', 'replicated'];

/** The aspect list a volume type description starts with (`[scs:encrypted, replicated] ...`), if any. */
export function aspectList(description: string | null | undefined): string[] | undefined {
  const m = /^\[scs:([^[\]]*)\]/.exec(description ?? '');
  if (!m) return undefined;
  return m[1] ? m[1].split(',').map((s) => s.trim()) : [];
}

/** scs-0114-syntax-check: aspect lists name known aspects, sorted, once each. */
export const volumeTypeSyntax: Check = async (ctx) => {
  const problems: string[] = [];
  for (const t of await ctx.data.volumeTypes()) {
    const list = aspectList(t.description);
    if (!list?.length) continue;
    if (list.join() !== [...list].sort().join()) problems.push(`${t.name}: aspects not sorted`);
    const dup = list.filter((a, i) => list.indexOf(a) !== i);
    if (dup.length) problems.push(`${t.name}: duplicate aspects ${[...new Set(dup)].join(', ')}`);
    const unknown = list.filter((a) => !ASPECTS.includes(a));
    if (unknown.length) problems.push(`${t.name}: unknown aspects ${unknown.join(', ')}`);
  }
  return offenders('volume type description problem(s)', problems);
};

/** scs-0114-encrypted-type / -replicated-type: some volume type declares the aspect. */
export const volumeTypeAspect =
  (aspect: string): Check =>
  async (ctx) => {
    const types = (await ctx.data.volumeTypes()).filter((t) => aspectList(t.description)?.includes(aspect));
    return types.length ? pass(`declared by ${types.map((t) => t.name).join(', ')}`) : fail(`no volume type declares the aspect "${aspect}" in its description`);
  };

interface Named {
  id: string;
  name?: string | null;
  status: string;
}

async function statusOf(ctx: CheckContext, kind: 'volumes' | 'backups', id: string): Promise<Named | undefined> {
  try {
    const r = await ctx.session.request(VOLUME_TYPES, 'GET', ctx.data.volumePath(`/${kind}/${id}`));
    return r.body?.[kind === 'volumes' ? 'volume' : 'backup'];
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Waits until the resource is in one of `states`; an `error` status ends the wait with a failure. */
async function waitStatus(ctx: CheckContext, kind: 'volumes' | 'backups', id: string, states: string[]): Promise<Named> {
  return waitFor(`${kind.slice(0, -1)} ${id} to become ${states.join('/')}`, ctx.waitTimeoutMs, async () => {
    const r = await statusOf(ctx, kind, id);
    if (!r) throw new Error(`${kind.slice(0, -1)} ${id} disappeared`);
    if (states.includes(r.status)) return r;
    if (r.status === 'error' || r.status.startsWith('error_')) throw new Error(`${kind.slice(0, -1)} ${id} went to status ${r.status}`);
    return undefined;
  });
}

/** Deletes every backup and volume whose name starts with the run's prefix; returns what it could not. */
export async function cleanupVolumes(ctx: CheckContext): Promise<string[]> {
  const left: string[] = [];
  const list = async (kind: 'volumes' | 'backups') =>
    ((await ctx.session.request(VOLUME_TYPES, 'GET', ctx.data.volumePath(`/${kind}/detail`))).body?.[kind] ?? []).filter((r: Named) => r.name?.startsWith(ctx.prefix)) as Named[];
  for (const kind of ['backups', 'volumes'] as const) {
    for (const r of await list(kind)) {
      try {
        await waitStatus(ctx, kind, r.id, ['available', 'error']).catch(() => undefined);
        await ctx.session.request(VOLUME_TYPES, 'DELETE', ctx.data.volumePath(`/${kind}/${r.id}`));
        await waitFor(`${kind} ${r.id} to be deleted`, ctx.waitTimeoutMs, async () => ((await statusOf(ctx, kind, r.id)) ? undefined : true));
      } catch (e) {
        if (!isNotFound(e)) left.push(`${kind.slice(0, -1)} ${r.name} (${r.id}): ${(e as Error).message}`);
      }
    }
  }
  return left;
}

/**
 * scs-0117-test-backup: create a 1 GB volume, back it up, restore the backup to a new volume,
 * each step to status available; everything created is removed afterwards, also on failure.
 */
export const volumeBackup: Check = async (ctx) => {
  try {
    ctx.session.requireEndpoint(...VOLUME_TYPES);
  } catch (e) {
    if (e instanceof MissingServiceError) return fail('the catalog has no block storage service, so volumes cannot be backed up');
    throw e;
  }
  const leftovers = await cleanupVolumes(ctx);
  if (leftovers.length) return fail('could not clean up resources of an earlier run', leftovers);
  const steps: string[] = [];
  let failure: string | undefined;
  try {
    const vol = (await ctx.session.request(VOLUME_TYPES, 'POST', ctx.data.volumePath('/volumes'), { body: { volume: { name: `${ctx.prefix}volume`, size: 1 } } })).body.volume as Named;
    await waitStatus(ctx, 'volumes', vol.id, ['available']);
    steps.push(`volume ${vol.id} available`);
    const backup = (await ctx.session.request(VOLUME_TYPES, 'POST', ctx.data.volumePath('/backups'), { body: { backup: { name: `${ctx.prefix}volume-backup`, volume_id: vol.id } } })).body.backup as Named;
    await waitStatus(ctx, 'backups', backup.id, ['available']);
    steps.push(`backup ${backup.id} available`);
    const restore = (await ctx.session.request(VOLUME_TYPES, 'POST', ctx.data.volumePath(`/backups/${backup.id}/restore`), { body: { restore: { name: `${ctx.prefix}restored-backup` } } })).body.restore as { volume_id: string };
    await waitStatus(ctx, 'volumes', restore.volume_id, ['available']);
    await waitStatus(ctx, 'backups', backup.id, ['available']);
    steps.push(`restored to volume ${restore.volume_id}`);
  } catch (e) {
    failure = (e as Error).message;
  }
  const left = await cleanupVolumes(ctx);
  if (failure) return fail(`volume backup failed: ${failure}`, [...steps, ...left.map((l) => `not cleaned up: ${l}`)]);
  if (left.length) return fail('backup and restore worked, but cleanup failed', left);
  return pass(undefined, steps);
};
