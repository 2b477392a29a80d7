import { status } from '@grpc/grpc-js';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { callMetrics } from '../../shared/call-metrics.js';
import { labelledChildren } from '../../shared/labelled-children.js';

/** The directory's Prometheus metrics, served by main.ts on METRICS_ADDRESS. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'wizer_directory_' });

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const calls = callMetrics({
  registry,
  count: {
    name: 'wizer_directory_grpc_requests_total',
    help: 'gRPC calls handled, by method and status code.',
  },
  duration: {
    name: 'wizer_directory_grpc_request_duration_seconds',
    help: 'gRPC call latency, by method and status code.',
    buckets: LATENCY_BUCKETS,
  },
  labelNames: ['method', 'code'],
});

/**
 * Starts timing one call of `method` (as the wire names it: `DirectoryService/CreateUser`);
 * the function returned counts and times it under the status code it ended with.
 */
export function callTimer(method: string): (code: number) => void {
  const started = performance.now();
  return (code) => calls(method, status[code] ?? String(code))((performance.now() - started) / 1000);
}

const storeTransactions = new Histogram({
  name: 'wizer_directory_store_transaction_duration_seconds',
  help: 'Write transaction time, including waiting for the write lock, by outcome.',
  labelNames: ['outcome'],
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

const transactionChildren = labelledChildren((outcome) => storeTransactions.labels(outcome));

/** Starts timing one write transaction; the function returned records how it ended. */
export function transactionTimer(): (outcome: 'commit' | 'rollback') => void {
  const started = performance.now();
  return (outcome) => transactionChildren(outcome).observe((performance.now() - started) / 1000);
}

export const problemEvents = new Counter({
  name: 'wizer_directory_provisioning_problems_total',
  help: 'Provisioning log entries that are warnings (skipped members) or errors (rejected requests), per tenant.',
  labelNames: ['tenant', 'outcome'],
  registers: [registry],
});
