import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  /** Non-2xx answers alone. */
  non2xx: number;
  /** The non-2xx answers by status, e.g. "409×3, 500×1"; empty when there were none. */
  statuses: string;
  requests: number;
}

/** One request: method, path, body. */
export interface RequestShape {
  method: string;
  path: string;
  body?: string;
}

/**
 * Builds a request. `context` belongs to one connection and lasts one pass through a
 * `cycle` (see LoadSpec): a cycle's steps share it, e.g. an add and the remove that undoes it.
 */
export type RequestBuilder = (context: Record<string, unknown>) => RequestShape;

export interface LoadSpec {
  url: string;
  connections: number;
  /** seconds */
  duration?: number;
  /**
   * Total requests instead of a duration, shared evenly among the connections (the first
   * `amount % connections` connections send one more).
   */
  amount?: number;
  headers?: Record<string, string>;
  /** Requests a second over all connections (autocannon's overallRate); default: as fast as answered. */
  rate?: number;
  /** Builds each request; called once per request. */
  next?: RequestBuilder;
  /**
   * Instead of `next`: requests each connection sends in this order, one after the other's
   * answer, again and again (autocannon's request sequence).
   */
  cycle?: RequestBuilder[];
  /**
   * Called with every answer, its body and the connection's context (autocannon then reads
   * each body, which it otherwise skips).
   */
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

/** Drives one HTTP request shape with autocannon and reports throughput, latency and errors (non-2xx count). */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const builders = spec.cycle ?? (spec.next ? [spec.next] : []);
  if (builders.length === 0) throw new Error('load: give `next` or `cycle`');
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    // autocannon refuses a `duration` key that is present but undefined.
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.duration ?? 5 }),
    ...(spec.rate && { overallRate: spec.rate }),
    headers: { 'content-type': 'application/scim+json', ...spec.headers },
    requests: builders.map((build) => ({
      setupRequest: (request: autocannon.Request, context: object) => {
        const next = build(context as Record<string, unknown>);
        return {
          ...request,
          method: next.method as autocannon.Request['method'],
          path: next.path,
          body: next.body,
        };
      },
      ...(spec.onResponse && {
        onResponse: (status: number, body: string, context: object) =>
          spec.onResponse!(status, body, context as Record<string, unknown>),
      }),
    })),
  });
  const statuses = Object.entries(result.statusCodeStats as Record<string, { count: number }>)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, { count }]) => `${code}×${count}`)
    .join(', ');
  if (result.non2xx) console.error(`    non-2xx answers: ${statuses}`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    non2xx: result.non2xx,
    statuses,
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
  return {
    ...percentiles(latencies),
    rps: count / seconds,
    errors,
    non2xx: 0,
    statuses: '',
    requests: count,
  };
}

/** p50 and p99 of a list of latencies (ms). */
export function percentiles(latencies: number[]): { p50: number; p99: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  return { p50: pct(50), p99: pct(99) };
}

/** The middle of a few rounds of one row: median throughput and latencies, errors summed. */
export function medianOf(rounds: LoadResult[]): LoadResult {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const statuses = new Map<string, number>();
  for (const round of rounds)
    for (const part of round.statuses ? round.statuses.split(', ') : []) {
      const [code, count] = part.split('×');
      statuses.set(code!, (statuses.get(code!) ?? 0) + Number(count));
    }
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    statuses: [...statuses].map(([code, count]) => `${code}×${count}`).join(', '),
    requests: rounds.reduce((sum, r) => sum + r.requests, 0),
  };
}

/** Two systems' figures for one row, each the median of its rounds, and the rounds themselves. */
export interface Alternated {
  a: LoadResult;
  b: LoadResult;
  aRounds: LoadResult[];
  bRounds: LoadResult[];
}

/**
 * One row on systems that run side by side: `run(side, seconds)` drives one of them. A 1 s
 * warm-up on each, then `rounds` rounds of `seconds` taking the sides in turn (a, b, c, a, b,
 * c, …), so that a shared machine's changing pace falls on all alike; each side's figure is
 * its median round.
 */
export async function alternateAmong<Side extends string>(
  sides: readonly Side[],
  run: (side: Side, seconds: number) => Promise<LoadResult>,
  rounds: number,
  seconds: number,
): Promise<Record<Side, { median: LoadResult; rounds: LoadResult[] }>> {
  for (const side of sides) await run(side, 1);
  const all = new Map<Side, LoadResult[]>(sides.map((side) => [side, []]));
  for (let round = 0; round < rounds; round++) {
    for (const side of sides) all.get(side)!.push(await run(side, seconds));
  }
  return Object.fromEntries(
    sides.map((side) => [side, { median: medianOf(all.get(side)!), rounds: all.get(side)! }]),
  ) as Record<Side, { median: LoadResult; rounds: LoadResult[] }>;
}

/** One row on two systems, alternating a, b, a, b, … (see alternateAmong). */
export async function alternate(
  run: (side: 'a' | 'b', seconds: number) => Promise<LoadResult>,
  rounds: number,
  seconds: number,
): Promise<Alternated> {
  const { a, b } = await alternateAmong(['a', 'b'] as const, run, rounds, seconds);
  return { a: a.median, b: b.median, aRounds: a.rounds, bRounds: b.rounds };
}
