import { OpenStackHttpError, type OpenStackSession } from '../http/session.js';

/** A Nova flavor with its extra specs. */
export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  /** MiB */
  ram: number;
  /** GB */
  disk: number;
  extra_specs: Record<string, string>;
}

/** A Glance v2 image: fixed fields plus the free-form properties at the top level. */
export type Image = Record<string, any> & { id: string; name: string | null; visibility: string; created_at: string };

export const VOLUME_TYPES = ['block-storage', 'volumev3', 'volume'];

/**
 * What several testcases read, fetched once per run on first use (like the harness's lazy
 * container): flavors with extra specs, the public and community images, volume types.
 */
export class CloudData {
  private memo = new Map<string, Promise<unknown>>();

  constructor(readonly session: OpenStackSession) {}

  /** The value of `load`, computed on first use and shared by every testcase of the run. */
  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.memo.has(key)) this.memo.set(key, load());
    return this.memo.get(key) as Promise<T>;
  }

  /** Every flavor the member sees; extra specs inline (microversion 2.61) or fetched one by one. */
  flavors(): Promise<Flavor[]> {
    return this.once('flavors', async () => {
      // 2.61 inlines extra specs; an older Nova refuses the version (406) and gets asked without it
      const list = await this.session
        .listAll<Flavor>('compute', '/flavors/detail', 'flavors', { microversion: '2.61' })
        .catch((e) => (e instanceof OpenStackHttpError && e.status === 406 ? this.session.listAll<Flavor>('compute', '/flavors/detail', 'flavors') : Promise.reject(e)));
      for (const f of list) {
        if (f.extra_specs) continue;
        const r = await this.session.request('compute', 'GET', `/flavors/${encodeURIComponent(f.id)}/os-extra_specs`);
        f.extra_specs = r.body?.extra_specs ?? {};
      }
      return list;
    });
  }

  /** Public and community images, hidden ones included (Glance lists those only on request). */
  images(): Promise<Image[]> {
    return this.once('images', async () => {
      const byId = new Map<string, Image>();
      for (const query of [{}, { os_hidden: 'true' }]) {
        for (const img of await this.session.listAll<Image>('image', '/v2/images', 'images', { query: { ...query, limit: 200 } })) byId.set(img.id, img);
      }
      return [...byId.values()].filter((i) => i.visibility === 'public' || i.visibility === 'community');
    });
  }

  /** Volume types with their descriptions. */
  volumeTypes(): Promise<Array<{ id: string; name: string; description?: string | null }>> {
    return this.once('volumeTypes', async () => (await this.session.request(VOLUME_TYPES, 'GET', this.volumePath('/types'))).body?.volume_types ?? []);
  }

  /**
   * A Cinder path below the catalog endpoint, which may end in `/v3/<project>`, in `/v3` or
   * have no version: the project-scoped form `/v3/<project>/...` works on every Cinder.
   */
  volumePath(path: string): string {
    const base = new URL(this.session.requireEndpoint(...VOLUME_TYPES)).pathname.replace(/\/+$/, '');
    const project = this.session.tokenInfo.projectId;
    if (/\/v3\/[^/]+$/.test(base)) return path;
    return /\/v3$/.test(base) ? `/${project}${path}` : `/v3/${project}${path}`;
  }
}

/** True for a 404 (a missing API or resource). */
export const isNotFound = (e: unknown) => e instanceof OpenStackHttpError && e.status === 404;
