import type { MemberSpec, PoolSpec } from './driver.js';

/** FNV-1a: a stable, cheap hash of the client address (SOURCE_IP) or address and port (SOURCE_IP_PORT). */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Chooses a member per connection (TCP) or request (HTTP) by the pool's algorithm, skipping
 * members that are down, disabled or weight 0; backup members serve only when no primary can.
 */
export class Balancer {
  /** Smooth weighted round robin state (nginx's): current weight per member. */
  private readonly current = new Map<string, number>();
  /** Open connections per member, for LEAST_CONNECTIONS. */
  readonly active = new Map<string, number>();

  constructor(private readonly isUp: (memberId: string) => boolean) {}

  candidates(pool: PoolSpec): MemberSpec[] {
    const usable = pool.members.filter((m) => m.adminUp && m.weight > 0 && this.isUp(m.id));
    const primaries = usable.filter((m) => !m.backup);
    return primaries.length ? primaries : usable.filter((m) => m.backup);
  }

  pick(pool: PoolSpec, client: { ip: string; port: number }): MemberSpec | undefined {
    const set = this.candidates(pool);
    if (set.length <= 1) return set[0];
    if (pool.algorithm === 'SOURCE_IP' || pool.algorithm === 'SOURCE_IP_PORT' || pool.persistence === 'SOURCE_IP') {
      const sorted = [...set].sort((a, b) => a.id.localeCompare(b.id));
      const key = pool.algorithm === 'SOURCE_IP_PORT' ? `${client.ip}:${client.port}` : client.ip;
      return sorted[hash(key) % sorted.length];
    }
    if (pool.algorithm === 'LEAST_CONNECTIONS') {
      let best = set[0];
      for (const m of set) if ((this.active.get(m.id) ?? 0) / m.weight < (this.active.get(best.id) ?? 0) / best.weight) best = m;
      return best;
    }
    let total = 0;
    let best = set[0];
    let bestCurrent = -Infinity;
    for (const m of set) {
      const cur = (this.current.get(m.id) ?? 0) + m.weight;
      this.current.set(m.id, cur);
      total += m.weight;
      if (cur > bestCurrent) [best, bestCurrent] = [m, cur];
    }
    this.current.set(best.id, bestCurrent - total);
    return best;
  }

  opened(memberId: string): void {
    this.active.set(memberId, (this.active.get(memberId) ?? 0) + 1);
  }

  closed(memberId: string): void {
    this.active.set(memberId, Math.max(0, (this.active.get(memberId) ?? 0) - 1));
  }
}
