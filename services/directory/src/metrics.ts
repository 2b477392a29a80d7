import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The directory's Prometheus metrics, served by main.ts on METRICS_ADDRESS. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'wizer_directory_' });

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export const grpcRequests = new Counter({
  name: 'wizer_directory_grpc_requests_total',
  help: 'gRPC calls handled, by method and status code.',
  labelNames: ['method', 'code'],
  registers: [registry],
});

export const grpcDuration = new Histogram({
  name: 'wizer_directory_grpc_request_duration_seconds',
  help: 'gRPC call latency, by method and status code.',
  labelNames: ['method', 'code'],
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const storeTransactions = new Histogram({
  name: 'wizer_directory_store_transaction_duration_seconds',
  help: 'Write transaction time, including waiting for the write lock, by outcome.',
  labelNames: ['outcome'],
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const problemEvents = new Counter({
  name: 'wizer_directory_provisioning_problems_total',
  help: 'Provisioning log entries that are warnings (skipped members) or errors (rejected requests), per tenant.',
  labelNames: ['tenant', 'outcome'],
  registers: [registry],
});
