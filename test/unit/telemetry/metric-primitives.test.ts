import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterFamily, HistogramFamily } from '../../../src/telemetry/metric-primitives.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

/** Render our family and prom-client's own metric in the same registry type, for comparison. */
async function renderBoth(observe: (ours: HistogramFamily, theirs: Histogram) => void) {
  const ours = new HistogramFamily('ours', 'h', ['model_name'], BUCKETS);
  const oursRegistry = new Registry();
  oursRegistry.registerMetric(ours.view('text') as never);
  const theirsRegistry = new Registry();
  const theirs = new Histogram({ name: 'ours', help: 'h', labelNames: ['model_name'], buckets: BUCKETS, registers: [theirsRegistry] });
  observe(ours, theirs);
  return { ours: await oursRegistry.metrics(), theirs: await theirsRegistry.metrics() };
}

describe('HistogramFamily', () => {
  it('renders exactly what prom-client renders for the same observations (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(...BUCKETS))), {
          maxLength: 200,
        }),
        async (observations) => {
          const { ours, theirs } = await renderBoth((o, t) => {
            o.labels('a');
            o.labels('b');
            t.zero({ model_name: 'a' });
            t.zero({ model_name: 'b' });
            for (const [label, value] of observations) {
              o.labels(label).observe(value);
              t.observe({ model_name: label }, value);
            }
          });
          expect(ours).toBe(theirs);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('renders exemplars in OpenMetrics only, one per bucket, the latest winning', async () => {
    const family = new HistogramFamily('latency_seconds', 'h', [], BUCKETS);
    const series = family.labels();
    series.observeWithExemplar(0.003, 'aaaa');
    series.observeWithExemplar(0.004, 'bbbb');
    series.observe(0.2);
    const om = new Registry();
    om.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    om.registerMetric(family.view('openmetrics') as never);
    const text = await om.metrics();
    expect(text).toMatch(/latency_seconds_bucket\{le="0.005"\} 2 # \{trace_id="bbbb"\} 0.004 \d+(\.\d+)?\n/);
    expect(text).not.toContain('aaaa');
    expect(text).toMatch(/latency_seconds_bucket\{le="0.5"\} 3\n/);
    const plain = new Registry();
    plain.registerMetric(family.view('text') as never);
    expect(await plain.metrics()).not.toContain('trace_id');
  });
});

describe('CounterFamily', () => {
  it('is named x_total in the text format and x in OpenMetrics, as prom-client names its own counters', async () => {
    const family = new CounterFamily('requests_total', 'c', ['reason']);
    family.labels('bad').inc(3);
    const text = new Registry();
    text.registerMetric(family.view('text') as never);
    const om = new Registry();
    om.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    om.registerMetric(family.view('openmetrics') as never);

    const reference = new Registry();
    new Counter({ name: 'requests_total', help: 'c', labelNames: ['reason'], registers: [reference] }).inc({ reason: 'bad' }, 3);
    expect(await text.metrics()).toBe(await reference.metrics());
    expect(await om.metrics()).toBe('# HELP requests c\n# TYPE requests counter\nrequests_total{reason="bad"} 3\n# EOF\n');
    // Rendering OpenMetrics first must not change the text rendering.
    expect(await text.metrics()).toBe(await reference.metrics());
  });

  it('refuses a wrong number of label values instead of inventing a series', () => {
    const family = new CounterFamily('x_total', 'c', ['a', 'b']);
    expect(() => family.labels('only-one')).toThrow(/expected 2 label values/);
    expect(family.size).toBe(0);
  });
});
