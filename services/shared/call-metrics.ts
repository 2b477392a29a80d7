import { Counter, Histogram, type Registry } from 'prom-client';
import { labelledChildren } from './labelled-children.js';

export interface CallMetricsOptions {
  registry: Registry;
  /** The counter of calls (a name ending in `_total`). */
  count: { name: string; help: string };
  /** The histogram of their durations, in seconds. */
  duration: { name: string; help: string; buckets: number[] };
  labelNames: string[];
}

/** Records one call's duration, in seconds, under the label values it was made for. */
export type RecordCall = (seconds: number) => void;

/** Durations a combination of labels holds before handing them to prom-client. */
const BATCH = 256;
/** Combinations kept, each with a buffer; label values here are few, the bound is a guard. */
const KEPT_LIMIT = 10_000;

/**
 * A counter of calls and a histogram of their durations, by the same labels, kept and served
 * by prom-client (its names, buckets, sums and exposition) but recorded off the call's path.
 *
 * prom-client 15 builds a label object, validates it and hashes it into a string on every
 * `inc` and `observe`, a labelled child's too: on the path of every request, a few µs of the
 * gateway's and the directory's CPU (bench/analysis.md, 2026-12-01 14:26). Here a call writes
 * its duration into a buffer kept per combination of label values; the buffer goes to
 * prom-client in one pass when it is full and before every scrape (the metrics' `collect`),
 * so a scrape sees every call recorded before it and the figures are prom-client's own.
 *
 * Returns the recorder for a combination of label values.
 */
export function callMetrics(options: CallMetricsOptions): (...labelValues: string[]) => RecordCall {
  const flushes: Array<() => void> = [];
  const collect = () => {
    for (const flush of flushes) flush();
  };
  const { registry, labelNames } = options;
  const counter = new Counter({ ...options.count, labelNames, registers: [registry], collect });
  const histogram = new Histogram({ ...options.duration, labelNames, registers: [registry], collect });

  // labelledChildren keeps the first KEPT_LIMIT combinations made and makes any later one
  // afresh on each call: those record straight into prom-client, so no buffer goes unflushed.
  return labelledChildren((...values): RecordCall => {
    const count = counter.labels(...values);
    const time = histogram.labels(...values);
    if (flushes.length >= KEPT_LIMIT)
      return (seconds) => {
        count.inc();
        time.observe(seconds);
      };
    const pending = new Float64Array(BATCH);
    let size = 0;
    const flush = () => {
      if (size === 0) return;
      for (let i = 0; i < size; i++) time.observe(pending[i]!);
      count.inc(size);
      size = 0;
    };
    flushes.push(flush);
    return (seconds) => {
      // prom-client refuses these at observe: refused here, they cannot fail a scrape later.
      if (!Number.isFinite(seconds)) throw new TypeError(`not a duration: ${seconds}`);
      pending[size++] = seconds;
      if (size === BATCH) flush();
    };
  }, KEPT_LIMIT);
}
