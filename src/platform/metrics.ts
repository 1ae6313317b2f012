import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process; services add their own metrics to it. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'service' | 'method' | 'route' | 'status'>;
  readonly auditEvents: Counter<'service' | 'action' | 'outcome'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'scs_http_request_duration_seconds',
      help: 'HTTP request duration by service, method, route and status',
      labelNames: ['service', 'method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.auditEvents = new Counter({
      name: 'scs_audit_events_total',
      help: 'State-changing operations by service, action and outcome',
      labelNames: ['service', 'action', 'outcome'],
      registers: [this.registry],
    });
  }
}
