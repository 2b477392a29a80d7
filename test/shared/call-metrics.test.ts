import test from 'ava';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { callMetrics } from '../../services/shared/call-metrics.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.1, 1];
const names = {
  count: { name: 'calls_total', help: 'Calls.' },
  duration: { name: 'call_duration_seconds', help: 'Call latency.', buckets: BUCKETS },
};
const labelNames = ['method', 'code'];

/** The same two metrics made the plain prom-client way: the oracle. */
function plainPromClient() {
  const registry = new Registry();
  const count = new Counter({ ...names.count, labelNames, registers: [registry] });
  const time = new Histogram({ ...names.duration, labelNames, registers: [registry] });
  return {
    registry,
    record: (labels: string[], seconds: number) => {
      count.labels(...labels).inc();
      time.labels(...labels).observe(seconds);
    },
  };
}

function buffered() {
  const registry = new Registry();
  const calls = callMetrics({ registry, ...names, labelNames });
  return { registry, record: (labels: string[], seconds: number) => calls(...labels)(seconds) };
}

const call = fc.record({
  labels: fc.tuple(fc.constantFrom('Get', 'List', 'Create'), fc.constantFrom('OK', 'NOT_FOUND')),
  // Bucket bounds themselves included: an observation equal to a bound falls in that bucket.
  seconds: fc.oneof(fc.constantFrom(0, ...BUCKETS), fc.double({ min: 0, max: 3, noNaN: true })),
});

test('every scrape shows what plain prom-client shows for the same calls, buffers full or not', async (t) => {
  // One combination through two and a half buffers (256 each), then a scrape.
  const ours = buffered();
  const oracle = plainPromClient();
  for (let i = 0; i < 640; i++) {
    for (const side of [ours, oracle]) side.record(['List', 'OK'], (i % 37) / 100);
  }
  t.regex(await oracle.registry.metrics(), /^calls_total\{method="List",code="OK"\} 640$/m);
  t.is(await ours.registry.metrics(), await oracle.registry.metrics());

  await fc.assert(
    fc.asyncProperty(
      // Past one buffer (256) for a combination, with scrapes in between.
      fc.array(fc.tuple(fc.array(call, { maxLength: 700 }), fc.boolean()), { minLength: 1, maxLength: 4 }),
      async (rounds) => {
        const ours = buffered();
        const oracle = plainPromClient();
        for (const [calls] of rounds) {
          for (const { labels, seconds } of calls) {
            ours.record(labels, seconds);
            oracle.record(labels, seconds);
          }
          t.is(await ours.registry.metrics(), await oracle.registry.metrics());
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('a scrape right after one call counts it', async (t) => {
  const { registry, record } = buffered();
  record(['Get', 'OK'], 0.004);
  const text = await registry.metrics();
  t.regex(text, /^calls_total\{method="Get",code="OK"\} 1$/m);
  t.regex(text, /^call_duration_seconds_bucket\{le="0.005",method="Get",code="OK"\} 1$/m);
  t.regex(text, /^call_duration_seconds_sum\{method="Get",code="OK"\} 0.004$/m);
  // And reading one metric alone (as a test or a collector may) flushes too.
  record(['Get', 'OK'], 0.5);
  t.regex(await registry.getSingleMetricAsString('calls_total'), /code="OK"\} 2$/m);
});

test('a duration prom-client would refuse is refused when recorded, so no scrape fails later', async (t) => {
  const { registry, record } = buffered();
  for (const bad of [NaN, Infinity, -Infinity]) {
    t.throws(() => record(['Get', 'OK'], bad), { instanceOf: TypeError });
  }
  record(['Get', 'OK'], 0.002);
  t.regex(await registry.metrics(), /^calls_total\{method="Get",code="OK"\} 1$/m);
});

test('past the kept combinations, calls are still counted (recorded straight into prom-client)', async (t) => {
  const { registry, record } = buffered();
  // 10,000 combinations are kept, each with its buffer; the ones after are made on each call.
  for (let i = 0; i < 10_000; i++) record([`m${i}`, 'OK'], 0.001);
  record(['late', 'OK'], 0.001);
  record(['late', 'OK'], 0.002);
  const text = await registry.getSingleMetricAsString('calls_total');
  t.regex(text, /^calls_total\{method="m9999",code="OK"\} 1$/m);
  t.regex(text, /^calls_total\{method="late",code="OK"\} 2$/m);
});
