import type { PlacementClient, Resources } from '../../placement/client.js';
import type { ComputeDriver, HostReport } from '../drivers/driver.js';
import type { HostStateStore } from '../store/hosts.js';
import type { SequenceStore } from '../store/sequences.js';
import type { ServerStore } from '../store/servers.js';
import type { ServerGroupRow } from '../store/tables.js';

export class NoValidHost extends Error {
  constructor(readonly details: string) {
    super('No valid host was found. There are not enough hosts available.');
  }
}

export interface ScheduleRequest {
  serverId: string;
  projectId: string;
  userId: string;
  resources: Resources;
  zone: string | null;
  /** Admin's `zone:host` or `host` to force. */
  forcedHost?: string;
  group?: ServerGroupRow;
  /** Hosts not to use (migrate away from the current one). */
  exclude?: string[];
  /** Scheduler hints `same_host` / `different_host`: servers whose hosts must (not) be chosen. */
  sameHostAs?: string[];
  differentHostFrom?: string[];
}

/** Claimed resources of a server as placement resource classes. */
export function flavorResources(f: { vcpus: number; ram: number; disk: number; ephemeral: number; swap: number }): Resources {
  return { VCPU: f.vcpus, MEMORY_MB: f.ram, DISK_GB: f.disk + f.ephemeral + Math.ceil(f.swap / 1024) };
}

/**
 * Nova's filter scheduler in small: enabled, up hosts of the zone, the server group's policy, then
 * placement's candidates weighed by free RAM (spreading); the first successful claim wins.
 */
export class Scheduler {
  constructor(
    private readonly driver: ComputeDriver,
    private readonly hostState: HostStateStore,
    /** Read at call time: clients register after every service is created. */
    private readonly placement: () => PlacementClient,
    private readonly servers: ServerStore,
    private readonly sequences: SequenceStore,
  ) {}

  /** Registers every host as a resource provider with its inventory. */
  async reportHosts(): Promise<HostReport[]> {
    const hosts = await this.driver.hosts();
    await this.hostState.ensure(hosts.map((h) => h.host));
    for (const h of hosts) {
      await this.placement().ensureProvider(h.uuid, h.host, {
        VCPU: { total: h.vcpus, allocation_ratio: h.allocationRatios.VCPU, max_unit: h.vcpus },
        MEMORY_MB: { total: h.memoryMb, allocation_ratio: h.allocationRatios.MEMORY_MB, max_unit: h.memoryMb },
        DISK_GB: { total: h.diskGb, allocation_ratio: h.allocationRatios.DISK_GB, max_unit: h.diskGb },
      });
    }
    return hosts;
  }

  /**
   * Places a server. Members of one server group are placed one at a time (a compare-and-set on
   * the group's version): two servers of a multi-create that raced would otherwise both see an
   * empty anti-affinity group and land on the same host. The loser places again, seeing the
   * winner's claim.
   */
  async select(req: ScheduleRequest): Promise<HostReport> {
    if (!req.group) return this.place(req);
    const key = groupSequence(req.group.id);
    for (;;) {
      const version = await this.sequences.current(key);
      const host = await this.place(req);
      if (await this.sequences.advance(key, version)) return host;
    }
  }

  private async hostsOf(serverIds: string[]): Promise<Set<string>> {
    return new Set((await this.servers.getMany(serverIds)).flatMap((s) => (s.host ? [s.host] : [])));
  }

  private async place(req: ScheduleRequest): Promise<HostReport> {
    const all = await this.driver.hosts();
    const states = new Map((await this.hostState.all()).map((s) => [s.host, s]));
    const reasons: string[] = [];
    let hosts = all.filter((h) => {
      const s = states.get(h.host);
      return h.up && !s?.disabled && !s?.forced_down;
    });
    reasons.push(`ComputeFilter: ${hosts.length} enabled and up`);
    if (req.zone) hosts = hosts.filter((h) => h.zone === req.zone);
    reasons.push(`AvailabilityZoneFilter: ${hosts.length}`);
    if (req.forcedHost) hosts = hosts.filter((h) => h.host === req.forcedHost);
    if (req.exclude) hosts = hosts.filter((h) => !req.exclude!.includes(h.host));
    // Nova's SameHostFilter (a host running any of the servers) and DifferentHostFilter (none of them).
    if (req.sameHostAs?.length) {
      const near = await this.hostsOf(req.sameHostAs);
      hosts = hosts.filter((h) => near.has(h.host));
      reasons.push(`SameHostFilter: ${hosts.length}`);
    }
    if (req.differentHostFrom?.length) {
      const far = await this.hostsOf(req.differentHostFrom);
      hosts = hosts.filter((h) => !far.has(h.host));
      reasons.push(`DifferentHostFilter: ${hosts.length}`);
    }

    const memberHosts = new Map<string, number>();
    if (req.group) {
      // Where members hold resources: a claim is visible before the member's build records its host.
      const others = (await this.servers.groupMembers(req.group.id)).map((m) => m.id).filter((id) => id !== req.serverId);
      const hostOf = new Map(all.map((h) => [h.uuid, h.host]));
      for (const provider of (await this.placement().providersOf(others)).values()) {
        const host = hostOf.get(provider);
        if (host) memberHosts.set(host, (memberHosts.get(host) ?? 0) + 1);
      }
      const policy = req.group.policy;
      if (policy === 'affinity' && memberHosts.size) hosts = hosts.filter((h) => memberHosts.has(h.host));
      if (policy === 'anti-affinity') {
        const max = (JSON.parse(req.group.rules) as { max_server_per_host?: number }).max_server_per_host ?? 1;
        hosts = hosts.filter((h) => (memberHosts.get(h.host) ?? 0) < max);
      }
      reasons.push(`ServerGroup${policy.startsWith('anti') ? 'Anti' : ''}AffinityFilter: ${hosts.length}`);
    }

    const byUuid = new Map(hosts.map((h) => [h.uuid, h]));
    const candidates = await this.placement().candidates(req.resources, [...byUuid.keys()]);
    reasons.push(`placement: ${candidates.length} with room`);
    const weight = (c: (typeof candidates)[number]) => {
      const h = byUuid.get(c.providerId)!;
      const members = memberHosts.get(h.host) ?? 0;
      const groupWeight = req.group?.policy === 'soft-affinity' ? members : req.group?.policy === 'soft-anti-affinity' ? -members : 0;
      return groupWeight * 1e9 + (c.free.MEMORY_MB ?? 0);
    };
    candidates.sort((a, b) => weight(b) - weight(a));
    for (const c of candidates) {
      if (await this.placement().claim(req.serverId, c.providerId, req.resources, { projectId: req.projectId, userId: req.userId })) return byUuid.get(c.providerId)!;
    }
    throw new NoValidHost(reasons.join('; '));
  }
}

/** The compute sequence that versions a server group's placements. */
export const groupSequence = (groupId: string) => `group:${groupId}`;
