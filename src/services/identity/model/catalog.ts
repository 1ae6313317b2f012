import type { EventFeed } from '../../../platform/events.js';
import { hexId } from '../../../platform/ids.js';
import type { RegisteredEndpoint } from '../client.js';
import type { CatalogStore } from '../store/catalog.js';
import { parseJson } from '../store/json.js';
import type { EndpointRow } from '../store/tables.js';

export interface CatalogService {
  id: string;
  type: string;
  name: string;
  endpoints: Array<{ id: string; interface: string; region_id: string | null; region: string | null; url: string }>;
}

/** The attributes an endpoint group may filter on (OS-EP-FILTER). */
export const ENDPOINT_GROUP_FILTERS = ['service_id', 'region_id', 'interface'] as const;
export type EndpointGroupFilters = Partial<Record<(typeof ENDPOINT_GROUP_FILTERS)[number], string>>;

/** Does the endpoint have every attribute value the group's filters name? */
export const inEndpointGroup = (e: EndpointRow, filters: EndpointGroupFilters) =>
  ENDPOINT_GROUP_FILTERS.every((k) => filters[k] === undefined || e[k] === filters[k]);

const TOPIC = 'identity.catalog';
const INTERFACES = ['public', 'internal', 'admin'] as const;

/**
 * The service catalog, built from services and endpoints and cached in memory; any change to
 * them (in this process or another) rebuilds it, so token responses need no database read.
 * Projects with endpoint associations (OS-EP-FILTER, directly or through endpoint groups) see only
 * those endpoints, as in Keystone; the associations are cached with the catalog.
 */
export class Catalog {
  private cached: CatalogService[] = [];
  private byProject = new Map<string, Set<string>>();

  constructor(
    private readonly store: CatalogStore,
    private readonly feed: EventFeed,
    private readonly region: string,
  ) {
    feed.on(TOPIC, () => void this.reload());
  }

  /** The catalog of a token: the full one, or a project's filtered one. */
  get(projectId?: string): CatalogService[] {
    const allowed = projectId === undefined ? undefined : this.byProject.get(projectId);
    if (!allowed) return this.cached;
    return this.cached
      .map((s) => ({ ...s, endpoints: s.endpoints.filter((e) => allowed.has(e.id)) }))
      .filter((s) => s.endpoints.length > 0);
  }

  async reload(): Promise<void> {
    const [services, endpoints, direct, groups, groupLinks] = await Promise.all([
      this.store.listServices(),
      this.store.listEndpoints(),
      this.store.listProjectEndpoints(),
      this.store.listEndpointGroups(),
      this.store.listProjectEndpointGroups(),
    ]);
    const byProject = new Map<string, Set<string>>();
    const allow = (projectId: string, endpointId: string) => {
      if (!byProject.has(projectId)) byProject.set(projectId, new Set());
      byProject.get(projectId)!.add(endpointId);
    };
    for (const a of direct) allow(a.project_id, a.endpoint_id);
    for (const link of groupLinks) {
      const group = groups.find((g) => g.id === link.endpoint_group_id);
      const filters = parseJson<EndpointGroupFilters>(group?.filters ?? '{}', {});
      for (const e of group ? endpoints : []) if (inEndpointGroup(e, filters)) allow(link.project_id, e.id);
    }
    this.byProject = byProject;
    this.cached = services
      .filter((s) => s.enabled)
      .map((s) => ({
        id: s.id,
        type: s.type,
        name: s.name ?? '',
        endpoints: endpoints
          .filter((e) => e.service_id === s.id && e.enabled)
          .map((e) => ({ id: e.id, interface: e.interface, region_id: e.region_id, region: e.region_id, url: e.url })),
      }));
  }

  /** Call after any write to services, endpoints or regions. */
  async changed(): Promise<void> {
    await this.feed.publish(TOPIC, {});
    await this.reload();
  }

  /**
   * Makes the catalog list every listener of this process at its current URL: creates missing
   * services and endpoints (public, internal, admin) and corrects URLs that moved.
   */
  async ensure(entries: RegisteredEndpoint[]): Promise<void> {
    if (!(await this.store.getRegion(this.region))) {
      await this.store.insertRegion({ id: this.region, description: '', parent_region_id: null, extra: '{}' }).catch(() => undefined);
    }
    const services = await this.store.listServices();
    const endpoints = await this.store.listEndpoints();
    for (const entry of entries) {
      let svc = services.find((s) => s.type === entry.type && parseJson<{ managed?: boolean }>(s.extra, {}).managed);
      if (!svc) {
        svc = { id: hexId(), type: entry.type, name: entry.name, description: `${entry.name} (${entry.type})`, enabled: 1, extra: '{"managed":true}' };
        await this.store.insertService(svc);
        services.push(svc);
      }
      for (const iface of INTERFACES) {
        const ep = endpoints.find((e) => e.service_id === svc!.id && e.interface === iface && e.region_id === this.region);
        if (!ep) {
          await this.store.insertEndpoint({
            id: hexId(),
            service_id: svc.id,
            interface: iface,
            url: entry.url,
            region_id: this.region,
            enabled: 1,
            extra: '{}',
          });
        } else if (ep.url !== entry.url) {
          await this.store.updateEndpoint(ep.id, { url: entry.url });
        }
      }
    }
    await this.changed();
  }
}
