import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { callMetrics } from '../../services/shared/call-metrics.js';

/** The gateway's Prometheus metrics, served by main.ts on GATEWAY_METRICS_ADDRESS (not the SCIM port). */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'wizer_gateway_' });

const requests = callMetrics({
  registry,
  count: {
    name: 'wizer_gateway_http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
  },
  duration: {
    name: 'wizer_gateway_http_request_duration_seconds',
    help: 'HTTP request latency, by method, route and status.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  },
  labelNames: ['method', 'route', 'status'],
});

export const rejectedRequests = new Counter({
  name: 'wizer_gateway_provisioning_errors_total',
  help: 'SCIM requests rejected with a 4xx, per tenant and status: a customer’s provisioning trouble.',
  labelNames: ['tenant', 'status'],
  registers: [registry],
});

/** Counts and times one answered request (routes are patterns, so the label values stay few). */
export function observeRequest(method: string, route: string, status: number, seconds: number): void {
  requests(method, route, String(status))(seconds);
}
