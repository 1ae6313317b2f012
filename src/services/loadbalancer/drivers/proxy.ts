import { NO_TRAFFIC, type DriverEvents, type ListenerSpec, type LoadBalancerDriver, type LoadBalancerSpec, type PoolSpec, type TrafficStats } from './driver.js';
import { ListenerRuntime } from './listener.js';
import { HealthChecker } from './monitor.js';
import { sum, WorkerPool } from './workers.js';

export interface ProxySettings {
  /** Address every listener binds to. */
  bindAddress: string;
  /** Added to each listener's protocol_port (e.g. 10000 turns port 80 into 10080, no root needed). */
  portOffset: number;
  /** Bind every listener to a free port instead (tests); the bound address is reported. */
  ephemeralPorts: boolean;
  /**
   * Worker processes that serve every listener's socket besides this process (0: this process
   * alone). Listeners with a connection_limit are served by this process alone.
   */
  workers: number;
}

/**
 * A listener of this process: its data plane, the health checkers of its pools, and the worker
 * processes that share its socket.
 */
class ProxiedListener {
  readonly runtime: ListenerRuntime;
  /** One health checker per monitored pool (default and L7 redirect pools), by pool id. */
  private readonly checkers = new Map<string, { key: string; checker: HealthChecker }>();
  private shared = false;

  constructor(
    spec: ListenerSpec,
    private readonly onHealth: (memberId: string, up: boolean) => void,
    private readonly workers: WorkerPool | undefined,
  ) {
    this.runtime = new ListenerRuntime(spec, (id) => this.isUp(id));
    this.update(spec);
  }

  /** Socket-level shape: a change here needs a new socket. */
  static bindKey(s: ListenerSpec): string {
    return JSON.stringify([s.protocol, s.port, s.tls]);
  }

  get spec(): ListenerSpec {
    return this.runtime.spec;
  }

  private isUp(memberId: string): boolean {
    for (const c of this.checkers.values()) if (!c.checker.isUp(memberId)) return false;
    return true;
  }

  /** Members some health checker holds down (what worker processes need to know). */
  private down(): string[] {
    const out = new Set<string>();
    for (const { checker } of this.checkers.values()) for (const id of checker.memberIds()) if (!checker.isUp(id)) out.add(id);
    return [...out];
  }

  update(spec: ListenerSpec): void {
    this.runtime.update(spec);
    const pools = new Map<string, PoolSpec>();
    for (const p of [spec.pool, ...spec.l7policies.map((l) => l.pool)]) if (p?.monitor?.adminUp) pools.set(p.id, p);
    for (const [id, c] of this.checkers) {
      const p = pools.get(id);
      if (!p || JSON.stringify([p.monitor, p.members]) !== c.key) {
        c.checker.stop();
        this.checkers.delete(id);
      }
    }
    for (const [id, p] of pools) {
      if (this.checkers.has(id)) continue;
      const checker = new HealthChecker(p.monitor!, p.members, (memberId, up) => {
        this.onHealth(memberId, up);
        if (this.shared) this.workers!.update(spec.id, this.spec, this.down());
      });
      this.checkers.set(id, { key: JSON.stringify([p.monitor, p.members]), checker });
      checker.start();
    }
    this.share();
  }

  async listen(host: string, port: number): Promise<string> {
    const address = await this.runtime.listen({ host, port });
    this.share();
    return address;
  }

  /**
   * Hands the socket to the worker processes too, or tells them the new spec; a connection limit
   * counts the connections of one process, so a listener with one is served by this one alone.
   */
  private share(): void {
    const server = this.runtime.server;
    const wanted = this.workers !== undefined && server !== undefined && this.spec.connectionLimit < 0;
    if (wanted && this.shared) this.workers!.update(this.spec.id, this.spec, this.down());
    else if (wanted) this.workers!.share(this.spec.id, this.spec, this.down(), server);
    else if (this.shared) void this.unshare();
    this.shared = wanted;
  }

  /** The workers stop serving the listener; their counters become this process's. */
  private async unshare(): Promise<void> {
    const theirs = await this.workers!.unshare(this.spec.id);
    const own = this.runtime.stats;
    for (const k of ['bytes_in', 'bytes_out', 'total_connections', 'request_errors'] as const) own[k] += theirs[k];
  }

  snapshot(): TrafficStats {
    const own = this.runtime.snapshot();
    if (!this.shared) return own;
    return sum([own, this.workers!.stats(this.spec.id)]);
  }

  async close(): Promise<void> {
    for (const c of this.checkers.values()) c.checker.stop();
    this.checkers.clear();
    if (this.shared) await this.workers!.unshare(this.spec.id);
    this.shared = false;
    await this.runtime.close();
  }
}

/**
 * A real data plane run by this process (and its worker processes, if configured): every enabled
 * listener is a listening socket that balances TCP connections (TCP, HTTPS passthrough) or HTTP
 * requests over its pools.
 */
export function proxyDriver(settings: ProxySettings, events: DriverEvents): LoadBalancerDriver {
  const lbs = new Map<string, Map<string, ProxiedListener>>();
  let workers: WorkerPool | undefined;
  const workerPool = () => (settings.workers > 0 ? (workers ??= new WorkerPool(settings.workers)) : undefined);

  async function closeAll(lbId: string): Promise<void> {
    for (const l of lbs.get(lbId)?.values() ?? []) await l.close();
    lbs.delete(lbId);
  }

  return {
    name: 'proxy',
    description: 'TCP and HTTP proxy with health monitors in the service process',
    runsMonitors: true,
    // One data plane in the server process: there is no standby to fail over to.
    topologies: ['SINGLE'],

    async apply(lb: LoadBalancerSpec) {
      const pool = workerPool();
      const running = lbs.get(lb.id) ?? new Map<string, ProxiedListener>();
      lbs.set(lb.id, running);
      const wanted = new Map(lb.adminUp ? lb.listeners.filter((l) => l.adminUp).map((l) => [l.id, l]) : []);
      for (const [id, l] of running) {
        const spec = wanted.get(id);
        if (!spec || ProxiedListener.bindKey(spec) !== ProxiedListener.bindKey(l.spec)) {
          await l.close();
          running.delete(id);
        }
      }
      const bound: Record<string, string> = {};
      for (const [id, spec] of wanted) {
        let l = running.get(id);
        if (!l) {
          l = new ProxiedListener(spec, (memberId, up) => events.memberHealth(lb.id, memberId, up), pool);
          try {
            await l.listen(settings.bindAddress, settings.ephemeralPorts ? 0 : spec.port + settings.portOffset);
          } catch (e) {
            await l.close();
            throw e;
          }
          running.set(id, l);
        } else l.update(spec);
        bound[id] = l.runtime.address;
      }
      return bound;
    },

    remove: closeAll,

    stats(lbId, listenerId) {
      return lbs.get(lbId)?.get(listenerId)?.snapshot() ?? { ...NO_TRAFFIC };
    },

    async stop() {
      for (const id of [...lbs.keys()]) await closeAll(id);
      await workers?.stop();
      workers = undefined;
    },
  };
}
