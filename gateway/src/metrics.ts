import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, served by main.ts on GATEWAY_METRICS_ADDRESS (not the SCIM port). */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'wizer_gateway_' });

export const httpRequests = new Counter({
  name: 'wizer_gateway_http_requests_total',
  help: 'HTTP requests answered, by method, route and status.',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'wizer_gateway_http_request_duration_seconds',
  help: 'HTTP request latency, by method, route and status.',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const rejectedRequests = new Counter({
  name: 'wizer_gateway_provisioning_errors_total',
  help: 'SCIM requests rejected with a 4xx, per tenant and status: a customer’s provisioning trouble.',
  labelNames: ['tenant', 'status'],
  registers: [registry],
});

type Child = { inc(): void; observe(seconds: number): void };
const children = new Map<string, Child>();

/**
 * Counts and times one answered request. The labelled children are looked up once per
 * (method, route, status) and kept: prom-client would otherwise hash the label object
 * on every request, twice.
 */
export function observeRequest(method: string, route: string, status: number, seconds: number): void {
  const key = `${method} ${status} ${route}`;
  let child = children.get(key);
  if (!child) {
    const labels = [method, route, String(status)];
    const counter = httpRequests.labels(...labels);
    const histogram = httpDuration.labels(...labels);
    child = { inc: () => counter.inc(), observe: (s) => histogram.observe(s) };
    // Routes are patterns, methods and statuses few: the map stays small; the bound is a guard.
    if (children.size < 10_000) children.set(key, child);
  }
  child.inc();
  child.observe(seconds);
}
