import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { binary, hasBinary, PROMETHEUS_INSTALL } from '../../helpers/binaries.js';
import { openMetricsReferenceParser, parseExposition, type Exposition, type Sample } from '../../helpers/exposition.js';
import {
  CounterFamily,
  GaugeFamily,
  HistogramFamily,
  renderExposition,
  type ExpositionFormat,
} from '../../../src/telemetry/metric-primitives.js';
import { createMetrics, type Metrics } from '../../../src/telemetry/metrics.js';
import { createPredictionTelemetry, type ModelLayout } from '../../../src/telemetry/prediction-telemetry.js';

/**
 * Exposition conformance for the awkward values, in both formats, in the manner of
 * prometheus/client_golang's expfmt tests: NaN, ±Inf, would-be negative sums, and label values
 * and help text holding quotes, backslashes and newlines. Exact lines where the formats' escaping
 * rules are the point; promtool (text) and the OpenMetrics reference parser as the judges.
 */

const FORMATS: readonly ExpositionFormat[] = ['text', 'openmetrics'];
/** ml_feature_value's buckets, verbatim from the seed exercise. */
const FEATURE_BUCKETS = [0, 10, 50, 100, 500, 1000, 5000, 10000];
const AWKWARD_HELP = 'Help with "quotes", a back\\slash and a\nsecond line';
const AWKWARD_VALUE = 'say "hi"\\ then\nbye';

const promtool = hasBinary('promtool', PROMETHEUS_INSTALL);
const referenceParser = openMetricsReferenceParser();

async function render(format: ExpositionFormat, ...families: (CounterFamily | GaugeFamily | HistogramFamily)[]): Promise<string> {
  const registry = new Registry();
  if (format === 'openmetrics') registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
  for (const family of families) registry.registerMetric(family.view(format) as never);
  return renderExposition(registry, format);
}

