import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

export interface LoadSpec {
  url: string;
  connections: number;
  /** seconds */
  duration?: number;
  /** total requests instead of a duration */
  amount?: number;
  headers?: Record<string, string>;
  /** Builds each request (method, path, body); called once per request. */
  next: () => { method: string; path: string; body?: string };
}

/** Drives one HTTP request shape with autocannon and reports throughput, latency and errors (non-2xx count). */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.amount ? undefined : (spec.duration ?? 5),
    amount: spec.amount,
    headers: { 'content-type': 'application/scim+json', ...spec.headers },
    requests: [
      {
        setupRequest: (request: autocannon.Request) => {
          const next = spec.next();
          return {
            ...request,
            method: next.method as autocannon.Request['method'],
            path: next.path,
            body: next.body,
          };
        },
      },
    ],
  });
  if (result.non2xx) console.error(`    non-2xx answers: ${JSON.stringify(result.statusCodeStats)}`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  };
}

/** Sequential timing of an async operation: ops/s and latency percentiles in ms. */
export async function timeSequential(
  operation: (i: number) => Promise<unknown>,
  count: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    try {
      await operation(i);
    } catch {
      errors++;
    }
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  return { rps: count / seconds, p50: pct(50), p99: pct(99), errors, requests: count };
}