function promtoolCheck(text: string): string {
  const result = spawnSync(binary('promtool'), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return `${result.stdout}${result.stderr}${result.status === 0 ? '' : `exit ${String(result.status)}`}`;
}

/** The OpenMetrics rules for one histogram series that the helper parser does not check. */
function expectConformantHistogram(exposition: Exposition, name: string, labels: Record<string, string> = {}) {
  const buckets = exposition.find(`${name}_bucket`, labels);
  const sum = exposition.value(`${name}_sum`, labels);
  expect(Number.isNaN(sum), `${name}_sum is NaN`).toBe(false);
  expect(sum, `${name}_sum`).toBeGreaterThanOrEqual(0);
  expect(buckets.at(-1)?.labels['le']).toBe('+Inf');
  expect(buckets.at(-1)?.value).toBe(exposition.value(`${name}_count`, labels));
  for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
}

const byName = (samples: readonly Sample[], name: string) => samples.filter((s) => s.name === name);

describe('HistogramSeries: NaN, negative and infinite observations', () => {
  it('NaN is recorded nowhere: buckets, _count and _sum stay as they were, and observe returns -1', () => {
    const series = new HistogramFamily('v', 'h', [], FEATURE_BUCKETS).labels();
    series.observe(3);
    expect(series.observe(Number.NaN)).toBe(-1);
    expect(series.sum).toBe(3);
    expect(series.count).toBe(1);
    expect([...series.counts]).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('a negative value (or -Inf) counts in the lowest bucket and in _count, and adds 0 to _sum', () => {
    const series = new HistogramFamily('v', 'h', [], FEATURE_BUCKETS).labels();
    series.observe(120.5);
    expect(series.observe(-50)).toBe(0);
    expect(series.observe(-Infinity)).toBe(0);
    expect(series.sum).toBe(120.5);
    expect(series.count).toBe(3);
    expect([...series.counts]).toEqual([2, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('+Inf counts in the +Inf bucket and makes _sum +Inf, the sum of what was measured', () => {
    const series = new HistogramFamily('v', 'h', [], FEATURE_BUCKETS).labels();
    expect(series.observe(Infinity)).toBe(FEATURE_BUCKETS.length);
    series.observe(-Infinity);
    expect(series.sum).toBe(Infinity);
    expect(series.count).toBe(2);
  });

  it('observeWithExemplar: NaN leaves no exemplar; a negative value keeps its own value, in its bucket range', () => {
    const series = new HistogramFamily('v', 'h', [], FEATURE_BUCKETS).labels();
    series.observeWithExemplar(Number.NaN, 'aaaa');
    expect(series.counts.every((c, b) => c === 0 && series.exemplar(b) === null)).toBe(true);
    series.observeWithExemplar(-2, 'bbbb');
    expect(series.exemplar(0)).toMatchObject({ labelSet: { trace_id: 'bbbb' }, value: -2 });
  });
});

describe('HistogramFamily bucket bounds', () => {
  it.each([
    ['a negative bound', [-1, 0, 10]],
    ['NaN', [0, Number.NaN]],
    ['+Inf (always added)', [0, 10, Infinity]],
    ['unsorted bounds', [10, 0]],
    ['a repeated bound', [0, 10, 10]],
  ])('refuses %s at construction', (_, buckets) => {
    expect(() => new HistogramFamily('v', 'h', [], buckets)).toThrow(/bucket bounds must be finite, >= 0 and increasing/);
  });
});

describe('CounterSeries', () => {
  it('ignores NaN and negative increments: a total never goes down and never becomes NaN', () => {
    const series = new CounterFamily('c_total', 'c', []).labels();
    series.inc(2);
    series.inc(Number.NaN);
    series.inc(-1);
    series.inc();
    expect(series.value).toBe(3);
  });
});

/** A histogram fed NaN, negatives and -Inf; gauges at NaN and ±Inf; awkward label values and help. */
function awkwardFamilies() {
  const histogram = new HistogramFamily('ml_feature_value', 'Feature value distribution', ['model_name', 'feature_name'], FEATURE_BUCKETS);
  const series = histogram.labels('fraud-detection', 'amount');
  for (const value of [120.5, -50, Number.NaN, 7000, -Infinity]) series.observe(value);
  const gauge = new GaugeFamily('awkward_value', AWKWARD_HELP, ['case']);
  gauge.labels('nan').set(Number.NaN);
  gauge.labels('plus_inf').set(Infinity);
  gauge.labels('minus_inf').set(-Infinity);
  gauge.labels(AWKWARD_VALUE).set(-0.5);
  const counter = new CounterFamily('awkward_events_total', AWKWARD_HELP, ['reason']);
  counter.labels(AWKWARD_VALUE).inc(2);
  return [histogram, gauge, counter] as const;
}

describe.each(FORMATS)('%s exposition of awkward values', (format) => {
  it('a histogram fed NaN, negatives and -Inf: _sum is neither NaN nor negative, _count equals the +Inf bucket', async () => {
    const exposition = parseExposition(await render(format, ...awkwardFamilies()));
    const labels = { model_name: 'fraud-detection', feature_name: 'amount' };
    expectConformantHistogram(exposition, 'ml_feature_value', labels);
    expect(exposition.value('ml_feature_value_sum', labels)).toBe(7120.5);
    expect(exposition.value('ml_feature_value_count', labels)).toBe(4);
    expect(exposition.value('ml_feature_value_bucket', { ...labels, le: '0' })).toBe(2);
    expect(exposition.value('ml_feature_value_bucket', { ...labels, le: '500' })).toBe(3);
  });

  it('gauges hold NaN, +Inf and -Inf, written as the formats allow and read back as such', async () => {
    const text = await render(format, ...awkwardFamilies());
    expect(text).toMatch(/^awkward_value\{case="nan"\} nan$/im);
    expect(text).toContain('\nawkward_value{case="plus_inf"} +Inf\n');
    expect(text).toContain('\nawkward_value{case="minus_inf"} -Inf\n');
    const exposition = parseExposition(text);
    expect(exposition.value('awkward_value', { case: 'nan' })).toBeNaN();
    expect(exposition.value('awkward_value', { case: 'plus_inf' })).toBe(Infinity);
    expect(exposition.value('awkward_value', { case: 'minus_inf' })).toBe(-Infinity);
  });

  it('label values with a quote, a backslash and a newline are written \\" \\\\ \\n and read back intact', async () => {
    const text = await render(format, ...awkwardFamilies());
    expect(text).toContain('\nawkward_value{case="say \\"hi\\"\\\\ then\\nbye"} -0.5\n');
    expect(text).toContain('\nawkward_events_total{reason="say \\"hi\\"\\\\ then\\nbye"} 2\n');
    expect(parseExposition(text).value('awkward_value', { case: AWKWARD_VALUE })).toBe(-0.5);
  });

  it('help text: both formats escape the backslash and the newline; only OpenMetrics escapes the quote', async () => {
    const text = await render(format, ...awkwardFamilies());
    const quote = format === 'openmetrics' ? '\\"' : '"';
    expect(text).toContain(`# HELP awkward_value Help with ${quote}quotes${quote}, a back\\\\slash and a\\nsecond line\n`);
    expect(parseExposition(text).help.get('awkward_value')).toBe(AWKWARD_HELP);
  });
});

describe('the awkward values before the real parsers', () => {
  it.runIf(promtool)('text: promtool check metrics accepts them', async () => {
    expect(promtoolCheck(await render('text', ...awkwardFamilies()))).toBe('');
  });

  it.runIf(referenceParser)('OpenMetrics: the reference parser accepts them and reads back what our helper reads', async () => {
    const text = await render('openmetrics', ...awkwardFamilies());
    const parsed = referenceParser!(text);
    expect(parsed.error).toBe('');
    expect(parsed.samples.map((s) => [s.name, s.labels, s.value])).toEqual(
      parseExposition(text).samples.map((s) => [s.name, s.labels, s.value]),
    );
    expect(byName(parsed.samples, 'awkward_value').map((s) => s.labels['case'])).toContain(AWKWARD_VALUE);
    expect(byName(parsed.samples, 'ml_feature_value_sum')[0]?.value).toBe(7120.5);
  });
});

describe("the service's metrics, fed a NaN score and a negative feature value through the request path", () => {
  const MODEL: ModelLayout = {
    name: 'fraud-detection',
    version: 'v1.0',
    framework: 'onnx',
    features: [{ name: 'amount', type: 'numeric', offset: 0 }],
    width: 1,
  };
  const LABELS = { model_name: 'fraud-detection', model_version: 'v1.0' };

  const scoreAwkwardRows = (): Metrics => {
    const metrics = createMetrics({ models: [MODEL], rejectionReasons: ['invalid_feature_value'] });
    const recorder = createPredictionTelemetry(metrics, [MODEL], ['invalid_feature_value']).recorder('fraud-detection', 'v1.0');
    // Two rows: amount -50 scored NaN, amount 120.5 scored 0.9.
    recorder.predicted(2, Float32Array.of(-50, 120.5), Uint8Array.of(1, 1), Float32Array.of(Number.NaN, 0.9), 0.002, undefined);
    return metrics;
  };

  it.each(FORMATS)(
    '%s: ml_feature_value_sum stays >= 0, and the unscored row is the gap between predictions and scores',
    async (format) => {
      const exposition = parseExposition(await scoreAwkwardRows().render(format));
      const amount = { model_name: 'fraud-detection', feature_name: 'amount' };
      expectConformantHistogram(exposition, 'ml_feature_value', amount);
      expect(exposition.value('ml_feature_value_sum', amount)).toBe(120.5);
      expect(exposition.value('ml_feature_value_bucket', { ...amount, le: '0' })).toBe(1);
      for (const name of ['ml_prediction_scores', 'ml_confidence_scores']) {
        expectConformantHistogram(exposition, name, LABELS);
        expect(exposition.value(`${name}_count`, LABELS)).toBe(1);
      }
      expect(exposition.value('ml_predictions_total', { ...LABELS, status: 'success' })).toBe(2);
    },
  );

  it.runIf(promtool)('promtool check metrics accepts the whole text rendering', async () => {
    expect(promtoolCheck(await scoreAwkwardRows().render('text'))).toBe('');
  });

  it.runIf(referenceParser)('the OpenMetrics reference parser accepts the whole OpenMetrics rendering', async () => {
    expect(referenceParser!(await scoreAwkwardRows().render('openmetrics')).error).toBe('');
  });
});
